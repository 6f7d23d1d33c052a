import type { Command } from '../command.ts';
import { parseFlags, requireFlag } from '../args.ts';

const help = `Usage: transferkit export-onnx --checkpoint DIR --out DIR [flags]

Writes a trained checkpoint as one model in Hugging Face layout that Transformers.js serves as is:
  onnx/model.onnx      the backbone graph with the head appended (its pooling, then its dense layers),
                       output 'logits' [batch, labels]; copied streaming, never held whole in memory
  config.json          BertForSequenceClassification with id2label / label2id from the checkpoint
  tokenizer files      the backbone's (model_max_length set to the checkpoint's max length)
Load it with pipeline('text-classification', DIR, { dtype: 'fp32' }) in Node, the browser or Deno. The folder is written
whole or not at all.

Flags:
  --checkpoint DIR     a checkpoint folder, or a run's checkpoint/ or output folder (its best/, else last/)
  --out DIR            where the model goes (must not exist or be empty, unless --overwrite)
  --overwrite          replace an existing --out folder (only once the new one is complete)
  --offline            hub backbones: use only the Hugging Face cache (or HF_HUB_OFFLINE=1)

Examples:
  # runs/demo is the run \`npm start\` writes
  transferkit export-onnx --checkpoint runs/demo --out models/demo-classifier
  # needs a run trained on MNLI in runs/mnli (see finetune --help)
  transferkit export-onnx --checkpoint runs/mnli/checkpoint/best --out models/mnli --overwrite
`;

const FLAGS = {
  checkpoint: { type: 'string' },
  out: { type: 'string' },
  overwrite: { type: 'boolean' },
  offline: { type: 'boolean' },
} as const;

const exportOnnxCommand: Command = {
  name: 'export-onnx',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS);
    const checkpoint = requireFlag(values.checkpoint, '--checkpoint');
    const out = requireFlag(values.out, '--out');
    const { exportOnnx } = await import('../../src/export/onnx/export.ts');
    const started = Date.now();
    const result = await exportOnnx(checkpoint, out, { overwrite: values.overwrite, offline: values.offline });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const megabytes = (result.modelBytes / 1e6).toFixed(1);
    process.stdout.write(
      `exported ${result.backbone} + head (${result.pooling} pooling, labels ${result.labelNames.join(', ')}) to ${result.dir} ` +
        `(onnx/model.onnx ${megabytes} MB, ${seconds}s)\n` +
        `use it: pipeline('text-classification', '${result.dir}', { dtype: 'fp32' }) from @huggingface/transformers\n`,
    );
    return 0;
  },
};

export default exportOnnxCommand;
