import type { Command } from '../command.ts';
import { intFlag, parseFlags, requireFlag } from '../args.ts';
import { parseConfigField, taskDefaults } from '../../src/run/config.ts';
import { parseShard } from '../../src/features/shards.ts';
import { DEFAULT_CHUNK_ROWS } from '../../src/features/cache.ts';

const help = `Usage: transferkit extract --model M --data SOURCE [--shard I/N | --shard auto --shards N] [flags]

Fills the feature cache ($TRANSFERKIT_CACHE/features, default ~/.cache/transferkit/features) with the
backbone's features of SOURCE, exactly as finetune would extract them, so a later finetune over the same
data and settings makes no backbone pass. Many processes may share one cache folder (a local disk, NFS, a
Kubernetes PVC): each chunk of ${DEFAULT_CHUNK_ROWS} rows is computed once, under its own lock, and written whole.

Sharding: --shard I/N extracts shard I (0-based) of N, a fixed contiguous range of the entry's chunks.
--shard auto --shards N takes I from JOB_COMPLETION_INDEX (Kubernetes Indexed Job), AWS_BATCH_JOB_ARRAY_INDEX
or SLURM_ARRAY_TASK_ID (number the array from 0). A finished shard run again computes nothing; a killed
worker's shard is simply run again. Run one extract per data source (train and each validation set).
\`transferkit cache status\` shows the coverage; a finetune over an entry a sharded run left incomplete names
the missing shards (or computes them with --extract-missing).

Flags (give the same values as the finetune that will read the features):
  --model M                 hub id, model folder, TransferKit checkpoint or bundled:tiny-bert (default bert-base-cased)
  --data SOURCE             TSV/CSV/JSONL/Parquet file, hub spec (glue/mnli:train) or bundled:nli-tiny/train (required)
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
  --json                    print the outcome as one JSON object

Examples:
  transferkit extract --model bundled:tiny-bert --data bundled:nli-tiny/train --shard 0/2
  transferkit extract --model bundled:tiny-bert --data bundled:nli-tiny/train --shard 1/2
  transferkit cache status
  # what each pod of a Kubernetes Indexed Job with completions 8 runs (needs the network once for the model and data)
  transferkit extract --model bert-base-cased --data glue/mnli:train --shard auto --shards 8
`;

const FLAGS = {
  model: { type: 'string' },
  data: { type: 'string' },
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
    const data = requireFlag(values.data, '--data');
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
    // Made at the first report, after the data and model are loaded, so its rate is the extraction's own.
    let printer: ((done: number, total: number) => void) | undefined;
    const progress = (done: number, total: number) => (printer ??= progressPrinter(`extracting shard ${shard.index}/${shard.count}:`, 'rows'))(done, total);
    const outcome = await runExtract(config, values.json ? undefined : progress);
    const { chunks, startRow, endRow, computedRows } = outcome;
    const fromCache = endRow - startRow - computedRows;
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({
          shard: `${shard.index}/${shard.count}`,
          entry: outcome.entryDir,
          rows: outcome.rows,
          chunks: [chunks.first, chunks.end],
          chunk_count: outcome.chunkCount,
          start_row: startRow,
          end_row: endRow,
          computed_rows: computedRows,
          cached_rows: fromCache,
          seconds: outcome.seconds,
          ...(outcome.rebuilt ? { rebuilt: outcome.rebuilt } : {}),
        })}\n`,
      );
      return 0;
    }
    const range = endRow > startRow ? `rows ${startRow}-${endRow - 1} of ${outcome.rows} (chunks ${chunks.first}-${chunks.end - 1} of ${outcome.chunkCount})` : `no rows (${outcome.chunkCount} chunks for ${shard.count} shards)`;
    const work = computedRows === 0 ? 'already complete, nothing computed' : `computed ${computedRows} rows (${(computedRows / outcome.seconds).toFixed(1)} rows/s), ${fromCache} from the cache`;
    if (outcome.rebuilt) process.stderr.write(`note: recomputed unusable cache files: ${outcome.rebuilt}\n`);
    process.stdout.write(`shard ${shard.index}/${shard.count}: ${range}: ${work}\nentry: ${outcome.entryDir}\n`);
    return 0;
  },
};

export default extract;
