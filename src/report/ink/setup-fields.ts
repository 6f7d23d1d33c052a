import { TransferKitError } from '../../errors.ts';
import {
  BUNDLED_MODEL,
  CONFIG_FLAGS,
  followTaskDefaults,
  interactiveFinetuneConfig,
  parseConfigField,
  parseValidationSpecs,
  TASKS,
  type FinetuneConfig,
  type Task,
} from '../../run/config.ts';

/** What to do with a run already in the output dir: refuse to touch it (`new`), continue it, or replace it. */
export const EXISTING_RUN_CHOICES = ['new', 'resume', 'overwrite'] as const;

/** The fields the setup screen edits, in screen order. */
export type SetupKey =
  | 'task'
  | 'model'
  | 'train'
  | 'validation'
  | 'head'
  | 'pooling'
  | 'lr'
  | 'epochs'
  | 'batchSize'
  | 'maxLength'
  | 'seed'
  | 'unfreezeTop'
  | 'unfreezeAtEpoch'
  | 'backboneLrRatio'
  | 'maxTrainSamples'
  | 'maxEvalSamples'
  | 'outputDir'
  | 'existing';

export interface SetupField {
  key: SetupKey;
  label: string;
  hint: string;
  /** Choice fields cycle with ←/→ instead of taking typed text. */
  choices?: readonly string[];
  /** Choices that depend on the task (pooling: images add the family's own `auto` and `pooler`). */
  choicesByTask?: Partial<Record<Task, readonly string[]>>;
}

export const SETUP_FIELDS: readonly SetupField[] = [
  { key: 'task', label: 'Task', hint: '←/→ to change; fields still at their defaults follow the task', choices: TASKS },
  { key: 'model', label: 'Model', hint: `hub id, folder, checkpoint; ${BUNDLED_MODEL} = offline demo (text)` },
  { key: 'train', label: 'Train data', hint: 'file (tsv/csv/jsonl/parquet), image class folders, or hub spec' },
  { key: 'validation', label: 'Validation', hint: 'NAME=SOURCE, comma-separated for several sets' },
  { key: 'head', label: 'Head', hint: '←/→ to change', choices: ['linear', 'mlp'] },
  {
    key: 'pooling',
    label: 'Pooling',
    hint: "←/→ to change; images: auto = the model family's own",
    choices: ['cls', 'mean'],
    choicesByTask: { 'image-classification': ['auto', 'pooler', 'cls', 'mean'] },
  },
  { key: 'lr', label: 'Learning rate', hint: 'head learning rate' },
  { key: 'epochs', label: 'Epochs', hint: '' },
  { key: 'batchSize', label: 'Batch size', hint: 'head-training batch' },
  { key: 'maxLength', label: 'Max length', hint: 'tokens per pair' },
  { key: 'seed', label: 'Seed', hint: '' },
  { key: 'unfreezeTop', label: 'Unfreeze top', hint: "backbone layers that train too (text): 0 = head only, K = the top K, all" },
  { key: 'unfreezeAtEpoch', label: 'Unfreeze at epoch', hint: 'epochs the head trains alone first' },
  { key: 'backboneLrRatio', label: 'Backbone lr ratio', hint: "the layers' learning rate as a fraction of the head's" },
  { key: 'maxTrainSamples', label: 'Max train samples', hint: 'empty = all' },
  { key: 'maxEvalSamples', label: 'Max eval samples', hint: 'per validation set; empty = all' },
  { key: 'outputDir', label: 'Output dir', hint: 'results and checkpoint go here' },
  { key: 'existing', label: 'Existing run', hint: 'if the output dir holds a run: ←/→ resume or overwrite it', choices: EXISTING_RUN_CHOICES },
];

export type SetupValues = Record<SetupKey, string>;

/** The choices a field cycles through with the task now selected (undefined for a text field). */
export function fieldChoices(field: SetupField, values: SetupValues): readonly string[] | undefined {
  return field.choicesByTask?.[values.task as Task] ?? field.choices;
}

const isTask = (text: string): text is Task => (TASKS as readonly string[]).includes(text);

/** The values after one field is set to `text`; a new task moves the fields still at the old task's defaults to the new one's. */
export function editSetupValues(values: SetupValues, key: SetupKey, text: string): SetupValues {
  const next = { ...values, [key]: text };
  if (key !== 'task' || !isTask(text) || !isTask(values.task) || text === values.task) return next;
  return { ...followTaskDefaults(values, setupValuesFrom(interactiveFinetuneConfig(values.task)), setupValuesFrom(interactiveFinetuneConfig(text))), task: text };
}

/** The config's values as the text the fields start with. */
export function setupValuesFrom(config: FinetuneConfig): SetupValues {
  return {
    task: config.task,
    model: config.model,
    train: config.train,
    validation: Object.entries(config.validation)
      .map(([name, source]) => `${name}=${source}`)
      .join(', '),
    head: config.head,
    pooling: config.pooling,
    lr: String(config.lr),
    epochs: String(config.epochs),
    batchSize: String(config.batchSize),
    maxLength: String(config.maxLength),
    seed: String(config.seed),
    unfreezeTop: String(config.unfreezeTop),
    unfreezeAtEpoch: String(config.unfreezeAtEpoch),
    backboneLrRatio: String(config.backboneLrRatio),
    maxTrainSamples: config.maxTrainSamples === undefined ? '' : String(config.maxTrainSamples),
    maxEvalSamples: config.maxEvalSamples === undefined ? '' : String(config.maxEvalSamples),
    outputDir: config.outputDir,
    existing: config.resume ? 'resume' : config.overwrite ? 'overwrite' : 'new',
  };
}

/** Checks that need the file system, given by the caller (the screen itself stays pure). */
export interface SetupChecks {
  /** Whether the output dir already holds a run (a checkpoint). */
  hasRun?: (outputDir: string) => boolean;
}

/** Parses one field's text with the same rules as its flag; returns the value or the error to show. */
export function parseSetupField(key: SetupKey, text: string): { value: unknown } | { error: string } {
  if (key === 'existing') {
    const choice = EXISTING_RUN_CHOICES.find((c) => c === text);
    return choice ? { value: choice } : { error: `must be one of ${EXISTING_RUN_CHOICES.join(', ')}` };
  }
  try {
    if (key === 'validation') {
      const specs = text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (specs.length === 0) return { error: 'at least one NAME=SOURCE is needed' };
      return { value: parseValidationSpecs(specs) };
    }
    if ((key === 'maxTrainSamples' || key === 'maxEvalSamples') && text.trim() === '') return { value: undefined };
    return { value: parseConfigField(key, text) };
  } catch (error) {
    if (!(error instanceof TransferKitError)) throw error;
    // The message leaves the flag to `where`; the screen shows the field's label instead.
    return { error: error.message };
  }
}

/** Every field's error (only the invalid ones), including whether the output dir and the existing-run choice agree. */
export function setupErrors(values: SetupValues, checks: SetupChecks = {}): Partial<Record<SetupKey, string>> {
  const errors: Partial<Record<SetupKey, string>> = {};
  for (const { key } of SETUP_FIELDS) {
    const parsed = parseSetupField(key, values[key]);
    if ('error' in parsed) errors[key] = parsed.error;
  }
  if (checks.hasRun && !errors.outputDir) {
    const hasRun = checks.hasRun(values.outputDir.trim());
    if (hasRun && values.existing === 'new') errors.outputDir = 'holds a run: pick resume or overwrite below, or another dir';
    if (!hasRun && values.existing === 'resume') errors.existing = 'nothing to resume in the output dir';
  }
  return errors;
}

/** The config to run: `base` (flags and defaults for everything the screen does not show) with the fields applied. */
export function configFromSetup(values: SetupValues, base: FinetuneConfig): FinetuneConfig {
  // Fields the screen does not show (standardize) follow a task changed on the screen, unless a flag set them.
  const task = values.task as Task;
  const start = isTask(task) && task !== base.task ? followTaskDefaults(base, interactiveFinetuneConfig(base.task), interactiveFinetuneConfig(task)) : base;
  const config = { ...start } as unknown as Record<string, unknown>;
  for (const { key } of SETUP_FIELDS) {
    if (key === 'existing') continue;
    const parsed = parseSetupField(key, values[key]);
    if ('error' in parsed) throw new TransferKitError('usage', parsed.error, { flag: CONFIG_FLAGS[key] });
    config[key] = parsed.value;
  }
  config.resume = values.existing === 'resume';
  config.overwrite = values.existing === 'overwrite';
  return config as unknown as FinetuneConfig;
}
