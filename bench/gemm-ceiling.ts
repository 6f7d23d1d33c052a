/**
 * The hardware ceiling as ONNX Runtime itself reaches it on BERT's own GEMM shapes: one encoder layer's
 * six products (Q, K, V, output: 768→768; FFN: 768→3072 and 3072→768) on M token rows, built as tiny
 * ONNX graphs and run with the same session defaults as extraction. Three engines:
 *   fp32  MatMul (what the fp32 model runs);
 *   q8    com.microsoft DynamicQuantizeMatMul (int8 weights, per-column scales, activations quantized at
 *         run time: what a dynamically quantized model runs);
 *   mmi   MatMulInteger on already-quantized uint8 × int8 (the integer kernel alone, no quantize step);
 *   and, only when named in --engines: nbits8 / nbits4, com.microsoft MatMulNBits (block-wise weights,
 *         one scale per --block-size rows of a column; accuracy_level 4: the activation quantized to int8
 *         per block at run time, as ORT's MatMulNBitsQuantizer writes it for CPU).
 *
 *   node bin/run-ts.js bench/gemm-ceiling.ts [--m 1280] [--seconds 3] [--hidden 768] [--intermediate 3072]
 *                                            [--engines fp32,q8,mmi,nbits8,nbits4] [--block-size 32] [--accuracy-level 4]
 *
 * Prints one line per engine and a final `RESULT {json}` line (GFLOP/s, best of the timed runs).
 */
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { floatTensor, makeNode, opset17Model, tensorValueInfo } from '../src/backbones/onnx/build.ts';
import { DataType, emptyGraph, encodeModel, type NodeProto, type TensorProto } from '../src/backbones/onnx/model.ts';
import { Rng } from '../src/core/index.ts';

export type GemmEngine = 'fp32' | 'q8' | 'mmi' | 'nbits8' | 'nbits4';
/** The engines `npm run bench` measures; the MatMulNBits ones are a diagnostic (BENCHMARKS.md, "MatMulNBits"). */
export const GEMM_ENGINES: readonly GemmEngine[] = ['fp32', 'q8', 'mmi'];
const ALL_GEMM_ENGINES: readonly GemmEngine[] = [...GEMM_ENGINES, 'nbits8', 'nbits4'];

/** MatMulNBits' block layout: `blockSize` rows of a column share a scale; accuracy level 4 runs int8 on CPU. */
export interface NBitsOptions {
  blockSize: number;
  accuracyLevel: number;
}
const DEFAULT_NBITS: NBitsOptions = { blockSize: 32, accuracyLevel: 4 };

/** [K, N] of one BERT encoder layer's weight products. */
export function layerGemmShapes(hidden: number, intermediate: number): [number, number][] {
  return [[hidden, hidden], [hidden, hidden], [hidden, hidden], [hidden, hidden], [hidden, intermediate], [intermediate, hidden]];
}

/** Multiply-adds × 2 of one run of the layer graph on `m` rows. */
export function layerGemmFlops(m: number, shapes: [number, number][]): number {
  return shapes.reduce((sum, [k, n]) => sum + 2 * m * k * n, 0);
}

function int8Tensor(name: string, dims: number[], rng: Rng): TensorProto {
  const raw = new Uint8Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < raw.length; i++) raw[i] = (rng.int(255) - 127) & 0xff;
  return { name, dims, dataType: DataType.INT8, rawData: raw, unknown: [] };
}

function randomFloats(count: number, rng: Rng, scale = 1): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (rng.next() * 2 - 1) * scale;
  return out;
}

/**
 * MatMulNBits' packed weight: B [n, blocks, blockSize·bits/8] uint8, a column's blocks in a row (random
 * bytes: only the speed is measured here), and one float scale per (column, block), no zero points
 * (2^(bits-1), symmetric).
 */
function nbitsWeights(name: string, k: number, n: number, bits: number, blockSize: number, rng: Rng): TensorProto[] {
  const blocks = Math.ceil(k / blockSize);
  const packed = Uint8Array.from({ length: n * blocks * ((blockSize * bits) / 8) }, () => rng.int(256));
  return [
    { name, dims: [n, blocks, (blockSize * bits) / 8], dataType: DataType.UINT8, rawData: packed, unknown: [] },
    floatTensor(`${name}_scales`, [n * blocks], randomFloats(n * blocks, rng, 1e-3).map(Math.abs)),
  ];
}

/** The layer's six products as one graph: inputs x [m, hidden] and h [m, intermediate] (uint8 for mmi). */
export function buildLayerGemmModel(engine: GemmEngine, hidden: number, intermediate: number, seed = 0, nbits: NBitsOptions = DEFAULT_NBITS): Uint8Array {
  const rng = new Rng(seed);
  const graph = emptyGraph('gemm-ceiling');
  const inputType = engine === 'mmi' ? DataType.UINT8 : DataType.FLOAT;
  graph.input.push(tensorValueInfo('x', inputType, ['m', hidden]), tensorValueInfo('h', inputType, ['m', intermediate]));
  const nodes: NodeProto[] = [];
  if (engine === 'mmi') graph.initializer.push({ name: 'a_zero', dims: [], dataType: DataType.UINT8, rawData: new Uint8Array([128]), unknown: [] });
  layerGemmShapes(hidden, intermediate).forEach(([k, n], i) => {
    const input = k === hidden ? 'x' : 'h';
    const output = `y${i}`;
    if (engine === 'fp32') {
      graph.initializer.push(floatTensor(`w${i}`, [k, n], randomFloats(k * n, rng, 0.02)));
      nodes.push(makeNode('MatMul', [input, `w${i}`], [output], `matmul${i}`));
    } else if (engine === 'q8') {
      graph.initializer.push(int8Tensor(`w${i}`, [k, n], rng), floatTensor(`s${i}`, [n], randomFloats(n, rng, 1e-3).map(Math.abs)));
      nodes.push(makeNode('DynamicQuantizeMatMul', [input, `w${i}`, `s${i}`], [output], `dqmatmul${i}`, {}, 'com.microsoft'));
    } else if (engine === 'nbits8' || engine === 'nbits4') {
      const bits = engine === 'nbits8' ? 8 : 4;
      graph.initializer.push(...nbitsWeights(`w${i}`, k, n, bits, nbits.blockSize, rng));
      const attributes = { K: k, N: n, bits, block_size: nbits.blockSize, accuracy_level: nbits.accuracyLevel };
      nodes.push(makeNode('MatMulNBits', [input, `w${i}`, `w${i}_scales`], [output], `matmulnbits${i}`, attributes, 'com.microsoft'));
    } else {
      graph.initializer.push(int8Tensor(`w${i}`, [k, n], rng));
      nodes.push(makeNode('MatMulInteger', [input, `w${i}`, 'a_zero'], [output], `matmulint${i}`));
    }
    graph.output.push(tensorValueInfo(output, engine === 'mmi' ? DataType.INT32 : DataType.FLOAT, ['m', n]));
  });
  graph.node.push(...nodes);
  return encodeModel(opset17Model(graph));
}

export interface GemmMeasurement {
  engine: GemmEngine;
  m: number;
  /** GFLOP/s of the fastest run, and of the median run. */
  best: number;
  median: number;
  runs: number;
}

/** Runs the layer graph repeatedly for about `seconds` (after two warm-up runs). */
export async function measureGemm(
  engine: GemmEngine,
  m: number,
  options: { hidden?: number; intermediate?: number; seconds?: number; nbits?: NBitsOptions } = {},
): Promise<GemmMeasurement> {
  const hidden = options.hidden ?? 768;
  const intermediate = options.intermediate ?? 3072;
  const session = await ort.InferenceSession.create(buildLayerGemmModel(engine, hidden, intermediate, 0, options.nbits));
  const rng = new Rng(1);
  const feed = (width: number) =>
    engine === 'mmi'
      ? new ort.Tensor('uint8', Uint8Array.from({ length: m * width }, () => rng.int(256)), [m, width])
      : new ort.Tensor('float32', randomFloats(m * width, rng), [m, width]);
  const feeds = { x: feed(hidden), h: feed(intermediate) };
  const flops = layerGemmFlops(m, layerGemmShapes(hidden, intermediate));
  for (let i = 0; i < 2; i++) await session.run(feeds);
  const times: number[] = [];
  const until = performance.now() + (options.seconds ?? 3) * 1000;
  while (performance.now() < until || times.length < 3) {
    const started = performance.now();
    await session.run(feeds);
    times.push((performance.now() - started) / 1000);
  }
  await session.release();
  times.sort((a, b) => a - b);
  const gflops = (seconds: number) => flops / seconds / 1e9;
  return { engine, m, best: gflops(times[0]), median: gflops(times[Math.floor(times.length / 2)]), runs: times.length };
}

if (process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({
    options: {
      m: { type: 'string', default: '1280' },
      seconds: { type: 'string', default: '3' },
      hidden: { type: 'string', default: '768' },
      intermediate: { type: 'string', default: '3072' },
      engines: { type: 'string', default: GEMM_ENGINES.join(',') },
      'block-size': { type: 'string', default: String(DEFAULT_NBITS.blockSize) },
      'accuracy-level': { type: 'string', default: String(DEFAULT_NBITS.accuracyLevel) },
    },
  });
  const engines = values.engines!.split(',') as GemmEngine[];
  for (const engine of engines) if (!ALL_GEMM_ENGINES.includes(engine)) throw new Error(`--engines: unknown engine '${engine}' (known: ${ALL_GEMM_ENGINES.join(', ')})`);
  const nbits = { blockSize: Number(values['block-size']), accuracyLevel: Number(values['accuracy-level']) };
  const results: GemmMeasurement[] = [];
  for (const engine of engines) {
    const result = await measureGemm(engine, Number(values.m), { hidden: Number(values.hidden), intermediate: Number(values.intermediate), seconds: Number(values.seconds), nbits });
    console.log(`${engine.padEnd(6)} m=${result.m}: best ${result.best.toFixed(1)} GFLOP/s, median ${result.median.toFixed(1)} (${result.runs} runs)`);
    results.push(result);
  }
  console.log(`RESULT ${JSON.stringify(results)}`);
}
