/**
 * `transferkit export-onnx`: a checkpoint as one self-contained model in Hugging Face layout that a plain
 * Transformers.js `pipeline('text-classification', dir)` serves: the backbone graph (initializers
 * optionally replaced by trained values, written streaming) with the head appended as nodes ending in
 * `logits`, config.json with the labels, and the backbone's tokenizer files.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { inputError, usageError } from '../../errors.ts';
import { atomicWriteDir } from '../../io/atomic.ts';
import { checkpointTextBackbone } from '../attention-model.ts';
import { checkOutputDir } from '../output-path.ts';
import { BACKBONE_MODEL_FILE, textBackboneFolder } from './backbone-folder.ts';
import { flattenCheckpoint } from './checkpoint-chain.ts';
import { buildHeadGraph, LOGITS_OUTPUT } from './head-graph.ts';
import { copyTokenizerFiles, writeClassifierConfig } from './hf-files.ts';
import { rewriteOnnxModel, type SourceGraph } from './rewrite.ts';

export interface ExportOnnxOptions {
  /**
   * Backbone initializers to replace, by their exact ONNX initializer name (a checkpoint that trained
   * backbone layers stores them that way). Absent: the checkpoint's own trained layers (none for a
   * frozen backbone, which is then exported unchanged). For a model on a model, they apply to the text
   * backbone at the bottom of the chain.
   */
  overrides?: ReadonlyMap<string, Float32Array>;
  /** Replace an existing, non-empty output folder. */
  overwrite?: boolean;
  /** Hub backbones: use only the local cache. */
  offline?: boolean;
}

export interface ExportOnnxResult {
  dir: string;
  labelNames: string[];
  pooling: string;
  maxLength: number;
  backbone: string;
  /** Size of onnx/model.onnx. */
  modelBytes: number;
  overridden: number;
}

const HIDDEN_STATE = 'last_hidden_state';
const ATTENTION_MASK = 'attention_mask';
const MIN_OPSET = 9;

export async function exportOnnx(checkpoint: string, outDir: string, options: ExportOnnxOptions = {}): Promise<ExportOnnxResult> {
  const target = resolve(outDir);
  await checkOutputDir(target, '--out');
  if (!options.overwrite && (await nonEmptyDir(target))) {
    throw usageError(`${outDir} already exists and is not empty; pass --overwrite to replace it, or choose another folder`, '--out');
  }
  const model = await flattenCheckpoint(checkpoint);
  // The layers the checkpoint's run trained (--unfreeze-top) go into the graph in place of the pretrained ones.
  const overrides = options.overrides ?? (await checkpointTextBackbone(checkpoint)).trained?.weights;
  const backboneDir = await textBackboneFolder(model.backbone, { offline: options.offline, checkpointDir: model.dir });
  for (const source of [model.dir, backboneDir]) {
    if (isSameOrInside(source, target)) throw usageError(`would replace ${source}, which the export reads; choose another folder`, '--out');
  }
  const sourceModel = join(backboneDir, BACKBONE_MODEL_FILE);
  let modelBytes = 0;
  await atomicWriteDir(target, async (tmp) => {
    await mkdir(join(tmp, 'onnx'));
    const written = await rewriteOnnxModel(sourceModel, join(tmp, BACKBONE_MODEL_FILE), (graph) => {
      checkTextEncoder(graph, sourceModel);
      const head = buildHeadGraph({
        pooling: model.pooling,
        layers: model.layers,
        hiddenState: HIDDEN_STATE,
        attentionMask: ATTENTION_MASK,
        batchDim: batchDimension(graph),
      });
      const clash = head.names.find((name) => graph.names.has(name));
      if (clash !== undefined) throw inputError(`the backbone graph already has a value named '${clash}'; it cannot take the head`, { file: sourceModel });
      return { overrides, nodes: head.nodes, initializers: head.initializers, outputs: [head.output] };
    });
    modelBytes = written.bytes;
    await writeClassifierConfig(backboneDir, tmp, model);
    await copyTokenizerFiles(backboneDir, tmp, model.maxLength);
  });
  return {
    dir: target,
    labelNames: model.labelNames,
    pooling: model.pooling,
    maxLength: model.maxLength,
    backbone: model.backbone.model,
    modelBytes,
    overridden: overrides?.size ?? 0,
  };
}

/** The head reads the encoder's last hidden state and the attention mask; anything else is not a BERT-style text encoder. */
function checkTextEncoder(graph: SourceGraph, file: string): void {
  const inputs = graph.inputs.map((i) => i.name);
  if (!inputs.includes('input_ids') || !inputs.includes(ATTENTION_MASK)) {
    throw inputError(`not a BERT-style text encoder: its inputs are ${inputs.join(', ')} (input_ids and attention_mask are needed)`, { file });
  }
  if (!graph.outputs.some((o) => o.name === HIDDEN_STATE)) {
    throw inputError(`not a BERT-style text encoder: it has no ${HIDDEN_STATE} output (outputs: ${graph.outputs.map((o) => o.name).join(', ')})`, { file });
  }
  if (graph.outputs.some((o) => o.name === LOGITS_OUTPUT)) throw inputError(`the graph already has a ${LOGITS_OUTPUT} output`, { file });
  // Erf (the GELU head's) arrived in opset 9; every other op the head uses is older.
  if (graph.opset < MIN_OPSET) throw inputError(`the graph is opset ${graph.opset}; the head needs opset ${MIN_OPSET} or later`, { file });
  // The copy is one file: weights kept in a separate .onnx_data file would be left behind.
  if ([...graph.initializers.values()].some((i) => i.external)) {
    throw inputError('the model keeps its weights in external data files, which export-onnx does not copy', { file });
  }
}

/** The symbolic batch dimension of the hidden state, so the logits share it. */
function batchDimension(graph: SourceGraph): string {
  const hidden = graph.outputs.find((o) => o.name === HIDDEN_STATE);
  return hidden?.type?.tensorType?.shape?.[0]?.param ?? 'batch_size';
}

async function nonEmptyDir(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length > 0;
  } catch {
    return false;
  }
}

/** Whether `path` is `folder` or lies below it (replacing `folder` would then remove it). */
function isSameOrInside(path: string, folder: string): boolean {
  const a = resolve(path);
  return a === folder || a.startsWith(`${folder}${sep}`);
}
