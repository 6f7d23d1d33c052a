import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../cli/args.ts';
import { configFromFlags, FINETUNE_FLAG_OPTIONS } from '../../cli/finetune-flags.ts';
import { TransferKitError } from '../../src/errors.ts';
import { editDistance } from '../../src/core/suggest.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

function usageLine(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TransferKitError);
    expect((error as TransferKitError).kind).toBe('usage');
    return (error as TransferKitError).line;
  }
  throw new Error('expected a usage error');
}

const finetuneConfig = (argv: string[]) => configFromFlags(parseFlags(argv, FINETUNE_FLAG_OPTIONS).values);

describe('negative numbers as flag values', () => {
  it.each([
    [['--epochs', '-1'], "--epochs: must be a whole number >= 1, got '-1'"],
    [['--lr', '-0.1'], "--lr: must be a number in (0, 10], got '-0.1'"],
    [['--lr', '-.5'], "--lr: must be a number in (0, 10], got '-.5'"],
    [['--seed', '-3'], "--seed: must be a whole number >= 0, got '-3'"],
  ])('%j gives the one-line range error, not the parser\'s "ambiguous" text', (argv, line) => {
    expect(usageLine(() => finetuneConfig(argv))).toBe(line);
  });

  it('still reads a following flag as a flag, not as the value', () => {
    expect(usageLine(() => parseFlags(['--output', '--json'], { output: { type: 'string' }, json: { type: 'boolean' } }))).toMatch(/^Option '--output' argument is ambiguous/);
  });

  it('keeps a negative value given with =', () => {
    expect(parseFlags(['--seed=-2'], { seed: { type: 'string' } }).values.seed).toBe('-2');
  });
});

describe('unknown flags', () => {
  const options = { epochs: { type: 'string' }, 'max-train-samples': { type: 'string' }, json: { type: 'boolean' } } as const;

  it.each([
    ['--epoch', '--epochs'],
    ['--epochss', '--epochs'],
    ['--jsno', '--json'],
    ['--max-train', '--max-train-samples'],
    ['--max-train-sample', '--max-train-samples'],
  ])('%s suggests %s', (given, nearest) => {
    expect(usageLine(() => parseFlags([given, '1'], options))).toBe(`unknown flag '${given}'; did you mean ${nearest}?`);
  });

  it('suggests nothing when no flag is close', () => {
    expect(usageLine(() => parseFlags(['--colour'], options))).toBe("unknown flag '--colour' (see --help for the flags)");
    // Two letters of two changed is another word, not a slip.
    expect(usageLine(() => parseFlags(['--ab', '1'], { lr: { type: 'string' } }))).toBe("unknown flag '--ab' (see --help for the flags)");
  });

  it('counts a swap of neighbours as one slip', () => {
    expect(editDistance('jsno', 'json')).toBe(1);
    expect(editDistance('entailmnet', 'entailment')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it.each([
    ['finetune', ['--epoch', '2'], '--epochs'],
    ['train', ['--batchsize', '8'], '--batch-size'],
    ['predict', ['--inpt', 'x'], '--input'],
    ['eval', ['--chekpoint', 'x'], '--checkpoint'],
    ['embed', ['--pooling=cls', '--polling', 'mean'], '--pooling'],
    ['attention', ['--layer', '0'], '--layers'],
    ['export-onnx', ['--overwrit'], '--overwrite'],
    ['make-model', ['bert', '--hiden', '8'], '--hidden'],
  ])('%s suggests the nearest of its own flags', async (name, argv, nearest) => {
    const command = (await import(`../../cli/commands/${name}.ts`)).default;
    await expect(command.run(argv)).rejects.toThrow(`did you mean ${nearest}?`);
  });

  it('the CLI prints one line and exits 2 (a negative value, an unknown command)', () => {
    const cases: [string[], string][] = [
      [['finetune', '--epochs', '-1'], "error: --epochs: must be a whole number >= 1, got '-1'"],
      [['finetun'], "error: unknown command 'finetun'; did you mean finetune? (commands: finetune, train, predict, eval, embed, attention, export-onnx, extract, cache, push, pull, quantize, plan-job, make-model)"],
    ];
    for (const [argv, line] of cases) {
      const result = spawnSync(process.execPath, ['bin/transferkit.js', ...argv], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
      expect(result.stderr.trim().split('\n'), argv.join(' ')).toEqual([line]);
      expect(result.status, argv.join(' ')).toBe(2);
    }
  });
});
