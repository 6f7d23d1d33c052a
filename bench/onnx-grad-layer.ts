// What the differentiator's backward pass costs: one bert-base-width encoder layer (hidden 768, 12 heads,
// FFN 3072) cut from a generated model, with a mean-pool + linear head and a weighted cross-entropy loss,
// run by ONNX Runtime as forward only and as forward + the gradients of all 16 layer weights and the head.
// Weights are graph inputs, as in a training step (nothing gets constant-folded). Batch 8 × 48 tokens;
// best of N, the two graphs interleaved.
// usage: node bin/run-ts.js bench/onnx-grad-layer.ts [--runs 5]
import * as ort from 'onnxruntime-node';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findBertStructure } from '../src/backbones/onnx/bert-structure.ts';
import { opset17Model, tensorValueInfo } from '../src/backbones/onnx/build.ts';
import { DataType, decodeModel, encodeModel, initializerTensor, tensorFloats, type GraphProto } from '../src/backbones/onnx/model.ts';
import { trainedInitializers } from '../src/backbones/tfjs/bert-encoder.ts';
import { Rng } from '../src/core/index.ts';
import { makeBertModel } from '../src/fixtures/bert.ts';
import { addGradients } from '../src/train/onnx-grad/index.ts';
import { addHead, cutLayers } from '../test/train/onnx-grad/encoder-graph.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const [HIDDEN, CLASSES, BATCH, SEQ] = [768, 3, 8, 48];

const scratch = await mkdtemp(join(tmpdir(), 'transferkit-bench-onnx-grad-'));
try {
  const { dir } = await makeBertModel({ outDir: join(scratch, 'model'), layers: 1, hidden: HIDDEN, heads: 12, intermediate: 3072, vocabSize: 1000, seed: 3 });
  const model = decodeModel(await readFile(join(dir, 'onnx', 'model.onnx')));
  const layer = findBertStructure(model.graph).layers[0]!;
  const weights = trainedInitializers({ embeddings: null, layers: [layer] });

  const build = (withGradients: boolean): GraphProto => {
    const graph = cutLayers(model.graph, layer.input, layer.outputNorm.output, HIDDEN);
    addHead(graph, layer.outputNorm.output, HIDDEN, CLASSES);
    // Weights become inputs, as in a training step whose weights change every step.
    for (const init of graph.initializer.map(initializerTensor).filter((t) => weights.includes(t.name))) graph.input.push(tensorValueInfo(init.name, DataType.FLOAT, init.dims));
    graph.initializer = graph.initializer.filter((init) => !weights.includes(initializerTensor(init).name));
    if (withGradients) addGradients(graph, { loss: 'loss', wrt: [...weights, 'head.kernel', 'head.bias'] });
    return graph;
  };

  const rng = new Rng(1);
  const random = (n: number, scale: number) => Float32Array.from({ length: n }, () => rng.uniform(-scale, scale));
  const feeds: Record<string, ort.Tensor> = {
    hidden: new ort.Tensor('float32', random(BATCH * SEQ * HIDDEN, 1), [BATCH, SEQ, HIDDEN]),
    attention_mask: new ort.Tensor('int64', BigInt64Array.from({ length: BATCH * SEQ }, () => 1n), [BATCH, SEQ]),
    labels: new ort.Tensor('int64', BigInt64Array.from({ length: BATCH }, (_, i) => BigInt(i % CLASSES)), [BATCH]),
    example_weights: new ort.Tensor('float32', new Float32Array(BATCH).fill(1), [BATCH]),
    'head.kernel': new ort.Tensor('float32', random(HIDDEN * CLASSES, 0.05), [HIDDEN, CLASSES]),
    'head.bias': new ort.Tensor('float32', new Float32Array(CLASSES), [CLASSES]),
  };
  for (const init of model.graph.initializer.map(initializerTensor).filter((t) => weights.includes(t.name))) {
    feeds[init.name] = new ort.Tensor('float32', tensorFloats(init), init.dims);
  }

  const forward = build(false);
  const training = build(true);
  console.log(`graph nodes: forward ${forward.node.length}, forward + backward ${training.node.length}`);
  const sessions = { forward: await ort.InferenceSession.create(encodeModel(opset17Model(forward))), 'forward+backward': await ort.InferenceSession.create(encodeModel(opset17Model(training))) };
  const best: Record<string, number> = {};
  for (let r = 0; r <= runs; r++) {
    for (const [name, session] of Object.entries(sessions)) {
      const start = performance.now();
      await session.run(feeds);
      const ms = performance.now() - start;
      if (r > 0) best[name] = Math.min(best[name] ?? Infinity, ms); // run 0 warms up
    }
  }
  for (const [name, ms] of Object.entries(best)) console.log(`${name}: ${ms.toFixed(1)} ms (best of ${runs}, batch ${BATCH} × ${SEQ} tokens)`);
  console.log(`backward / forward: ${((best['forward+backward']! - best.forward!) / best.forward!).toFixed(2)}×`);
  for (const session of Object.values(sessions)) await session.release();
} finally {
  await rm(scratch, { recursive: true, force: true });
}
