import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../cli/args.ts';
import { configFromFlags, FINETUNE_FLAG_OPTIONS } from '../../cli/finetune-flags.ts';
import { TransferKitError } from '../../src/errors.ts';
import { CONFIG_FLAGS, defaultFinetuneConfig } from '../../src/run/config.ts';

const parse = (argv: string[]) => configFromFlags(parseFlags(argv, FINETUNE_FLAG_OPTIONS).values);

describe('finetune flags', () => {
  it('declares one flag per config field', () => {
    expect(Object.keys(FINETUNE_FLAG_OPTIONS).sort()).toEqual(Object.values(CONFIG_FLAGS).map((f) => f.slice(2)).sort());
  });

  it('no flags give the defaults', () => {
    expect(parse([])).toEqual(defaultFinetuneConfig());
  });

  it('parses every kind of flag into the config', () => {
    const config = parse([
      '--model', 'bert-base-cased',
      '--train', 'data/train.tsv',
      '--validation', 'matched=a.tsv',
      '--validation', 'mismatched=b.tsv',
      '--max-length', '64',
      '--batch-size', '16',
      '--lr', '2e-3',
      '--epochs', '5',
      '--seed', '0',
      '--head', 'mlp',
      '--mlp-hidden', '128,64',
      '--pooling', 'mean',
      '--device', 'cpu',
      '--output-dir', 'runs/x',
      '--max-train-samples', '1000',
      '--resume',
      '--offline',
    ]);
    expect(config).toMatchObject({
      model: 'bert-base-cased',
      train: 'data/train.tsv',
      validation: { matched: 'a.tsv', mismatched: 'b.tsv' },
      maxLength: 64,
      batchSize: 16,
      lr: 0.002,
      epochs: 5,
      seed: 0,
      head: 'mlp',
      mlpHidden: [128, 64],
      pooling: 'mean',
      device: 'cpu',
      outputDir: 'runs/x',
      maxTrainSamples: 1000,
      resume: true,
      offline: true,
      lenient: false,
    });
  });

  it('names the flag in a usage error', () => {
    const failure = (argv: string[]) => {
      try {
        parse(argv);
      } catch (error) {
        return error as TransferKitError;
      }
      throw new Error('expected a usage error');
    };
    expect(failure(['--epochs', '0'])).toMatchObject({ kind: 'usage', where: { flag: '--epochs' } });
    expect(failure(['--head', 'cnn']).line).toMatch(/^--head: .*must be one of linear, mlp/);
    expect(failure(['--validation', 'm=a', '--validation', 'm=b']).message).toContain("the name 'm' is given twice");
    expect(failure(['--bogus', '1'])).toMatchObject({ kind: 'usage' });
    // Checked while parsing, before any data is loaded or features extracted.
    expect(failure(['--validation', 'train=a.tsv']).line).toMatch(/^--validation: .*'train' is reserved/);
    expect(failure(['--validation', 'matched=']).line).toBe("--validation: needs NAME=SOURCE, got 'matched='");
  });

  it('ignores parsed values that are not finetune flags', () => {
    expect(configFromFlags({ json: true, yes: true, epochs: '2' }).epochs).toBe(2);
  });
});
