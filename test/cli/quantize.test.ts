import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import attention from '../../cli/commands/attention.ts';
import quantize from '../../cli/commands/quantize.ts';
import { loadTextBackbone } from '../../src/backbones/load.ts';
import { TransferKitError } from '../../src/errors.ts';
import { runCli } from '../helpers/cli-run.ts';
import { scratchFolder, tinyModelDir, writeFixture } from '../helpers/tiny-model.ts';

const scratch = scratchFolder('transferkit-cli-quantize-');

/** The one line the CLI would print for a failed run, and its exit code. */
async function failure(run: () => Promise<unknown>): Promise<{ line: string; exitCode: number }> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransferKitError);
  return { line: (error as TransferKitError).line, exitCode: (error as TransferKitError).exitCode };
}

describe('transferkit quantize', () => {
  it('writes onnx/model_quantized.onnx with the side files; embed and attention --dtype q8 load it', async () => {
    const out = join(scratch.dir, 'tiny-q8');
    const result = await runCli(scratch.dir, ['quantize', '--model', await tinyModelDir(), '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/12 MatMul\/Gemm in int8 \(integer, per-channel weights\)/);
    expect(result.stdout).toContain(`load it with --model ${out} --dtype q8`);
    for (const file of ['onnx/model_quantized.onnx', 'config.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']) expect(existsSync(join(out, file))).toBe(true);
    expect(existsSync(join(out, 'onnx/model.onnx'))).toBe(false);
    // A plain Transformers.js load (no dtype given) picks the quantized file.
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))['transformers.js_config']).toEqual({ dtype: 'q8' });

    const embedded = await runCli(scratch.dir, ['embed', '--model', out, '--dtype', 'q8', '--input', 'bundled:nli-tiny/validation', '--max-samples', '20', '--output', 'q8.npy']);
    expect(embedded.code).toBe(0);
    expect(existsSync(join(scratch.dir, 'q8.npy'))).toBe(true);

    // Attention maps of the int8 model: attention --dtype q8.
    const json = join(scratch.dir, 'q8-attention.json');
    await attention.run(['--model', out, '--dtype', 'q8', '--text', 'The cat sat.', '--text-pair', 'A cat was sitting.', '--out', json, '--device', 'cpu']);
    const maps = JSON.parse(readFileSync(json, 'utf8')) as { attention: number[][][][] };
    expect(maps.attention).toHaveLength(2);
    for (const row of maps.attention[1]![3]!) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect((await failure(() => attention.run(['--checkpoint', out, '--dtype', 'q8', '--text', 'x', '--out', json]))).line).toBe('--dtype: a checkpoint records its backbone dtype');

    // Without --dtype q8 the folder has no fp32 file: the error says which flag fixes it.
    const { line, exitCode } = await failure(() => loadTextBackbone(out, { device: 'cpu' }));
    expect(exitCode).toBe(2);
    expect(line).toMatch(/^--model: model folder .* has no onnx\/model\.onnx .*; it has the q8 variant: pass --dtype q8$/);
  });

  it('--per-tensor and --exclude-nodes: say what they wrote, and the model loads with --dtype q8', async () => {
    const out = join(scratch.dir, 'tiny-q8-partial');
    const result = await runCli(scratch.dir, ['quantize', '--model', await tinyModelDir(), '--out', out, '--per-tensor', '--exclude-nodes', '/encoder/layer.1/**, /encoder/layer.0/output/dense/MatMul']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/5 MatMul\/Gemm in int8 \(integer, per-tensor weights\), 7 excluded \(float\)/);
    const backbone = await loadTextBackbone(out, { device: 'cpu', dtype: 'q8' });
    const features = await backbone.extract([{ text: 'The cat sat.', textPair: 'A cat was sitting.' }], { pooling: 'cls', maxLength: 32 });
    await backbone.dispose();
    expect(features.data.every(Number.isFinite)).toBe(true);
  });

  it('bad input: one line naming the flag or file, exit 2, nothing written', async () => {
    const empty = join(scratch.dir, 'empty-model');
    await mkdir(join(empty, 'onnx'), { recursive: true });
    const broken = join(scratch.dir, 'broken-model');
    await mkdir(join(broken, 'onnx'), { recursive: true });
    writeFixture(broken, 'onnx/model.onnx', 'not protobuf at all');
    const cases: Array<[string[], RegExp]> = [
      [['--model', 'bundled:tiny-bert'], /^--out: /],
      [['--out', 'x'], /^--model: /],
      [['--model', 'bundled:tiny-bert', '--out', 'x', '--form', 'qdq'], /^--form: /],
      [['--model', join(scratch.dir, 'no-such-folder'), '--out', 'x'], /^--model: model folder .* does not exist$/],
      [['--model', empty, '--out', 'x'], /^--model: model folder .* has no onnx\/model\.onnx to quantize$/],
      [['--model', broken, '--out', 'x'], /^.*broken-model\/onnx\/model\.onnx: not a valid ONNX model/],
      [['--model', 'bundled:tiny-bert', '--out', 'x', '--exclude-nodes', ' , '], /^--exclude-nodes: needs at least one node name$/],
      [['--model', 'bundled:tiny-bert', '--out', 'x', '--exclude-nodes', '/encoder/**'], /^--exclude-nodes: leaves every one of the 12 MatMul\/Gemm weights in float32: nothing to quantize$/],
    ];
    for (const [args, message] of cases) {
      const { line, exitCode } = await failure(() => quantize.run(args));
      expect(exitCode, args.join(' ')).toBe(2);
      expect(line, args.join(' ')).toMatch(message);
      expect(line).not.toContain('\n');
    }
    expect(existsSync(join(process.cwd(), 'x'))).toBe(false);
  });

  it('refuses a model with nothing left to quantize (its own output)', async () => {
    const once = join(scratch.dir, 'once');
    await quantize.run(['--model', await tinyModelDir(), '--out', once]);
    const again = join(scratch.dir, 'again');
    await mkdir(join(again, 'onnx'), { recursive: true });
    writeFixture(again, 'onnx/model.onnx', readFileSync(join(once, 'onnx/model_quantized.onnx')));
    const { line, exitCode } = await failure(() => quantize.run(['--model', again, '--out', join(scratch.dir, 'twice')]));
    expect(exitCode).toBe(2);
    expect(line).toMatch(/model\.onnx: has no MatMul or Gemm with float32 weights to quantize/);
    expect(existsSync(join(scratch.dir, 'twice'))).toBe(false);
  });
});
