/** One text input: a single text or a pair (premise / hypothesis). */
export interface TextInput {
  text: string;
  textPair?: string;
}

/** Decoded pixels as Transformers.js' RawImage holds them: row-major HWC, 1 to 4 channels. */
export interface RawImageLike {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: number;
}

/** One image: a file path, a file's encoded bytes (a Buffer), or decoded pixels (a RawImage). */
export type ImageInput = string | Uint8Array | RawImageLike;

/** What a backbone reads: a task's inputs are of one modality. */
export type Modality = 'text' | 'image';
