/** Quotes a path for a POSIX shell only when it needs it. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** What to run with a finished checkpoint (shown on the summary screen). */
export function nextCommands(checkpointDir: string): { line: string; why: string }[] {
  const dir = shellQuote(checkpointDir);
  return [
    { line: `transferkit predict --checkpoint ${dir} --input pairs.jsonl --output predictions.jsonl`, why: 'label new pairs' },
    { line: `transferkit eval --checkpoint ${dir} --data SOURCE`, why: 'metrics on another labelled set' },
    {
      line: `transferkit attention --checkpoint ${dir} --text "The cat sat." --text-pair "A cat was sitting." --out attention.html`,
      why: 'see the attention maps',
    },
  ];
}
