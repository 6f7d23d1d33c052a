import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteDir } from '../io/atomic.ts';
import { runtimeError } from '../errors.ts';
import { writeNpy } from './npy.ts';
import { checkAttentionShape, selectedHeads, type AttentionEntry } from './attention-entry.ts';
import { entryMetadata } from './attention-json.ts';
import type { AttentionSelection } from './attention-selection.ts';

/** `layer_00.npy` … named by the model's layer index, so a selection keeps its meaning on disk. */
export function layerFileName(layer: number, numLayers: number): string {
  return `layer_${String(layer).padStart(Math.max(2, String(numLayers - 1).length), '0')}.npy`;
}

/** `00000` … per input of a file; wider only when a file has more than 100000 inputs. */
export function inputDirName(index: number, total: number): string {
  return String(index).padStart(Math.max(5, String(Math.max(total - 1, 0)).length), '0');
}

/** Writes one entry's `layer_XX.npy` files ([heads, seq, seq] float32) and `tokens.json` into `dir`. */
export async function writeEntryNpy(dir: string, entry: AttentionEntry, selection: AttentionSelection, multi: boolean) {
  const { result } = entry;
  const seq = checkAttentionShape(result, selection);
  for (const layer of selection.layers) {
    const values = selectedHeads(result, layer, selection.heads);
    await writeNpy(join(dir, layerFileName(layer, result.layers.length)), values, [selection.heads.length, seq, seq], false);
  }
  await writeFile(join(dir, 'tokens.json'), `${JSON.stringify(entryMetadata(entry, selection, multi))}\n`);
}

/**
 * Writes the npy dump as a directory, built in a temp sibling and renamed into place when complete.
 * A single input fills `path` itself; a file of inputs gets one subfolder per input (`00000/`, …) and an
 * `index.json` listing them. Entries are written as they arrive. Returns the number of entries written.
 */
export async function writeAttentionNpy(
  path: string,
  entries: AsyncIterable<AttentionEntry>,
  selection: AttentionSelection,
  options: { multi: boolean; total?: number },
): Promise<number> {
  let count = 0;
  await atomicWriteDir(path, async (tmp) => {
    const listed: Array<{ dir: string; index: number; line: number | null; tokens: number }> = [];
    for await (const entry of entries) {
      if (!options.multi) {
        if (count > 0) throw runtimeError('a single-input npy dump got more than one input');
        await writeEntryNpy(tmp, entry, selection, false);
      } else {
        const dir = inputDirName(entry.index, options.total ?? 0);
        await mkdir(join(tmp, dir));
        await writeEntryNpy(join(tmp, dir), entry, selection, true);
        listed.push({ dir, index: entry.index, line: entry.line ?? null, tokens: entry.result.tokens.length });
      }
      count++;
    }
    if (options.multi) {
      const index = { layers: selection.layers, heads: selection.heads, inputs: listed };
      await writeFile(join(tmp, 'index.json'), `${JSON.stringify(index)}\n`);
    }
  });
  return count;
}
