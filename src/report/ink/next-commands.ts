import { dirname } from 'node:path';
import { BUNDLED_MODEL } from '../../fixtures/bert.ts';

/** Quotes a path for a POSIX shell only when it needs it. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** What the next commands need to know of the run: its model and data (as in its FinetuneConfig). */
export interface NextCommandsRun {
  model: string;
  train: string;
  validation: Record<string, string>;
}

/** How a run ended, as far as the commands after it care (a FinalResults or FinetuneOutcome). */
export interface RunEnding {
  interrupted: boolean;
  resultsFile?: string;
  checkpoint?: string;
  bestCheckpoint?: string;
  lastCheckpoint?: string;
}

/**
 * What to run with a finished checkpoint, on the run's own data: predict and eval take its first
 * validation set (its training data when it had none). The bundled demo also points at the real model.
 */
export function nextCommands(checkpointDir: string, run: NextCommandsRun): { line: string; why: string }[] {
  const dir = shellQuote(checkpointDir);
  const data = shellQuote(Object.values(run.validation)[0] ?? run.train);
  const commands = [
    { line: `transferkit predict --checkpoint ${dir} --input ${data} --output predictions.jsonl`, why: 'label pairs (any TSV/CSV/JSONL of premise/hypothesis)' },
    { line: `transferkit eval --checkpoint ${dir} --data ${data}`, why: 'metrics on a labelled set' },
    {
      line: `transferkit attention --checkpoint ${dir} --text "The cat sat." --text-pair "A cat was sitting." --out attention.html`,
      why: 'see the attention maps',
    },
    { line: 'transferkit train', why: 'the interactive terminal trainer' },
  ];
  if (run.model === BUNDLED_MODEL) {
    commands.push({
      line: 'transferkit finetune --model bert-base-cased --train glue/mnli:train --validation matched=glue/mnli:validation_matched --output-dir runs/mnli',
      why: 'the real thing: bert-base-cased and MNLI from the Hugging Face hub (needs internet once)',
    });
  }
  return commands;
}

/**
 * The "Next:" block printed after the run, as plain text: each command on one line (never wrapped by
 * us, so a copy from the terminal gives it whole), each under a `# why` comment, ending with a newline.
 */
export function formatNextSteps(checkpointDir: string, run: NextCommandsRun): string {
  const lines = ['Next:'];
  for (const { line, why } of nextCommands(checkpointDir, run)) lines.push(`  # ${why}`, `  ${line}`);
  return `${lines.join('\n')}\n`;
}

/**
 * What the terminal view leaves below its last frame: how to continue a stopped run and the Next:
 * block. Printed as plain text after the view has ended, so the terminal soft-wraps long commands
 * instead of Ink breaking them into lines.
 */
export function formatAfterView(results: RunEnding, run: NextCommandsRun): string {
  const parts: string[] = [];
  if (results.interrupted && results.resultsFile) parts.push(`continue with: ${resumeCommand(dirname(results.resultsFile))}\n`);
  const checkpoint = results.checkpoint ?? results.bestCheckpoint ?? results.lastCheckpoint;
  if (checkpoint) parts.push(formatNextSteps(checkpoint, run));
  return parts.join('\n');
}

/** How to continue a stopped run: its settings are saved beside it, so the folder is enough. */
export function resumeCommand(outputDir: string): string {
  return `transferkit finetune --output-dir ${shellQuote(outputDir)} --resume`;
}
