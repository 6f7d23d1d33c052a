/**
 * Image feature extraction speed: images/s for decode (RawImage/sharp) + preprocess (AutoImageProcessor)
 * + model (ONNX Runtime), cpu, no feature cache.
 *   npm run bench:images [-- --images N --batch-size N --resnet50-images N]
 * 1. The real ResNet8 (../shared/models/resnet8-cifar10) on the CIFAR-10 sample's test split (32x32 JPEGs).
 * 2. A generated ResNet-50-size model (make-model resnet --preset resnet50) at 224x224 on the same JPEGs
 *    (the processor resizes them); generated once into the fixture cache.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadImageBackbone } from '../src/backbones/load-image.ts';
import { listImageFolder } from '../src/data/images/folder.ts';
import { fixtureCacheDir } from '../src/fixtures/bert.ts';
import { makeResNetModel, RESNET50 } from '../src/fixtures/resnet.ts';

const { values } = parseArgs({ options: { images: { type: 'string' }, 'batch-size': { type: 'string' }, 'resnet50-images': { type: 'string' } } });
const root = resolve(import.meta.dirname, '..', '..', 'shared');
const resnet8 = join(root, 'models', 'resnet8-cifar10');
const sample = join(root, 'data', 'cifar10-sample', 'test');
if (!existsSync(resnet8) || !existsSync(sample)) {
  console.error(`needs ${resnet8} and ${sample}`);
  process.exit(2);
}
const batchSize = Number(values['batch-size'] ?? 32);
const files = (await listImageFolder(sample)).files;

async function measure(label: string, model: string, count: number): Promise<void> {
  const backbone = await loadImageBackbone(model, { device: 'cpu' });
  const inputs = files.slice(0, count);
  await backbone.extract(inputs.slice(0, batchSize), { pooling: backbone.resolvePooling(), maxLength: 0, batchSize }); // warm-up
  const started = performance.now();
  await backbone.extract(inputs, { pooling: backbone.resolvePooling(), maxLength: 0, batchSize });
  const seconds = (performance.now() - started) / 1000;
  console.log(`${label}: ${inputs.length} images in ${seconds.toFixed(2)} s = ${(inputs.length / seconds).toFixed(1)} images/s (batch ${batchSize})`);
  await backbone.dispose();
}

console.log(`cpu: ${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}`);
await measure('ResNet8, 32x32 (real weights)', resnet8, Number(values.images ?? files.length));
const resnet50 = join(fixtureCacheDir(), 'resnet50-224');
if (!existsSync(join(resnet50, 'onnx', 'model.onnx'))) await makeResNetModel({ outDir: resnet50, ...RESNET50 });
await measure('generated ResNet-50 size, 224x224', resnet50, Number(values['resnet50-images'] ?? 128));
