/**
 * Checks one gradient rule end to end: a small forward graph y = f(inputs), the scalar loss Σ y ⊙ c for a
 * random cotangent c (so the whole vector-Jacobian product is tested, not only a sum), addGradients, and
 * ONNX Runtime's gradients compared with TF.js autodiff (tf.grads, cpu backend) of the same f and with a
 * central finite difference of ONNX Runtime's own loss along a random direction.
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { makeNode, tensorValueInfo } from '../../../src/backbones/onnx/build.ts';
import { DataType, emptyGraph, encodeModel, type GraphProto, type NodeProto, type TensorProto } from '../../../src/backbones/onnx/model.ts';
import { opset17Model } from '../../../src/backbones/onnx/build.ts';
import { Rng } from '../../../src/core/index.ts';
import { addGradients } from '../../../src/train/onnx-grad/index.ts';

export type Dims = number[];

export interface InputSpec {
  name: string;
  dims: Dims;
  /** int64 (indices, labels) and bool inputs take `values`; floats are random in [low, high). */
  kind?: 'float' | 'int64' | 'bool';
  values?: number[];
  low?: number;
  high?: number;
  /** Float inputs are differentiated unless this is false. */
  differentiate?: boolean;
  /** Declared graph-input dims (symbolic names or null test the run-time shape paths); default `dims`. */
  declared?: (number | string | null)[];
}

export interface GradCase {
  name: string;
  inputs: InputSpec[];
  /** Forward nodes writing `y`. */
  nodes: NodeProto[];
  initializers?: TensorProto[];
  /** The same function in TF.js; int64 inputs arrive as int32 tensors, bool ones as bool. */
  tf: (x: Record<string, tf.Tensor>) => tf.Tensor;
  /** Declared dims of the cotangent input (default: y's actual dims). */
  declaredOutput?: (number | string | null)[];
  /** Finite-difference step (float32 loss): small enough for curvature, large enough for rounding. */
  step?: number;
}

export interface GradReport {
  /** max |ort − tfjs| / max |tfjs| over every differentiated input. */
  vsTf: number;
  /** |directional FD − ⟨gradient, direction⟩| / max(|⟨gradient, direction⟩|, 1e-3). */
  vsFiniteDifference: number;
  /** The backward ops emitted (to see which paths a case exercised). */
  backwardOps: Set<string>;
}

export const node = makeNode;

interface Feeds {
  values: Map<string, Float32Array | number[]>;
  cotangent: Float32Array;
  yDims: Dims;
}

function makeFeeds(c: GradCase, rng: Rng): Feeds {
  const values = new Map<string, Float32Array | number[]>();
  for (const input of c.inputs) {
    if (input.kind === 'int64' || input.kind === 'bool') values.set(input.name, input.values!);
    else {
      const count = input.dims.reduce((a, b) => a * b, 1);
      values.set(input.name, Float32Array.from({ length: count }, () => rng.uniform(input.low ?? -1, input.high ?? 1)));
    }
  }
  const y = tf.tidy(() => c.tf(tfInputs(c, values)));
  const yDims = y.shape.slice();
  y.dispose();
  const count = yDims.reduce((a, b) => a * b, 1);
  return { values, cotangent: Float32Array.from({ length: count }, () => rng.uniform(-1, 1)), yDims };
}

function tfInputs(c: GradCase, values: Map<string, Float32Array | number[]>): Record<string, tf.Tensor> {
  return Object.fromEntries(
    c.inputs.map((i) => {
      const v = values.get(i.name)!;
      if (i.kind === 'int64') return [i.name, tf.tensor(v as number[], i.dims, 'int32')];
      if (i.kind === 'bool') return [i.name, tf.tensor((v as number[]).map(Boolean), i.dims, 'bool')];
      return [i.name, tf.tensor(v, i.dims)];
    }),
  );
}

const isDifferentiated = (i: InputSpec) => (i.kind ?? 'float') === 'float' && i.differentiate !== false;

export function buildGraph(c: GradCase, yDims: Dims): GraphProto {
  const graph = emptyGraph(c.name);
  const elem = { float: DataType.FLOAT, int64: DataType.INT64, bool: DataType.BOOL };
  graph.input = [...c.inputs.map((i) => tensorValueInfo(i.name, elem[i.kind ?? 'float'], i.declared ?? i.dims)), tensorValueInfo('cotangent', DataType.FLOAT, c.declaredOutput ?? yDims)];
  graph.node = [...c.nodes, makeNode('Mul', ['y', 'cotangent'], ['weighted'], 'harness/Mul'), makeNode('ReduceSum', ['weighted'], ['loss'], 'harness/ReduceSum', { keepdims: 0 })];
  graph.initializer = c.initializers ?? [];
  graph.output = [tensorValueInfo('loss', DataType.FLOAT, [])];
  return graph;
}

function ortFeeds(c: GradCase, feeds: Feeds, shift?: Map<string, Float32Array>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = { cotangent: new ort.Tensor('float32', feeds.cotangent, feeds.yDims) };
  for (const i of c.inputs) {
    const v = feeds.values.get(i.name)!;
    if (i.kind === 'int64') out[i.name] = new ort.Tensor('int64', BigInt64Array.from((v as number[]).map(BigInt)), i.dims);
    else if (i.kind === 'bool') out[i.name] = new ort.Tensor('bool', Uint8Array.from(v as number[]), i.dims);
    else out[i.name] = new ort.Tensor('float32', shift?.get(i.name) ?? (v as Float32Array), i.dims);
  }
  return out;
}

export function maxRelativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / Math.max(scale, 1e-6);
}

export async function checkGradients(c: GradCase, seed = 1): Promise<GradReport> {
  const rng = new Rng(seed);
  const feeds = makeFeeds(c, rng);
  const graph = buildGraph(c, feeds.yDims);
  const forwardNodes = graph.node.length;
  const wrt = c.inputs.filter(isDifferentiated).map((i) => i.name);
  const names = addGradients(graph, { loss: 'loss', wrt });
  const backwardOps = new Set(graph.node.slice(forwardNodes).map((n) => n.opType));
  const session = await ort.InferenceSession.create(encodeModel(opset17Model(graph)));
  try {
    const run = async (shift?: Map<string, Float32Array>) => session.run(ortFeeds(c, feeds, shift));
    const result = await run();
    const ortGrads = wrt.map((w) => result[names.get(w)!]!.data as Float32Array);

    const tfGrads = tf.tidy(() => {
      const all = tfInputs(c, feeds.values);
      const cot = tf.tensor(feeds.cotangent, feeds.yDims);
      const f = (...xs: tf.Tensor[]) => {
        const args = { ...all };
        wrt.forEach((w, i) => (args[w] = xs[i]!));
        return tf.sum(tf.mul(c.tf(args), cot));
      };
      return tf.grads(f)(wrt.map((w) => all[w]!)).map((g) => g.dataSync() as Float32Array);
    });
    const vsTf = Math.max(...wrt.map((_, i) => maxRelativeDifference(ortGrads[i]!, tfGrads[i]!)));

    const h = c.step ?? 1e-2;
    const direction = new Map(wrt.map((w) => [w, Float32Array.from(feeds.values.get(w) as Float32Array, () => rng.uniform(-1, 1))]));
    const moved = (sign: number) => new Map(wrt.map((w) => [w, Float32Array.from(feeds.values.get(w) as Float32Array, (v, k) => v + sign * h * direction.get(w)![k]!)]));
    const lossAt = async (sign: number) => ((await run(moved(sign))).loss!.data as Float32Array)[0]!;
    const finite = ((await lossAt(1)) - (await lossAt(-1))) / (2 * h);
    let analytic = 0;
    wrt.forEach((w, i) => direction.get(w)!.forEach((d, k) => (analytic += d * ortGrads[i]![k]!)));
    const vsFiniteDifference = Math.abs(finite - analytic) / Math.max(Math.abs(analytic), 1e-3);
    return { vsTf, vsFiniteDifference, backwardOps };
  } finally {
    await session.release();
  }
}
