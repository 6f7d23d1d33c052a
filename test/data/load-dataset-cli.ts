// A tiny command for the bad-input tests: reads a dataset with the data flags and reports like
// cli/main.ts does (`error: file:line: message`, exit 2 for bad input), so exit codes are tested end to end.
import { parseArgs } from 'node:util';
import { TransferKitError } from '../../src/errors.ts';
import { DATA_FLAGS, formatSkipSummary, loadOptionsFromFlags, loadTextDataset } from '../../src/data/index.ts';

try {
  const { values, positionals } = parseArgs({ options: { ...DATA_FLAGS }, allowPositionals: true });
  const dataset = await loadTextDataset(positionals[0], { ...loadOptionsFromFlags(values), requireLabels: true });
  const summary = formatSkipSummary(dataset.skipped, dataset.source);
  if (summary) process.stderr.write(`${summary}\n`);
  process.stdout.write(`${JSON.stringify({ rows: dataset.texts.length, labelNames: dataset.labelNames })}\n`);
} catch (error) {
  if (!(error instanceof TransferKitError)) throw error;
  process.stderr.write(`error: ${error.line}\n`);
  process.exitCode = error.exitCode;
}
