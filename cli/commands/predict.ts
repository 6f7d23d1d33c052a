import type { Command } from '../command.ts';
import { parseFlags, requireFlag } from '../args.ts';
import { CHECKPOINT_RUN_FLAGS, checkpointRunOptions } from '../checkpoint-flags.ts';
import { DATA_FLAGS_HELP } from '../../src/data/flags.ts';
import { usageError } from '../../src/errors.ts';

const help = `Usage: transferkit predict --checkpoint DIR --input FILE --output FILE.jsonl [flags]
       transferkit predict --checkpoint DIR --output FILE.jsonl IMAGE|FOLDER|GLOB ...   (image models)

Labels every input with a trained TransferKit model: one JSON line per input, in input order:
  {"index": 0, "line": 2, "label": "entailment", "probabilities": {"entailment": 0.91, ...}}
The input is a TSV/CSV/JSONL/Parquet file (or hub spec) of single texts or pairs; labels, if present,
are ignored. An image model takes image files, folders (every .jpg/.jpeg/.png/.webp below) and globs
(photos/*.jpg), as --input (repeatable) or as arguments; its lines carry "image" instead of "line".

Flags:
  --checkpoint DIR     a checkpoint folder, or a run's checkpoint/ or output folder (its best/, else last/)
  --input SOURCE       the inputs
  --output FILE.jsonl  where the predictions go (written whole or not at all)
  --batch-size N       backbone batch size (32)
  --device auto|cpu|cuda|webgpu   (auto)
${DATA_FLAGS_HELP}

Examples:
  # runs/demo is the run \`npm start\` writes
  transferkit predict --checkpoint runs/demo --input bundled:nli-tiny/validation --output predictions.jsonl
  # needs your own pairs.tsv (a header line, then premise<TAB>hypothesis rows)
  transferkit predict --checkpoint runs/demo --input pairs.tsv --output pairs-predictions.jsonl
  # needs a trained image run in runs/cifar (see finetune --help) and your own images
  transferkit predict --checkpoint runs/cifar --output image-predictions.jsonl photos/ extra/*.png
`;

const FLAGS = {
  ...CHECKPOINT_RUN_FLAGS,
  input: { type: 'string', multiple: true },
  output: { type: 'string' },
} as const;

const predict: Command = {
  name: 'predict',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS, true);
    const { checkpoint, batchSize, device, loadOptions } = checkpointRunOptions(values);
    const given = [...(values.input ?? []), ...positionals];
    if (given.length === 0) requireFlag(undefined, '--input');
    const output = requireFlag(values.output, '--output');

    const [{ openCheckpoint, predictAll, isImageModel }, { loadTextDataset, datasetInputs }, { listImageInputs }, { atomicWriteFile }, { progressPrinter }] = await Promise.all([
      import('../../src/run/checkpoint-model.ts'),
      import('../../src/data/index.ts'),
      import('../../src/data/images/index.ts'),
      import('../../src/io/atomic.ts'),
      import('../../src/report/progress-line.ts'),
    ]);
    const model = await openCheckpoint(checkpoint, { device, offline: loadOptions.offline });
    try {
      let inputs: Parameters<typeof predictAll>[1];
      let where: (i: number) => Record<string, unknown>;
      if (isImageModel(model)) {
        const images = await listImageInputs(given, { lenient: loadOptions.lenient });
        if (images.skipped.length) process.stderr.write(`skipped ${images.skipped.reduce((n, s) => n + s.count, 0)} bad image(s): ${images.skipped.map((s) => s.example).join('; ')}\n`);
        inputs = images.images;
        where = (i) => ({ image: images.ids[i] });
      } else {
        if (given.length > 1) throw usageError('a text model reads one --input file', '--input');
        const data = await loadTextDataset(given[0], loadOptions);
        inputs = datasetInputs(data);
        where = (i) => ({ line: data.lines[i] });
      }
      const prediction = await predictAll(model, inputs, { batchSize, onProgress: progressPrinter('predicting', 'inputs') });
      const lines = prediction.labels.map((label, i) =>
        JSON.stringify({
          index: i,
          ...where(i),
          label,
          probabilities: Object.fromEntries(model.labelNames.map((name, c) => [name, prediction.probabilities[i][c]])),
        }),
      );
      await atomicWriteFile(output, lines.length ? lines.join('\n') + '\n' : '');
      process.stderr.write(`wrote ${lines.length} predictions to ${output}\n`);
    } finally {
      await model.dispose();
    }
    return 0;
  },
};

export default predict;
