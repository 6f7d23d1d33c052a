import type { Command } from '../command.ts';
import { choiceFlag, intFlag, parseFlags, requireFlag } from '../args.ts';
import { usageError } from '../../src/errors.ts';
import { DEVICE_CHOICES } from '../../src/backbones/device.ts';
import { checkOutputFile } from '../../src/export/output-path.ts';
import { MODEL_DTYPES, type Pooling } from '../../src/core/index.ts';
import { DATA_FLAGS, dataFlagsHelp, loadOptionsFromFlags } from '../../src/data/flags.ts';

const help = `Usage: transferkit embed --model M --input FILE --output OUT.npy [flags]
       transferkit embed --task image-classification --model M --output OUT.npy IMAGE|FOLDER|GLOB ...

Runs the backbone over every row of FILE and writes a float32 .npy matrix [rows, hidden] in input order
(written atomically), one row per input row (labels, if any, are not read). FILE is TSV/CSV (with a header,
or headerless label/premise/hypothesis), JSONL, Parquet, or a hub dataset spec (glue/mnli:validation_matched);
pairs are read from premise/hypothesis, sentence1/sentence2 or text/text_pair columns (or
--text-column/--text-pair-column), single texts from text/sentence. Pairs are encoded [CLS] A [SEP] B [SEP]
with longest_first truncation.

An image model (--task image-classification) embeds image files, folders and globs (--input, or as
arguments), pooled as its family does (pooler_output, CLS) unless --pooling says mean.

Flags:
  --task T               text-classification (default) or image-classification
  --model M              hub id (bert-base-cased, owner/name), local model folder, or bundled:tiny-bert
                         (the generated random-weight demo model; no network) (required)
  --input FILE           input file, or bundled:nli-tiny/train | bundled:nli-tiny/validation (required)
  --output OUT.npy       output file (required)
  --pooling cls|mean|pooler  [CLS] row or mask-aware mean of the last hidden state (default cls;
                         images: the family's own, pooler or mean)
  --max-length N         tokens per input, specials included (default 128)
  --batch-size N         inputs per forward pass (default 32)
  --device D             auto | cpu | cuda | webgpu (default auto: cpu when no accelerator works)
  --no-bucketing         keep input order in batches (more padding; for comparison)
  --revision REV         hub revision (default main)
  --dtype T              fp32 | fp16 | q8 | int8 | uint8 | q4 (default fp32)
                         (q8: onnx/model_quantized.onnx, a hub repo's own or one transferkit quantize wrote)

${dataFlagsHelp({ labels: false })}
With --lenient a skipped row has no row in the output (the summary on stderr names its line), and
--offline keeps hub models to the local cache as well.

Hub models download from HF_ENDPOINT (default https://huggingface.co) into $HF_HOME/transformers.js.

Examples:
  transferkit embed --model bundled:tiny-bert --input bundled:nli-tiny/validation --output validation.npy
  transferkit embed --model bundled:tiny-bert --input bundled:nli-tiny/train --max-samples 200 --pooling mean --output train-mean.npy
  # needs the network once (downloads bert-base-cased, 434 MB) and your own pairs.jsonl ({"text": …, "text_pair": …} lines)
  transferkit embed --model bert-base-cased --input pairs.jsonl --output pairs.npy --device cpu
`;

const POOLINGS: readonly Pooling[] = ['cls', 'mean'];
const IMAGE_POOLINGS: readonly Pooling[] = ['cls', 'mean', 'pooler'];

const embed: Command = {
  name: 'embed',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      task: { type: 'string' },
      model: { type: 'string' },
      input: { type: 'string' },
      output: { type: 'string' },
      pooling: { type: 'string' },
      'max-length': { type: 'string' },
      'batch-size': { type: 'string' },
      device: { type: 'string' },
      'no-bucketing': { type: 'boolean' },
      revision: { type: 'string' },
      dtype: { type: 'string' },
      ...DATA_FLAGS,
    }, true);
    for (const flag of ['label-column', 'label-names'] as const) {
      if (values[flag] !== undefined) throw usageError('embed reads no labels (every row is embedded)', `--${flag}`);
    }
    const loadOptions = loadOptionsFromFlags(values);
    const model = requireFlag(values.model, '--model');
    const output = requireFlag(values.output, '--output');
    const task = choiceFlag(values.task, '--task', ['text-classification', 'image-classification'] as const, 'text-classification');
    if (task === 'image-classification') return embedImages(model, [...(values.input ? [values.input] : []), ...positionals], output, values);
    if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}'`);
    const input = requireFlag(values.input, '--input');
    if (!output.endsWith('.npy')) throw usageError(`must name a .npy file, got '${output}'`, '--output');
    await checkOutputFile(output, '--output');
    const pooling = choiceFlag(values.pooling, '--pooling', POOLINGS, 'cls');
    const maxLength = intFlag(values['max-length'], '--max-length', 128, 3);
    const batchSize = intFlag(values['batch-size'], '--batch-size', 32);
    const device = choiceFlag(values.device, '--device', DEVICE_CHOICES, 'auto');
    const dtype = choiceFlag(values.dtype, '--dtype', MODEL_DTYPES, 'fp32');

    // Resolve the device first (memoized): a missing accelerator fails before any data is read.
    const { resolveDevice } = await import('../../src/backbones/device.ts');
    await resolveDevice(device);
    const [{ loadTextDataset, datasetInputs, formatSkipSummary }, { loadTextBackbone }, { writeNpyStream }, { extractWindows }] = await Promise.all([
      import('../../src/data/index.ts'),
      import('../../src/backbones/load.ts'),
      import('../../src/export/npy.ts'),
      import('../../src/backbones/text-extract.ts'),
    ]);
    // Every row is embedded, also those without a gold label.
    const dataset = await loadTextDataset(input, { ...loadOptions, ignoreLabels: true });
    if (dataset.skipped.length) process.stderr.write(`${formatSkipSummary(dataset.skipped, input)}\n`);
    const inputs = datasetInputs(dataset);
    if (inputs.length === 0) throw usageError(`${input} has no rows to embed`, '--input');

    const backbone = await loadTextBackbone(model, { device, offline: loadOptions.offline, revision: values.revision, dtype });
    if (backbone.deviceNote) process.stderr.write(`note: ${backbone.deviceNote}\n`);
    const started = performance.now();
    const { progressPrinter } = await import('../../src/report/progress-line.ts');
    const progress = progressPrinter('embedding', dataset.textPairs ? 'pairs' : 'texts');
    try {
      // Each window of features goes to the file as soon as it is complete: memory does not grow with the input.
      const windows = extractWindows(backbone, inputs, {
        pooling,
        maxLength,
        batchSize,
        bucketing: !values['no-bucketing'],
        onProgress: progress,
      });
      await writeNpyStream(output, [inputs.length, backbone.dim], (async function* () {
        for await (const window of windows) yield window.data;
      })());
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `wrote ${output} [${inputs.length}, ${backbone.dim}] float32 (${pooling} pooling, ${backbone.identity}, ${backbone.device}, ` +
          `${(inputs.length / seconds).toFixed(1)} ${dataset.textPairs ? 'pairs' : 'texts'}/s)\n`,
      );
    } finally {
      await backbone.dispose();
    }
    return 0;
  },
};

/** embed --task image-classification: image files, folders and globs → [images, dim] float32 .npy. */
async function embedImages(model: string, paths: string[], output: string, values: Record<string, string | boolean | undefined>): Promise<number> {
  if (!output.endsWith('.npy')) throw usageError(`must name a .npy file, got '${output}'`, '--output');
  if (paths.length === 0) throw usageError('is required (image files, folders or globs)', '--input');
  await checkOutputFile(output, '--output');
  const device = choiceFlag(values.device as string | undefined, '--device', DEVICE_CHOICES, 'auto');
  const batchSize = intFlag(values['batch-size'] as string | undefined, '--batch-size', 32);
  const requested = values.pooling === undefined ? undefined : choiceFlag(values.pooling as string, '--pooling', IMAGE_POOLINGS, 'pooler');
  const [{ listImageInputs }, { loadImageBackbone }, { writeNpy }, { progressPrinter }] = await Promise.all([
    import('../../src/data/images/index.ts'),
    import('../../src/backbones/load-image.ts'),
    import('../../src/export/npy.ts'),
    import('../../src/report/progress-line.ts'),
  ]);
  const images = await listImageInputs(paths);
  const backbone = await loadImageBackbone(model, { device, offline: values.offline as boolean | undefined, revision: values.revision as string | undefined });
  try {
    const pooling = backbone.resolvePooling(requested);
    const started = performance.now();
    const features = await backbone.extract(images.images, { pooling, maxLength: 0, batchSize, onProgress: progressPrinter('embedding', 'images') });
    await writeNpy(output, features.data, [features.rows, features.dim]);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`wrote ${output} [${features.rows}, ${features.dim}] float32 (${pooling} pooling, ${backbone.identity}, ${backbone.device}, ${(features.rows / seconds).toFixed(1)} images/s)\n`);
  } finally {
    await backbone.dispose();
  }
  return 0;
}

export default embed;
