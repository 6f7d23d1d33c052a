import type { DeviceChoice, ModelDtype, TextInput } from '../core/index.ts';
import { inputError } from '../errors.ts';
import type { AttentionEntry } from './attention-entry.ts';
import { exportAttention, formatFromPath, type AttentionExportSummary, type AttentionFormat } from './attention-export.ts';
import { checkpointTextBackbone } from './attention-model.ts';
import { checkAttentionOutput } from './attention-output.ts';
import { parseSelectionSpec } from './attention-selection.ts';

export interface AttentionDumpOptions {
  /** Hub id or local model folder. Give this or `checkpoint`. */
  model?: string;
  /** A TransferKit checkpoint folder: its backbone is used. */
  checkpoint?: string;
  /** One text or pair, or a data file of inputs (TSV / CSV / JSONL / Parquet, or a hub dataset spec). */
  input: TextInput | { file: string; maxInputs?: number };
  out: string;
  /** Defaults from `out`: .json, .html, otherwise an npy directory. */
  format?: AttentionFormat;
  /** `all` (default) or indices such as `0,2,5-7`, as the --layers / --heads flags take them. */
  layers?: string;
  heads?: string;
  maxLength?: number;
  device?: DeviceChoice;
  offline?: boolean;
  /** Hub revision for `model`; a checkpoint brings its own. */
  revision?: string;
  /** ONNX weight variant of `model` (q8: onnx/model_quantized.onnx); a checkpoint brings its own. */
  dtype?: ModelDtype;
  onProgress?: (done: number, total: number) => void;
}

export interface AttentionDumpSummary extends AttentionExportSummary {
  format: AttentionFormat;
  out: string;
  /** The backbone that ran (for a checkpoint: its backbone's model). */
  model: string;
  /** The device actually used, and why when `auto` fell back. */
  device: string;
  deviceNote?: string;
}

interface LocatedInput {
  input: TextInput;
  line?: number;
}

/**
 * Computes per-layer attention for one input or a file of inputs and writes it as json, npy or html.
 * Cheap checks (selection syntax, output path, checkpoint, input file) run before the model loads; the selection is
 * checked against the model's counts before anything is written; output appears only when complete.
 */
export async function dumpAttention(options: AttentionDumpOptions): Promise<AttentionDumpSummary> {
  const selection = parseSelectionSpec(options.layers, options.heads);
  const format = options.format ?? formatFromPath(options.out);
  await checkAttentionOutput(format, options.out);
  const fromCheckpoint = options.checkpoint ? await checkpointTextBackbone(options.checkpoint) : undefined;
  const reference = fromCheckpoint?.reference;
  const model = reference?.model ?? options.model;
  if (model === undefined) throw new TypeError('dumpAttention needs `model` or `checkpoint`');
  const multi = 'file' in options.input;
  const inputs = await readInputs(options.input, options.offline ?? false);

  const { loadTextBackbone } = await import('../backbones/load.ts');
  const backbone = await loadTextBackbone(model, {
    device: options.device,
    offline: options.offline,
    revision: reference ? reference.revision : options.revision,
    dtype: reference ? reference.dtype : options.dtype,
    attentions: true,
  });
  const trained = fromCheckpoint?.trained;
  let attender: Pick<typeof backbone, 'attend' | 'dispose'> = backbone;
  try {
    if (trained) {
      const { withTrainedLayers } = await import('../model/transfer-model.ts');
      attender = await withTrainedLayers(backbone, trained.unfreezeTop, trained.weights, trained.sha256);
    }
    const maxLength = options.maxLength ?? fromCheckpoint?.maxLength ?? 128;
    async function* entries(): AsyncGenerator<AttentionEntry> {
      for (const [index, { input, line }] of inputs.entries()) {
        const result = await attender.attend(input, maxLength);
        options.onProgress?.(index + 1, inputs.length);
        yield { index, line, input, result };
      }
    }
    const title = options.checkpoint ? `${options.checkpoint} (backbone ${model})` : model;
    const summary = await exportAttention(entries(), { format, out: options.out, selection, multi, total: inputs.length, title });
    return { ...summary, format, out: options.out, model, device: backbone.device, deviceNote: backbone.deviceNote };
  } finally {
    await attender.dispose();
    if (attender !== backbone) await backbone.dispose().catch(() => {});
  }
}

async function readInputs(input: AttentionDumpOptions['input'], offline: boolean): Promise<LocatedInput[]> {
  if (!('file' in input)) return [{ input }];
  const { loadTextDataset, datasetInputs } = await import('../data/index.ts');
  const dataset = await loadTextDataset(input.file, { offline, maxSamples: input.maxInputs, ignoreLabels: true });
  if (dataset.texts.length === 0) throw inputError('the file has no inputs', { file: input.file });
  return datasetInputs(dataset).map((located, k) => ({ input: located, line: dataset.lines[k] }));
}
