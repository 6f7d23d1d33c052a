import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { loadTextDataset, loadOptionsFromFlags, MNLI_LABELS } from '../../src/data/index.ts';
import { scratchFolder, writeFixture } from '../helpers/tiny-model.ts';

const scratch = scratchFolder('tk-formats-');
const fixture = (name: string, content: string | Uint8Array) => writeFixture(scratch.dir, name, content);

describe('formats', () => {
  it('reads GLUE MNLI TSV by sentence1 / sentence2 / gold_label, ignoring the other columns, quotes kept as text', async () => {
    const header = 'index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label';
    const row = (i: number, s1: string, s2: string, gold: string) => `${i}\t1\t1e\tfiction\t( x )\t( y )\t(ROOT x)\t(ROOT y)\t${s1}\t${s2}\t${gold}\t${gold}`;
    const file = fixture('glue.tsv', [header, row(0, 'He said "hi".', 'He spoke.', 'entailment'), row(1, 'A "quoted', 'text', 'contradiction'), ''].join('\n'));
    const dataset = await loadTextDataset(file);
    expect(dataset.texts).toEqual(['He said "hi".', 'A "quoted']);
    expect(dataset.textPairs).toEqual(['He spoke.', 'text']);
    expect(Array.from(dataset.labels!)).toEqual([0, 2]);
  });

  it('reads MultiNLI JSONL', async () => {
    const lines = [
      { annotator_labels: ['neutral'], genre: 'government', gold_label: 'neutral', pairID: '31193n', sentence1: 'Conceptually cream skimming has two basic dimensions.', sentence2: 'Product and geography are what make cream skimming work.' },
      { annotator_labels: ['entailment'], genre: 'telephone', gold_label: 'entailment', pairID: '101457e', sentence1: 'you know during the season', sentence2: 'You lose the things.' },
      { annotator_labels: ['neutral', 'contradiction'], genre: 'fiction', gold_label: '-', pairID: '1n', sentence1: 'x', sentence2: 'y' },
    ];
    const dataset = await loadTextDataset(fixture('multinli_1.0_dev_matched.jsonl', lines.map((l) => JSON.stringify(l)).join('\n') + '\n'));
    expect(dataset.texts).toEqual([lines[0].sentence1, lines[1].sentence1]);
    expect(dataset.textPairs).toEqual([lines[0].sentence2, lines[1].sentence2]);
    expect(dataset.labelNames).toEqual(MNLI_LABELS);
    expect(Array.from(dataset.labels!)).toEqual([1, 0]);
    expect(dataset.skipped).toEqual([{ reason: 'no gold label', count: 1, firstLines: [3] }]);
  });

  it('reads RFC 4180 CSV: quoted commas, doubled quotes, line breaks in a field (reported at its first line), CRLF', async () => {
    const csv = 'text,label\r\n"Hello, world",greeting\r\n"She said ""no"".",reply\r\n"two\r\nlines",other\r\nplain "inner" quote,other\r\n';
    const dataset = await loadTextDataset(fixture('quotes.csv', csv));
    expect(dataset.texts).toEqual(['Hello, world', 'She said "no".', 'two\nlines', 'plain "inner" quote']);
    expect(Array.from(dataset.lines)).toEqual([2, 3, 4, 6]);
    expect(dataset.textPairs).toBeNull();
    // Non-MNLI string labels: sorted, so two files of the same data agree whatever their row order.
    expect(dataset.labelNames).toEqual(['greeting', 'other', 'reply']);
    expect(Array.from(dataset.labels!)).toEqual([0, 2, 1, 1]);
  });

  it('maps columns given by name, and detects text / text_pair / label', async () => {
    const file = fixture('custom.tsv', 'id\tq\tanswer\ty\n1\tWhat?\tThat.\tyes\n2\tWhy?\tBecause.\tno\n');
    const mapped = await loadTextDataset(file, { textColumn: 'q', textPairColumn: 'answer', labelColumn: 'y' });
    expect(mapped.texts).toEqual(['What?', 'Why?']);
    expect(mapped.textPairs).toEqual(['That.', 'Because.']);
    expect(mapped.labelNames).toEqual(['no', 'yes']);
    const detected = await loadTextDataset(fixture('pairs.jsonl', '{"text":"a","text_pair":"b","label":1}\n{"text":"c","text_pair":"d","label":0}\n'));
    expect(detected.textPairs).toEqual(['b', 'd']);
    // Integer labels without names keep their meaning: names are the integers in numeric order.
    expect(detected.labelNames).toEqual(['0', '1']);
    expect(Array.from(detected.labels!)).toEqual([1, 0]);
  });

  it('keeps two-class entailment data (RTE, QNLI) as its own classes, not MNLI', async () => {
    const rte = await loadTextDataset(fixture('rte.tsv', 'index\tsentence1\tsentence2\tlabel\n0\ta\tb\tnot_entailment\n1\tc\td\tentailment\n'));
    expect(rte.labelNames).toEqual(['entailment', 'not_entailment']);
    const qnli = await loadTextDataset(fixture('qnli.tsv', 'index\tquestion\tsentence\tlabel\n0\tWho?\tHe did.\tentailment\n'));
    expect([qnli.texts, qnli.textPairs]).toEqual([['Who?'], ['He did.']]);
    expect(Array.from(rte.labels!)).toEqual([1, 0]);
  });

  it('maps integer labels and names through --label-names; unlabelled files load without labels', async () => {
    const file = fixture('ints.csv', 'premise,hypothesis,label\na,b,2\nc,d,0\ne,f,neutral\n');
    const dataset = await loadTextDataset(file, { labelNames: [...MNLI_LABELS] });
    expect(Array.from(dataset.labels!)).toEqual([2, 0, 1]);
    const unlabelled = await loadTextDataset(fixture('unlabelled.tsv', 'sentence\nhello\n'));
    expect(unlabelled.labels).toBeNull();
    expect(unlabelled.labelNames).toEqual([]);
    expect(unlabelled.texts).toEqual(['hello']);
  });

  it('ignoreLabels keeps every row, also those without a gold label or with a bad one (embedding needs no labels)', async () => {
    const file = fixture('unlabelled-rows.tsv', 'premise\thypothesis\tlabel\nA man.\tA person.\tentailment\nA dog.\tA cat.\t-\nA cat.\tAn animal.\t3.5\n');
    const dataset = await loadTextDataset(file, { ignoreLabels: true });
    expect(dataset.texts).toEqual(['A man.', 'A dog.', 'A cat.']);
    expect(Array.from(dataset.lines)).toEqual([2, 3, 4]);
    expect(dataset.labels).toBeNull();
    expect(dataset.skipped).toEqual([]);
  });

  it('detects the headerless label / premise / hypothesis layout only when the first field is a label', async () => {
    const headerless = await loadTextDataset(fixture('headerless.tsv', 'neutral\tA man.\tA tall man.\ncontradiction\tA dog.\tA cat.\n'));
    expect(headerless.texts).toEqual(['A man.', 'A dog.']);
    expect(Array.from(headerless.lines)).toEqual([1, 2]);
    const custom = await loadTextDataset(fixture('headerless-custom.tsv', 'pos\tgood film\tfine\nneg\tbad film\tpoor\n'), { labelNames: ['neg', 'pos'] });
    expect(Array.from(custom.labels!)).toEqual([1, 0]);
    // A header whose first field happens to be a label name is still a header when it names columns.
    const header = await loadTextDataset(fixture('header.tsv', 'neutral\tpremise\thypothesis\nx\ty\tz\n'), { textColumn: 'premise' });
    expect(header.texts).toEqual(['y']);
  });

  it('reports read progress in bytes up to the file size', async () => {
    const content = `premise\thypothesis\tlabel\n${'a\tb\tneutral\n'.repeat(20000)}`;
    const file = fixture('progress.tsv', content);
    const progress: { phase: string; done: number; total?: number }[] = [];
    await loadTextDataset(file, { onProgress: (p) => progress.push(p) });
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.every((p) => p.phase === 'read' && p.total === content.length)).toBe(true);
    expect(progress.at(-1)!.done).toBe(content.length);
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));
  });

  it('strips a UTF-8 byte order mark, reads gzip, and forces a format with --format', async () => {
    const bom = await loadTextDataset(fixture('bom.tsv', '\ufeffpremise\thypothesis\tlabel\nä\tö\tneutral\n'));
    expect(bom.texts).toEqual(['ä']);
    const gz = await loadTextDataset(fixture('data.tsv.gz', gzipSync('premise\thypothesis\tlabel\nx\ty\tentailment\n')));
    expect(gz.textPairs).toEqual(['y']);
    const forced = await loadTextDataset(fixture('data.txt', 'text,label\n"a, b",x\n'), { format: 'csv' });
    expect(forced.texts).toEqual(['a, b']);
  });

  it('reads HF datasets Parquet: integer labels, -1 skipped, ClassLabel names from the file metadata', async () => {
    const features = { label: { names: ['entailment', 'neutral', 'contradiction'], _type: 'ClassLabel' } };
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'premise', data: ['p0', 'p1', 'p2', 'p3'], type: 'STRING' },
        { name: 'hypothesis', data: ['h0', 'h1', 'h2', 'h3'], type: 'STRING' },
        { name: 'label', data: [2n, -1n, 0n, 1n], type: 'INT64' },
        { name: 'idx', data: [0, 1, 2, 3], type: 'INT32' },
      ],
      rowGroupSize: 3,
      kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features } }) }],
    });
    const dataset = await loadTextDataset(fixture('validation_matched-00000-of-00001.parquet', new Uint8Array(buffer)), { maxSamples: 2 });
    expect(dataset.texts).toEqual(['p0', 'p2']);
    expect(Array.from(dataset.labels!)).toEqual([2, 0]);
    expect(dataset.skipped).toEqual([{ reason: 'no gold label', count: 1, firstLines: [2] }]);
  });

  it('turns CLI data flags into options', () => {
    expect(loadOptionsFromFlags({ 'text-column': 't', 'label-names': 'a, b', lenient: true, 'max-samples': '10', format: 'csv' })).toEqual({
      textColumn: 't',
      labelNames: ['a', 'b'],
      lenient: true,
      maxSamples: 10,
      format: 'csv',
    });
    expect(() => loadOptionsFromFlags({ 'label-names': 'a,a' })).toThrow('needs two or more distinct comma-separated names');
    expect(() => loadOptionsFromFlags({ format: 'xlsx' })).toThrow("must be one of auto, tsv, csv, jsonl, parquet; got 'xlsx'");
  });
});
