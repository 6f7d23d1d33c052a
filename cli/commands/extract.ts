import type { Command } from '../command.ts';
import { intFlag, parseFlags, requireFlag } from '../args.ts';
import { parseConfigField, taskDefaults } from '../../src/run/config.ts';
import { parseShard } from '../../src/features/shards.ts';
import { DEFAULT_CHUNK_ROWS } from '../../src/features/cache.ts';
import type { ExtractOutcome } from '../../src/run/extract.ts';

const help = `Usage: transferkit extract --model M --data SOURCE [--data SOURCE2 …] [--shard I/N | --shard auto --shards N] [flags]

Fills the feature cache ($TRANSFERKIT_CACHE/features, default ~/.cache/transferkit/features) with the
backbone's features of SOURCE, exactly as finetune would extract them, so a later finetune over the same
data and settings makes no backbone pass. Many processes may share one cache folder (a local disk, NFS, a
Kubernetes PVC): each chunk of ${DEFAULT_CHUNK_ROWS} rows is computed once, under its own lock, and written whole.

Sharding: --shard I/N extracts shard I (0-based) of N, a fixed contiguous range of the entry's chunks.
--shard auto --shards N takes I from JOB_COMPLETION_INDEX (Kubernetes Indexed Job), AWS_BATCH_JOB_ARRAY_INDEX
or SLURM_ARRAY_TASK_ID (number the array from 0). A finished shard run again computes nothing; a killed
worker's shard is simply run again. Give every source a finetune will read (--data repeated: the training
set first, then each validation set); each is sharded on its own and the model loads once.
\`transferkit cache status\` shows the coverage; a finetune over an entry a sharded run left incomplete names
the missing shards (or computes them with --extract-missing).

Flags (give the same values as the finetune that will read the features):
  --model M                 hub id, model folder, TransferKit checkpoint or bundled:tiny-bert (default bert-base-cased)
  --data SOURCE             TSV/CSV/JSONL/Parquet file, hub spec (glue/mnli:train) or bundled:nli-tiny/train
                            (required; repeatable: later sources take the first one's classes, as finetune's
                            validation sets take the training set's)
  --task T                  text-classification (default) or image-classification
  --shard I/N | auto        which shard (default: the whole source)
  --shards N                the number of shards, with --shard auto
  --max-samples N           the first N rows (finetune's --max-train-samples / --max-eval-samples)
  --label-names A,B,C       as finetune's (the labels are part of the data's identity)
  --pooling auto|cls|mean|pooler   (auto: cls for text, the family's own for images)
  --max-length N            tokens per pair (128)
  --dtype T                 fp32 | fp16 | q8 | int8 | uint8 | q4 (fp32)
  --extract-batch-size N    backbone batch size (32)
  --device D                auto | cpu | cuda | webgpu (auto)
  --chunk-rows N            rows per chunk file of a new entry (${DEFAULT_CHUNK_ROWS}); an existing entry keeps its own
  --offline                 use only cached hub files (also HF_HUB_OFFLINE=1)
  --lenient                 skip bad rows (as finetune --lenient)
  --json                    print the outcome as one JSON object per source

Examples:
  transferkit extract --model bundled:tiny-bert --data bundled:nli-tiny/train --data bundled:nli-tiny/validation --shard 0/2
  transferkit extract --model bundled:tiny-bert --data bundled:nli-tiny/train --data bundled:nli-tiny/validation --shard 1/2
  # then: transferkit cache status; transferkit finetune --model bundled:tiny-bert (it makes no backbone pass)
  # each pod of a Kubernetes Indexed Job with completions 8 (needs the network once: bert-base-cased and GLUE MNLI)
  transferkit extract --model bert-base-cased --data glue/mnli:train --data glue/mnli:validation_matched --shard auto --shards 8
`;

const FLAGS = {
  model: { type: 'string' },
  data: { type: 'string', multiple: true },
  task: { type: 'string' },
  shard: { type: 'string' },
  shards: { type: 'string' },
  'max-samples': { type: 'string' },
  'label-names': { type: 'string' },
  pooling: { type: 'string' },
  'max-length': { type: 'string' },
  dtype: { type: 'string' },
  'extract-batch-size': { type: 'string' },
  device: { type: 'string' },
  'chunk-rows': { type: 'string' },
  offline: { type: 'boolean' },
  lenient: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const extract: Command = {
  name: 'extract',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS);
    const data = values.data ?? [];
    if (data.length === 0) requireFlag(undefined, '--data');
    const shard = parseShard(values.shard, values.shards);
    const task = values.task === undefined ? 'text-classification' : parseConfigField('task', values.task);
    const base = taskDefaults(task);
    const field = <K extends 'model' | 'pooling' | 'maxLength' | 'dtype' | 'extractBatchSize' | 'device'>(key: K, value: string | undefined) =>
      value === undefined ? base[key] : parseConfigField(key, value);
    const config = {
      task,
      model: field('model', values.model),
      data,
      shard,
      pooling: field('pooling', values.pooling),
      maxLength: field('maxLength', values['max-length']),
      dtype: field('dtype', values.dtype),
      extractBatchSize: field('extractBatchSize', values['extract-batch-size']),
      device: field('device', values.device),
      maxSamples: values['max-samples'] === undefined ? undefined : intFlag(values['max-samples'], '--max-samples', 0, 1),
      ...(values['label-names'] !== undefined ? { labelNames: parseConfigField('labelNames', values['label-names']) } : {}),
      chunkRows: intFlag(values['chunk-rows'], '--chunk-rows', DEFAULT_CHUNK_ROWS),
      offline: values.offline === true,
      lenient: values.lenient === true,
    };
    const [{ runExtract }, { progressPrinter }] = await Promise.all([import('../../src/run/extract.ts'), import('../../src/report/progress-line.ts')]);
    const label = (source: string) => `extracting ${source} shard ${shard.index}/${shard.count}:`;
    // Made at the first report, after the data and model are loaded, so its rate is the extraction's own.
    const progress = (source: string) => {
      let printer: ((done: number, total: number) => void) | undefined;
      return (done: number, total: number) => (printer ??= progressPrinter(label(source), 'rows'))(done, total);
    };
    const outcomes = await runExtract(config, values.json ? undefined : progress);
    for (const outcome of outcomes) process.stdout.write(values.json ? `${JSON.stringify(outcomeJson(outcome))}\n` : outcomeLine(outcome));
    return 0;
  },
};

function outcomeJson(o: ExtractOutcome) {
  return {
    source: o.source,
    shard: `${o.shard.index}/${o.shard.count}`,
    entry: o.entryDir,
    rows: o.rows,
    chunks: [o.chunks.first, o.chunks.end],
    chunk_count: o.chunkCount,
    start_row: o.startRow,
    end_row: o.endRow,
    computed_rows: o.computedRows,
    cached_rows: o.endRow - o.startRow - o.computedRows,
    seconds: o.seconds,
    ...(o.rebuilt ? { rebuilt: o.rebuilt } : {}),
  };
}

function outcomeLine(o: ExtractOutcome): string {
  const { shard, chunks, startRow, endRow, computedRows } = o;
  const range = endRow > startRow ? `rows ${startRow}-${endRow - 1} of ${o.rows} (chunks ${chunks.first}-${chunks.end - 1} of ${o.chunkCount})` : `no rows (${o.chunkCount} chunks for ${shard.count} shards)`;
  const work = computedRows === 0 ? 'already complete, nothing computed' : `computed ${computedRows} rows (${(computedRows / o.seconds).toFixed(1)} rows/s), ${endRow - startRow - computedRows} from the cache`;
  const note = o.rebuilt ? `  recomputed unusable cache files: ${o.rebuilt}\n` : '';
  return `${o.source} shard ${shard.index}/${shard.count}: ${range}: ${work}\n${note}  entry ${o.entryDir}\n`;
}

export default extract;
