/** addGradients' contract: names and outputs, errors, zeros for unreached weights, and which broadcast path it takes. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { int64Tensor, makeNode, tensorValueInfo } from '../../../src/backbones/onnx/build.ts';
import { DataType, emptyGraph, type GraphProto } from '../../../src/backbones/onnx/model.ts';
import { addGradients } from '../../../src/train/onnx-grad/index.ts';
import { checkGradients, type GradCase } from './grad-harness.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** loss = ReduceSum(x · w) (+ a side output through `sideOp`, not on the loss path). */
function graph(opOnPath = 'Mul', sideOp?: string): GraphProto {
  const g = emptyGraph('api');
  g.input = [tensorValueInfo('x', DataType.FLOAT, [2, 3]), tensorValueInfo('w', DataType.FLOAT, [3]), tensorValueInfo('ids', DataType.INT64, [2])];
  g.node = [makeNode(opOnPath, ['x', 'w'], ['xw'], 'the/product'), makeNode('ReduceSum', ['xw'], ['loss'], 'the/sum', { keepdims: 0 })];
  g.output = [tensorValueInfo('loss', DataType.FLOAT, [])];
  if (sideOp) {
    g.node.push(makeNode(sideOp, ['xw'], ['side'], 'the/side'));
    g.output.push(tensorValueInfo('side', DataType.FLOAT, [2, 3]));
  }
  return g;
}

describe('addGradients', () => {
  it('adds one float output per weight, named grad.<name>, shaped like the weight', () => {
    const g = graph();
    const names = addGradients(g, { loss: 'loss', wrt: ['w', 'x'] });
    expect([...names]).toEqual([
      ['w', 'grad.w'],
      ['x', 'grad.x'],
    ]);
    const outputs = g.output.slice(1);
    expect(outputs.map((o) => [o.name, o.type?.tensorType?.elemType, o.type?.tensorType?.shape?.map((d) => d.value)])).toEqual([
      ['grad.w', DataType.FLOAT, [3]],
      ['grad.x', DataType.FLOAT, [2, 3]],
    ]);
  });

  it('names the op and the node when an op on the path has no rule', () => {
    expect(() => addGradients(graph('Max'), { loss: 'loss', wrt: ['w'] })).toThrow(/no gradient rule for op Max \(node 'the\/product'\)/);
  });

  it('ignores ops without a rule that are off the path to the loss', () => {
    expect(() => addGradients(graph('Mul', 'Cos'), { loss: 'loss', wrt: ['w'] })).not.toThrow();
  });

  it('refuses unknown, integer and non-input weights and a non-float loss', () => {
    expect(() => addGradients(graph(), { loss: 'loss', wrt: ['nope'] })).toThrow(/'nope' is neither a graph input nor an initializer/);
    expect(() => addGradients(graph(), { loss: 'loss', wrt: ['ids'] })).toThrow(/'ids' is not float32/);
    expect(() => addGradients(graph(), { loss: 'xw', wrt: ['loss'] })).toThrow(/'loss' is neither/);
    expect(() => addGradients(graph(), { loss: 'ids', wrt: ['w'] })).toThrow(/loss 'ids' is not a float32 tensor/);
  });

  it('gives zeros for a weight the loss does not depend on', async () => {
    const c: GradCase = {
      name: 'unused weight',
      inputs: [{ name: 'x', dims: [2, 3] }, { name: 'unused', dims: [4] }],
      nodes: [makeNode('Tanh', ['x'], ['y'], 'Tanh')],
      tf: (x) => tf.add(tf.tanh(x.x!), tf.mul(tf.sum(x.unused!), 0)),
    };
    const report = await checkGradients(c);
    expect(report.vsTf).toBeLessThanOrEqual(1e-5);
    expect(report.backwardOps.has('ConstantOfShape')).toBe(true);
  });

  const broadcastAdd = (declared?: (number | string | null)[]): GradCase => ({
    name: 'broadcast Add',
    inputs: [{ name: 'a', dims: [2, 3, 4] }, { name: 'b', dims: [3, 1], declared }],
    nodes: [makeNode('Add', ['a', 'b'], ['y'], 'Add')],
    tf: (x) => tf.add(x.a!, x.b!),
  });

  it('undoes a broadcast with constant axes when the shapes are known', async () => {
    const report = await checkGradients(broadcastAdd());
    expect(report.vsTf).toBeLessThanOrEqual(1e-5);
    expect(report.backwardOps.has('ReduceSum')).toBe(true);
    expect(report.backwardOps.has('NonZero')).toBe(false);
  });

  it('finds the broadcast axes at run time when a dimension is unknown, with the same gradients', async () => {
    const report = await checkGradients(broadcastAdd([null, null]));
    expect(report.vsTf).toBeLessThanOrEqual(1e-5);
    expect(report.backwardOps.has('NonZero')).toBe(true);
  });

  it('emits no reduction for an Add of equal (symbolic) shapes', async () => {
    const report = await checkGradients({
      name: 'residual',
      inputs: [{ name: 'a', dims: [2, 3], declared: ['batch', 3] }, { name: 'b', dims: [2, 3], declared: ['batch', 3] }],
      nodes: [makeNode('Add', ['a', 'b'], ['y'], 'Add')],
      declaredOutput: ['batch', 3],
      tf: (x) => tf.add(x.a!, x.b!),
    });
    expect(report.vsTf).toBeLessThanOrEqual(1e-5);
    expect([...report.backwardOps].filter((op) => op.startsWith('Reduce'))).toEqual([]);
  });

  const slice = (steps: number[]): GradCase => ({
    name: `slice steps ${steps}`,
    inputs: [{ name: 'x', dims: [2, 6, 3] }],
    nodes: [
      makeNode('Constant', [], ['st'], 'st', { value: int64Tensor('', [2], [0, 1]) }),
      makeNode('Constant', [], ['en'], 'en', { value: int64Tensor('', [2], [1, 6]) }),
      makeNode('Constant', [], ['ax'], 'ax', { value: int64Tensor('', [2], [1, 2]) }),
      makeNode('Constant', [], ['sp'], 'sp', { value: int64Tensor('', [2], steps) }),
      makeNode('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['y'], 'Slice'),
    ],
    tf: (x) => tf.gather(tf.slice(x.x!, [0, 0, 1], [2, 1, 2]), steps[1] === 1 ? [0, 1] : [0], 2),
  });

  it('undoes a constant unit-step Slice with one Pad, a strided one by scattering', async () => {
    const unit = await checkGradients(slice([1, 1]));
    expect(unit.vsTf).toBeLessThanOrEqual(1e-5);
    expect([...unit.backwardOps].filter((op) => op === 'Pad' || op === 'ScatterND')).toEqual(['Pad']);
    const strided = await checkGradients(slice([1, 2]));
    expect(strided.vsTf).toBeLessThanOrEqual(1e-5);
    expect([...strided.backwardOps].filter((op) => op === 'Pad' || op === 'ScatterND')).toEqual(['ScatterND']);
  });

  it('refuses a tensor name it would overwrite', () => {
    const g = graph();
    g.node.push(makeNode('Identity', ['xw'], ['grad.w'], 'clash'));
    expect(() => addGradients(g, { loss: 'loss', wrt: ['w'] })).toThrow(/already has a tensor named 'grad.w'/);
  });
});
