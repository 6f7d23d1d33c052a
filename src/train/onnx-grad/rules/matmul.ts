/**
 * MatMul (numpy semantics: batch dims broadcast, rank-1 operands promoted) and Gemm.
 * Y = A·B gives dA = dY·Bᵀ and dB = Aᵀ·dY, each summed over the batch dims it was broadcast along.
 * The common linear layer (A [..., K] activations, B [K, N] weight) gets dB as one Gemm over the
 * flattened rows instead of a batched product summed afterwards: one large GEMM, no [batch, K, N] temporary.
 */
import type { Dim } from '../shapes.ts';
import { forInputs, outputGrad, type VjpRule } from './rule.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export const matmulRules: Record<string, VjpRule> = {
  MatMul: (c) => {
    const { e, shapes, node } = c;
    const dy = outputGrad(c);
    const [a, b] = node.input as [string, string];
    const [ra, rb] = [shapes.requireRank(a, node), shapes.requireRank(b, node)];
    if (ra === 1 && rb === 1) return forInputs(c, (i) => e.mul(dy, i === 0 ? b : a));
    if (ra === 1) {
      // a as [1, K]: dY gains the row axis back.
      const dyRow = e.op('Unsqueeze', [dy, e.ints([-2])]);
      return forInputs(c, (i) =>
        i === 0 ? e.reduceSum(e.op('MatMul', [dyRow, e.transposeLastTwo(b, rb)]), range(rb - 1), false) : e.op('MatMul', [e.op('Unsqueeze', [a, e.ints([-1])]), dyRow]),
      );
    }
    if (rb === 1) {
      // b as [K, 1]: dY gains the column axis back.
      const dyCol = e.op('Unsqueeze', [dy, e.ints([-1])]);
      return forInputs(c, (i) =>
        i === 0 ? e.op('MatMul', [dyCol, e.op('Unsqueeze', [b, e.ints([0])])]) : e.reduceSum(e.op('MatMul', [e.transposeLastTwo(a, ra), dyCol]), [...range(ra - 2), ra - 1], false),
      );
    }
    const [aDims, bDims, yDims] = [shapes.dims(a)!, shapes.dims(b)!, shapes.dims(node.output[0]!)];
    const batchOf = (last2: Dim[]) => (yDims ? [...yDims.slice(0, -2), ...last2] : undefined);
    return forInputs(c, (i) => {
      if (i === 0) return e.sumTo(e.op('MatMul', [dy, e.transposeLastTwo(b, rb)]), batchOf(aDims.slice(-2)), a);
      if (rb === 2 && ra > 2) {
        const rows = (t: string, rank: number) => e.op('Flatten', [t], { axis: rank - 1 });
        return e.op('Gemm', [rows(a, ra), rows(dy, ra)], { transA: 1 });
      }
      return e.sumTo(e.op('MatMul', [e.transposeLastTwo(a, ra), dy]), batchOf(bDims.slice(-2)), b);
    });
  },

  /** Y = alpha·op(A)·op(B) + beta·C, op = optional transpose; every case is one Gemm with the right flags. */
  Gemm: (c) => {
    const { e, node } = c;
    const dy = outputGrad(c);
    const [a, b, bias] = node.input as [string, string, string | undefined];
    const alpha = node.attribute.find((x) => x.name === 'alpha')?.f ?? 1;
    const beta = node.attribute.find((x) => x.name === 'beta')?.f ?? 1;
    const transA = node.attribute.find((x) => x.name === 'transA')?.i ?? 0;
    const transB = node.attribute.find((x) => x.name === 'transB')?.i ?? 0;
    const gemm = (x: string, y: string, tx: number, ty: number) => e.op('Gemm', [x, y], { alpha: { float: alpha }, transA: tx, transB: ty });
    return forInputs(c, (i) => {
      if (i === 0) return transA ? gemm(b, dy, transB, 1) : gemm(dy, b, 0, transB ? 0 : 1);
      if (i === 1) return transB ? gemm(dy, a, 1, transA) : gemm(a, dy, transA ? 0 : 1, 0);
      const scaled = beta === 1 ? dy : e.mul(dy, e.scalar(beta));
      return e.sumTo(scaled, c.shapes.dims(node.output[0]!), bias!);
    });
  },
};
