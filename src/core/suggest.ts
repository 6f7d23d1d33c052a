/**
 * "Did you mean …?" for names a user typed: flags, commands, labels. One edit distance for all of them,
 * so a typo is judged the same way wherever it is made.
 */

/**
 * Edit distance with insert, delete, substitute and swap of two neighbours each costing 1 (optimal string
 * alignment): `jsno` is one slip from `json`, not two.
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate the user most likely meant: the only one that `given` begins (`--max-train` →
 * `--max-train-samples`), else the nearest within a third of its length (dashes aside; at least one
 * edit). Undefined when nothing is that close, so no far-fetched guess is offered.
 */
export function closest(given: string, candidates: Iterable<string>): string | undefined {
  const names = [...candidates].filter((name) => name !== given);
  const bare = given.replace(/^-+/, '');
  const extensions = names.filter((name) => name.startsWith(given));
  if (extensions.length === 1 && bare.length >= 3) return extensions[0];
  const limit = Math.max(1, Math.floor(bare.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const name of names) {
    const distance = editDistance(given.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}
