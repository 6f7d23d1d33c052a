/** Quotes a path for a POSIX shell only when it needs it. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** What to run with a finished checkpoint (shown on the summary screen). */
export function nextCommands(checkpointDir: string): { line: string; why: string }[] {
  const dir = shellQuote(checkpointDir);
  return [
    { line: `transferkit predict --checkpoint ${dir} --input bundled:nli-tiny/validation --output predictions.jsonl`, why: 'label pairs (any TSV/CSV/JSONL of premise/hypothesis)' },
    { line: `transferkit eval --checkpoint ${dir} --data bundled:nli-tiny/validation`, why: 'metrics on a labelled set' },
    {
      line: `transferkit attention --checkpoint ${dir} --text "The cat sat." --text-pair "A cat was sitting." --out attention.html`,
      why: 'see the attention maps',
    },
    { line: 'transferkit train', why: 'the interactive terminal trainer' },
    {
      line: 'transferkit finetune --model bert-base-cased --train glue/mnli:train --validation matched=glue/mnli:validation_matched --output-dir runs/mnli',
      why: 'the real thing: bert-base-cased and MNLI from the Hugging Face hub (needs internet once)',
    },
  ];
}

/** How to continue a stopped run: its settings are saved beside it, so the folder is enough. */
export function resumeCommand(outputDir: string): string {
  return `transferkit finetune --output-dir ${shellQuote(outputDir)} --resume`;
}
