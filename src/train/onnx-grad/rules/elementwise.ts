/**
 * Elementwise ops. Binary ones broadcast, so each input's gradient is summed back to that input's
 * shape (Emitter.sumTo); unary ones keep the shape.
 */
import { forInputs, outputGrad, type VjpContext, type VjpRule } from './rule.ts';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Binary broadcasting op: `local(i)` is the gradient wrt input i before the broadcast is undone. */
function binary(local: (c: VjpContext, dy: string, i: number) => string): VjpRule {
  return (c) => {
    const dy = outputGrad(c);
    const y = c.node.output[0]!;
    return forInputs(c, (i) => c.e.sumTo(local(c, dy, i), c.shapes.dims(y), c.node.input[i]!));
  };
}

/** Unary op whose gradient is `dy * factor` (factor from the node's input x and output y). */
function unary(local: (c: VjpContext, dy: string, x: string, y: string) => string): VjpRule {
  return (c) => forInputs(c, () => local(c, outputGrad(c), c.node.input[0]!, c.node.output[0]!));
}

export const elementwiseRules: Record<string, VjpRule> = {
  Add: binary((_c, dy) => dy),
  Sub: binary((c, dy, i) => (i === 0 ? dy : c.e.neg(dy))),
  Mul: binary((c, dy, i) => c.e.mul(dy, c.node.input[1 - i]!)),
  // d(a/b)/da = 1/b; d(a/b)/db = -a/b² = -y/b.
  Div: binary((c, dy, i) => {
    const [, b] = c.node.input as [string, string];
    return i === 0 ? c.e.div(dy, b) : c.e.neg(c.e.div(c.e.mul(dy, c.node.output[0]!), b));
  }),
  // d(x^p)/dx = p·x^(p-1); d(x^p)/dp = y·ln x.
  Pow: binary((c, dy, i) => {
    const { e } = c;
    const [x, p] = c.node.input as [string, string];
    if (i === 0) return e.mul(dy, e.mul(p, e.op('Pow', [x, e.sub(p, e.scalar(1))])));
    return e.mul(dy, e.mul(c.node.output[0]!, e.op('Log', [x])));
  }),
  Sqrt: unary((c, dy, _x, y) => c.e.div(c.e.mul(dy, c.e.scalar(0.5)), y)),
  Erf: unary((c, dy, x) => {
    const { e } = c;
    return e.mul(dy, e.mul(e.scalar(TWO_OVER_SQRT_PI), e.op('Exp', [e.neg(e.mul(x, x))])));
  }),
  // ONNX Runtime's fused GELU, y = x·Φ(x): dy/dx = Φ(x) + x·φ(x) = ½·(1 + erf(x/√2) + √(2/π)·x·exp(-x²/2)).
  'com.microsoft.Gelu': unary((c, dy, x) => {
    const { e } = c;
    const t = e.mul(x, e.scalar(Math.SQRT1_2));
    const density = e.mul(e.mul(x, e.op('Exp', [e.neg(e.mul(t, t))])), e.scalar(Math.sqrt(2 / Math.PI)));
    const slope = e.op('Sum', [e.op('Erf', [t]), density, e.scalar(1)]);
    return e.mul(e.mul(dy, slope), e.scalar(0.5));
  }),
  Tanh: unary((c, dy, _x, y) => c.e.mul(dy, c.e.sub(c.e.scalar(1), c.e.mul(y, y)))),
  Sigmoid: unary((c, dy, _x, y) => c.e.mul(dy, c.e.mul(y, c.e.sub(c.e.scalar(1), y)))),
  // Zero at x = 0, as TF.js and PyTorch define it.
  Relu: unary((c, dy, x) => c.e.op('Where', [c.e.op('Greater', [x, c.e.scalar(0)]), dy, c.e.scalar(0)])),
  Exp: unary((c, dy, _x, y) => c.e.mul(dy, y)),
  Log: unary((c, dy, x) => c.e.div(dy, x)),
  Neg: unary((c, dy) => c.e.neg(dy)),
  Abs: unary((c, dy, x) => c.e.mul(dy, c.e.op('Sign', [x]))),
  Reciprocal: unary((c, dy, _x, y) => c.e.neg(c.e.mul(dy, c.e.mul(y, y)))),
  Identity: unary((_c, dy) => dy),
  Dropout: (c) => {
    const training = c.node.input[2];
    if (training && c.shapes.constantInts(training)?.[0] !== 0) {
      throw new Error(`addGradients: Dropout node '${c.node.name}' in training mode is not supported (export in eval mode)`);
    }
    return forInputs(c, (i) => (i === 0 ? outputGrad(c) : undefined));
  },
  Cast: unary((c, dy, x, y) => (c.shapes.elemType(x) === c.shapes.elemType(y) ? dy : c.e.op('Cast', [dy], { to: c.shapes.elemType(x) }))),
  Where: (c) => {
    const dy = outputGrad(c);
    const [condition] = c.node.input as [string];
    const zero = c.e.scalar(0);
    return forInputs(c, (i) => {
      if (i === 0) return undefined;
      const picked = c.e.op('Where', i === 1 ? [condition, dy, zero] : [condition, zero, dy]);
      return c.e.sumTo(picked, c.shapes.dims(c.node.output[0]!), c.node.input[i]!);
    });
  },
};
