import type { TextInput } from '../core/index.ts';
import type { TextDataset } from './types.ts';

/** The dataset's rows as backbone inputs (single texts or pairs), in file order. */
export function datasetInputs(data: TextDataset): TextInput[] {
  return data.texts.map((text, i) => (data.textPairs ? { text, textPair: data.textPairs[i] } : { text }));
}
