import { describe, expect, it } from 'vitest';
import { baseModel, modelCard } from '../../src/checkpoint/model-card.ts';
import type { CheckpointManifest } from '../../src/checkpoint/manifest.ts';

const metrics = (accuracy: number, n: number) => ({ n, loss: 0.5, accuracy, macroF1: accuracy - 0.01, perClass: [], confusion: [] });

const manifest = {
  format: 'transferkit-checkpoint',
  formatVersion: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  backbone: { model: 'bert-base-cased', revision: 'main', identity: 'hub:Xenova/bert-base-cased@main', dim: 768 },
  pooling: 'cls',
  maxLength: 128,
  data: { train: 'glue/mnli:train', matched: 'glue/mnli:validation_matched', local: 'dev.tsv' },
  labelNames: ['entailment', 'neutral', 'contradiction'],
  head: { type: 'linear', inputDim: 768, numClasses: 3 },
  training: { epochs: 3, batchSize: 32, optimizer: 'adamw', learningRate: 0.001, weightDecay: 0.01, schedule: 'linear', seed: 42 },
  metrics: { eval: { matched: metrics(0.6123, 9815), local: metrics(0.5, 10) }, train: { loss: 0.8, accuracy: 0.65 } },
  epoch: 3,
  step: 100,
  tfBackend: 'wasm',
  versions: { transferkit: '0.1.0', tfjs: '4.22.0', transformers: '4.3.2' },
  weights: { file: 'weights.bin', byteLength: 0, sha256: '', tensors: [] },
  resume: null,
} as unknown as CheckpointManifest;

describe('model card', () => {
  it('front matter: base model by its hub repo, hub datasets only, one model-index result per evaluation set', () => {
    const card = modelCard(manifest, 'me/bert-mnli');
    const front = card.split('---\n')[1];
    expect(front).toBe(
      [
        'library_name: transferkit',
        'base_model: "Xenova/bert-base-cased"',
        'datasets:',
        '- "nyu-mll/glue"',
        'metrics:',
        '- accuracy',
        '- f1',
        'pipeline_tag: text-classification',
        'tags:',
        '- transferkit',
        '- transfer-learning',
        'model-index:',
        '- name: "bert-mnli"',
        '  results:',
        '  - task:',
        '      type: text-classification',
        '    dataset:',
        '      name: "matched"',
        '      type: "nyu-mll/glue"',
        '      config: "mnli"',
        '      split: "validation_matched"',
        '    metrics:',
        '    - {type: accuracy, value: 0.6123}',
        '    - {type: f1, name: macro F1, value: 0.6023}',
        '  - task:',
        '      type: text-classification',
        '    dataset:',
        '      name: "local"',
        '      type: "dev.tsv"',
        '    metrics:',
        '    - {type: accuracy, value: 0.5}',
        '    - {type: f1, name: macro F1, value: 0.49}',
        '',
      ].join('\n'),
    );
    expect(card).toContain('| matched | glue/mnli:validation_matched | 9815 | 61.23% | 60.23% | 0.5000 |');
    expect(card).toContain('- 3 epochs (kept: epoch 3, step 100), batch size 32, adamw (learning rate 0.001, weight decay 0.01), linear schedule, seed 42');
    expect(card).toContain("TransferModel.loadFromCheckpoint('hub:me/bert-mnli')");
    expect(card).toContain('npx transferkit predict --checkpoint hub:me/bert-mnli');
  });

  it('no base_model for the generated demo model or a local folder', () => {
    expect(baseModel({ ...manifest, backbone: { ...manifest.backbone!, model: 'bundled:tiny-bert' } })).toBeUndefined();
    expect(baseModel({ ...manifest, backbone: { ...manifest.backbone!, model: '/home/me/bert' } })).toBeUndefined();
    expect(baseModel({ ...manifest, backbone: { ...manifest.backbone!, model: 'someone/my-bert' } })).toBe('someone/my-bert');
  });
});
