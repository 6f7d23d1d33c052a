import type { Command } from '../command.ts';
import { parseFlags, requireFlag } from '../args.ts';
import { CHECKPOINT_RUN_FLAGS, checkpointRunOptions } from '../checkpoint-flags.ts';
import { DATA_FLAGS_HELP } from '../../src/data/flags.ts';

const help = `Usage: transferkit predict --checkpoint DIR --input FILE --output FILE.jsonl [flags]

Labels every input with a trained TransferKit model: one JSON line per input, in input order:
  {"index": 0, "line": 2, "label": "entailment", "probabilities": {"entailment": 0.91, ...}}
The input is a TSV/CSV/JSONL/Parquet file (or hub spec) of single texts or pairs; labels, if present,
are ignored.

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
`;

const FLAGS = {
  ...CHECKPOINT_RUN_FLAGS,
  input: { type: 'string' },
  output: { type: 'string' },
} as const;

const predict: Command = {
  name: 'predict',
  summary: 'Label inputs with a trained checkpoint (JSON lines: label and probabilities)',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS);
    const { checkpoint, batchSize, device, loadOptions } = checkpointRunOptions(values);
    const input = requireFlag(values.input, '--input');
    const output = requireFlag(values.output, '--output');

    const [{ openCheckpoint, predictAll }, { loadTextDataset, datasetInputs }, { atomicWriteFile }, { progressPrinter }] = await Promise.all([
      import('../../src/run/checkpoint-model.ts'),
      import('../../src/data/index.ts'),
      import('../../src/io/atomic.ts'),
      import('../../src/report/progress-line.ts'),
    ]);
    const data = await loadTextDataset(input, loadOptions);
    const model = await openCheckpoint(checkpoint, { device, offline: loadOptions.offline });
    try {
      const prediction = await predictAll(model, datasetInputs(data), { batchSize, onProgress: progressPrinter('predicting', 'inputs') });
      const lines = prediction.labels.map((label, i) =>
        JSON.stringify({
          index: i,
          line: data.lines[i],
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
