import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTextBackbone, localIdentity } from '../../src/backbones/load.ts';
import { readModelFile, writeModelFile } from '../../src/backbones/onnx/model-file.ts';
import { initializerTensor } from '../../src/backbones/onnx/model.ts';
import type { BackboneReference } from '../../src/core/index.ts';
import { TransferKitError } from '../../src/errors.ts';
import { exportOnnx } from '../../src/export/onnx/export.ts';
import { saveRandomCheckpoint } from '../export/onnx-fixtures.ts';
import { scratchFolder, tinyModelDir } from '../helpers/tiny-model.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const resnetDir = resolve(repoRoot, '../shared/models/resnet8-cifar10');

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const run = (args: string[], cache: string) =>
  new Promise<RunResult>((done) => {
    execFile(process.execPath, [join(repoRoot, 'bin/transferkit.js'), 'export-onnx', ...args], { cwd: repoRoot, env: { ...process.env, TRANSFERKIT_CACHE: cache } }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

async function inputErrorOf(work: Promise<unknown>): Promise<TransferKitError> {
  const error = await work.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(TransferKitError);
  expect((error as TransferKitError).exitCode).toBe(2);
  return error as TransferKitError;
}

describe('transferkit export-onnx', () => {
  const scratch = scratchFolder('transferkit-export-onnx-cli-');
  let backbone: BackboneReference;
  let checkpoint: string;
  const head = { type: 'linear' } as const;

  beforeAll(async () => {
    const loaded = await loadTextBackbone(await tinyModelDir(), { device: 'cpu' });
    backbone = loaded.reference;
    await loaded.dispose();
    checkpoint = await saveRandomCheckpoint({ dir: join(scratch.dir, 'run', 'checkpoint', 'best'), backbone, pooling: 'cls', maxLength: 64, head, inputDim: backbone.dim, seed: 1 });
  });

  it('exports a run folder; an existing --out is refused (exit 2, one line) unless --overwrite; a missing checkpoint is one line', async () => {
    const cache = join(scratch.dir, 'cache');
    const out = join(scratch.dir, 'exported');
    const first = await run(['--checkpoint', join(scratch.dir, 'run'), '--out', out], cache);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^exported .* \+ head \(cls pooling, labels entailment, neutral, contradiction\) to .*exported \(onnx\/model\.onnx [\d.]+ MB/);
    expect((await readdir(out)).sort()).toEqual(['config.json', 'onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']);

    const again = await run(['--checkpoint', checkpoint, '--out', out], cache);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`error: --out: ${out} already exists and is not empty; pass --overwrite to replace it, or choose another folder\n`);

    const overwrite = await run(['--checkpoint', checkpoint, '--out', out, '--overwrite'], cache);
    expect(overwrite.code).toBe(0);

    const missing = await run(['--checkpoint', join(scratch.dir, 'nope'), '--out', join(scratch.dir, 'x')], cache);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`error: ${join(scratch.dir, 'nope')}: checkpoint folder does not exist\n`);
    expect(existsSync(join(scratch.dir, 'x'))).toBe(false);
  });

  it('refuses a checkpoint with no backbone, a changed backbone, and an --out that would replace what it reads', async () => {
    const featuresOnly = await saveRandomCheckpoint({ dir: join(scratch.dir, 'features-only'), backbone: null, pooling: null, maxLength: null, head, inputDim: 8, seed: 1 });
    expect((await inputErrorOf(exportOnnx(featuresOnly, join(scratch.dir, 'o1')))).message).toMatch(/trained on precomputed features and records no backbone/);

    const changed = await saveRandomCheckpoint({ dir: join(scratch.dir, 'changed'), backbone: { ...backbone, identity: 'local:sha256:0' }, pooling: 'cls', maxLength: 64, head, inputDim: backbone.dim, seed: 1 });
    expect((await inputErrorOf(exportOnnx(changed, join(scratch.dir, 'o2')))).message).toMatch(/is now local:sha256:\w+ but this model was trained on local:sha256:0; its files changed since training/);

    // The run folder holds the checkpoint: replacing it would delete what is being exported.
    expect((await inputErrorOf(exportOnnx(checkpoint, join(scratch.dir, 'run'), { overwrite: true }))).line).toMatch(/^--out: would replace .*best, which the export reads/);
    expect(existsSync(join(checkpoint, 'manifest.json'))).toBe(true);
    for (const name of ['o1', 'o2']) expect(existsSync(join(scratch.dir, name))).toBe(false);
  });

  /** A copy of the tiny backbone, changed by `change`, and a checkpoint trained (so to speak) on it. */
  async function checkpointOnCopy(name: string, change: (dir: string) => Promise<void>): Promise<string> {
    const modelDir = await tinyModelDir();
    const copy = join(scratch.dir, `${name}-backbone`);
    await mkdir(join(copy, 'onnx'), { recursive: true });
    for (const file of await readdir(modelDir)) if (/\.(json|txt)$/.test(file)) await copyFile(join(modelDir, file), join(copy, file));
    await copyFile(join(modelDir, 'onnx', 'model.onnx'), join(copy, 'onnx', 'model.onnx'));
    await change(copy);
    const reference = { ...backbone, model: copy, identity: await localIdentity(copy, 'onnx/model.onnx') };
    return saveRandomCheckpoint({ dir: join(scratch.dir, name), backbone: reference, pooling: 'cls', maxLength: 64, head, inputDim: backbone.dim, seed: 1 });
  }

  it('refuses a backbone whose weights live in an external data file', async () => {
    const external = await checkpointOnCopy('external', async (dir) => {
      const model = await readModelFile(join(dir, 'onnx', 'model.onnx'));
      const [first, ...rest] = model.graph.initializer.map(initializerTensor);
      // data_location = EXTERNAL (field 14), the data itself elsewhere.
      const moved = { name: first.name, dims: first.dims, dataType: first.dataType, unknown: [Uint8Array.of(14 << 3, 1)] };
      await writeModelFile(join(dir, 'onnx', 'model.onnx'), { ...model, graph: { ...model.graph, initializer: [moved, ...rest] } });
    });
    expect((await inputErrorOf(exportOnnx(external, join(scratch.dir, 'o4')))).line).toMatch(/external-backbone\/onnx\/model\.onnx: the model keeps its weights in external data files/);
  });

  it('a failure while writing leaves no output folder and no temp folder', async () => {
    const damaged = await checkpointOnCopy('damaged', (dir) => writeFile(join(dir, 'config.json'), '{"hidden_size": 32,')); // damaged after training
    const parent = join(scratch.dir, 'outputs');
    await mkdir(parent);
    expect((await inputErrorOf(exportOnnx(damaged, join(parent, 'model')))).line).toMatch(/damaged-backbone\/config\.json: cannot read it as JSON/);
    expect(await readdir(parent)).toEqual([]);
  });

  it.skipIf(!existsSync(resnetDir))('a checkpoint on an image backbone (../shared ResNet8) is refused: not a text model', async () => {
    const vision = await saveRandomCheckpoint({ dir: join(scratch.dir, 'vision'), backbone: { model: resnetDir, identity: 'local:sha256:x', dim: 64 }, pooling: 'cls', maxLength: 64, head, inputDim: 64, seed: 1 });
    expect((await inputErrorOf(exportOnnx(vision, join(scratch.dir, 'o3')))).message).toMatch(/is not a Transformers\.js text model: .*tokenizer\.json is missing/);
  });
  if (!existsSync(resnetDir)) it.skip(`../shared is absent (${resnetDir}): the image-backbone refusal is not checked`, () => {});
});
