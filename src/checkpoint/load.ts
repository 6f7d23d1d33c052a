import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { inputError } from '../errors.ts';
import type { OptimizerState } from '../train/optimizers.ts';
import { readableDir } from '../io/atomic.ts';
import { BEST_DIR, LAST_DIR, MANIFEST_FILE, RUN_CHECKPOINT_DIR, type BinaryFile, type CheckpointManifest } from './manifest.ts';
import { sha256, unpackTensors } from './tensors.ts';
import { validateManifest } from './validate.ts';
import { isHubCheckpoint, parseHubRepo } from '../hub/repo-ref.ts';

export interface LoadedCheckpoint {
  dir: string;
  manifest: CheckpointManifest;
  weights: Map<string, Float32Array>;
  /** Trained backbone weights by ONNX initializer name; empty when the backbone stayed frozen. */
  backbone: Map<string, Float32Array>;
  /** Present when the checkpoint carries resume state. */
  optimizer: OptimizerState | null;
  /** A hash of what the checkpoint computes (weights, head, labels, backbone): its identity as a backbone. */
  identity: string;
}

/**
 * Reads and verifies a checkpoint: manifest fields, tensor names and shapes against the head config,
 * file sizes and sha256 checksums. Data only: nothing from the checkpoint is ever executed. Read-only:
 * a directory swap a writer has not finished is read from its parked copy and left for the writer.
 * `hub:OWNER/NAME[@REVISION]` is downloaded into the Hugging Face cache first (offline: read from it).
 */
export async function loadCheckpoint(given: string, options: { withResumeState?: boolean; offline?: boolean } = {}): Promise<LoadedCheckpoint> {
  const dir = isHubCheckpoint(given) ? await pullHubCheckpoint(given, options.offline) : given;
  const { absolute, location, manifest } = await readCheckpointManifest(dir);
  const weightBytes = await readBinary(location, manifest.weights);
  const weights = unpackTensors(weightBytes, manifest.weights.tensors);
  const backbone = manifest.backboneWeights ? unpackTensors(await readBinary(location, manifest.backboneWeights), manifest.backboneWeights.tensors) : new Map<string, Float32Array>();
  let optimizer: OptimizerState | null = null;
  if (options.withResumeState && manifest.resume) {
    const r = manifest.resume.optimizer;
    const slots = unpackTensors(await readBinary(location, r), r.tensors);
    optimizer = { kind: r.kind, step: r.step, ...(r.paramSteps ? { paramSteps: r.paramSteps } : {}), slots: r.tensors.map((t) => ({ name: t.name, shape: t.shape, data: slots.get(t.name)! })) };
  }
  const identity = sha256(
    JSON.stringify({ weights: manifest.weights.sha256, ...(manifest.backboneWeights ? { backboneWeights: manifest.backboneWeights.sha256 } : {}), head: manifest.head, labels: manifest.labelNames, backbone: manifest.backbone?.identity ?? null, pooling: manifest.pooling, maxLength: manifest.maxLength, ...(manifest.standardize ? { standardize: manifest.standardize } : {}) }),
  );
  return { dir: absolute, manifest, weights, backbone, optimizer, identity };
}

/**
 * The backbone weights a checkpoint's run trained, by the ONNX initializer name each replaces in the
 * backbone's model.onnx (float32); an empty map for a checkpoint whose backbone stayed frozen.
 */
export async function readBackboneOverrides(checkpointDir: string): Promise<Map<string, Float32Array>> {
  return (await loadCheckpoint(checkpointDir)).backbone;
}

async function pullHubCheckpoint(given: string, offline?: boolean): Promise<string> {
  const { pullCheckpoint } = await import('./hub.ts'); // @huggingface/hub only when needed
  return pullCheckpoint(parseHubRepo(given, '--checkpoint'), { offline });
}

/** A checkpoint's validated manifest alone (no weights read): what a check before any heavy work needs. */
export async function readCheckpointManifest(dir: string): Promise<{ absolute: string; location: string; manifest: CheckpointManifest }> {
  const absolute = resolveCheckpointDir(dir);
  const location = readableDir(absolute);
  if (!existsSync(location)) throw inputError('checkpoint folder does not exist', { file: absolute });
  const manifestPath = join(location, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw inputError(code === 'ENOENT' ? `not a TransferKit checkpoint: ${MANIFEST_FILE} is missing` : `cannot read checkpoint manifest (${code})`, { file: code === 'ENOENT' ? absolute : manifestPath });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw inputError(`checkpoint manifest is not valid JSON (${(error as Error).message}); the file is truncated or damaged`, { file: manifestPath });
  }
  return { absolute, location, manifest: validateManifest(parsed, manifestPath) };
}

/**
 * A checkpoint folder, or a training run's folder (fit's checkpointDir): then its `best/`, else its
 * `last/` checkpoint.
 */
export function resolveCheckpointDir(dir: string): string {
  return findCheckpointDir(dir) ?? resolve(dir);
}

/**
 * The checkpoint in `dir`: the folder itself, a run's checkpoint folder's best/, else last/, or the same
 * inside a finetune output folder's checkpoint/; null if none.
 */
export function findCheckpointDir(dir: string): string | null {
  const absolute = resolve(dir);
  const isCheckpoint = (path: string) => existsSync(join(readableDir(path), MANIFEST_FILE));
  if (isCheckpoint(absolute)) return absolute;
  for (const sub of CHECKPOINT_SUBDIRS) {
    if (isCheckpoint(join(absolute, sub))) return join(absolute, sub);
  }
  return null;
}

/** Where a checkpoint may sit below a folder given as a checkpoint: a run's best/ and last/, or an output folder's. */
const CHECKPOINT_SUBDIRS = [BEST_DIR, LAST_DIR, join(RUN_CHECKPOINT_DIR, BEST_DIR), join(RUN_CHECKPOINT_DIR, LAST_DIR)];

async function readBinary(dir: string, entry: BinaryFile): Promise<Uint8Array> {
  const path = join(dir, entry.file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw inputError(`cannot read checkpoint data (${(error as NodeJS.ErrnoException).code})`, { file: path });
  }
  if (bytes.length !== entry.byteLength) {
    throw inputError(`checkpoint data is ${bytes.length} bytes but the manifest says ${entry.byteLength}; the file is truncated or from another checkpoint`, { file: path });
  }
  if (sha256(bytes) !== entry.sha256) {
    throw inputError(`checkpoint data does not match its sha256 in ${MANIFEST_FILE}; the file was altered or damaged`, { file: path });
  }
  return bytes;
}
