import type { Command } from '../command.ts';
import { choiceFlag, intFlag, parseFlags } from '../args.ts';
import { usageError } from '../../src/errors.ts';
import { DEVICE_CHOICES } from '../../src/backbones/device.ts';
import { MODEL_DTYPES } from '../../src/core/index.ts';
import { ATTENTION_FORMATS, formatFromPath, type AttentionFormat } from '../../src/export/attention-export.ts';

const help = `Usage: transferkit attention (--model M | --checkpoint DIR) (--text A [--text-pair B] | --input FILE) --out PATH [flags]

Computes the attention probabilities of every layer and head (as PyTorch BertModel(output_attentions=True)
returns them) for one input or a file of inputs, and writes them as:
  json   bertviz layout: {"tokens", "sentence_b_start", "layers", "heads", "attention": [layer][head][i][j]}
         (6 significant digits); attention[layer][head] uses the model's layer and head numbers, and
         "layers" / "heads" list those exported: with --layers / --heads the others are empty arrays [];
         for --input, a JSON array with one such object per input, each also giving its index, line,
         text and text_pair
  npy    a directory: layer_00.npy ... (float32 [heads, seq, seq], one per selected layer) + tokens.json;
         for --input, one subfolder per input (00000/, 00001/, ...) and an index.json
  html   one self-contained page (no network) with a bertviz-style head view: token-to-token lines, layer
         and head selectors, the sentence A/B boundary marked, sentence filters (A→B ...), a contrast
         control, and a model view (a small heatmap of every head; a click opens it in the head view);
         for --input, an input selector too
The output appears only when complete; a failed run leaves any previous output as it was.
Sizes grow with layers x heads x tokens^2 per input (bert-base, 128 tokens: about 25 MB of JSON, 16 MB of
HTML, 9 MB of npy): pick --layers / --heads and --max-inputs to keep large dumps, and HTML pages especially, small.

Flags:
  --model M            hub id (bert-base-cased), local model folder, or bundled:tiny-bert (the generated
                       random-weight demo model; no network)
  --checkpoint DIR     a TransferKit checkpoint: its backbone is used
  --text A             the input text (sentence A)
  --text-pair B        second text of a pair (sentence B)
  --input FILE         a file of inputs: TSV/CSV with premise/hypothesis, sentence1/sentence2 or
                       text/text_pair columns, JSONL with those keys, Parquet, a hub dataset spec, or
                       bundled:nli-tiny/train | bundled:nli-tiny/validation
  --max-inputs N       only the first N inputs of --input
  --max-length N       truncate to N tokens, pairs longest_first (default: the checkpoint's, else 128)
  --layers SEL         layers to export: all (default) or indices such as 0,2,5-7
  --heads SEL          heads to export: all (default) or indices such as 0-3
  --format F           json | npy | html (default from --out: .json, .html, otherwise an npy directory)
  --out PATH           output file (json, html) or directory (npy)
  --device D           cpu | cuda | webgpu | auto (default auto)
  --offline            use only local files and the cache (also HF_HUB_OFFLINE=1)
  --revision R         hub revision of --model
  --dtype T            weight variant of --model: fp32 | fp16 | q8 | int8 | uint8 | q4 (default fp32;
                       q8 is onnx/model_quantized.onnx, e.g. what transferkit quantize writes)

Examples:
  transferkit attention --model bundled:tiny-bert --text "The cat sat." --text-pair "A cat was sitting." --out attention.json
  transferkit attention --model bundled:tiny-bert --text "hello world" --heads 0-1 --format npy --out dump
  # runs/demo is the run \`npm start\` writes
  transferkit attention --checkpoint runs/demo --input bundled:nli-tiny/validation --max-inputs 5 --out attention.html
  # needs the network once: downloads bert-base-cased (434 MB) from the Hugging Face hub
  transferkit attention --model bert-base-cased --text "The cat sat." --layers 0,11 --out view.html
`;

const attention: Command = {
  name: 'attention',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, {
      model: { type: 'string' },
      checkpoint: { type: 'string' },
      text: { type: 'string' },
      'text-pair': { type: 'string' },
      input: { type: 'string' },
      'max-inputs': { type: 'string' },
      'max-length': { type: 'string' },
      layers: { type: 'string' },
      heads: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      device: { type: 'string' },
      offline: { type: 'boolean' },
      revision: { type: 'string' },
      dtype: { type: 'string' },
    });
    const model = exactlyOne(values, '--model', '--checkpoint');
    exactlyOne(values, '--text', '--input');
    if (values['text-pair'] !== undefined && values.input !== undefined) throw usageError('cannot be combined with --input (the file gives the pairs)', '--text-pair');
    // As for rows of a file: an empty or blank text is a mistake, not an input of zero tokens.
    for (const flag of ['text', 'text-pair'] as const) {
      if (values[flag] !== undefined && values[flag].trim() === '') throw usageError('needs a non-blank text', `--${flag}`);
    }
    if (values['max-inputs'] !== undefined && values.input === undefined) throw usageError('applies only with --input', '--max-inputs');
    if (values.revision !== undefined && model === '--checkpoint') throw usageError('a checkpoint records its backbone revision', '--revision');
    if (values.dtype !== undefined && model === '--checkpoint') throw usageError('a checkpoint records its backbone dtype', '--dtype');
    const dtype = values.dtype === undefined ? undefined : choiceFlag(values.dtype, '--dtype', MODEL_DTYPES, 'fp32');
    if (values.out === undefined || values.out === '') throw usageError('missing: give the output file (.json, .html) or npy directory', '--out');
    const out = values.out;
    const format = outputFormat(values.format, out);
    // Unset: the checkpoint's own max length (with --checkpoint), else 128.
    const maxLength = values['max-length'] === undefined ? undefined : intFlag(values['max-length'], '--max-length', 128, 2);
    const maxInputs = values['max-inputs'] === undefined ? undefined : intFlag(values['max-inputs'], '--max-inputs', 1);
    const device = choiceFlag(values.device, '--device', DEVICE_CHOICES, 'auto');

    const { dumpAttention } = await import('../../src/export/attention-run.ts');
    // A progress line on a terminal only; ended with a newline on failure too, so the error starts a line.
    let progressOpen = false;
    const onProgress = (done: number, total: number) => {
      process.stderr.write(`\rattention ${done}/${total}${done === total ? '\n' : ''}`);
      progressOpen = done < total;
    };
    const summary = await dumpAttention({
      model: values.model,
      checkpoint: values.checkpoint,
      input: values.input !== undefined ? { file: values.input, maxInputs } : { text: values.text!, textPair: values['text-pair'] },
      out,
      format,
      layers: values.layers,
      heads: values.heads,
      maxLength,
      device,
      // Absent flag → undefined, so HF_HUB_OFFLINE (1/true/yes/on) decides, as everywhere else.
      offline: values.offline,
      revision: values.revision,
      dtype,
      onProgress: process.stderr.isTTY && values.input !== undefined ? onProgress : undefined,
    }).finally(() => {
      if (progressOpen) process.stderr.write('\n');
    });
    const inputs = `${summary.count} input${summary.count === 1 ? '' : 's'}`;
    const shown = `layers ${summary.selection.layers.length}/${summary.numLayers}, heads ${summary.selection.heads.length}/${summary.numHeads}`;
    if (summary.deviceNote) process.stderr.write(`note: ${summary.deviceNote}\n`);
    process.stdout.write(`wrote ${summary.format} attention for ${inputs} (${shown}) of ${summary.model} on ${summary.device} to ${summary.out}\n`);
    return 0;
  },
};

/** Checks that exactly one of two alternative flags is given; returns the one that is. */
function exactlyOne(values: Record<string, unknown>, a: string, b: string): string {
  const has = (flag: string) => values[flag.slice(2)] !== undefined;
  if (has(a) && has(b)) throw usageError(`cannot be combined with ${a}; give one of them`, b);
  if (!has(a) && !has(b)) throw usageError(`give ${a} or ${b}`, a);
  for (const flag of [a, b]) if (values[flag.slice(2)] === '') throw usageError('needs a value', flag);
  return has(a) ? a : b;
}

/** --format, or the one --out implies; an explicit --format must not contradict a .json / .html name. */
function outputFormat(flag: string | undefined, out: string): AttentionFormat {
  const implied = formatFromPath(out);
  const format = choiceFlag(flag, '--format', ATTENTION_FORMATS, implied);
  const named = /\.(json|html?)$/i.test(out);
  if (flag !== undefined && named && format !== implied) {
    throw usageError(`--format ${format} does not match the ${implied} file name '${out}'`, '--out');
  }
  return format;
}

export default attention;
