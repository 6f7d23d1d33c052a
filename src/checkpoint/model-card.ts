import { MODEL_ALIASES } from '../backbones/hub.ts';
import { BUNDLED_MODEL } from '../fixtures/bert.ts';
import type { CheckpointManifest } from './manifest.ts';
import { isHubSpec, parseHubSpec } from '../data/hub-spec.ts';

/** YAML scalars written as JSON strings/numbers (valid YAML), so no value can break the front matter. */
const yaml = (value: string | number) => JSON.stringify(value);

/** The hub repository of the backbone, when it is one (not the generated demo model or a local folder). */
export function baseModel(manifest: CheckpointManifest): string | undefined {
  const model = manifest.backbone?.model;
  if (!model || model === BUNDLED_MODEL || manifest.backbone?.checkpoint || model.startsWith('/')) return undefined;
  return MODEL_ALIASES[model] ?? model;
}

/** Hub datasets the model was trained and evaluated on (local files and the bundled set are not hub ids). */
function hubDatasets(manifest: CheckpointManifest): string[] {
  const sources = Object.values(manifest.data ?? {});
  return [...new Set(sources.filter(isHubSpec).map((source) => parseHubSpec(source).repo))];
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * README.md for a pushed checkpoint: the hub's YAML front matter (library_name, base_model, datasets,
 * metrics, pipeline_tag, and a model-index with one result per evaluation set, which the hub shows as
 * the evaluation widget), then what the model is, its results, how it was trained and how to load it.
 */
export function modelCard(manifest: CheckpointManifest, repo: string): string {
  const base = baseModel(manifest);
  const datasets = hubDatasets(manifest);
  const evals = Object.entries(manifest.metrics?.eval ?? {});
  const data = manifest.data ?? {};
  const front = [
    '---',
    'library_name: transferkit',
    ...(base ? [`base_model: ${yaml(base)}`] : []),
    ...(datasets.length ? ['datasets:', ...datasets.map((d) => `- ${yaml(d)}`)] : []),
    'metrics:',
    '- accuracy',
    '- f1',
    'pipeline_tag: text-classification',
    'tags:',
    '- transferkit',
    '- transfer-learning',
    ...(evals.length
      ? [
          'model-index:',
          `- name: ${yaml(repo.split('/')[1])}`,
          '  results:',
          ...evals.flatMap(([name, m]) => {
            const source = data[name];
            const dataset = source && isHubSpec(source) ? parseHubSpec(source) : undefined;
            return [
              '  - task:',
              '      type: text-classification',
              '    dataset:',
              `      name: ${yaml(name)}`,
              `      type: ${yaml(dataset?.repo ?? source ?? name)}`,
              ...(dataset?.config ? [`      config: ${yaml(dataset.config)}`] : []),
              ...(dataset ? [`      split: ${yaml(dataset.split)}`] : []),
              '    metrics:',
              `    - {type: accuracy, value: ${m.accuracy}}`,
              `    - {type: f1, name: macro F1, value: ${m.macroF1}}`,
            ];
          }),
        ]
      : []),
    '---',
  ];
  const backbone = manifest.backbone
    ? `\`${manifest.backbone.model}\`${manifest.backbone.revision ? ` (revision ${manifest.backbone.revision})` : ''}, frozen, ${manifest.pooling ?? 'cls'} pooling, max length ${manifest.maxLength ?? 512}`
    : 'precomputed features (no backbone recorded)';
  const training = manifest.training;
  const lines = [
    ...front,
    '',
    `# ${repo.split('/')[1]}`,
    '',
    `A ${manifest.head.type} classification head (${manifest.labelNames.length} classes: ${manifest.labelNames.map((l) => `\`${l}\``).join(', ')}) ` +
      `over ${backbone}, trained with [TransferKit](https://www.npmjs.com/package/transferkit) (transfer learning in Node.js: ` +
      'a Transformers.js backbone, a TensorFlow.js head).',
    '',
    '## Results',
    '',
    ...(evals.length
      ? ['| evaluation set | source | examples | accuracy | macro F1 | loss |', '|---|---|---|---|---|---|',
         ...evals.map(([name, m]) => `| ${name} | ${data[name] ?? ''} | ${m.n} | ${percent(m.accuracy)} | ${percent(m.macroF1)} | ${m.loss.toFixed(4)} |`)]
      : ['No evaluation set was recorded.']),
    '',
    '## Training',
    '',
    ...Object.entries(data).map(([split, source]) => `- ${split}: \`${source}\``),
    `- head: \`${JSON.stringify(manifest.head)}\``,
    ...(training
      ? [
          `- ${training.epochs} epochs (kept: epoch ${manifest.epoch}, step ${manifest.step}), batch size ${training.batchSize}, ` +
            `${training.optimizer} (learning rate ${training.learningRate}, weight decay ${training.weightDecay}), ${training.schedule} schedule, seed ${training.seed}`,
        ]
      : []),
    ...(manifest.metrics?.train ? [`- final training loss ${manifest.metrics.train.loss.toFixed(4)}, training accuracy ${percent(manifest.metrics.train.accuracy)}`] : []),
    `- TransferKit ${manifest.versions.transferkit}, TensorFlow.js ${manifest.versions.tfjs} (${manifest.tfBackend} backend), Transformers.js ${manifest.versions.transformers}`,
    '',
    '## How to use',
    '',
    '```sh',
    'npm install transferkit',
    `npx transferkit pull ${repo}            # once, then it works offline (HF_HUB_OFFLINE=1)`,
    `npx transferkit predict --checkpoint hub:${repo} --input pairs.tsv --output predictions.jsonl`,
    '```',
    '',
    '```js',
    "import { TransferModel } from 'transferkit';",
    '',
    `const model = await TransferModel.loadFromCheckpoint('hub:${repo}');`,
    "const { labels, probabilities } = await model.predict([{ text: 'A man sleeps.', textPair: 'A man is awake.' }]);",
    '```',
    '',
    'The checkpoint is `manifest.json` (head, labels, backbone reference, training settings, metrics, sha256 of each binary) ' +
      'and `weights.bin` (little-endian float32). Loading verifies every checksum; nothing in it is executed.',
    '',
  ];
  return lines.join('\n');
}
