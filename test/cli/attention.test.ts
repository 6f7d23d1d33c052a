import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import attention from '../../cli/commands/attention.ts';
import type { BackboneReference } from '../../src/core/index.ts';
import { packTensors } from '../../src/checkpoint/tensors.ts';
import { versions } from '../../src/checkpoint/versions.ts';
import { decodeNpy } from '../../src/export/npy.ts';
import { loadReferenceBert, referenceForward } from '../helpers/reference-bert.ts';
import { scratchDir, TEST_CACHE_DIR, tinyModelDir } from '../helpers/tiny-model.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

interface AttentionJson {
  tokens: string[];
  sentence_b_start: number | null;
  layers: number[];
  heads: number[];
  attention: number[][][][];
}
interface FileEntryJson extends AttentionJson {
  index: number;
  line: number;
  text: string;
  text_pair: string | null;
}

let model: string;
let dir: string;
let cleanup: () => Promise<void>;
let pairJson: AttentionJson;
const PREMISE = 'The quick brown fox jumps over the lazy dog.';
const HYPOTHESIS = 'A fox is jumping.';

/** Runs the real CLI in a child process: exit code, stdout, stderr. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(repoRoot, 'bin/transferkit.js'), 'attention', ...args], {
      cwd: dir,
      // The test cache, not ~/.cache: the derived attention model and bundled:tiny-bert are made there.
      env: { ...process.env, NO_COLOR: '1', HF_HUB_OFFLINE: '1', TRANSFERKIT_CACHE: TEST_CACHE_DIR },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs the command in this process (ONNX Runtime loads once for all of these): its printed summary. */
async function runInProcess(...args: string[]): Promise<string> {
  const printed: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (printed.push(String(chunk)), true));
  // The device note (auto: using cpu, and why) goes to stderr; keep it out of the test log.
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await attention.run([...args, '--offline'])).toBe(0);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return printed.join('');
}

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

function expectRowsSumToOne(attentionMaps: number[][][][]) {
  let worst = 0;
  for (const layer of attentionMaps) {
    for (const head of layer) for (const row of head) worst = Math.max(worst, Math.abs(row.reduce((a, b) => a + b, 0) - 1));
  }
  expect(worst).toBeLessThan(1e-5);
}

/** A minimal valid linear-head checkpoint whose manifest points at `backbone`. */
async function writeCheckpoint(path: string, backbone: BackboneReference | null, inputDim = 32, maxLength = 128): Promise<void> {
  const classes = 3;
  const packed = packTensors([
    { name: 'classifier/kernel', shape: [inputDim, classes], data: new Float32Array(inputDim * classes).fill(0.01) },
    { name: 'classifier/bias', shape: [classes], data: new Float32Array(classes) },
  ]);
  const manifest = {
    format: 'transferkit-checkpoint',
    formatVersion: 1,
    createdAt: new Date(0).toISOString(),
    backbone,
    pooling: 'cls',
    maxLength,
    labelNames: ['entailment', 'neutral', 'contradiction'],
    head: { type: 'linear', inputDim, numClasses: classes },
    training: null,
    metrics: null,
    epoch: 1,
    step: 1,
    tfBackend: 'cpu',
    versions: versions(),
    weights: { file: 'weights.bin', byteLength: packed.bytes.length, sha256: packed.sha256, tensors: packed.entries },
    resume: null,
  };
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'weights.bin'), packed.bytes);
  await writeFile(join(path, 'manifest.json'), JSON.stringify(manifest));
}

beforeAll(async () => {
  model = await tinyModelDir();
  ({ dir, cleanup } = await scratchDir('tk-attention-cli-'));
  await writeFile(
    join(dir, 'pairs.tsv'),
    'premise\thypothesis\n' +
      `${PREMISE}\t${HYPOTHESIS}\n` +
      'Two people walk along a beach at sunset.\tNobody is outside.\n' +
      'A </script><b> tag in text.\tStill safe?\n',
  );
  const run = await cli('--model', model, '--text', PREMISE, '--text-pair', HYPOTHESIS, '--out', 'pair.json');
  expect(run.stderr).not.toMatch(/error/i);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^wrote json attention for 1 input \(layers 2\/2, heads 4\/4\) of .* on cpu to pair\.json\n$/);
  pairJson = await readJson<AttentionJson>(join(dir, 'pair.json'));
});

afterAll(async () => {
  await cleanup?.();
});

describe('transferkit attention on the tiny model', () => {
  it('writes the bertviz JSON for a pair: tokens, A/B boundary, every layer and head, rows summing to 1', () => {
    const { tokens, sentence_b_start: bStart, attention: maps } = pairJson;
    expect(tokens[0]).toBe('[CLS]');
    expect(tokens.at(-1)).toBe('[SEP]');
    expect(bStart).toBe(tokens.indexOf('[SEP]') + 1);
    expect(tokens[bStart!]).toBe('A');
    expect(pairJson.layers).toEqual([0, 1]);
    expect(pairJson.heads).toEqual([0, 1, 2, 3]);
    expect(maps).toHaveLength(2);
    for (const layer of maps) {
      expect(layer).toHaveLength(4);
      for (const head of layer) {
        expect(head).toHaveLength(tokens.length);
        for (const row of head) expect(row).toHaveLength(tokens.length);
      }
    }
    expectRowsSumToOne(maps);
  });

  it('matches an independent float64 BERT computed from the same weights', async () => {
    const vocab = (await readFile(join(model, 'vocab.txt'), 'utf8')).split('\n');
    const ids = pairJson.tokens.map((token) => vocab.indexOf(token));
    expect(ids).not.toContain(-1);
    const seq = ids.length;
    const reference = referenceForward(await loadReferenceBert(model), {
      inputIds: [ids],
      attentionMask: [ids.map(() => 1)],
      tokenTypeIds: [ids.map((_, i) => (i >= pairJson.sentence_b_start! ? 1 : 0))],
    });
    let maxDiff = 0;
    pairJson.attention.forEach((layer, l) =>
      layer.forEach((head, h) =>
        head.forEach((row, i) => row.forEach((value, j) => (maxDiff = Math.max(maxDiff, Math.abs(value - reference.attentions[l][(h * seq + i) * seq + j]))))),
      ),
    );
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('writes npy per selected layer with the selected heads, equal to the JSON values', async () => {
    const summary = await runInProcess('--model', model, '--text', PREMISE, '--text-pair', HYPOTHESIS, '--layers', '1', '--heads', '0,2-3', '--out', join(dir, 'pair-npy'));
    expect(summary).toContain('wrote npy attention for 1 input (layers 1/2, heads 3/4)');
    const out = join(dir, 'pair-npy');
    expect((await readdir(out)).sort()).toEqual(['layer_01.npy', 'tokens.json']);
    expect(await readJson(join(out, 'tokens.json'))).toEqual({ tokens: pairJson.tokens, sentence_b_start: pairJson.sentence_b_start, layers: [1], heads: [0, 2, 3] });
    const { data, shape } = decodeNpy(new Uint8Array(await readFile(join(out, 'layer_01.npy'))));
    const seq = pairJson.tokens.length;
    expect(shape).toEqual([3, seq, seq]);
    let maxDiff = 0;
    [0, 2, 3].forEach((head, k) => {
      for (let i = 0; i < seq; i++) {
        for (let j = 0; j < seq; j++) maxDiff = Math.max(maxDiff, Math.abs(data[(k * seq + i) * seq + j] - pairJson.attention[1][head][i][j]));
      }
    });
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('writes a self-contained HTML head view holding the same data', async () => {
    await runInProcess('--model', model, '--text', PREMISE, '--text-pair', HYPOTHESIS, '--out', join(dir, 'pair.html'));
    const html = await readFile(join(dir, 'pair.html'), 'utf8');
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link\b/i);
    const block = /<script type="application\/json" class="tk-attention">([\s\S]*?)<\/script/.exec(html)!;
    const data = JSON.parse(block[1]) as AttentionJson;
    expect(data.tokens).toEqual(pairJson.tokens);
    expect(data.sentence_b_start).toBe(pairJson.sentence_b_start);
    expect(data.attention[1][3][2][4]).toBeCloseTo(pairJson.attention[1][3][2][4], 4);
  });

  it('gives a single text no sentence B', async () => {
    await runInProcess('--model', model, '--text', PREMISE, '--format', 'json', '--out', join(dir, 'single.json'));
    const single = await readJson<AttentionJson>(join(dir, 'single.json'));
    expect(single.sentence_b_start).toBeNull();
    expect(single.tokens.filter((t) => t === '[SEP]')).toHaveLength(1);
    expectRowsSumToOne(single.attention);
  });

  it('honours --max-length with longest_first truncation of the pair', async () => {
    await runInProcess('--model', model, '--text', PREMISE, '--text-pair', HYPOTHESIS, '--max-length', '10', '--out', join(dir, 'short.json'));
    const short = await readJson<AttentionJson>(join(dir, 'short.json'));
    expect(short.tokens).toHaveLength(10);
    expect(short.tokens.filter((t) => t === '[SEP]')).toHaveLength(2);
    expect(short.tokens.at(-1)).toBe('[SEP]');
  });

  it('writes a JSON array for a file of inputs, one entry per input in file order', async () => {
    await runInProcess('--model', model, '--input', join(dir, 'pairs.tsv'), '--heads', '1', '--out', join(dir, 'file.json'));
    const entries = await readJson<FileEntryJson[]>(join(dir, 'file.json'));
    expect(entries.map((e) => [e.index, e.line, e.text_pair])).toEqual([
      [0, 2, HYPOTHESIS],
      [1, 3, 'Nobody is outside.'],
      [2, 4, 'Still safe?'],
    ]);
    expect(entries[0].tokens).toEqual(pairJson.tokens);
    for (const e of entries) {
      expect(e.heads).toEqual([1]);
      // attention[layer][head] at the model's numbers: 2 layers of 4 heads, only head 1 filled.
      expect(e.attention).toHaveLength(2);
      expect(e.attention[0].map((head) => head.length)).toEqual([0, e.tokens.length, 0, 0]);
      expectRowsSumToOne(e.attention.map((layer) => [layer[1]]));
    }
    expect(entries[0].attention[1][1][3][5]).toBeCloseTo(pairJson.attention[1][1][3][5], 6);
  });

  it('writes one npy subfolder per input of a file, replacing an earlier dump as a whole', async () => {
    const out = join(dir, 'file-npy');
    await runInProcess('--model', model, '--input', join(dir, 'pairs.tsv'), '--out', out);
    expect((await readdir(out)).sort()).toEqual(['00000', '00001', '00002', 'index.json']);
    await runInProcess('--model', model, '--input', join(dir, 'pairs.tsv'), '--max-inputs', '2', '--format', 'npy', '--out', out);
    expect((await readdir(out)).sort()).toEqual(['00000', '00001', 'index.json']);
    expect((await readdir(join(out, '00001'))).sort()).toEqual(['layer_00.npy', 'layer_01.npy', 'tokens.json']);
    const second = await readJson<FileEntryJson>(join(out, '00001', 'tokens.json'));
    expect(second.line).toBe(3);
    const { shape } = decodeNpy(new Uint8Array(await readFile(join(out, '00001', 'layer_00.npy'))));
    expect(shape).toEqual([4, second.tokens.length, second.tokens.length]);
  });

  it('writes one HTML page with an input selector for a file', async () => {
    await runInProcess('--model', model, '--input', join(dir, 'pairs.tsv'), '--layers', '0', '--out', join(dir, 'file.html'));
    const html = await readFile(join(dir, 'file.html'), 'utf8');
    expect(html.match(/class="tk-attention"/g)).toHaveLength(3);
    expect(html).toContain('id="input-select"');
    expect(html).not.toContain('</script><b>');
    expect(html.match(/<script\b/gi)!.length).toBe(html.match(/<\/script/gi)!.length);
  });

  it('shows every input of a file, also rows without a gold label', async () => {
    await writeFile(join(dir, 'gold.tsv'), 'premise\thypothesis\tlabel\nA man.\tA person.\tentailment\nA dog.\tA cat.\t-\n');
    await runInProcess('--model', model, '--input', join(dir, 'gold.tsv'), '--out', join(dir, 'gold.json'));
    const entries = await readJson<FileEntryJson[]>(join(dir, 'gold.json'));
    expect(entries.map((e) => [e.line, e.text])).toEqual([[2, 'A man.'], [3, 'A dog.']]);
  });

  it('takes the bundled demo model and data by name (bundled:tiny-bert, bundled:nli-tiny/validation)', async () => {
    const run = await cli('--model', 'bundled:tiny-bert', '--input', 'bundled:nli-tiny/validation', '--max-inputs', '2', '--out', 'bundled.json');
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    const entries = await readJson<FileEntryJson[]>(join(dir, 'bundled.json'));
    expect(entries.map((e) => e.line)).toEqual([2, 3]);
    const [first] = (await readFile(join(repoRoot, 'datasets/nli-tiny/validation.tsv'), 'utf8')).split('\n').slice(1);
    expect(first.split('\t')).toContain(entries[0].text);
  });

  it('reads the backbone of a TransferKit checkpoint, also through a checkpoint used as backbone', async () => {
    const reference: BackboneReference = { model, identity: 'tiny', dim: 32 };
    await writeCheckpoint(join(dir, 'ckpt'), reference);
    await writeCheckpoint(join(dir, 'stacked'), { model: join(dir, 'ckpt'), identity: 'stacked', dim: 32, checkpoint: join(dir, 'ckpt') });
    for (const checkpoint of ['ckpt', 'stacked']) {
      const summary = await runInProcess('--checkpoint', join(dir, checkpoint), '--text', PREMISE, '--text-pair', HYPOTHESIS, '--out', join(dir, `${checkpoint}.json`));
      expect(summary).toContain(`of ${model} on cpu to`);
      expect(await readJson(join(dir, `${checkpoint}.json`))).toEqual(pairJson);
    }
  });

  it("truncates to the checkpoint's own max length unless --max-length says otherwise", async () => {
    await writeCheckpoint(join(dir, 'short'), { model, identity: 'tiny', dim: 32 }, 32, 12);
    await runInProcess('--checkpoint', join(dir, 'short'), '--text', PREMISE, '--text-pair', HYPOTHESIS, '--out', join(dir, 'short.json'));
    const short = (await readJson(join(dir, 'short.json'))) as AttentionJson;
    expect(short.tokens).toHaveLength(12);
    expect(short.tokens.at(-1)).toBe('[SEP]');
    await runInProcess('--checkpoint', join(dir, 'short'), '--text', PREMISE, '--text-pair', HYPOTHESIS, '--max-length', '128', '--out', join(dir, 'long.json'));
    expect(((await readJson(join(dir, 'long.json'))) as AttentionJson).tokens).toEqual(pairJson.tokens);
  });
});

describe('transferkit attention errors', () => {
  it('exits 2 naming --layers when a layer does not exist, and writes nothing', async () => {
    const run = await cli('--model', model, '--text', 'hi', '--layers', '0,5', '--out', 'bad.json');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error: --layers: layer 5 does not exist; the model has 2 layers (0-1)\n');
    expect(existsSync(join(dir, 'bad.json'))).toBe(false);
  });

  it('exits 2 on a malformed --heads before loading any model', async () => {
    const run = await cli('--model', join(dir, 'no-such-model'), '--text', 'hi', '--heads', '3-1', '--out', 'bad.html');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: --heads: range '3-1' runs backwards; write it as 1-3\n");
  });

  it.each([
    [['--text', 'hi', '--out', 'x.json'], '--model: give --model or --checkpoint'],
    [['--model', 'm', '--checkpoint', 'c', '--text', 'hi', '--out', 'x.json'], '--checkpoint: cannot be combined with --model; give one of them'],
    [['--model', 'm', '--out', 'x.json'], '--text: give --text or --input'],
    [['--model', 'm', '--text-pair', 'b', '--input', 'f.tsv', '--out', 'x.json'], '--text-pair: cannot be combined with --input (the file gives the pairs)'],
    [['--model', 'm', '--text-pair', 'b', '--out', 'x.json'], '--text: give --text or --input'],
    [['--model', 'm', '--text', 'a', '--max-inputs', '3', '--out', 'x.json'], '--max-inputs: applies only with --input'],
    [['--model', 'm', '--text', 'a', '--text-pair', '', '--out', 'x.json'], '--text-pair: needs a non-blank text'],
    [['--model', 'm', '--text', '  ', '--out', 'x.json'], '--text: needs a non-blank text'],
    [['--checkpoint', 'c', '--revision', 'v1', '--text', 'a', '--out', 'x.json'], '--revision: a checkpoint records its backbone revision'],
    [['--model', 'm', '--text', 'a', '--out', '.'], "--out: '.' holds the current directory; give a new directory for the npy dump"],
    [['--model', 'm', '--text', 'a', '--out', '..'], "--out: '..' holds the current directory; give a new directory for the npy dump"],
    [['--model', 'm', '--text', 'a', '--format', 'html', '--out', 'test'], "--out: html output is a file, but 'test' is a directory"],
    [['--model', 'm', '--text', 'a', '--out', 'x.json/'], "--out: json output is a file, but 'x.json/' is a directory"],
    [['--model', 'm', '--text', 'a', '--out', 'cli'], "--out: 'cli' is a non-empty directory that is not an attention dump; the npy dump replaces its directory, so give a new or empty one"],
    [['--model', 'm', '--text', 'a', '--out', 'bin/transferkit.js'], "--out: 'bin/transferkit.js' is a file; the npy format writes a directory"],
    [['--model', 'm', '--text', 'a', '--out', 'bin/transferkit.js/x.json'], `--out: cannot write 'bin/transferkit.js/x.json': ${join(repoRoot, 'bin/transferkit.js')} is a file, not a directory`],
    [['--model', 'm', '--text', 'a', '--out', 'bin/transferkit.js/a/dump'], `--out: cannot write 'bin/transferkit.js/a/dump': ${join(repoRoot, 'bin/transferkit.js')} is a file, not a directory`],
    [['--model', 'm', '--text', 'hi'], '--out: missing: give the output file (.json, .html) or npy directory'],
    [['--model', 'm', '--text', 'hi', '--format', 'json', '--out', 'x.html'], "--out: --format json does not match the html file name 'x.html'"],
    [['--model', 'm', '--text', 'hi', '--format', 'csv', '--out', 'x'], "--format: must be one of json, npy, html; got 'csv'"],
  ])('rejects %j with one usage line', async (args, message) => {
    await expect(attention.run(args)).rejects.toMatchObject({ kind: 'usage', line: message });
  });

  it('exits 2 naming the checkpoint when it records no backbone', async () => {
    await writeCheckpoint(join(dir, 'no-backbone'), null);
    const run = await cli('--checkpoint', join(dir, 'no-backbone'), '--text', 'hi', '--out', 'nb.json');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: .*no-backbone: this checkpoint was trained on features given directly .*use --model\n$/);
    expect(existsSync(join(dir, 'nb.json'))).toBe(false);
  });

  it('honours HF_HUB_OFFLINE=true when --offline is not given (no download is tried)', async () => {
    const saved = { HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE, HF_HOME: process.env.HF_HOME, HF_ENDPOINT: process.env.HF_ENDPOINT };
    Object.assign(process.env, { HF_HUB_OFFLINE: 'true', HF_HOME: join(dir, 'empty-hf-home'), HF_ENDPOINT: 'http://127.0.0.1:9/' });
    try {
      await expect(attention.run(['--model', 'bert-base-cased', '--text', 'hi', '--out', join(dir, 'offline.json')])).rejects.toThrow(
        /not in the cache: .*offline mode is on/,
      );
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    expect(existsSync(join(dir, 'offline.json'))).toBe(false);
  });

  it("loads the checkpoint's backbone with the dtype it recorded", async () => {
    await writeCheckpoint(join(dir, 'q8'), { model, identity: 'tiny-q8', dim: 32, dtype: 'q8' });
    // The tiny model has only fp32 weights: the q8 file the checkpoint names must be asked for, not fp32 used instead.
    await expect(attention.run(['--checkpoint', join(dir, 'q8'), '--text', 'hi', '--out', join(dir, 'q8.json'), '--offline'])).rejects.toThrow(
      /has no onnx\/model_quantized\.onnx/,
    );
    expect(existsSync(join(dir, 'q8.json'))).toBe(false);
  });

  it('exits 2 naming the file and line of a bad input row, and writes nothing', async () => {
    await writeFile(join(dir, 'broken.jsonl'), '{"premise": "a", "hypothesis": "b"}\n{"premise": "a", \n');
    const run = await cli('--model', model, '--input', 'broken.jsonl', '--out', 'broken.json');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: broken\.jsonl:2: /);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'broken.json'))).toBe(false);
  });
});
