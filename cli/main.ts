#!/usr/bin/env node
import { TransferKitError } from '../src/errors.ts';
import { closest } from '../src/core/suggest.ts';
import { COMMANDS } from './command-table.ts';
import { versions } from '../src/checkpoint/versions.ts';

const verbose = process.argv.includes('--verbose');

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv.filter((a) => a !== '--verbose');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write(`${versions().transferkit}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const nearest = closest(name, Object.keys(COMMANDS));
    const hint = nearest ? `; did you mean ${nearest}?` : '';
    throw new TransferKitError('usage', `unknown command '${name}'${hint} (commands: ${Object.keys(COMMANDS).join(', ')})`);
  }
  const command = (await entry.load()).default;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  return (await command.run(rest)) ?? 0;
}

function overview(): string {
  const lines = ['Usage: transferkit <command> [flags]   (transferkit <command> --help for details)', '', 'Commands:'];
  for (const [name, { summary }] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(12)} ${summary}`);
  lines.push('', 'Global flags: --verbose (stack traces on errors)', '');
  return lines.join('\n');
}

function report(error: unknown): number {
  if (error instanceof TransferKitError) {
    process.stderr.write(`error: ${error.line}\n`);
    if (verbose && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message.split('\n')[0]}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write('(run again with --verbose for the stack trace)\n');
  return 1;
}

// `transferkit finetune --json | head -1`: once the reader is gone every write fails; stop with one line
// (the default would be an unhandled 'error' event and its stack trace).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.stderr.write('error: stdout was closed (EPIPE): its reader went away; stopping\n');
  else report(error);
  process.exit(1);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.exitCode = report(error);
  },
);
