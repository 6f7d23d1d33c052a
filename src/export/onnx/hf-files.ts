/**
 * The non-graph files of the exported model in Hugging Face layout: config.json for a sequence
 * classifier with the checkpoint's labels, and the backbone's tokenizer files.
 */
import { existsSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { inputError } from '../../errors.ts';
import type { FlatModel } from './checkpoint-chain.ts';

/** Tokenizer files Transformers.js (and transformers) read, copied when the backbone has them. */
const TOKENIZER_FILES = ['tokenizer.json', 'vocab.txt', 'special_tokens_map.json', 'added_tokens.json'];
const TOKENIZER_CONFIG = 'tokenizer_config.json';

async function readJson(path: string): Promise<Record<string, unknown>> {
  try {
    const value: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (error) {
    throw inputError(`cannot read it as JSON (${(error as Error).message})`, { file: path });
  }
  throw inputError('is not a JSON object', { file: path });
}

/** `BertModel` → `BertForSequenceClassification` (the class Transformers.js picks comes from model_type). */
function sequenceClassifierArchitecture(config: Record<string, unknown>): string {
  const base = Array.isArray(config.architectures) && typeof config.architectures[0] === 'string' ? config.architectures[0] : '';
  if (base.endsWith('Model')) return `${base.slice(0, -'Model'.length)}ForSequenceClassification`;
  return 'BertForSequenceClassification';
}

/** config.json: the backbone's own fields, plus the classifier's architecture and labels. */
export async function writeClassifierConfig(backboneDir: string, outDir: string, model: FlatModel): Promise<void> {
  const config = await readJson(join(backboneDir, 'config.json'));
  const id2label = Object.fromEntries(model.labelNames.map((label, i) => [String(i), label]));
  const label2id = Object.fromEntries(model.labelNames.map((label, i) => [label, i]));
  const exported = {
    ...config,
    architectures: [sequenceClassifierArchitecture(config)],
    id2label,
    label2id,
    problem_type: 'single_label_classification',
    // Not read by transformers; says what the logits are made of. No local paths: the folder may be published.
    transferkit: {
      checkpoint_identity: model.checkpoints[0].identity,
      backbone: isAbsolute(model.backbone.model) ? basename(model.backbone.model) : model.backbone.model,
      backbone_identity: model.backbone.identity,
      pooling: model.pooling,
      max_length: model.maxLength,
      heads: model.checkpoints.map((c) => c.manifest.head),
    },
  };
  await writeFile(join(outDir, 'config.json'), `${JSON.stringify(exported, null, 2)}\n`);
}

/**
 * The backbone's tokenizer files. tokenizer_config.json's model_max_length becomes the checkpoint's max
 * length, so a pipeline truncates single texts where training and `transferkit predict` did.
 */
export async function copyTokenizerFiles(backboneDir: string, outDir: string, maxLength: number): Promise<void> {
  for (const file of TOKENIZER_FILES) {
    if (existsSync(join(backboneDir, file))) await copyFile(join(backboneDir, file), join(outDir, file));
  }
  const configPath = join(backboneDir, TOKENIZER_CONFIG);
  const tokenizerConfig = existsSync(configPath) ? await readJson(configPath) : {};
  await writeFile(join(outDir, TOKENIZER_CONFIG), `${JSON.stringify({ ...tokenizerConfig, model_max_length: maxLength }, null, 2)}\n`);
}
