import { MODEL_DTYPES } from '../core/index.ts';
import { inputError } from '../errors.ts';
import { ACTIVATIONS, layerShapes, type Activation, type HeadSpec } from '../heads/config.ts';
import { isTrainerState } from '../train/state.ts';
import { BACKBONE_OPTIMIZER_PREFIX, CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION, READABLE_FORMAT_VERSIONS, type BinaryFile, type CheckpointManifest } from './manifest.ts';
import type { TensorEntry } from './tensors.ts';
import { POOLINGS, type Pooling } from '../core/index.ts';

/**
 * Checks a parsed manifest field by field (no schema library, no code evaluation) and returns it typed.
 * Every error names the file and the field.
 */
export function validateManifest(value: unknown, file: string): CheckpointManifest {
  const fail = (message: string): never => {
    throw inputError(`invalid checkpoint manifest: ${message}`, { file });
  };
  if (!isObject(value)) return fail('not a JSON object');
  const m = value as Record<string, unknown>;
  if (m.format !== CHECKPOINT_FORMAT) fail(`'format' must be '${CHECKPOINT_FORMAT}' (is this a TransferKit checkpoint?)`);
  if (!READABLE_FORMAT_VERSIONS.includes(m.formatVersion as number)) {
    fail(`format version ${String(m.formatVersion)} is not supported (this TransferKit reads versions ${READABLE_FORMAT_VERSIONS.join(' and ')}, writes ${CHECKPOINT_FORMAT_VERSION})`);
  }
  if (!Array.isArray(m.labelNames) || m.labelNames.length < 2 || !m.labelNames.every((l) => typeof l === 'string' && l !== '')) {
    fail(`'labelNames' must list at least two non-empty label names`);
  }
  const labelNames = m.labelNames as string[];
  if (new Set(labelNames).size !== labelNames.length) fail(`'labelNames' has duplicates`);
  const head = validateHeadSpec(m.head, fail);
  if (head.numClasses !== labelNames.length) {
    fail(`head has ${head.numClasses} outputs but there are ${labelNames.length} label names`);
  }
  for (const key of ['epoch', 'step'] as const) if (!isCount(m[key])) fail(`'${key}' must be a non-negative integer`);
  if (typeof m.createdAt !== 'string') fail(`'createdAt' must be a string`);
  if (typeof m.tfBackend !== 'string') fail(`'tfBackend' must be a string`);
  if (!isObject(m.versions) || !['transferkit', 'tfjs', 'transformers'].every((k) => typeof (m.versions as Record<string, unknown>)[k] === 'string')) {
    fail(`'versions' must give transferkit, tfjs and transformers versions`);
  }
  if (m.backbone !== null) {
    const b = m.backbone as Record<string, unknown>;
    if (!isObject(b) || typeof b.model !== 'string' || typeof b.identity !== 'string' || !isCount(b.dim)) {
      fail(`'backbone' must be null or { model, identity, dim }`);
    }
    if (b.dim !== head.inputDim) fail(`backbone gives ${String(b.dim)}-dim features but the head takes ${head.inputDim}`);
    if (b.checkpoint !== undefined && typeof b.checkpoint !== 'string') fail(`'backbone.checkpoint' must be a path`);
    if (b.dtype !== undefined && !(MODEL_DTYPES as readonly unknown[]).includes(b.dtype)) fail(`'backbone.dtype' must be one of ${MODEL_DTYPES.join(', ')}`);
  }
  if (m.pooling !== null && !POOLINGS.includes(m.pooling as Pooling)) fail(`'pooling' must be ${POOLINGS.join(', ')} or null`);
  if (m.backbone !== null && (m.backbone as Record<string, unknown>).modality !== undefined && !['text', 'image'].includes((m.backbone as Record<string, unknown>).modality as string)) {
    fail(`'backbone.modality' must be text or image`);
  }
  if (m.standardize !== undefined) {
    const s = m.standardize as Record<string, unknown>;
    const isVector = (v: unknown) => Array.isArray(v) && v.length === head.inputDim && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!isObject(s) || !isVector(s.mean) || !isVector(s.std) || !(s.std as number[]).every((x) => x > 0)) {
      fail(`'standardize' must be { mean, std }, ${head.inputDim} finite numbers each (std > 0)`);
    }
  }
  if (m.maxLength !== null && !(isCount(m.maxLength) && (m.maxLength as number) > 0)) fail(`'maxLength' must be a positive integer or null`);
  if (m.training !== null && !isObject(m.training)) fail(`'training' must be an object or null`);
  if (m.metrics !== null && !isObject(m.metrics)) fail(`'metrics' must be an object or null`);
  const weights = validateBinary(m.weights, 'weights', fail);
  const expected = layerShapes(head).flatMap(({ name, inputs, outputs }) => [
    { name: `${name}/kernel`, shape: [inputs, outputs] },
    { name: `${name}/bias`, shape: [outputs] },
  ]);
  checkTensorList(weights.tensors, expected, 'weights', fail);
  const backboneShapes = new Map<string, number[]>();
  if (m.backboneWeights !== null && m.backboneWeights !== undefined) {
    const backbone = validateBinary(m.backboneWeights, 'backboneWeights', fail) as BinaryFile & { unfreezeTop: unknown };
    const top = backbone.unfreezeTop;
    if (!(top === 'all' || (Number.isInteger(top) && (top as number) > 0))) fail(`'backboneWeights.unfreezeTop' must be 'all' or a layer count`);
    for (const t of backbone.tensors) backboneShapes.set(`${BACKBONE_OPTIMIZER_PREFIX}${t.name}`, t.shape);
  }
  if (m.resume !== null && m.resume !== undefined) {
    const r = m.resume as Record<string, unknown>;
    if (!isObject(r)) fail(`'resume' must be an object or null`);
    const optimizer = validateBinary(r.optimizer, 'resume.optimizer', fail) as BinaryFile & { kind: unknown; step: unknown };
    if (!['adamw', 'adam', 'sgd'].includes(optimizer.kind as string)) fail(`'resume.optimizer.kind' must be adamw, adam or sgd`);
    if (!isCount(optimizer.step)) fail(`'resume.optimizer.step' must be a non-negative integer`);
    const byName = new Map([...expected.map((e) => [e.name, e.shape] as const), ...backboneShapes]);
    for (const t of optimizer.tensors) {
      const param = t.name.slice(0, t.name.lastIndexOf('/'));
      const shape = byName.get(param);
      if (!shape || !sameShape(shape, t.shape)) fail(`optimizer tensor '${t.name}' matches no head or backbone weight of shape [${t.shape}]`);
    }
    if (!isTrainerState(r.trainer)) fail(`'resume.trainer' is not a valid trainer state`);
  }
  return { ...(m as unknown as CheckpointManifest), head, resume: (m.resume ?? null) as CheckpointManifest['resume'] };
}

function validateHeadSpec(value: unknown, fail: (message: string) => never): HeadSpec {
  if (!isObject(value)) fail(`'head' must be an object`);
  const h = value as Record<string, unknown>;
  if (!(isCount(h.inputDim) && (h.inputDim as number) > 0)) fail(`'head.inputDim' must be a positive integer`);
  if (!(isCount(h.numClasses) && (h.numClasses as number) >= 2)) fail(`'head.numClasses' must be an integer >= 2`);
  const inputDim = h.inputDim as number;
  const numClasses = h.numClasses as number;
  if (h.type === 'linear') return { type: 'linear', inputDim, numClasses };
  if (h.type !== 'mlp') fail(`'head.type' must be linear or mlp`);
  if (!Array.isArray(h.hidden) || h.hidden.length === 0 || !h.hidden.every((n) => isCount(n) && n > 0)) fail(`'head.hidden' must list positive integers`);
  if (!ACTIVATIONS.includes(h.activation as never)) fail(`'head.activation' must be one of ${ACTIVATIONS.join(', ')}`);
  if (!(typeof h.dropout === 'number' && h.dropout >= 0 && h.dropout < 1)) fail(`'head.dropout' must be in [0, 1)`);
  return { type: 'mlp', hidden: h.hidden as number[], activation: h.activation as Activation, dropout: h.dropout as number, inputDim, numClasses };
}

function validateBinary(value: unknown, field: string, fail: (message: string) => never): BinaryFile {
  if (!isObject(value)) fail(`'${field}' must be an object`);
  const b = value as Record<string, unknown>;
  if (typeof b.file !== 'string' || !/^[\w.-]+$/.test(b.file)) fail(`'${field}.file' must be a plain file name`);
  if (!isCount(b.byteLength)) fail(`'${field}.byteLength' must be a non-negative integer`);
  if (typeof b.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(b.sha256)) fail(`'${field}.sha256' must be a sha256 hex digest`);
  if (!Array.isArray(b.tensors)) fail(`'${field}.tensors' must be a list`);
  let offset = 0;
  for (const t of b.tensors as unknown[]) {
    const e = t as Record<string, unknown>;
    if (!isObject(e) || typeof e.name !== 'string' || !Array.isArray(e.shape) || !e.shape.every((d) => isCount(d))) {
      fail(`'${field}.tensors' entries need a name and a shape of non-negative integers`);
    }
    if (e.dtype !== 'float32') fail(`tensor '${String(e.name)}' has dtype ${String(e.dtype)}; only float32 is supported`);
    const size = (e.shape as number[]).reduce((a, d) => a * d, 1);
    if (e.offset !== offset || e.byteLength !== size * 4) {
      fail(`tensor '${String(e.name)}' should span bytes ${offset}..${offset + size * 4} of ${String(b.file)}, manifest says offset ${String(e.offset)} length ${String(e.byteLength)}`);
    }
    offset += size * 4;
  }
  if (offset !== b.byteLength) fail(`'${field}' tensors cover ${offset} bytes but byteLength says ${String(b.byteLength)}`);
  return b as unknown as BinaryFile;
}

function checkTensorList(tensors: TensorEntry[], expected: { name: string; shape: number[] }[], field: string, fail: (message: string) => never): void {
  if (tensors.length !== expected.length) {
    fail(`'${field}' lists ${tensors.length} tensors; the head config needs ${expected.length} (${expected.map((e) => e.name).join(', ')})`);
  }
  expected.forEach((e, i) => {
    const t = tensors[i];
    if (t.name !== e.name || !sameShape(t.shape, e.shape)) {
      fail(`tensor ${i} is '${t.name}' [${t.shape}]; the head config needs '${e.name}' [${e.shape}]`);
    }
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
