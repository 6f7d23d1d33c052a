import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Copies a Transformers.js model folder's side files (config, tokenizer, preprocessor: its top-level
 * json and txt files) into `to`, for a derived model folder that holds another onnx/ file.
 */
export async function copyModelSideFiles(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.isFile() && /\.(json|txt)$/.test(entry.name)) await copyFile(join(from, entry.name), join(to, entry.name));
  }
}
