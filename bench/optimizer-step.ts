/**
 * One optimizer step (global-norm clipping + AdamW) over the weights of bert-base's top layer and a
 * linear head (7.1 M parameters, the ort engine's K = 1), three ways, interleaved, best and median of --reps:
 *   - js:   ArrayOptimizer's JS loops (float64 scalar code);
 *   - simd: ArrayOptimizer's WebAssembly SIMD pass, the gradients copied in;
 *   - simd, factored: the same with the four [CLS]-row weights' gradients as rank-8 factors (what the
 *     ort engine runs at K = 1, batch 8: the update forms Aᵀ·B itself);
 *   - each simd variant on one thread and on two (a worker updates about half of the parameters);
 *   - ort:  the same update as an ONNX Runtime graph (elementwise ops per parameter, clipping norm from
 *           ReduceSumSquare), weights / m / v written back in place as preallocated outputs.
 * Then what onnxruntime-node charges for a large output: one elementwise op over 28 MB returning it
 * (fresh or preallocated) vs returning a scalar.
 *
 *   node bin/run-ts.js bench/optimizer-step.ts [--reps 10]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Tensor } from 'onnxruntime-node';
import { tensorValueInfo } from '../src/backbones/onnx/build.ts';
import { DataType, encodeModel, type ValueInfoProto } from '../src/backbones/onnx/model.ts';
import { GraphBuilder } from '../src/fixtures/transformer-graph.ts';
import { ArrayOptimizer, type ArrayParam } from '../src/train/array-optimizer.ts';
import type { Gradient } from '../src/train/factored-gradient.ts';
import type { OptimizerConfig } from '../src/train/optimizer-core.ts';
import { loadOrt } from '../src/train/ort/step-sessions.ts';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '10' }, 'simd-only': { type: 'boolean', default: false } } });
const reps = Number(values.reps);
/** --simd-only: the SIMD variants alone (one thread vs two), without the JS, ort and output-cost rows. */
const only = values['simd-only'];
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const ort = await loadOrt();

const [H, F] = [768, 3072];
const linear = (inputs: number, outputs: number) => [[inputs, outputs], [outputs]];
const shapes = [...linear(H, 3), ...linear(H, H), ...linear(H, H), ...linear(H, H), ...linear(H, H), [H], [H], ...linear(H, F), ...linear(F, H), [H], [H]];
const filled = (n: number, scale: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * scale);
const params: ArrayParam[] = shapes.map((shape, i) => ({ name: `p${i}`, data: filled(shape.reduce((a, b) => a * b, 1), 0.02), shape, decay: shape.length > 1, lrScale: 0.1 }));
const grads = new Map(params.map((p) => [p.name, filled(p.data.length, 0.002)] as const));
const config: OptimizerConfig = { kind: 'adamw', weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 };
const count = params.reduce((n, p) => n + p.data.length, 0);

/** The update as an ONNX graph: per parameter g·scale, m, v, p·keep − m/(√v + ε̂)·stepSize; scale from the global norm. */
async function ortOptimizer(): Promise<() => Promise<unknown>> {
  const g = new GraphBuilder('torch');
  const inputs: ValueInfoProto[] = [];
  const outputs: ValueInfoProto[] = [];
  const float = (name: string, dims: number[]) => inputs.push(tensorValueInfo(name, DataType.FLOAT, dims));
  for (const name of ['max_norm', 'b1', 'c1', 'b2', 'c2']) float(name, []);
  const squares = params.map((p) => (float(`g/${p.name}`, p.shape), g.op('ReduceSumSquare', [`g/${p.name}`], `/sq/${p.name}`, { keepdims: 0 })));
  const norm = g.op('Add', [g.op('Sqrt', [g.op('Sum', squares, '/sum')], '/sqrt'), g.floatScalar(1e-6, '/eps')], '/norm');
  const scale = g.op('Min', [g.floatScalar(1, '/one'), g.op('Div', ['max_norm', norm], '/div')], '/scale');
  for (const { name: n, shape } of params) {
    for (const prefix of ['w', 'm', 'v']) float(`${prefix}/${n}`, shape);
    for (const prefix of ['step', 'eps', 'keep']) float(`${prefix}/${n}`, []);
    const grad = g.op('Mul', [`g/${n}`, scale], `/${n}/g`);
    const m = g.op('Add', [g.op('Mul', [`m/${n}`, 'b1'], `/${n}/m1`), g.op('Mul', [grad, 'c1'], `/${n}/m2`)], `/${n}/m`, {}, `m_out/${n}`);
    const v = g.op('Add', [g.op('Mul', [`v/${n}`, 'b2'], `/${n}/v1`), g.op('Mul', [g.op('Mul', [grad, grad], `/${n}/gg`), 'c2'], `/${n}/v2`)], `/${n}/v`, {}, `v_out/${n}`);
    const update = g.op('Mul', [g.op('Div', [m, g.op('Add', [g.op('Sqrt', [v], `/${n}/sv`), `eps/${n}`], `/${n}/den`)], `/${n}/q`), `step/${n}`], `/${n}/u`);
    g.op('Sub', [g.op('Mul', [`w/${n}`, `keep/${n}`], `/${n}/wk`), update], `/${n}/w`, {}, `w_out/${n}`);
    for (const o of ['w_out', 'm_out', 'v_out']) outputs.push(tensorValueInfo(`${o}/${n}`, DataType.FLOAT, shape));
  }
  const session = await ort.InferenceSession.create(encodeModel(g.model(inputs, outputs)), { graphOptimizationLevel: 'all' });
  const tensor = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
  const scalar = (x: number) => tensor(Float32Array.of(x), []);
  const feeds: Record<string, Tensor> = { max_norm: scalar(1), b1: scalar(0.9), c1: scalar(0.1), b2: scalar(0.999), c2: scalar(0.001) };
  const fetches: Record<string, Tensor> = {};
  for (const p of params) {
    const [w, m, v] = [tensor(p.data.slice(), p.shape), tensor(new Float32Array(p.data.length), p.shape), tensor(new Float32Array(p.data.length), p.shape)];
    Object.assign(feeds, { [`g/${p.name}`]: tensor(grads.get(p.name)!, p.shape), [`w/${p.name}`]: w, [`m/${p.name}`]: m, [`v/${p.name}`]: v });
    Object.assign(feeds, { [`step/${p.name}`]: scalar(1e-5), [`eps/${p.name}`]: scalar(1e-8), [`keep/${p.name}`]: scalar(1 - 1e-6) });
    Object.assign(fetches, { [`w_out/${p.name}`]: w, [`m_out/${p.name}`]: m, [`v_out/${p.name}`]: v });
  }
  return () => session.run(feeds, fetches);
}

/** The gradients as the K = 1 step graph returns them at batch 8: rank-8 factors for the 768·768 and FFN kernels but the key's and value's (all tokens). */
const RANK = 8;
const factoredGrads = new Map<string, Gradient>(
  params.map((p, i) => {
    const [rows, columns] = p.shape as [number, number];
    // p2, p4, p6, p8 are the query, key, value and attention-output kernels: key and value see every token and stay dense.
    const factor = p.shape.length === 2 && columns % 4 === 0 && i !== 4 && i !== 6;
    return [p.name, factor ? { a: filled(RANK * rows, 0.05), b: filled(RANK * columns, 0.05), rank: RANK } : grads.get(p.name)!] as const;
  }),
);
const js = new ArrayOptimizer(config, params, { simd: false });
const [simd, simd2] = [new ArrayOptimizer(config, params, { threads: 1 }), new ArrayOptimizer(config, params, { threads: 2 })];
const [simdFactored, simdFactored2] = [new ArrayOptimizer(config, params, { threads: 1 }), new ArrayOptimizer(config, params, { threads: 2 })];
const runOrt = only ? null : await ortOptimizer();
const variants: [string, () => unknown][] = [
  ...(only || !runOrt ? [] : ([['js (JS loops)', () => js.apply(grads, 1e-4, 1)]] as [string, () => unknown][])),
  ['simd (wasm, gradients copied in), 1 thread', () => simd.apply(grads, 1e-4, 1)],
  ['simd (wasm, gradients copied in), 2 threads', () => simd2.apply(grads, 1e-4, 1)],
  ['simd, factored (4 weights as rank-8 factors), 1 thread', () => simdFactored.apply(factoredGrads, 1e-4, 1)],
  ['simd, factored (4 weights as rank-8 factors), 2 threads', () => simdFactored2.apply(factoredGrads, 1e-4, 1)],
  ...(runOrt ? ([['ort (optimizer graph, outputs in place)', runOrt]] as [string, () => unknown][]) : []),
];

/** Wall and CPU ms of `f`, `reps` interleaved rounds over the variants. */
async function timeInterleaved(list: [string, () => unknown][]): Promise<void> {
  const times = new Map(list.map(([name]) => [name, { wall: [] as number[], cpu: [] as number[] }]));
  for (const [, f] of list) await f(); // warm-up
  for (let r = 0; r < reps; r++) {
    for (const [name, f] of list) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      await f();
      times.get(name)!.wall.push(performance.now() - started);
      const used = process.cpuUsage(cpu);
      times.get(name)!.cpu.push((used.user + used.system) / 1000);
    }
  }
  console.log('| variant | wall ms min | wall ms median | cpu ms min |\n|---|---|---|---|');
  for (const [name, t] of times) {
    const wall = [...t.wall].sort((a, b) => a - b);
    console.log(`| ${name} | ${wall[0]!.toFixed(1)} | ${wall[Math.floor(wall.length / 2)]!.toFixed(1)} | ${Math.min(...t.cpu).toFixed(1)} |`);
  }
}

console.log(`optimizer step over ${count.toLocaleString('en')} parameters (bert-base top layer + linear head), AdamW + clipping, ${reps} interleaved rounds; load average ${load()}`);
await timeInterleaved(variants);

await simd2.dispose();
await simdFactored2.dispose();
if (!only) {
  // What a 28 MB output costs in onnxruntime-node, beyond the kernel: Neg returning it vs ReduceSum returning a scalar.
  const n = count - (count % 4);
  const single = async (opType: string, outDims: number[]) => {
    const g = new GraphBuilder('torch');
    g.op(opType, ['x'], '/op', opType === 'ReduceSum' ? { keepdims: 0 } : {}, 'y');
    return ort.InferenceSession.create(encodeModel(g.model([tensorValueInfo('x', DataType.FLOAT, [n])], [tensorValueInfo('y', DataType.FLOAT, outDims)])));
  };
  const x = new ort.Tensor('float32', new Float32Array(n).fill(1), [n]);
  const y = new ort.Tensor('float32', new Float32Array(n), [n]);
  const [neg, sum] = [await single('Neg', [n]), await single('ReduceSum', [])];
  console.log(`\none op over ${((n * 4) / 2 ** 20).toFixed(0)} MiB; load average ${load()}`);
  await timeInterleaved([
    ['Neg, output returned fresh', () => neg.run({ x })],
    ['Neg, output preallocated', () => neg.run({ x }, { y })],
    ['ReduceSum, scalar output', () => sum.run({ x })],
  ]);
  console.log(`\nload average at end ${load()}`);
}
