/**
 * Softmax, LogSoftmax and LayerNormalization (opset 13+ semantics: one softmax axis, LayerNorm over
 * axes [axis, rank)). LayerNorm's mean and 1/σ are recomputed from its input rather than taken from the
 * node's optional outputs, so the forward graph is read, never edited. The decomposed LayerNorm that
 * opset-14 exports write needs no rule here: its ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add compose.
 */
import { floatAttr, intAttr } from '../shapes.ts';
import { forInputs, outputGrad, type VjpRule } from './rule.ts';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

export const normalizationRules: Record<string, VjpRule> = {
  // dx = y ⊙ (dy − Σ_axis dy ⊙ y)
  Softmax: (c) => {
    const { e, node } = c;
    const dy = outputGrad(c);
    const y = node.output[0]!;
    const axis = intAttr(node, 'axis', -1);
    return forInputs(c, () => e.mul(y, e.sub(dy, e.reduceSum(e.mul(dy, y), [axis], true))));
  },
  // dx = dy − softmax(x) ⊙ Σ_axis dy, softmax(x) = exp(y)
  LogSoftmax: (c) => {
    const { e, node } = c;
    const dy = outputGrad(c);
    const axis = intAttr(node, 'axis', -1);
    return forInputs(c, () => e.sub(dy, e.mul(e.op('Exp', [node.output[0]!]), e.reduceSum(dy, [axis], true))));
  },
  LayerNormalization: (c) => {
    const { e, node, shapes } = c;
    if (c.dy.slice(1).some(Boolean)) throw new Error(`addGradients: LayerNormalization node '${node.name}': gradients through its Mean/InvStdDev outputs are not supported`);
    const dy = outputGrad(c);
    const [x, scale] = node.input as [string, string, string | undefined];
    const rank = shapes.requireRank(x, node);
    const first = intAttr(node, 'axis', -1) < 0 ? intAttr(node, 'axis', -1) + rank : intAttr(node, 'axis', -1);
    const normAxes = range(first, rank);
    const leading = range(0, first);
    const xDims = shapes.dims(x);
    const paramDims = xDims?.slice(first);
    // x̂ = (x − μ)/σ, σ = √(var + ε): recomputed once, and only when the x or scale gradient is asked for.
    let stats: { invStd: string; normalized: string } | undefined;
    const statistics = () => {
      if (stats) return stats;
      const centered = e.sub(x, e.reduceMean(x, normAxes, true));
      const variance = e.reduceMean(e.mul(centered, centered), normAxes, true);
      const invStd = e.op('Reciprocal', [e.op('Sqrt', [e.add(variance, e.scalar(floatAttr(node, 'epsilon', 1e-5)))])]);
      return (stats = { invStd, normalized: e.mul(centered, invStd) });
    };
    const overRows = (t: string, target: string) => e.sumTo(leading.length ? e.reduceSum(t, leading, false) : t, paramDims, target);
    return forInputs(c, (i) => {
      if (i === 1) return overRows(e.mul(dy, statistics().normalized), scale);
      if (i === 2) return overRows(dy, node.input[2]!);
      const { invStd, normalized } = statistics();
      // dx = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / σ, g = dy ⊙ scale
      const g = e.mul(dy, scale);
      const meanG = e.reduceMean(g, normAxes, true);
      const meanGx = e.reduceMean(e.mul(g, normalized), normAxes, true);
      return e.mul(invStd, e.sub(e.sub(g, meanG), e.mul(normalized, meanGx)));
    });
  },
};
