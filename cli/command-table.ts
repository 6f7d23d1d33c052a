import type { Command } from './command.ts';

export interface CommandEntry {
  /** The line `transferkit --help` shows. */
  summary: string;
  /** The command module, imported only when the command runs (or its --help is asked for). */
  load: () => Promise<{ default: Command }>;
}

/**
 * Every command, in `transferkit --help` order. A command module imports what it needs inside run(), so
 * `--help` and light commands never load ONNX Runtime, TF.js, Ink or React.
 */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  finetune: {
    summary: 'Scripted finetune (run_glue.py style): extract features, train a head, evaluate, save',
    load: () => import('./commands/finetune.ts'),
  },
  train: {
    summary: 'Interactive terminal trainer: set up a run, watch it, pause/save/evaluate/stop it with keys',
    load: () => import('./commands/train.ts'),
  },
  predict: {
    summary: 'Label inputs with a trained checkpoint (JSON lines: label and probabilities)',
    load: () => import('./commands/predict.ts'),
  },
  eval: { summary: 'Metrics of a trained checkpoint on a labelled set', load: () => import('./commands/eval.ts') },
  embed: { summary: 'Embed texts, text pairs or images with the backbone into a float32 .npy', load: () => import('./commands/embed.ts') },
  attention: {
    summary: 'Export per-layer attention (bertviz JSON, npy or an HTML head view)',
    load: () => import('./commands/attention.ts'),
  },
  'export-onnx': {
    summary: 'Export a checkpoint as one ONNX model (backbone + head) for Transformers.js pipelines',
    load: () => import('./commands/export-onnx.ts'),
  },
  extract: {
    summary: 'Fill the feature cache for a later finetune, whole or one shard (--shard I/N | auto) of many workers',
    load: () => import('./commands/extract.ts'),
  },
  cache: { summary: 'Feature cache status (coverage, missing shards, size) and verify (checksums)', load: () => import('./commands/cache.ts') },
  push: { summary: 'Upload a checkpoint with a generated model card to the Hugging Face hub', load: () => import('./commands/push.ts') },
  pull: { summary: 'Download a pushed checkpoint (and its backbone) or a backbone into the cache, for offline use', load: () => import('./commands/pull.ts') },
  quantize: {
    summary: 'Write an int8 (dynamically quantized) copy of a model, loaded with --dtype q8',
    load: () => import('./commands/quantize.ts'),
  },
  'plan-job': {
    summary: 'Print a Kubernetes Indexed Job that extracts features with N workers over one shared cache',
    load: () => import('./commands/plan-job.ts'),
  },
  'make-model': { summary: 'Generate a seeded random model (BERT, ResNet, ViT) in Hugging Face layout', load: () => import('./commands/make-model.ts') },
};
