/**
 * What a checkpoint computes, flattened for export: the pretrained text backbone at the bottom, the pooling
 * and max length its features were made with, and every dense layer from there to the logits. A model
 * trained on another TransferKit model (model as backbone) contributes that model's layers up to its
 * penultimate representation, exactly as TransferModel.asFeatureExtractor computes it.
 */
import { existsSync } from 'node:fs';
import { inputError } from '../../errors.ts';
import type { BackboneReference, Pooling } from '../../core/index.ts';
import { loadCheckpoint, type LoadedCheckpoint } from '../../checkpoint/load.ts';
import { layerShapes, type HeadSpec } from '../../heads/config.ts';
import type { DenseLayer } from './head-graph.ts';

export interface FlatModel {
  /** The outermost checkpoint's folder (the one exported). */
  dir: string;
  labelNames: string[];
  backbone: BackboneReference;
  pooling: Pooling;
  maxLength: number;
  layers: DenseLayer[];
  /** The checkpoints from the outermost down, for the record. */
  checkpoints: LoadedCheckpoint[];
}

/** Models on models deeper than this are surely a cycle of checkpoints referring to each other. */
const MAX_DEPTH = 32;

export async function flattenCheckpoint(dir: string): Promise<FlatModel> {
  const checkpoints: LoadedCheckpoint[] = [];
  let current = await loadCheckpoint(dir);
  for (;;) {
    checkpoints.push(current);
    const reference = current.manifest.backbone;
    if (!reference) {
      throw inputError('this checkpoint was trained on precomputed features and records no backbone, so there is no model to export', { file: current.dir });
    }
    if (!reference.checkpoint) break;
    if (!existsSync(reference.checkpoint)) {
      throw inputError(`this model's backbone is the TransferKit checkpoint ${reference.checkpoint}, which is missing`, { file: current.dir });
    }
    if (checkpoints.length >= MAX_DEPTH) throw inputError(`models on models nest more than ${MAX_DEPTH} deep (a cycle of checkpoints?)`, { file: current.dir });
    current = await loadCheckpoint(reference.checkpoint);
  }
  const innermostFirst = [...checkpoints].reverse();
  // As at prediction: each model-as-backbone extracts with its own pooling and max length when it has them.
  const pooling = innermostFirst.find((c) => c.manifest.pooling)?.manifest.pooling ?? 'cls';
  const maxLength = innermostFirst.find((c) => c.manifest.maxLength)?.manifest.maxLength ?? 512;
  const layers = innermostFirst.flatMap((c, i) => headLayers(c.manifest.head, c.weights, i < innermostFirst.length - 1));
  return {
    dir: checkpoints[0].dir,
    labelNames: checkpoints[0].manifest.labelNames,
    backbone: innermostFirst[0].manifest.backbone!,
    pooling,
    maxLength,
    layers,
    checkpoints,
  };
}

/** A head's dense layers with their weights; `penultimateOnly` drops the classifier (model as backbone). */
export function headLayers(spec: HeadSpec, weights: Map<string, Float32Array>, penultimateOnly: boolean): DenseLayer[] {
  const shapes = layerShapes(spec);
  const layers = shapes.map(({ name, inputs, outputs }, i): DenseLayer => {
    const kernel = weights.get(`${name}/kernel`);
    const bias = weights.get(`${name}/bias`);
    if (!kernel || !bias) throw new Error(`weights for layer '${name}' are missing`);
    const hidden = i < shapes.length - 1;
    return { inputs, outputs, kernel, bias, activation: hidden && spec.type === 'mlp' ? spec.activation : null };
  });
  return penultimateOnly ? layers.slice(0, -1) : layers;
}
