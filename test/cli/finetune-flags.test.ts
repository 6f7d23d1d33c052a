import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../cli/args.ts';
import { configFromFlags, FINETUNE_FLAG_OPTIONS } from '../../cli/finetune-flags.ts';
import { TransferKitError } from '../../src/errors.ts';
import { CONFIG_FLAGS, defaultFinetuneConfig } from '../../src/run/config.ts';
import { trainConfig } from '../../src/run/finetune.ts';

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
    // Empty text is not the number 0 (an unset shell variable: --seed "$SEED").
    expect(failure(['--seed', '']).line).toBe("--seed: must be a whole number >= 0, got ''");
    expect(failure(['--warmup-ratio', '']).line).toBe("--warmup-ratio: must be a number in [0, 1), got ''");
  });

  it('--group-by-length is off by default, on when given; it reaches the trainer only with layers training', () => {
    expect(parse([]).groupByLength).toBe(false);
    expect(parse(['--group-by-length']).groupByLength).toBe(true);
    expect(() => parse(['--group-by-length=yes'])).toThrow(TransferKitError);
    expect(trainConfig(parse(['--unfreeze-top', '2', '--group-by-length']), ['validation']).groupByLength).toBe(true);
    expect(trainConfig(parse(['--unfreeze-top', '2']), ['validation']).groupByLength).toBe(false);
    // A frozen backbone trains on cached features (no padding): recorded off, as its checkpoints always were.
    expect(trainConfig(parse(['--group-by-length']), ['validation']).groupByLength).toBe(false);
  });

  it('--max-grad-norm sets the clipping norm (1.0 as HF; 0 = off) and reaches the trainer', () => {
    expect(trainConfig(parse([]), ['validation']).maxGradNorm).toBe(1);
    expect(trainConfig(parse(['--max-grad-norm', '0.5']), ['validation']).maxGradNorm).toBe(0.5);
    expect(trainConfig(parse(['--max-grad-norm', '0']), ['validation']).maxGradNorm).toBe(0);
    for (const bad of ['-1', 'none', '']) {
      expect(() => parse(['--max-grad-norm', bad]), bad).toThrow(TransferKitError);
      try {
        parse(['--max-grad-norm', bad]);
      } catch (error) {
        expect((error as TransferKitError).line).toBe(`--max-grad-norm: must be a number >= 0, got '${bad}'`);
      }
    }
  });

  it('ignores parsed values that are not finetune flags', () => {
    expect(configFromFlags({ json: true, yes: true, epochs: '2' }).epochs).toBe(2);
  });

  it('--class-weights takes balanced or one non-negative weight per class, and reaches the trainer', () => {
    expect(parse(['--class-weights', 'balanced']).classWeights).toBe('balanced');
    expect(parse(['--class-weights', '1,2.5,0']).classWeights).toEqual([1, 2.5, 0]);
    expect(parse([]).classWeights).toBeUndefined();
    expect(trainConfig(parse(['--class-weights', '1,2,3']), ['validation']).classWeights).toEqual([1, 2, 3]);
    expect(trainConfig(parse([]), ['validation']).classWeights).toBeNull();
    for (const bad of ['-1,2,3', 'balance', '1,,2', '1', 'inf,1']) {
      expect(() => parse(['--class-weights', bad]), bad).toThrow(TransferKitError);
      try {
        parse(['--class-weights', bad]);
      } catch (error) {
        expect((error as TransferKitError).line).toBe(`--class-weights: must be 'balanced' or two or more comma-separated numbers >= 0 (one per class), got '${bad}'`);
      }
    }
  });

  it('--dropout and --mlp-hidden are refused with the linear head (which has no hidden layer), also as train parses them', () => {
    for (const argv of [['--dropout', '0.2'], ['--head', 'linear', '--mlp-hidden', '64']]) {
      expect(() => parse(argv)).toThrow(`applies only to --head mlp (the linear head has no hidden layer); add --head mlp or leave it out`);
    }
    expect(parse(['--head', 'mlp', '--dropout', '0.2', '--mlp-hidden', '64'])).toMatchObject({ head: 'mlp', dropout: 0.2, mlpHidden: [64] });
    // A resumed mlp run may be given its own dropout again (the saved settings say mlp).
    expect(configFromFlags({ dropout: '0.1' }, { ...defaultFinetuneConfig(), head: 'mlp' }).dropout).toBe(0.1);
  });
});
