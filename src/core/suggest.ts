/**
 * "Did you mean …?" for names a user typed: flags, commands, labels. One edit distance for all of them,
 * so a typo is judged the same way wherever it is made.
 */

/** Levenshtein distance (insert, delete, substitute; each costs 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The candidate the user most likely meant: the only one that `given` begins (`--max-train` →
 * `--max-train-samples`), else the nearest within a third of its length (at least 2 edits). Undefined
 * when nothing is that close, so no far-fetched guess is offered.
 */
export function closest(given: string, candidates: Iterable<string>): string | undefined {
  const names = [...candidates].filter((name) => name !== given);
  const extensions = names.filter((name) => name.startsWith(given));
  if (extensions.length === 1 && given.replace(/^-+/, '').length >= 3) return extensions[0];
  const limit = Math.max(2, Math.floor(given.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const name of names) {
    const distance = editDistance(given.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}
