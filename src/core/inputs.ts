/** One text input: a single text or a pair (premise / hypothesis). */
export interface TextInput {
  text: string;
  textPair?: string;
}
