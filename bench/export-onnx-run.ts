/**
 * One export in its own process, so its peak RSS is the export's alone (bench/export-onnx.ts runs it).
 *   node bin/run-ts.js bench/export-onnx-run.ts CHECKPOINT OUT [--override-top K]
 * --override-top K replaces every initializer of the top K encoder layers (what a checkpoint that
 * trained them would hand over). Prints one JSON line: seconds, peak RSS, bytes written.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exportOnnx } from '../src/export/onnx/export.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'override-top': { type: 'string', default: '0' }, backbone: { type: 'string' } } });
const [checkpoint, out] = positionals;
const top = Number(values['override-top']);

const overrides = new Map<string, Float32Array>();
if (top > 0) {
  const config = JSON.parse(await readFile(join(values.backbone!, 'config.json'), 'utf8'));
  const { hidden_size: h, intermediate_size: f, num_hidden_layers: layers } = config;
  for (let layer = layers - top; layer < layers; layer++) {
    const p = `encoder.layer.${layer}`;
    const shapes: [string, number][] = [
      ...['query', 'key', 'value'].flatMap((m): [string, number][] => [[`${p}.attention.self.${m}.weight`, h * h], [`${p}.attention.self.${m}.bias`, h]]),
      [`${p}.attention.output.dense.weight`, h * h], [`${p}.attention.output.dense.bias`, h],
      [`${p}.attention.output.LayerNorm.weight`, h], [`${p}.attention.output.LayerNorm.bias`, h],
      [`${p}.intermediate.dense.weight`, h * f], [`${p}.intermediate.dense.bias`, f],
      [`${p}.output.dense.weight`, f * h], [`${p}.output.dense.bias`, h],
      [`${p}.output.LayerNorm.weight`, h], [`${p}.output.LayerNorm.bias`, h],
    ];
    for (const [name, count] of shapes) overrides.set(name, Float32Array.from({ length: count }, (_, i) => 0.02 * Math.sin(i)));
  }
}
const started = performance.now();
const result = await exportOnnx(checkpoint, out, { overrides, overwrite: true });
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ seconds, peakRssMB: process.resourceUsage().maxRSS / 1024, bytes: result.modelBytes, overridden: result.overridden }));
