import { describe, expect, it } from 'vitest';
import { availableSplits, matchSplitFiles } from '../../src/data/hub-files.ts';
import { isHubSpec, parseHubSpec } from '../../src/data/hub-spec.ts';
import { MNLI_LABELS } from '../../src/data/labels.ts';

describe('hub dataset specs', () => {
  it('maps glue/<task> to nyu-mll/glue with the task as config, and knows the MNLI labels', () => {
    expect(parseHubSpec('glue/mnli:validation_matched')).toEqual({ repo: 'nyu-mll/glue', config: 'mnli', split: 'validation_matched', labelNames: MNLI_LABELS });
    expect(parseHubSpec('nyu-mll/glue/mnli:train')).toEqual({ repo: 'nyu-mll/glue', config: 'mnli', split: 'train', labelNames: MNLI_LABELS });
    expect(parseHubSpec('stanfordnlp/snli:test')).toEqual({ repo: 'stanfordnlp/snli', config: undefined, split: 'test', labelNames: undefined });
    expect(parseHubSpec('glue/cola:train').labelNames).toBeUndefined();
  });

  it('tells hub specs from paths', () => {
    expect(isHubSpec('glue/mnli:train')).toBe(true);
    expect(isHubSpec('owner/name/config:split')).toBe(true);
    expect(isHubSpec('data/train.tsv')).toBe(false);
    expect(isHubSpec('/abs/owner/name:split')).toBe(false);
    expect(isHubSpec('glue/mnli')).toBe(false);
  });
});

describe('split files in the layouts the hub writes', () => {
  const glue = [
    'README.md',
    'mnli/train-00000-of-00001.parquet',
    'mnli/validation_matched-00000-of-00001.parquet',
    'mnli/validation_mismatched-00000-of-00001.parquet',
    'mnli/test_matched-00000-of-00001.parquet',
    'mnli_matched/validation-00000-of-00001.parquet',
  ];

  it('finds a config split and never confuses validation with validation_matched', () => {
    const spec = { repo: 'nyu-mll/glue', config: 'mnli', split: 'validation_matched' };
    expect(matchSplitFiles(glue, spec)).toEqual(['mnli/validation_matched-00000-of-00001.parquet']);
    expect(matchSplitFiles(glue, { ...spec, split: 'validation' })).toEqual([]);
    expect(matchSplitFiles(glue, { ...spec, config: 'mnli_matched', split: 'validation' })).toEqual(['mnli_matched/validation-00000-of-00001.parquet']);
    expect(availableSplits(glue, spec)).toEqual(['test_matched', 'train', 'validation_matched', 'validation_mismatched']);
  });

  it('finds sharded, single-file and parquet-bot layouts without a config, shards in order', () => {
    const spec = { repo: 'o/n', split: 'train' };
    expect(matchSplitFiles(['data/train-00001-of-00002.parquet', 'data/test-00000-of-00001.parquet', 'data/train-00000-of-00002.parquet'], spec)).toEqual([
      'data/train-00000-of-00002.parquet',
      'data/train-00001-of-00002.parquet',
    ]);
    expect(matchSplitFiles(['train.parquet', 'train.csv'], spec)).toEqual(['train.parquet']);
    expect(matchSplitFiles(['default/train/0000.parquet', 'default/train/0001.parquet'], spec)).toEqual(['default/train/0000.parquet', 'default/train/0001.parquet']);
    expect(matchSplitFiles(['data/train_2way-00000-of-00001.parquet', 'other/train.parquet'], spec)).toEqual([]);
  });
});
