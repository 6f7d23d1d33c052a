// Generates the bundled NLI dataset datasets/nli-tiny (train.tsv, validation.tsv, README.md) from
// templates. Deterministic: the same seed and word lists give byte-identical files, which the tests check.
//   node bin/run-ts.js datasets/generate-nli.ts [OUT_DIR]     (default: datasets/nli-tiny)
import { mkdir, writeFile, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ACTIONS, ADJECTIVES, CATEGORIES, NAMES, OBJECT_DETAILS, OCCUPATIONS, PLACES, QUALITIES, QUALITY_DETAILS, REASONS, TIMES,
  type Action, type Quality,
} from './nli-lexicon.ts';

const SEED = 20260101;
const PREMISES = { train: 1000, validation: 200 }; // three hypotheses each: one per label
const LABELS = ['entailment', 'neutral', 'contradiction'] as const;
type Label = (typeof LABELS)[number];

interface Example {
  premise: string;
  hypothesis: string;
  label: Label;
  /** How the hypothesis was made, for the dataset card's statistics. */
  strategy: string;
}

/** mulberry32: small, fast, and the same sequence on every platform. */
function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const chance = (p: number) => next() < p;
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  };
  return { pick, chance, shuffle };
}
type Random = ReturnType<typeof createRandom>;

const capitalise = (text: string) => text[0].toUpperCase() + text.slice(1);
const sentence = (...parts: (string | undefined)[]) => `${capitalise(parts.filter(Boolean).join(' '))}.`;
const withoutArticle = (phrase: string) => phrase.replace(/^(a|an) /, '');
const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');

/** A subject and the phrases it entails (`generalisations`) or that would add information (`specifics`). */
interface Subject {
  text: string;
  generalisations: string[];
  specifics: string[];
}

function makeSubject(r: Random): Subject {
  const job = r.pick(OCCUPATIONS);
  const adjective = r.pick(ADJECTIVES);
  const people = ['someone', 'a person'];
  const kind = r.pick(['definite', 'definite', 'indefinite', 'name', 'appositive', 'generic'] as const);
  const jobHypernyms = job.hypernym ? [`${article(job.hypernym)} ${job.hypernym}`] : [];
  switch (kind) {
    case 'definite':
      return { text: `the ${adjective} ${job.noun}`, generalisations: [`the ${job.noun}`, ...jobHypernyms, ...people], specifics: [] };
    case 'indefinite':
      return { text: `${article(adjective)} ${adjective} ${job.noun}`, generalisations: [`${article(job.noun)} ${job.noun}`, ...jobHypernyms, ...people], specifics: [] };
    case 'name':
      return { text: r.pick(NAMES), generalisations: people, specifics: [] };
    case 'appositive': {
      const name = r.pick(NAMES);
      return { text: `${name}, ${article(adjective)} ${adjective} ${job.noun},`, generalisations: [name, `${article(job.noun)} ${job.noun}`, ...jobHypernyms, ...people], specifics: [] };
    }
    case 'generic':
      return { text: r.pick(people), generalisations: [], specifics: [`${article(job.noun)} ${job.noun}`, `the ${adjective} ${job.noun}`, r.pick(NAMES)] };
  }
}

function eventExample(r: Random): Example[] | null {
  const action = r.pick(ACTIONS);
  const categoryName = r.pick(action.objects);
  const category = CATEGORIES[categoryName];
  const generalObject = category.hypernym !== 'something' && r.chance(0.2);
  const object = generalObject ? category.hypernym : r.pick(category.members);
  const subject = makeSubject(r);
  const place = r.chance(0.6) ? r.pick(PLACES) : undefined;
  const time = r.chance(0.4) ? r.pick(TIMES) : undefined;
  const negated = r.chance(0.3);
  // "Someone did not buy X" vs "Someone bought X" may be two people: negate only premises about a known subject.
  if (negated && subject.generalisations.length === 0) return null;
  const reason = !negated && r.chance(0.25) ? r.pick(REASONS) : undefined;
  const verb = action.verb;
  const premise = sentence(subject.text, negated ? `did not ${verb.base}` : verb.past, object, place, time, reason);
  const make = (label: Label, strategy: string, ...parts: (string | undefined)[]): Example => ({ premise, hypothesis: sentence(...parts), label, strategy });
  const otherActions = ACTIONS.filter((a) => a !== action && a.objects.includes(categoryName) && a.verb.past !== action.antonym?.past);
  const parts: EventParts = { action, object, generalObject, category, subject, place, time, reason, otherActions };
  return negated ? negatedEvent(r, parts, make) : positiveEvent(r, parts, make);
}

interface EventParts {
  action: Action;
  object: string;
  generalObject: boolean;
  category: (typeof CATEGORIES)[string];
  subject: Subject;
  place?: string;
  time?: string;
  /** Only in positive premises: "... because a friend asked". */
  reason?: string;
  otherActions: Action[];
}
type Make = (label: Label, strategy: string, ...parts: (string | undefined)[]) => Example;

function positiveEvent(r: Random, e: EventParts, make: Make): Example[] | null {
  const { action, object, category, subject, place, time, reason } = e;
  const verb = action.verb;
  const keep = (modifier?: string) => (modifier && r.chance(0.4) ? modifier : undefined);
  const keepReason = () => (reason && r.chance(0.5) ? reason : undefined);
  const specific = !e.generalObject && category.hypernym !== 'something';
  const otherMembers = category.members.filter((member) => member !== object);

  const entailments: (() => Example)[] = [];
  if (action.paraphrase) entailments.push(() => make('entailment', 'paraphrase', subject.text, action.paraphrase!.past, object, keep(place), keep(time), keepReason()));
  if (specific) entailments.push(() => make('entailment', 'hypernym (object)', subject.text, verb.past, category.hypernym, keep(place), keep(time), keepReason()));
  if (subject.generalisations.length > 0) {
    entailments.push(() => make('entailment', 'hypernym (subject)', r.pick(subject.generalisations), verb.past, object, keep(place), keep(time), keepReason()));
  }
  if (place || time || reason) {
    entailments.push(() => {
      const kept = [place, time, reason].map((modifier) => (r.chance(0.5) ? modifier : undefined));
      return make('entailment', 'dropped modifier', subject.text, verb.past, object, ...(kept.join() === [place, time, reason].join() ? [] : kept));
    });
  }

  // Negations leave reasons out ("did not buy it because a friend asked" is ambiguous); antonyms may add one.
  const contradictions: (() => Example)[] = [
    () => make('contradiction', 'negation (nobody)', 'nobody', verb.past, r.chance(0.5) && specific ? category.hypernym : object, keep(place), keep(time)),
  ];
  // "Someone did not buy it" does not contradict "someone bought it" (two people); a known subject does.
  if (subject.generalisations.length > 0) {
    contradictions.push(() => make('contradiction', 'negation', subject.text, `did not ${verb.base}`, r.chance(0.5) && specific ? category.hypernym : object, keep(place), keep(time)));
  }
  if (action.antonym) {
    const antonymReason = () => keepReason() ?? (r.chance(0.3) ? r.pick(REASONS) : undefined);
    const antonym = () => make('contradiction', 'antonym', subject.text, action.antonym!.past, object, keep(place), keep(time), antonymReason());
    contradictions.push(antonym, antonym); // antonyms as often as the two negations together, so "not" is no giveaway
  }

  // Neutral hypotheses may also generalise the subject: the added detail is what stays unsupported.
  const who = () => (subject.generalisations.length > 0 && r.chance(0.3) ? r.pick(subject.generalisations) : subject.text);
  const neutrals: (() => Example)[] = [];
  if (reason) neutrals.push(() => make('neutral', 'other reason', who(), verb.past, object, keep(place), keep(time), r.pick(REASONS.filter((x) => x !== reason))));
  else neutrals.push(() => make('neutral', 'added reason', who(), verb.past, object, keep(place), keep(time), r.pick(REASONS)));
  if (/^an? /.test(object)) {
    neutrals.push(() => make('neutral', 'added property', who(), verb.past, `${r.pick(OBJECT_DETAILS)} ${withoutArticle(object)}`, keep(place), keep(time), keepReason()));
  }
  if (specific) {
    neutrals.push(() =>
      r.chance(0.5)
        ? make('neutral', 'other object negated', subject.text, `did not ${verb.base}`, r.pick(otherMembers), keep(place), keep(time))
        : make('neutral', 'other object negated', 'nobody', verb.past, r.pick(otherMembers), keep(place), keep(time)),
    );
  }
  if (e.generalObject) neutrals.push(() => make('neutral', 'hyponym (object)', subject.text, verb.past, r.pick(category.members), place, time, keepReason()));
  if (!place) neutrals.push(() => make('neutral', 'added place', who(), verb.past, object, r.pick(PLACES), time, keepReason()));
  if (!time) neutrals.push(() => make('neutral', 'added time', who(), verb.past, object, keep(place), r.pick(TIMES), keepReason()));
  if (subject.specifics.length > 0) neutrals.push(() => make('neutral', 'hyponym (subject)', r.pick(subject.specifics), verb.past, object, place, time, keepReason()));
  if (e.otherActions.length > 0) neutrals.push(() => make('neutral', 'other action', who(), r.pick(e.otherActions).verb.past, object, keep(place), keep(time)));

  return oneOfEach(r, entailments, neutrals, contradictions);
}

/** One hypothesis per label; null (premise discarded) when a label has no applicable strategy. */
function oneOfEach(r: Random, ...byLabel: (() => Example)[][]): Example[] | null {
  if (byLabel.some((strategies) => strategies.length === 0)) return null;
  return byLabel.map((strategies) => r.pick(strategies)());
}

const NEGATION_REASONS = ['because it was too expensive', 'because there was no time', 'because nobody asked', 'despite being asked twice', 'because of the rain'];

function negatedEvent(r: Random, e: EventParts, make: Make): Example[] | null {
  const { action, object, category, subject, place, time } = e;
  const verb = action.verb;
  // Under negation generalising is no longer safe but specialising is: "did not buy an animal" entails
  // "did not buy a horse". Modifiers must stay: "did not buy it at the market" says nothing elsewhere.
  const entailments: (() => Example)[] = [];
  if (action.paraphrase) entailments.push(() => make('entailment', 'paraphrase (negated)', subject.text, `did not ${action.paraphrase!.base}`, object, place, time));
  if (e.generalObject) entailments.push(() => make('entailment', 'hyponym under negation', subject.text, `did not ${verb.base}`, r.pick(category.members), place, time));

  // Doing it for any reason still contradicts not doing it.
  const anyReason = () => (r.chance(0.3) ? r.pick(REASONS) : undefined);
  const contradictions: (() => Example)[] = [() => make('contradiction', 'negation removed', subject.text, verb.past, object, place, time, anyReason())];
  if (action.paraphrase) {
    contradictions.push(() => make('contradiction', 'negation removed (paraphrase)', subject.text, action.paraphrase!.past, object, place, time, anyReason()));
  }
  if (e.generalObject) {
    contradictions.push(() => make('contradiction', 'negation removed (hyponym)', subject.text, verb.past, r.pick(category.members), place, time, anyReason()));
  }

  const neutrals: (() => Example)[] = [() => make('neutral', 'added reason', subject.text, `did not ${verb.base}`, object, place, time, r.pick(NEGATION_REASONS))];
  if (!e.generalObject && category.hypernym !== 'something') {
    neutrals.push(() => make('neutral', 'hypernym under negation', subject.text, verb.past, category.hypernym, place, time));
  }
  if (place) neutrals.push(() => make('neutral', 'other place', subject.text, verb.past, object, r.pick(PLACES.filter((p) => p !== place)), time));
  if (time) neutrals.push(() => make('neutral', 'other time', subject.text, verb.past, object, place, r.pick(TIMES.filter((t) => t !== time))));

  return oneOfEach(r, entailments, neutrals, contradictions);
}

function stateExample(r: Random): Example[] | null {
  const quality: Quality = r.pick(QUALITIES);
  const noun = r.pick(quality.nouns);
  const time = r.chance(0.5) ? r.pick(TIMES) : undefined;
  const premise = sentence(noun, 'was', quality.adjective, time);
  const make = (label: Label, strategy: string, ...parts: (string | undefined)[]): Example => ({ premise, hypothesis: sentence(...parts), label, strategy });
  const entailments = [() => make('entailment', 'negated antonym', noun, 'was not', quality.antonym, r.chance(0.5) ? time : undefined)];
  if (quality.synonym) entailments.push(() => make('entailment', 'paraphrase', noun, 'was', quality.synonym!, r.chance(0.5) ? time : undefined));
  // A contradiction keeps the time: "quiet this morning" does not contradict "noisy" at some other time.
  const contradictions = [
    () => make('contradiction', 'antonym', noun, 'was', quality.antonym, time),
    () => make('contradiction', 'negation', noun, 'was not', quality.adjective, time),
  ];
  const neutrals = [() => make('neutral', 'added reason', noun, 'was', quality.adjective, time, r.pick(QUALITY_DETAILS))];
  if (time) neutrals.push(() => make('neutral', 'other time', noun, 'was', r.pick([quality.adjective, quality.antonym]), r.pick(TIMES.filter((t) => t !== time))));
  return oneOfEach(r, entailments, neutrals, contradictions);
}

/** Builds both splits; premises are unique across them, so validation never repeats a training premise. */
export function generateNli(): Record<'train' | 'validation', Example[]> {
  const r = createRandom(SEED);
  const seen = new Set<string>();
  const split = (premises: number): Example[] => {
    const examples: Example[] = [];
    while (examples.length < premises * 3) {
      const triple = r.chance(0.75) ? eventExample(r) : stateExample(r);
      if (!triple) continue;
      const premise = triple[0].premise;
      const hypotheses = new Set(triple.map((e) => e.hypothesis));
      if (seen.has(premise) || hypotheses.size !== 3 || hypotheses.has(premise)) continue;
      seen.add(premise);
      examples.push(...triple);
    }
    return r.shuffle(examples);
  };
  return { train: split(PREMISES.train), validation: split(PREMISES.validation) };
}

export function toTsv(examples: Example[]): string {
  return ['premise\thypothesis\tlabel', ...examples.map((e) => `${e.premise}\t${e.hypothesis}\t${e.label}`)].join('\n') + '\n';
}

/**
 * Validation accuracy of a naive Bayes classifier over hypothesis words alone (add-one smoothing): how far
 * a model gets without reading the premise. The card reports it so nobody mistakes that for NLI.
 */
function hypothesisOnlyAccuracy(train: Example[], validation: Example[]): number {
  const words = (text: string) => text.toLowerCase().replace(/[.,]/g, '').split(/\s+/);
  const counts = LABELS.map(() => new Map<string, number>());
  const totals = LABELS.map(() => 0);
  const vocabulary = new Set<string>();
  for (const e of train) {
    const c = LABELS.indexOf(e.label);
    for (const word of words(e.hypothesis)) {
      counts[c].set(word, (counts[c].get(word) ?? 0) + 1);
      totals[c]++;
      vocabulary.add(word);
    }
  }
  const predict = (hypothesis: string) => {
    const scores = LABELS.map((_, c) => words(hypothesis).reduce((sum, w) => sum + Math.log(((counts[c].get(w) ?? 0) + 1) / (totals[c] + vocabulary.size)), 0));
    return LABELS[scores.indexOf(Math.max(...scores))];
  };
  return validation.filter((e) => predict(e.hypothesis) === e.label).length / validation.length;
}

export function datasetCard(splits: Record<'train' | 'validation', Example[]>): string {
  const rows = (examples: Example[]) => LABELS.map((label) => examples.filter((e) => e.label === label).length);
  const words = (text: string) => text.split(/\s+/).length;
  const all = [...splits.train, ...splits.validation];
  const stat = (label: Label, f: (e: Example) => number) => {
    const subset = all.filter((e) => e.label === label);
    return subset.reduce((sum, e) => sum + f(e), 0) / subset.length;
  };
  const strategies = (label: Label) => {
    const counts = new Map<string, number>();
    for (const e of all) if (e.label === label) counts.set(e.strategy, (counts.get(e.strategy) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name, n]) => `${name} ${n}`).join(', ');
  };
  const negation = (e: Example) => (/\b(not|nobody)\b/i.test(e.hypothesis) ? 1 : 0);
  const premises = [...new Set(all.map((e) => e.premise))];
  const negatedPremises = (100 * premises.filter((p) => p.includes(' did not ')).length) / premises.length;
  const [trainE, trainN, trainC] = rows(splits.train);
  const [valE, valN, valC] = rows(splits.validation);
  return `# nli-tiny: a small generated NLI dataset

TransferKit's own natural language inference data, used by the offline demo (\`transferkit finetune --demo\`)
and by tests. Every pair was generated from templates by \`datasets/generate-nli.ts\` (word lists in
\`datasets/nli-lexicon.ts\`); nothing was taken from an existing corpus. Regenerate with
\`node bin/run-ts.js datasets/generate-nli.ts\` (seed ${SEED}); the output is byte-identical, and a test checks it.

## Files
\`train.tsv\` and \`validation.tsv\`: tab-separated, header \`premise\thypothesis\tlabel\`, UTF-8, LF line ends.
Labels are the MNLI names; with GLUE's order they map to 0 entailment, 1 neutral, 2 contradiction.

| split | pairs | entailment | neutral | contradiction | premises |
|---|---|---|---|---|---|
| train | ${splits.train.length} | ${trainE} | ${trainN} | ${trainC} | ${splits.train.length / 3} |
| validation | ${splits.validation.length} | ${valE} | ${valN} | ${valC} | ${splits.validation.length / 3} |

Each premise appears with exactly one hypothesis per label (as in SNLI), so the classes are balanced and a
model must read the hypothesis against its premise. No premise is shared between train and validation.
Rows are shuffled.

## How the pairs were made
Premises are events (\`The tired farmer bought a horse at the market on Sunday.\`, ${negatedPremises.toFixed(0)}% negated:
\`... did not buy ...\`) or states (\`The library was quiet this morning.\`), built from
${OCCUPATIONS.length} occupations, ${NAMES.length} names, ${ACTIONS.length} verbs, ${Object.keys(CATEGORIES).length} object categories of 6 members each, ${PLACES.length} places and ${TIMES.length} times.

- **Entailment** by paraphrase (\`bought\` → \`purchased\`), hypernym (\`a violin\` → \`a musical instrument\`,
  \`the surgeon\` → \`a doctor\`, \`someone\`), dropping a place, time or reason, a negated antonym (\`quiet\` → \`not noisy\`),
  and under negation by a hyponym (\`did not buy an animal\` → \`did not buy a horse\`).
- **Contradiction** by negation (\`did not buy\`, \`Nobody bought\`, also with a hypernym object), by antonym
  (\`bought\`/\`sold\`, \`opened\`/\`closed\`, \`quiet\`/\`noisy\`), or by removing the premise's negation.
- **Neutral** by an added unsupported detail: a reason (\`because a friend asked\`), a property
  (\`an expensive violin\`), a place or time the premise does not give, a more specific object or subject than
  the premise's (\`an animal\` → \`a horse\`), another action on the same object, a negation about another
  object (\`bought a violin\` → \`did not buy a guitar\`), or, under negation, another place or time.

Hypotheses per label and strategy (both splits):
- entailment: ${strategies('entailment')}
- neutral: ${strategies('neutral')}
- contradiction: ${strategies('contradiction')}

## Known shortcuts (limits)
Template data has artifacts a model can exploit without understanding the pair:
- mean hypothesis length in words: entailment ${stat('entailment', (e) => words(e.hypothesis)).toFixed(1)}, neutral ${stat('neutral', (e) => words(e.hypothesis)).toFixed(1)}, contradiction ${stat('contradiction', (e) => words(e.hypothesis)).toFixed(1)} (neutral details make hypotheses longer);
- a hypothesis-only naive Bayes classifier (word counts, trained on train) gets ${(100 * hypothesisOnlyAccuracy(splits.train, splits.validation)).toFixed(1)}%
  validation accuracy against 33.3% chance: the premise matters, but a model can score well above chance
  from hypothesis wording alone;
- share of hypotheses with \`not\` or \`nobody\`: entailment ${(100 * stat('entailment', negation)).toFixed(1)}%, neutral ${(100 * stat('neutral', negation)).toFixed(1)}%, contradiction ${(100 * stat('contradiction', negation)).toFixed(1)}%
  (negated premises, negated-antonym entailments and antonym contradictions keep negation from deciding alone).

Contradictions assume, as SNLI and MNLI annotators did, that premise and hypothesis describe the same event
(\`bought a horse\` vs \`sold a horse\`). The vocabulary is small and the grammar simple: accuracy here says a
pipeline works and learns, not how well a model understands English. Use MNLI for real evaluation.

## Licence
Generated by TransferKit and released under the project's licence, Apache-2.0.
`;
}

async function main(outDir: string): Promise<void> {
  const splits = generateNli();
  const files: Record<string, string> = {
    'train.tsv': toTsv(splits.train),
    'validation.tsv': toTsv(splits.validation),
    'README.md': datasetCard(splits),
  };
  await mkdir(outDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    // Temp + rename, so an interrupted run never leaves half a file behind.
    const temp = join(outDir, `.${name}.tmp-${process.pid}`);
    await writeFile(temp, content);
    await rename(temp, join(outDir, name));
  }
  process.stdout.write(`wrote ${Object.keys(files).join(', ')} to ${outDir} (${splits.train.length} train, ${splits.validation.length} validation pairs)\n`);
}

const here = fileURLToPath(new URL('.', import.meta.url));
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(resolve(process.argv[2] ?? join(here, 'nli-tiny')));
}
