/**
 * The cross-entropy losses as ONNX defines them (scores [N, C, d…], labels [N, d…], optional per-class
 * weights, ignore_index, reduction none/sum/mean). Per-example weights are the decomposed form —
 * SoftmaxCrossEntropyLoss(reduction 'none') · w, then ReduceSum / Div — whose ops have their own rules.
 *   SoftmaxCrossEntropyLoss: dScores = s ⊙ (softmax(scores) − onehot(labels)), s = dLoss · wᵢ / denominator
 *   NegativeLogLikelihoodLoss: dInput = −s ⊙ onehot(labels)
 * where wᵢ is the class weight of example i's label (0 for ignored labels) and the denominator, for
 * 'mean', is Σ wᵢ (the example count when there are neither weights nor ignore_index), as in the ONNX
 * reference implementation.
 */
import { floatTensor } from '../../../backbones/onnx/build.ts';
import { DataType } from '../../../backbones/onnx/model.ts';
import { attr, stringAttr } from '../shapes.ts';
import { forInputs, type VjpContext, type VjpRule } from './rule.ts';

/** Per-example scale s (shaped like the labels, unsqueezed at the class axis) and the labels made safe to index with. */
function exampleScale(c: VjpContext, dy: string): { scale: string; labels: string } {
  const { e, node } = c;
  const [, rawLabels, classWeights] = node.input as [string, string, string | undefined];
  const ignoreIndex = attr(node, 'ignore_index')?.i;
  const reduction = stringAttr(node, 'reduction', 'mean');
  let labels = rawLabels;
  let weight: string | undefined;
  if (ignoreIndex !== undefined) {
    const ignored = e.op('Equal', [rawLabels, e.op('Cast', [e.intScalar(ignoreIndex)], { to: c.shapes.elemType(rawLabels) || DataType.INT64 })]);
    labels = e.op('Where', [ignored, e.op('Cast', [e.intScalar(0)], { to: c.shapes.elemType(rawLabels) || DataType.INT64 }), rawLabels]);
    weight = e.op('Cast', [e.op('Not', [ignored])], { to: DataType.FLOAT });
  }
  if (classWeights) {
    const picked = e.op('Gather', [classWeights, labels]);
    weight = weight ? e.mul(weight, picked) : picked;
  }
  let perExample = weight ? e.mul(dy, weight) : dy;
  if (reduction === 'mean') {
    const denominator = weight ? e.reduceSum(weight, [], false) : e.op('Cast', [e.op('Size', [rawLabels])], { to: DataType.FLOAT });
    perExample = e.div(perExample, denominator);
  }
  // Scalar when nothing varies per example ('sum'/'mean' without weights): it broadcasts as is.
  const scale = reduction === 'none' || weight ? e.op('Unsqueeze', [perExample, e.ints([1])]) : perExample;
  return { scale, labels };
}

function oneHot(c: VjpContext, labels: string, scores: string): string {
  const { e } = c;
  const depth = e.op('Gather', [e.shapeOf(scores), e.ints([1])]);
  const values = e.op('Constant', [], { value: floatTensor('', [2], Float32Array.of(0, 1)) });
  return e.op('OneHot', [labels, depth, values], { axis: 1 });
}

export const lossRules: Record<string, VjpRule> = {
  SoftmaxCrossEntropyLoss: (c) => {
    const { e, node } = c;
    const scores = node.input[0]!;
    const logProb = node.output[1];
    return forInputs(c, (i) => {
      if (i !== 0) return undefined;
      const probs = logProb ? e.op('Exp', [logProb]) : e.op('Softmax', [scores], { axis: 1 });
      let grad: string | undefined;
      if (c.dy[0]) {
        const { scale, labels } = exampleScale(c, c.dy[0]);
        grad = e.mul(scale, e.sub(probs, oneHot(c, labels, scores)));
      }
      const dLogProb = c.dy[1];
      if (dLogProb) {
        const viaLogProb = e.sub(dLogProb, e.mul(probs, e.reduceSum(dLogProb, [1], true)));
        grad = grad ? e.add(grad, viaLogProb) : viaLogProb;
      }
      return grad;
    });
  },
  NegativeLogLikelihoodLoss: (c) => {
    const { e, node } = c;
    return forInputs(c, (i) => {
      if (i !== 0) return undefined;
      const { scale, labels } = exampleScale(c, c.dy[0]!);
      return e.neg(e.mul(scale, oneHot(c, labels, node.input[0]!)));
    });
  },
};
