/**
 * Model load time as `transferkit embed` pays it: the first load in a fresh process (cold: ONNX Runtime
 * reads the file and optimises the graph; the file itself is usually in the OS page cache) and a second
 * load in the same process (warm).
 *
 *   node bin/run-ts.js bench/model-load.ts --model DIR [--dtype fp32|q8]
 */
import { parseArgs } from 'node:util';
import { loadTextBackbone } from '../src/backbones/load.ts';
import type { ModelDtype } from '../src/core/index.ts';

const { values } = parseArgs({ options: { model: { type: 'string' }, dtype: { type: 'string', default: 'fp32' } } });
const seconds: number[] = [];
for (let i = 0; i < 2; i++) {
  const started = performance.now();
  const backbone = await loadTextBackbone(values.model!, { device: 'cpu', dtype: values.dtype as ModelDtype });
  seconds.push((performance.now() - started) / 1000);
  await backbone.dispose();
}
console.log(`load ${values.dtype}: cold ${seconds[0].toFixed(2)} s, warm ${seconds[1].toFixed(2)} s`);
console.log(`RESULT ${JSON.stringify({ coldSeconds: seconds[0], warmSeconds: seconds[1] })}`);
