/** The text dataset formats (kept apart from the readers so CLI flag parsing loads no reader code). */
export type TextFormat = 'tsv' | 'csv' | 'jsonl' | 'parquet';
export const TEXT_FORMATS: readonly TextFormat[] = ['tsv', 'csv', 'jsonl', 'parquet'];
