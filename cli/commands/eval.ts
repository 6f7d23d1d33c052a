import type { Command } from '../command.ts';
import { parseFlags, requireFlag } from '../args.ts';
import { CHECKPOINT_RUN_FLAGS, checkpointRunOptions } from '../checkpoint-flags.ts';
import { DATA_FLAGS_HELP } from '../../src/data/flags.ts';

const help = `Usage: transferkit eval --checkpoint DIR --data SOURCE [--output FILE.json] [flags]

Evaluates a trained TransferKit model on a labelled set: accuracy, macro-F1, loss, per-class
precision / recall / F1 and the confusion matrix. Labels are mapped through the model's label names;
a label the model does not know is an error naming the file and line.

Flags:
  --checkpoint DIR     a checkpoint folder, or a run's checkpoint/ or output folder (its best/, else last/)
  --data SOURCE        labelled TSV/CSV/JSONL/Parquet file or hub spec (glue/mnli:validation_matched)
  --output FILE.json   also write the metrics (the results.json "eval" entry layout)
  --json               print the metrics as JSON instead of a table
  --batch-size N       backbone batch size (32)
  --device auto|cpu|cuda|webgpu   (auto)
${DATA_FLAGS_HELP}

Examples:
  # runs/demo is the run \`npm start\` writes
  transferkit eval --checkpoint runs/demo --data bundled:nli-tiny/validation --output metrics.json
  # needs the network once (downloads GLUE MNLI) and a run trained on MNLI in runs/mnli (see finetune --help)
  transferkit eval --checkpoint runs/mnli --data glue/mnli:validation_matched --output matched.json
`;

const FLAGS = {
  ...CHECKPOINT_RUN_FLAGS,
  data: { type: 'string' },
  output: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const evalCommand: Command = {
  name: 'eval',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS);
    const { checkpoint, batchSize, device, loadOptions } = checkpointRunOptions(values);
    const source = requireFlag(values.data, '--data');

    const [{ openCheckpoint, predictAll, predictionMetrics, isImageModel }, { loadTextDataset, formatSkipSummary, datasetInputs }, { atomicWriteFile }, { progressPrinter }, { metricsJson }, { formatMetricsTable }] =
      await Promise.all([
        import('../../src/run/checkpoint-model.ts'),
        import('../../src/data/index.ts'),
        import('../../src/io/atomic.ts'),
        import('../../src/report/progress-line.ts'),
        import('../../src/run/outputs.ts'),
        import('../../src/report/summary.ts'),
      ]);
    const model = await openCheckpoint(checkpoint, { device, offline: loadOptions.offline });
    try {
      const { loadRunSplit } = await import('../../src/run/splits.ts');
      // An image model evaluates on image data (class folders, tables, CIFAR-10, hub); a text model on text rows.
      const data = isImageModel(model)
        ? await loadRunSplit('image-classification', source, { labelNames: model.labelNames, lenient: loadOptions.lenient, maxSamples: loadOptions.maxSamples, offline: loadOptions.offline })
        : await loadTextDataset(source, { ...loadOptions, labelNames: model.labelNames, requireLabels: true }).then((d) => ({ ...d, inputs: datasetInputs(d) }));
      if (data.skipped.length) process.stderr.write(`${formatSkipSummary(data.skipped, source)}\n`);
      const prediction = await predictAll(model, data.inputs as Parameters<typeof predictAll>[1], { batchSize, onProgress: progressPrinter('evaluating', 'inputs') });
      const metrics = predictionMetrics(prediction, data.labels!, model.labelNames);
      const json = { data: source, checkpoint: model.dir, ...metricsJson(metrics) };
      if (values.output) await atomicWriteFile(values.output, JSON.stringify(json, null, 2) + '\n');
      process.stdout.write(values.json ? `${JSON.stringify(json)}\n` : `${formatMetricsTable(source, metrics)}\n`);
    } finally {
      await model.dispose();
    }
    return 0;
  },
};

export default evalCommand;
