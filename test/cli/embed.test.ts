import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxRuntimeBinDir } from '../../src/backbones/device.ts';
import { encodeInput } from '../../src/encode/pairs.ts';
import { loadWordPieceTokenizer } from '../../src/encode/tokenizer.ts';
import { decodeNpy } from '../../src/export/npy.ts';
import { loadReferenceBert, referenceForward } from '../helpers/reference-bert.ts';
import { scratchDir, tinyModelDir } from '../helpers/tiny-model.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const cudaProviderInstalled = existsSync(join(onnxRuntimeBinDir(), 'libonnxruntime_providers_cuda.so'));

const PAIRS = [
  ['The new rights are nice enough.', 'Everyone really likes the newest benefits.'],
  ['This site includes a list of all award winners.', 'The Government Executive articles housed on the website are not able to be searched.'],
  ['uh i don\'t know', 'I know exactly.'],
  ['Yes.', 'No, certainly not, never in a hundred years, whatever you say.'],
  ['A man plays guitar.', 'Someone makes music.'],
];

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('transferkit embed', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let modelDir: string;
  let tsv: string;

  const run = (args: string[]) =>
    new Promise<RunResult>((done) => {
      execFile(
        process.execPath,
        [join(repoRoot, 'bin/transferkit.js'), 'embed', ...args],
        { cwd: repoRoot, env: { ...process.env, TRANSFERKIT_CACHE: join(scratch.dir, 'tk-cache'), HF_HOME: join(scratch.dir, 'hf') } },
        (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  const readMatrix = async (path: string) => decodeNpy(new Uint8Array(await readFile(path)));

  beforeAll(async () => {
    scratch = await scratchDir('transferkit-embed-');
    modelDir = await tinyModelDir();
    tsv = join(scratch.dir, 'pairs.tsv');
    await writeFile(tsv, ['premise\thypothesis\tlabel', ...PAIRS.map(([a, b]) => `${a}\t${b}\tneutral`)].join('\n') + '\n');
  });
  afterAll(() => scratch?.cleanup());

  it('writes the [CLS] rows of the float64 reference BERT (1e-4) in input order', async () => {
    const out = join(scratch.dir, 'cls.npy');
    const result = await run(['--model', modelDir, '--input', tsv, '--output', out, '--device', 'auto', '--max-length', '24', '--batch-size', '2']);
    expect(result.stderr).toMatch(/embedding 5\/5 pairs/);
    expect(result.stdout).toMatch(/^wrote .*cls\.npy \[5, 32\] float32 \(cls pooling, local:sha256:[0-9a-f]{64}, cpu, [\d.]+ pairs\/s\)\n$/);
    expect(result.code).toBe(0);
    const { data, shape } = await readMatrix(out);
    expect(shape).toEqual([5, 32]);

    const tokenizer = await loadWordPieceTokenizer({ location: modelDir });
    const reference = await loadReferenceBert(modelDir);
    PAIRS.forEach(([text, textPair], r) => {
      const encoded = encodeInput(tokenizer, { text, textPair }, 24);
      const ref = referenceForward(reference, {
        inputIds: [Array.from(encoded.ids)],
        attentionMask: [Array.from(encoded.ids, () => 1)],
        tokenTypeIds: [Array.from(encoded.typeIds)],
      });
      const ours = data.subarray(r * 32, (r + 1) * 32);
      const diff = Math.max(...Array.from(ours, (v, h) => Math.abs(v - ref.lastHiddenState[h])));
      expect(diff).toBeLessThanOrEqual(1e-4);
    });
  });

  it('reads the same pairs from JSONL (text/text_pair) and gives the same matrix with and without bucketing', async () => {
    const jsonl = join(scratch.dir, 'pairs.jsonl');
    await writeFile(jsonl, PAIRS.map(([text, text_pair]) => JSON.stringify({ text, text_pair })).join('\n') + '\n');
    const a = join(scratch.dir, 'a.npy');
    const b = join(scratch.dir, 'b.npy');
    expect((await run(['--model', modelDir, '--input', tsv, '--output', a, '--pooling', 'mean', '--batch-size', '2', '--device', 'cpu'])).code).toBe(0);
    expect((await run(['--model', modelDir, '--input', jsonl, '--output', b, '--pooling', 'mean', '--batch-size', '2', '--device', 'cpu', '--no-bucketing'])).code).toBe(0);
    const [ma, mb] = [await readMatrix(a), await readMatrix(b)];
    expect(mb.shape).toEqual([5, 32]);
    expect(Math.max(...Array.from(ma.data, (v, i) => Math.abs(v - mb.data[i])))).toBeLessThanOrEqual(1e-5);
  });

  it('embeds single texts (a `text` column) with the [CLS] A [SEP] encoding', async () => {
    const singles = join(scratch.dir, 'singles.tsv');
    await writeFile(singles, ['text', ...PAIRS.map(([a]) => a)].join('\n') + '\n');
    const out = join(scratch.dir, 'singles.npy');
    const result = await run(['--model', modelDir, '--input', singles, '--output', out, '--device', 'cpu', '--max-length', '16']);
    expect(result.stdout).toMatch(/\[5, 32\] float32 .* texts\/s\)/);
    const { data } = await readMatrix(out);
    const tokenizer = await loadWordPieceTokenizer({ location: modelDir });
    const encoded = encodeInput(tokenizer, { text: PAIRS[2][0] }, 16);
    expect(encoded.sentenceBStart).toBeNull();
    const ref = referenceForward(await loadReferenceBert(modelDir), {
      inputIds: [Array.from(encoded.ids)],
      attentionMask: [Array.from(encoded.ids, () => 1)],
      tokenTypeIds: [Array.from(encoded.typeIds)],
    });
    const ours = data.subarray(2 * 32, 3 * 32);
    expect(Math.max(...Array.from(ours, (v, h) => Math.abs(v - ref.lastHiddenState[h])))).toBeLessThanOrEqual(1e-4);
  });

  it('embeds every row of the file, also rows without a gold label (one row per input line)', async () => {
    const withUnlabelled = join(scratch.dir, 'unlabelled.tsv');
    await writeFile(withUnlabelled, ['premise\thypothesis\tlabel', ...PAIRS.map(([a, b], i) => `${a}\t${b}\t${i === 1 ? '-' : 'neutral'}`)].join('\n') + '\n');
    const [all, labelled] = [join(scratch.dir, 'unlabelled.npy'), join(scratch.dir, 'labelled.npy')];
    expect((await run(['--model', modelDir, '--input', withUnlabelled, '--output', all])).code).toBe(0);
    expect((await run(['--model', modelDir, '--input', tsv, '--output', labelled])).code).toBe(0);
    const [a, b] = [await readMatrix(all), await readMatrix(labelled)];
    expect(a.shape).toEqual([PAIRS.length, 32]);
    expect(a.data).toEqual(b.data);
  });

  it('takes the bundled demo model and data by name (bundled:tiny-bert, bundled:nli-tiny/validation)', async () => {
    const byName = join(scratch.dir, 'bundled.npy');
    const named = await run(['--model', 'bundled:tiny-bert', '--input', 'bundled:nli-tiny/validation', '--output', byName, '--device', 'cpu']);
    expect(named.stderr).not.toMatch(/error/);
    expect(named.code).toBe(0);
    const byPath = join(scratch.dir, 'bundled-by-path.npy');
    const pathRun = await run(['--model', modelDir, '--input', join(repoRoot, 'datasets/nli-tiny/validation.tsv'), '--output', byPath, '--device', 'cpu']);
    expect(pathRun.code).toBe(0);
    const [a, b] = [await readMatrix(byName), await readMatrix(byPath)];
    expect(a.shape).toEqual([600, 32]);
    expect(a.data).toEqual(b.data);
  });

  it.skipIf(cudaProviderInstalled)('--device cuda exits 1 with the CUDA diagnosis and writes nothing', async () => {
    const out = join(scratch.dir, 'cuda.npy');
    const result = await run(['--model', modelDir, '--input', tsv, '--output', out, '--device', 'cuda']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: --device: cuda cannot run here: .*ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('--device webgpu exits 1 with the WebGPU / Vulkan diagnosis when no adapter works', async () => {
    const out = join(scratch.dir, 'webgpu.npy');
    const result = await run(['--model', modelDir, '--input', tsv, '--output', out, '--device', 'webgpu']);
    if (result.code === 0) return; // a machine with a working WebGPU adapter
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: --device: webgpu cannot run here: .*(Vulkan loader|WebGPU adapter).*Vulkan driver/);
    expect(existsSync(out)).toBe(false);
  });

  it('takes the shared data flags: --lenient skips a bad row (saying which), --max-samples stops early, --format', async () => {
    const withBadRow = join(scratch.dir, 'bad-row.txt');
    const rows = PAIRS.map(([a, b], i) => `${a}\t${i === 1 ? ' ' : b}\tneutral`);
    await writeFile(withBadRow, ['premise\thypothesis\tlabel', ...rows].join('\n') + '\n');
    const out = join(scratch.dir, 'lenient.npy');
    const result = await run(['--model', modelDir, '--input', withBadRow, '--format', 'tsv', '--lenient', '--max-samples', '3', '--output', out, '--device', 'cpu']);
    expect(result.stderr).toContain(`skipped 1 row of ${withBadRow}:`);
    expect(result.stderr).toMatch(/empty text \(line 3\)/);
    expect(result.code).toBe(0);
    expect((await readMatrix(out)).shape).toEqual([3, 32]);
  });

  it('refuses the label flags: embed reads no labels', async () => {
    const embed = (await import('../../cli/commands/embed.ts')).default;
    await expect(embed.run(['--model', modelDir, '--input', tsv, '--output', join(scratch.dir, 'l.npy'), '--label-column', 'label'])).rejects.toThrow(
      'embed reads no labels (every row is embedded)',
    );
  });

  it('bad flags and files are one line and exit 2', async () => {
    const unknownDevice = await run(['--model', modelDir, '--input', tsv, '--output', join(scratch.dir, 'x.npy'), '--device', 'tpu']);
    expect(unknownDevice.code).toBe(2);
    expect(unknownDevice.stderr).toMatch(/^error: --device: .*must be one of auto, cpu, cuda, webgpu; got 'tpu'\n$/);
    const missing = await run(['--model', modelDir, '--input', join(scratch.dir, 'nope.tsv'), '--output', join(scratch.dir, 'x.npy')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.tsv/);
    // Output paths that cannot be written fail before the model runs, not with a bare EEXIST / EISDIR after it.
    const underFile = await run(['--model', modelDir, '--input', tsv, '--output', join(tsv, 'x.npy')]);
    expect(underFile.code).toBe(2);
    expect(underFile.stderr).toBe(`error: --output: cannot write '${join(tsv, 'x.npy')}': ${tsv} is a file, not a directory\n`);
    await mkdir(join(scratch.dir, 'folder.npy'), { recursive: true });
    const isDir = await run(['--model', modelDir, '--input', tsv, '--output', join(scratch.dir, 'folder.npy')]);
    expect(isDir.code).toBe(2);
    expect(isDir.stderr).toBe(`error: --output: '${join(scratch.dir, 'folder.npy')}' is a directory; give a file name\n`);
    const noModel = await run(['--input', tsv, '--output', join(scratch.dir, 'x.npy')]);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/^error: --model: .*is required\n$/);
  });
});
