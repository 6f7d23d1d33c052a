/**
 * Every example printed by every `transferkit <command> --help` runs as printed, on a fresh clone, after
 * `npm start`: each in its own fresh folder holding only what `npm start` wrote (runs/demo), through
 * bash, with `transferkit` on PATH. An example whose inputs are not bundled must say so with a comment
 * line above it (`# needs …`: the network, a file of your own); those are listed as skipped. To stay
 * fast, the test adds row limits the help shows (LIMITS) to examples that do not set them.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../cli/command.ts';
import { copyNpmStartRun, npmStartRun, type NpmStartRun } from '../helpers/npm-start.ts';
import { scratchFolder } from '../helpers/tiny-model.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

interface HelpExample {
  /** The command line as printed, continuation lines joined. */
  line: string;
  /** The `# …` comment lines printed right above it. */
  comments: string[];
}

/** The examples of a --help text: the lines after `Examples:`, with their comments and `\` continuations. */
function helpExamples(help: string): HelpExample[] {
  const start = help.split('\n').findIndex((line) => line.trim() === 'Examples:');
  if (start < 0) return [];
  const examples: HelpExample[] = [];
  let comments: string[] = [];
  let pending = '';
  for (const raw of help.split('\n').slice(start + 1)) {
    const line = raw.trim();
    if (line === '') break;
    if (!pending && line.startsWith('#')) {
      comments.push(line);
      continue;
    }
    pending += pending ? ` ${line}` : line;
    if (pending.endsWith('\\')) {
      pending = pending.slice(0, -1).trimEnd();
      continue;
    }
    examples.push({ line: pending, comments });
    pending = '';
    comments = [];
  }
  return examples;
}

const HUB_ONLY = ['pull', 'push'];
const needsSomethingElse = (example: HelpExample) => example.comments.some((comment) => /\bneeds\b/.test(comment));

/**
 * Flags the test adds (when an example does not give them) so that it stays fast: fewer rows, the same
 * code paths. Each must be a flag the command's own help shows.
 */
const LIMITS: Record<string, string[]> = {
  finetune: ['--max-train-samples', '300', '--max-eval-samples', '100'],
  train: ['--max-train-samples', '300', '--max-eval-samples', '100'],
  predict: ['--max-samples', '100'],
  eval: ['--max-samples', '100'],
  embed: ['--max-samples', '100'],
  extract: ['--max-samples', '300'],
};

function limited(name: string, line: string): string {
  const limits = LIMITS[name] ?? [];
  const extra: string[] = [];
  for (let i = 0; i < limits.length; i += 2) if (!line.includes(`${limits[i]} `)) extra.push(limits[i], limits[i + 1]);
  return extra.length ? `${line} ${extra.join(' ')}` : line;
}

const commandNames = readdirSync(join(repoRoot, 'cli/commands')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const helps = await Promise.all(
  commandNames.map(async (name) => [name, ((await import(`../../cli/commands/${name}.ts`)) as { default: Command }).default.help] as const),
);
const examples = helps.flatMap(([name, help]) => helpExamples(help).map((example) => ({ name, ...example })));

describe('help examples', () => {
  it('are parsed from every command (each has at least one that runs on the bundled model and data)', () => {
    expect(commandNames).toEqual(['attention', 'cache', 'embed', 'eval', 'export-onnx', 'extract', 'finetune', 'make-model', 'plan-job', 'predict', 'pull', 'push', 'quantize', 'train']);
    for (const [name, help] of helps) {
      const own = helpExamples(help);
      // push and pull talk to the hub: every example of theirs needs the network.
      if (!HUB_ONLY.includes(name)) expect(own.filter((example) => !needsSomethingElse(example)).length, name).toBeGreaterThan(0);
      for (const example of own) expect(example.line, name).toMatch(new RegExp(`^transferkit ${name}( |$)`));
    }
  });

  it('adds only limiting flags that the command\'s help shows (train shows finetune\'s)', () => {
    const helpOf = Object.fromEntries(helps);
    for (const [name, limits] of Object.entries(LIMITS)) {
      const help = name === 'train' ? helpOf.finetune : helpOf[name];
      for (let i = 0; i < limits.length; i += 2) expect(help, `${name} ${limits[i]}`).toContain(`${limits[i]} N`);
    }
    expect(limited('eval', 'transferkit eval --data x')).toBe('transferkit eval --data x --max-samples 100');
    expect(limited('embed', 'transferkit embed --max-samples 200 --output a.npy')).toBe('transferkit embed --max-samples 200 --output a.npy');
  });

  it('parses comments and continuation lines', () => {
    const help = 'Usage: x\n\nExamples:\n  transferkit a --b 1\n  # needs your own c.tsv\n  transferkit a --c c.tsv \\\n    --d "two words"\n\nMore text\n';
    expect(helpExamples(help)).toEqual([
      { line: 'transferkit a --b 1', comments: [] },
      { line: 'transferkit a --c c.tsv --d "two words"', comments: ['# needs your own c.tsv'] },
    ]);
  });

  describe('run as printed after npm start, each in a fresh folder', () => {
    const scratch = scratchFolder('transferkit-help-examples-');
    const env = () => ({
      ...process.env,
      PATH: `${join(scratch.dir, 'bin')}:${process.env.PATH}`,
      TRANSFERKIT_CACHE: join(scratch.dir, 'cache'),
      HF_HOME: join(scratch.dir, 'hf'),
      // Nothing here may reach the network: a hub id in an unmarked example fails at once.
      HF_HUB_OFFLINE: '1',
      CI: 'true',
    });
    const bash = (script: string, cwd: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
        execFile('bash', ['-c', script], { cwd, env: env(), maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
          done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });

    /**
     * What `npm start` (package.json's own start script, run once per test run) wrote: runs/demo, and
     * the cache the examples start from. Waited for here: it trains for half a minute or more.
     */
    let start: NpmStartRun;
    beforeAll(async () => {
      mkdirSync(join(scratch.dir, 'bin'));
      const shim = join(scratch.dir, 'bin', 'transferkit');
      writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'bin/transferkit.js')}" "$@"\n`);
      chmodSync(shim, 0o755);
      start = await npmStartRun();
      expect(start.script).toMatch(/^node bin\/transferkit\.js /);
      expect(start.stderr).not.toMatch(/^error:/m);
      expect(start.code).toBe(0);
      cpSync(start.cache, join(scratch.dir, 'cache'), { recursive: true });
    });

    it.for(examples.map((example) => ({ ...example, title: needsSomethingElse(example) ? `${example.line}  [skipped: ${example.comments.join(' ')}]` : example.line })))(
      '$title',
      async (example, context) => {
        if (needsSomethingElse(example)) context.skip(example.comments.join(' '));
        const cwd = mkdtempSync(join(scratch.dir, `${example.name}-`));
        await copyNpmStartRun(start, cwd);
        const result = await bash(limited(example.name, example.line), cwd);
        expect(result.stderr, example.line).not.toMatch(/^error:/m);
        expect(result.code, example.line).toBe(0);
      },
    );
  });
});
