import { loadImageBackbone } from '../src/backbones/load-image.ts';
import { listImageFolder } from '../src/data/images/folder.ts';
import { fit, defaultTrainConfig } from '../src/train/index.ts';
import { fitStandardization, standardize } from '../src/features/standardize.ts';
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
const root = '/work/shared/data/cifar10-sample';
let feats: any;
if (existsSync('/tmp/vision-feats.json')) feats = JSON.parse(readFileSync('/tmp/vision-feats.json', 'utf8'));
else {
  const bb = await loadImageBackbone('/work/shared/models/resnet8-cifar10', { device: 'cpu' });
  feats = {};
  for (const split of ['train', 'test']) {
    const l = await listImageFolder(`${root}/${split}`);
    const t0 = performance.now();
    const m = await bb.extract(l.files, { pooling: 'pooler', maxLength: 0 });
    console.log(split, l.files.length, ((l.files.length / (performance.now() - t0)) * 1000).toFixed(0), 'img/s');
    feats[split] = { data: Array.from(m.data), labels: l.labels, dim: m.dim };
  }
  writeFileSync('/tmp/vision-feats.json', JSON.stringify(feats));
}
const mk = (s: any) => ({ features: { rows: s.labels.length, dim: s.dim, data: Float32Array.from(s.data) }, labels: Int32Array.from(s.labels) });
const train = mk(feats.train), test = mk(feats.test);
const st = fitStandardization(train.features);
const z = (x: any) => ({ features: standardize(x.features, st), labels: x.labels });
const labelNames = Array.from({ length: 10 }, (_, i) => `c${i}`);
const cases: [string, boolean, any, any][] = JSON.parse(process.argv[2]);
for (const [name, std, head, cfg] of cases) {
  const r = await fit({ train: std ? z(train) : train, validation: { test: std ? z(test) : test }, labelNames, head, config: { ...defaultTrainConfig(), ...cfg }, tfBackend: 'wasm' });
  console.log(name, (r.eval.test.accuracy * 100).toFixed(1), `${r.train.seconds.toFixed(1)}s`);
  r.head.dispose();
}
