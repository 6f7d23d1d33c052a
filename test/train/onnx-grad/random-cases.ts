/**
 * Seeded random shapes for the rules whose gradients depend on shapes: broadcasting binary ops and Where
 * (random dims set to 1, leading dims dropped), batched MatMul, Softmax / LayerNorm / reductions over random
 * axes, Transpose, Concat, Gather and Slice. Each draw is a GradCase like the hand-written ones.
 */
import * as tf from '@tensorflow/tfjs';
import { int64Tensor } from '../../../src/backbones/onnx/build.ts';
import { Rng } from '../../../src/core/index.ts';
import { matmul, tfBinary, tfLayerNorm } from './cases.ts';
import { node, type GradCase } from './grad-harness.ts';

const ints = (name: string, values: number[]) => node('Constant', [], [name], `${name}/Constant`, { value: int64Tensor('', [values.length], values) });
const json = (v: unknown) => JSON.stringify(v);

class ShapeDraw {
  constructor(private readonly rng: Rng) {}
  int(low: number, high: number): number {
    return low + this.rng.int(high - low + 1);
  }
  shape(minRank: number, maxRank: number, maxDim = 4): number[] {
    return Array.from({ length: this.int(minRank, maxRank) }, () => this.int(1, maxDim));
  }
  /** `full` as a broadcast operand: some dims set to 1, some leading dims dropped. */
  broadcastable(full: number[], dropLeading: boolean): number[] {
    const drop = dropLeading ? this.int(0, full.length) : 0;
    return full.slice(drop).map((d) => (this.rng.next() < 0.35 ? 1 : d));
  }
  subset(n: number): number[] {
    const picked = Array.from({ length: n }, (_, i) => i).filter(() => this.rng.next() < 0.5);
    return picked.length > 0 ? picked : [this.int(0, n - 1)];
  }
  permutation(n: number): number[] {
    return Array.from(this.rng.permutation(n));
  }
}

export function randomShapeCases(seed: number, draws: number): GradCase[] {
  const d = new ShapeDraw(new Rng(seed));
  const cases: GradCase[] = [];
  for (let k = 0; k < draws; k++) {
    for (const op of ['Add', 'Sub', 'Mul', 'Div'] as const) {
      const out = d.shape(1, 4);
      const [a, b] = [d.broadcastable(out, false), d.broadcastable(out, true)];
      cases.push({
        name: `${op} ${json(a)} ∘ ${json(b)}`,
        inputs: [{ name: 'a', dims: a }, { name: 'b', dims: b, low: 0.5, high: 2 }],
        nodes: [node(op, ['a', 'b'], ['y'], op)],
        tf: (x) => tfBinary[op](x.a!, x.b!),
      });
    }
    const whereOut = d.shape(1, 3);
    const [cond, wa, wb] = [d.broadcastable(whereOut, true), d.broadcastable(whereOut, true), d.broadcastable(whereOut, true)];
    const condValues = Array.from({ length: cond.reduce((p, q) => p * q, 1) }, () => d.int(0, 1));
    cases.push({
      name: `Where ${json(cond)} ? ${json(wa)} : ${json(wb)}`,
      inputs: [{ name: 'c', dims: cond, kind: 'bool', values: condValues }, { name: 'a', dims: wa }, { name: 'b', dims: wb }],
      nodes: [node('Where', ['c', 'a', 'b'], ['y'], 'Where')],
      tf: (x) => {
        const shape = tf.broadcastArgs(tf.broadcastArgs(tf.tensor1d(cond, 'int32'), tf.tensor1d(wa, 'int32')), tf.tensor1d(wb, 'int32')).arraySync() as number[];
        return tf.where(tf.broadcastTo(x.c!, shape), tf.broadcastTo(x.a!, shape), tf.broadcastTo(x.b!, shape));
      },
    });
    const batch = d.shape(0, 2, 3);
    const [m, kk, n] = [d.int(1, 4), d.int(1, 4), d.int(1, 4)];
    cases.push(matmul('random', [...d.broadcastable(batch, false), m, kk], [...d.broadcastable(batch, true), kk, n]));

    const x = d.shape(1, 4);
    const axis = d.int(0, x.length - 1);
    cases.push({
      name: `Softmax ${json(x)} axis ${axis}`,
      inputs: [{ name: 'x', dims: x, low: -2, high: 2 }],
      nodes: [node('Softmax', ['x'], ['y'], 'Softmax', { axis })],
      tf: (t) => {
        const perm = [...Array(x.length).keys()].filter((i) => i !== axis).concat(axis);
        return tf.transpose(tf.softmax(tf.transpose(t.x!, perm)), perm.map((_, i) => perm.indexOf(i)));
      },
    });

    const ln = d.shape(2, 4);
    const lnAxis = d.int(1, ln.length - 1);
    cases.push({
      name: `LayerNormalization ${json(ln)} axis ${lnAxis}`,
      inputs: [{ name: 'x', dims: ln, low: -2, high: 2 }, { name: 'scale', dims: ln.slice(lnAxis), low: 0.5, high: 1.5 }, { name: 'bias', dims: ln.slice(lnAxis) }],
      nodes: [node('LayerNormalization', ['x', 'scale', 'bias'], ['y'], 'LayerNormalization', { axis: lnAxis, epsilon: { float: 1e-3 } })],
      tf: (t) => tf.add(tf.mul(tfLayerNorm(t.x!, [...Array(ln.length - lnAxis).keys()].map((i) => lnAxis + i), 1e-3), t.scale!), t.bias!),
    });

    const r = d.shape(1, 4);
    const axes = d.subset(r.length);
    const keepdims = d.int(0, 1);
    for (const op of ['ReduceSum', 'ReduceMean'] as const) {
      cases.push({
        name: `${op} ${json(r)} axes ${json(axes)} keepdims ${keepdims}`,
        inputs: [{ name: 'x', dims: r }],
        nodes:
          op === 'ReduceSum'
            ? [ints('axes', axes), node(op, ['x', 'axes'], ['s'], op, { keepdims }), node('Mul', ['s', 's'], ['y'], 'Mul')]
            : [node(op, ['x'], ['s'], op, { axes, keepdims }), node('Mul', ['s', 's'], ['y'], 'Mul')],
        tf: (t) => tf.square(op === 'ReduceSum' ? tf.sum(t.x!, axes, keepdims === 1) : tf.mean(t.x!, axes, keepdims === 1)),
      });
    }

    const tr = d.shape(1, 4);
    const perm = d.permutation(tr.length);
    cases.push({
      name: `Transpose ${json(tr)} perm ${json(perm)}`,
      inputs: [{ name: 'x', dims: tr }],
      nodes: [node('Transpose', ['x'], ['y'], 'Transpose', { perm })],
      tf: (t) => tf.transpose(t.x!, perm),
    });

    const base = d.shape(1, 3);
    const catAxis = d.int(0, base.length - 1);
    const parts = Array.from({ length: d.int(2, 3) }, () => base.map((v, i) => (i === catAxis ? d.int(1, 3) : v)));
    cases.push({
      name: `Concat axis ${catAxis} of ${json(parts)}`,
      inputs: parts.map((dims, i) => ({ name: `p${i}`, dims })),
      nodes: [node('Concat', parts.map((_, i) => `p${i}`), ['y'], 'Concat', { axis: catAxis })],
      tf: (t) => tf.concat(parts.map((_, i) => t[`p${i}`]!), catAxis),
    });

    const data = d.shape(1, 3);
    const gAxis = d.int(0, data.length - 1);
    const indexDims = d.shape(0, 2, 3);
    const indices = Array.from({ length: indexDims.reduce((p, q) => p * q, 1) }, () => d.int(0, data[gAxis]! - 1));
    cases.push({
      name: `Gather ${json(data)} axis ${gAxis} indices ${json(indexDims)}`,
      inputs: [{ name: 'x', dims: data }, { name: 'i', dims: indexDims, kind: 'int64', values: indices }],
      nodes: [node('Gather', ['x', 'i'], ['y'], 'Gather', { axis: gAxis })],
      tf: (t) => tf.gather(t.x!, t.i!, gAxis),
    });

    const sl = d.shape(1, 3, 5);
    const slAxis = d.int(0, sl.length - 1);
    const start = d.int(0, sl[slAxis]! - 1);
    const end = d.int(start + 1, sl[slAxis]!);
    const step = d.int(1, 2);
    const kept = [...Array(Math.ceil((end - start) / step)).keys()].map((i) => start + i * step);
    cases.push({
      name: `Slice ${json(sl)} axis ${slAxis} ${start}:${end}:${step}`,
      inputs: [{ name: 'x', dims: sl }],
      nodes: [ints('st', [start]), ints('en', [end]), ints('ax', [slAxis]), ints('sp', [step]), node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['y'], 'Slice')],
      tf: (t) => tf.gather(t.x!, kept, slAxis),
    });
  }
  return cases;
}
