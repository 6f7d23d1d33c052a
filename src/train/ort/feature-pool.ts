/**
 * Pooled features of a split encoder through the ort engine's forward graph (the step graph without
 * gradients or dropout) with the TF.js top's weights as they are when the pool is made: the kept checkpoint's final evaluation and
 * prediction with trained layers run at ONNX Runtime speed instead of in the TF.js top. Same maths; the
 * features agree with the TF.js top's to float32 rounding.
 */
import type { PreparedBatch, SplitEncoder } from '../../backbones/split/split-encoder.ts';
import type { ResolvedDevice } from '../../backbones/device.ts';
import type { Pooling } from '../../core/index.ts';
import { layerShapes, type HeadSpec } from '../../heads/config.ts';
import { BACKBONE_OPTIMIZER_PREFIX } from '../checkpoints.ts';
import { addGradients } from '../onnx-grad/index.ts';
import { OrtEngine } from './ort-engine.ts';

export interface FeaturePool {
  /** [rows, hidden] pooled features of a batch prepared as one group, rows in batch order. */
  pool: (batch: PreparedBatch) => Promise<Float32Array>;
  dispose: () => Promise<void>;
}

/**
 * The forward graph needs a head to build; the pooled output does not read it, so a zero linear head
 * stands in for whatever head the checkpoint has.
 */
const PLACEHOLDER_CLASSES = 2;

/** An ort feature pool over `split`'s current top weights, or null where the graph does not build for this model or pooling (the TF.js top then). */
export async function ortFeaturePool(split: SplitEncoder, pooling: Pooling): Promise<FeaturePool | null> {
  const head: HeadSpec = { type: 'linear', inputDim: split.dim, numClasses: PLACEHOLDER_CLASSES };
  let engine: OrtEngine;
  try {
    engine = new OrtEngine(split, head, pooling, addGradients, split.base.device as ResolvedDevice);
    engine.forwardGraph(1);
  } catch {
    return null;
  }
  const headWeights = layerShapes(head).flatMap(({ name, inputs, outputs }) => [
    { name: `${name}/kernel`, data: new Float32Array(inputs * outputs), dims: [inputs, outputs] },
    { name: `${name}/bias`, data: new Float32Array(outputs), dims: [outputs] },
  ]);
  const backbone = (await split.top.readWeights()).map(({ name, shape, data }) => ({ name: `${BACKBONE_OPTIMIZER_PREFIX}${name}`, data, dims: shape }));
  engine.setWeights([...headWeights, ...backbone]);
  return { pool: (batch) => engine.pooled(batch), dispose: () => engine.dispose() };
}
