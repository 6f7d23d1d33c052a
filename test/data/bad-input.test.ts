import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TransferKitError } from '../../src/errors.ts';
import { formatSkipSummary, loadTextDataset, type LoadTextOptions } from '../../src/data/index.ts';
import { readLines } from '../../src/data/line-reader.ts';
import { scratchFolder, writeFixture } from '../helpers/tiny-model.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const HEADER = 'premise\thypothesis\tlabel\n';
const MIB = 1 << 20;
const scratch = scratchFolder('tk-bad-input-');
const fixture = (name: string, content: string | Uint8Array) => writeFixture(scratch.dir, name, content);

async function failure(file: string, options: LoadTextOptions = {}): Promise<TransferKitError> {
  const error = await loadTextDataset(file, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransferKitError);
  const known = error as TransferKitError;
  expect(known.kind).toBe('input');
  expect(known.exitCode).toBe(2);
  expect(known.where.file).toBe(file);
  return known;
}

interface Case {
  name: string;
  file: () => string;
  options?: LoadTextOptions;
  line: number | undefined;
  message: string | RegExp;
}

const cases: Case[] = [
  { name: 'missing file', file: () => join(scratch.dir, 'absent.tsv'), line: undefined, message: 'file not found' },
  {
    name: 'a directory',
    file: () => {
      mkdirSync(join(scratch.dir, 'folder.tsv'), { recursive: true });
      return join(scratch.dir, 'folder.tsv');
    },
    line: undefined,
    message: 'is a directory, not a data file',
  },
  { name: 'empty file', file: () => fixture('empty.tsv', ''), line: undefined, message: 'the file is empty' },
  { name: 'header but no rows', file: () => fixture('header-only.tsv', HEADER), line: undefined, message: 'no data rows' },
  {
    name: 'no text column',
    file: () => fixture('columns.tsv', 'a\tb\tlabel\nx\ty\tneutral\n'),
    line: 1,
    message: 'no text column found (looked for text, sentence, question, or a pair such as premise and hypothesis); the file has columns: a, b, label; name it with --text-column',
  },
  {
    name: 'a --label-column that does not exist',
    file: () => fixture('label-column.tsv', `${HEADER}x\ty\tneutral\n`),
    options: { labelColumn: 'gold' },
    line: 1,
    message: "no column 'gold' (from --label-column); the file has columns: premise, hypothesis, label",
  },
  {
    name: 'no label column when labels are required',
    file: () => fixture('unlabelled.tsv', 'premise\thypothesis\nx\ty\n'),
    options: { requireLabels: true },
    line: 1,
    message: 'no label column found (looked for gold_label, label, labels); the file has columns: premise, hypothesis; name it with --label-column',
  },
  {
    name: 'ragged row',
    file: () => fixture('ragged.tsv', `${HEADER}a\tb\tneutral\nc\td\n`),
    line: 3,
    message: 'ragged row: 2 tab-separated fields, the header has 3',
  },
  {
    name: 'invalid UTF-8',
    file: () => fixture('latin1.tsv', Buffer.concat([Buffer.from(`${HEADER}a\tb\tneutral\n`), Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from('\td\tneutral\n')])),
    line: 3,
    message: 'invalid UTF-8 at byte 4 of the line',
  },
  {
    name: 'empty text',
    file: () => fixture('empty-text.tsv', `${HEADER}a\tb\tneutral\nc\t  \tneutral\n`),
    line: 3,
    message: "empty text in column 'hypothesis'",
  },
  {
    name: 'absurdly long line',
    file: () => fixture('long.tsv', `${HEADER}a\tb\tneutral\n${'x'.repeat(MIB + 10)}\ty\tneutral\n`),
    line: 3,
    message: 'line is longer than 1 MiB (not a text row?)',
  },
  {
    name: 'unknown label among MNLI labels',
    file: () => fixture('typo.tsv', `${HEADER}a\tb\tneutral\nc\td\tentailmnt\ne\tf\tcontradiction\n`),
    line: 3,
    message: "unknown label 'entailmnt' (did you mean 'entailment'?); fix the row, or pass --lenient to skip rows like it",
  },
  {
    name: 'label differing from an MNLI name only in case',
    file: () => fixture('case.tsv', `${HEADER}a\tb\tneutral\nc\td\tContradiction\n`),
    line: 3,
    message: "unknown label 'Contradiction' (did you mean 'contradiction'?); fix the row, or pass --lenient to skip rows like it",
  },
  {
    name: 'unknown label for given --label-names',
    file: () => fixture('sentiment.tsv', 'text\tlabel\ngood\tpos\nbad\tneg\nmeh\tmixed\n'),
    options: { labelNames: ['neg', 'pos'] },
    line: 4,
    message: "unknown label 'mixed' in column 'label'; expected one of neg, pos (or 0-1); correct the row, pass --lenient to skip it, or --label-names to widen the set",
  },
  {
    name: 'misspelt label against the given names (as eval reads with the model\'s labels)',
    file: () => fixture('eval-typo.tsv', `${HEADER}a\tb\tneutral\nc\td\tentailmnt\n`),
    options: { labelNames: ['entailment', 'neutral', 'contradiction'] },
    line: 3,
    message: "unknown label 'entailmnt' in column 'label' (did you mean 'entailment'?); fix the row, or pass --lenient to skip rows like it",
  },
  {
    name: 'text after a closing CSV quote',
    file: () => fixture('quotes.csv', 'premise,hypothesis,label\n"a "b" c",d,neutral\n'),
    line: 2,
    message: 'text after a closing quote in field 1 (quotes inside a quoted field must be doubled)',
  },
  {
    name: 'CSV quote left open',
    file: () => fixture('open-quote.csv', 'premise,hypothesis,label\nok,fine,neutral\na,"b,neutral\nc,d,neutral\n'),
    line: 3,
    message: 'a quoted field is still open at the end of the file',
  },
  {
    name: 'CSV quoted field running past the line limit',
    file: () => fixture('runaway.csv', `premise,hypothesis,label\n"${`${'x'.repeat(1023)}\n`.repeat(1100)}",b,neutral\nc,d,neutral\n`),
    line: 2,
    message: 'a quoted field runs past 1 MiB (unclosed quote?)',
  },
  {
    name: 'invalid JSON line',
    file: () => fixture('broken.jsonl', '{"sentence1":"a","sentence2":"b","gold_label":"neutral"}\n{"sentence1": "c",\n'),
    line: 2,
    message: /^invalid JSON: /,
  },
  {
    name: 'pretty-printed JSON array instead of JSON Lines',
    file: () => fixture('array.json', '[\n  {"premise": "a", "hypothesis": "b", "label": "neutral"},\n  {"premise": "c", "hypothesis": "d", "label": "neutral"}\n]\n'),
    line: 1,
    message: /^invalid JSON: .* \(JSON Lines is expected: one \{\.\.\.\} object per line, not one array\)$/,
  },
  {
    name: 'JSON line without a field',
    file: () => fixture('missing-field.jsonl', '{"sentence1":"a","sentence2":"b","gold_label":"neutral"}\n{"sentence1":"c","gold_label":"neutral"}\n'),
    line: 2,
    message: "no value in column 'sentence2'",
  },
  {
    name: 'label that is not a class index',
    file: () => fixture('float-label.jsonl', '{"premise":"a","hypothesis":"b","label":0.5}\n'),
    line: 1,
    message: "label 0.5 is not a class index (column 'label')",
  },
  {
    name: 'corrupt gzip',
    file: () => fixture('broken.tsv.gz', Buffer.concat([gzipSync(`${HEADER}a\tb\tneutral\n`).subarray(0, 20), Buffer.from('garbage')])),
    line: undefined,
    message: /^cannot read the file as gzip \(/,
  },
  {
    name: 'corrupt Parquet',
    file: () => fixture('corrupt.parquet', 'PAR1 this is not really parquet PAR1'),
    line: undefined,
    message: /^not a readable Parquet file: /,
  },
];

describe('bad input: one error naming file and line, exit code 2', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const file = c.file();
      const error = await failure(file, c.options);
      if (typeof c.message === 'string') expect(error.message).toBe(c.message);
      else expect(error.message).toMatch(c.message);
      expect(error.where.line).toBe(c.line);
      expect(error.line).toBe(`${file}${c.line ? `:${c.line}` : ''}: ${error.message}`);
    });
  }

  it('reads a character split across read chunks, then reports invalid UTF-8 on the right line', async () => {
    // 'é' is two bytes; put its first byte at the last position of the first 64 KiB chunk.
    const pad = 65536 - HEADER.length - 1;
    const goodLine = `${'a'.repeat(pad)}é\tb\tneutral\n`;
    const file = fixture('boundary.tsv', Buffer.concat([Buffer.from(HEADER + goodLine), Buffer.from('c\t'), Buffer.from([0xc3, 0x28]), Buffer.from('\tneutral\n')]));
    const error = await failure(file);
    expect(error.where.line).toBe(3);
    expect(error.message).toBe('invalid UTF-8 at byte 3 of the line');
    const lenient = await loadTextDataset(file, { lenient: true });
    expect(lenient.texts).toEqual([`${'a'.repeat(pad)}é`]);
  });
});

describe('--lenient skips bad rows and says why', () => {
  it('keeps the good rows, counts each reason with its first lines, and formats a summary', async () => {
    const rows = [
      'a\tb\tneutral', // 2 kept
      'c\td', // 3 ragged
      'e\tf\t-', // 4 no gold label
      'g\t\tentailment', // 5 empty text
      'h\ti\tentailmnt', // 6 unknown label
      'j\tk\tcontradiction', // 7 kept
      'l\tm', // 8 ragged
      `${'x'.repeat(MIB + 1)}\ty\tneutral`, // 9 too long
      'n\to\t', // 10 no gold label
      'p\tq\tentailment', // 11 kept
    ];
    const file = fixture('mixed.tsv', Buffer.concat([Buffer.from(`${HEADER}${rows.join('\n')}\n`), Buffer.from([0xff, 0x09, 0x61, 0x09, 0x61, 0x0a])]));
    const dataset = await loadTextDataset(file, { lenient: true });
    expect(dataset.texts).toEqual(['a', 'j', 'p']);
    expect(Array.from(dataset.lines)).toEqual([2, 7, 11]);
    expect(Array.from(dataset.labels!)).toEqual([1, 2, 0]);
    const byReason = Object.fromEntries(dataset.skipped.map((s) => [s.reason, [s.count, s.firstLines]]));
    expect(byReason).toEqual({
      'ragged row': [2, [3, 8]],
      'no gold label': [2, [4, 10]],
      'empty text': [1, [5]],
      'line too long': [1, [9]],
      'invalid UTF-8': [1, [12]],
      'unknown label': [1, [6]],
    });
    const summary = formatSkipSummary(dataset.skipped, file);
    expect(summary.split('\n')[0]).toBe(`skipped 8 rows of ${file}:`);
    expect(summary).toContain(`  2 rows: ragged row (lines 3, 8) — first: ${file}:3: ragged row: 2 tab-separated fields, the header has 3`);
    expect(summary).toContain('  2 rows: no gold label (lines 4, 10)\n');
    expect(summary).toContain(`  1 row: unknown label (line 6) — first: ${file}:6: unknown label 'entailmnt' (did you mean 'entailment'?)`);
  });

  it('fails when every row is bad, saying so', async () => {
    const file = fixture('all-bad.tsv', `${HEADER}a\tb\nc\td\te\tf\n`);
    const error = await failure(file, { lenient: true });
    expect(error.message).toBe('no usable rows: all 2 rows were skipped (ragged row)');
  });

  it('rows without a gold label are skipped and counted without --lenient', async () => {
    const dataset = await loadTextDataset(fixture('gold.tsv', `${HEADER}a\tb\t-\nc\td\tneutral\n`));
    expect(dataset.texts).toEqual(['c']);
    expect(dataset.skipped).toEqual([{ reason: 'no gold label', count: 1, firstLines: [2] }]);
  });
});

describe('exit codes end to end (a process that reports errors as the CLI does)', () => {
  const run = promisify(execFile);
  const script = join(repoRoot, 'test/data/load-dataset-cli.ts');
  const cli = (args: string[]) =>
    run(process.execPath, [join(repoRoot, 'bin/run-ts.js'), script, ...args], { cwd: repoRoot }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('exits 2 with one line naming file and line; --lenient exits 0 and prints the summary', async () => {
    const ragged = fixture('cli-ragged.tsv', `${HEADER}a\tb\tneutral\nc\td\n`);
    const badUtf8 = fixture('cli-utf8.tsv', Buffer.concat([Buffer.from(HEADER), Buffer.from([0xff]), Buffer.from('\tb\tneutral\n')]));
    const [raggedRun, utf8Run, missingRun, lenientRun, usageRun] = await Promise.all([
      cli([ragged]),
      cli([badUtf8]),
      cli([join(scratch.dir, 'nowhere.tsv')]),
      cli([ragged, '--lenient']),
      cli([ragged, '--max-samples', '0']),
    ]);
    expect(raggedRun).toEqual({ code: 2, stdout: '', stderr: `error: ${ragged}:3: ragged row: 2 tab-separated fields, the header has 3\n` });
    expect(utf8Run).toEqual({ code: 2, stdout: '', stderr: `error: ${badUtf8}:2: invalid UTF-8 at byte 1 of the line\n` });
    expect(missingRun).toEqual({ code: 2, stdout: '', stderr: `error: ${join(scratch.dir, 'nowhere.tsv')}: file not found\n` });
    expect(lenientRun.code).toBe(0);
    expect(JSON.parse(lenientRun.stdout)).toEqual({ rows: 1, labelNames: ['entailment', 'neutral', 'contradiction'] });
    expect(lenientRun.stderr).toBe(
      `skipped 1 row of ${ragged}:\n  1 row: ragged row (line 3) — first: ${ragged}:3: ragged row: 2 tab-separated fields, the header has 3\n`,
    );
    expect(usageRun).toEqual({ code: 2, stdout: '', stderr: "error: --max-samples: must be an integer >= 1, got '0'\n" });
  });
});

describe('an absurdly long line', () => {
  it('fails as soon as the limit is passed, without reading the rest of the line', async () => {
    // 64 MiB of one line: reading it through would take far longer than failing at 1 MiB.
    const file = join(scratch.dir, 'one-line.tsv');
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(file, 'w');
    writeSync(fd, HEADER);
    const block = Buffer.alloc(MIB, 0x78);
    for (let i = 0; i < 64; i++) writeSync(fd, block);
    closeSync(fd);
    const error = await failure(file);
    expect(error.line).toBe(`${file}:2: line is longer than 1 MiB (not a text row?)`);
    // The reader reports the line while it has read little more than the limit.
    let bytesRead = 0;
    let reportedAt = -1;
    for await (const batch of readLines(file, { onBytes: (n) => (bytesRead = n) })) {
      const bad = batch.find((result) => 'problem' in result);
      if (bad) {
        reportedAt = bytesRead;
        expect(bad).toEqual({ line: 2, problem: 'line is longer than 1 MiB (not a text row?)' });
        break;
      }
    }
    expect(reportedAt).toBeGreaterThan(MIB);
    expect(reportedAt).toBeLessThan(2 * MIB);
  });
});
