import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { inputError } from '../errors.ts';

/** One physical line of a text file, or the reason it could not be read as one. */
export type LineResult =
  | { line: number; text: string }
  | { line: number; problem: string };

/** Lines longer than this are bad input, not data: reading stops buffering them at this size. */
export const MAX_LINE_BYTES = 1 << 20;

export interface LineReaderOptions {
  maxLineBytes?: number;
  /** Called with the bytes consumed so far (compressed bytes for .gz), for progress. */
  onBytes?: (bytesRead: number) => void;
}

/**
 * Streams a file as batches of lines (one batch per read chunk, so per-line async overhead stays out of
 * the hot path), split on LF bytes (a CR before LF is dropped), decoding each line with a fatal
 * UTF-8 decoder. Splitting on bytes first keeps a multi-byte character that straddles a chunk boundary
 * whole, so invalid UTF-8 is reported on the right line. A line over `maxLineBytes` is reported as a
 * problem and the rest of it is skipped without being buffered.
 */
export async function* readLines(file: string, options: LineReaderOptions = {}): AsyncGenerator<LineResult[]> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const raw = createReadStream(file, { highWaterMark: 1 << 16 });
  let rawBytes = 0;
  raw.on('data', (chunk) => {
    rawBytes += chunk.length;
  });
  const stream = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (error) => stream.destroy(error));

  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** True while skipping the rest of an overlong line (already reported). */
  let skipping = false;
  let lineNumber = 1;

  // Reported as soon as the limit is passed, so a huge single-line file fails without being read through.
  const overlong = (): LineResult => {
    pending = [];
    pendingBytes = 0;
    skipping = true;
    return { line: lineNumber++, problem: `line is longer than ${formatBytes(maxLineBytes)} (not a text row?)` };
  };

  function finishLine(tail: Buffer): LineResult {
    const line = lineNumber++;
    let buffer = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    if (buffer.length > 0 && buffer[buffer.length - 1] === 0x0d) buffer = buffer.subarray(0, buffer.length - 1);
    try {
      // stream: false resets the decoder, so one bad line does not poison the next; the BOM is only
      // dropped on line 1 because ignoreBOM=false strips it at the start of every decode call.
      let text = decoder.decode(buffer);
      if (line > 1 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) text = `\ufeff${text}`;
      return { line, text };
    } catch {
      return { line, problem: `invalid UTF-8 at byte ${firstInvalidUtf8(buffer)} of the line` };
    }
  }

  for await (const chunk of guard(stream as AsyncIterable<Buffer>, file)) {
    const batch: LineResult[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) break;
      if (skipping) {
        skipping = false; // this newline ends the overlong line reported earlier
      } else if (pendingBytes + newline - start > maxLineBytes) {
        batch.push(overlong());
        skipping = false; // ...and here it ends in the same chunk
      } else {
        batch.push(finishLine(chunk.subarray(start, newline)));
      }
      start = newline + 1;
    }
    if (start < chunk.length && !skipping) {
      if (pendingBytes + chunk.length - start > maxLineBytes) {
        batch.push(overlong());
      } else {
        pending.push(Buffer.from(chunk.subarray(start)));
        pendingBytes += chunk.length - start;
      }
    }
    options.onBytes?.(rawBytes);
    if (batch.length > 0) yield batch;
  }
  if (pendingBytes > 0) yield [finishLine(Buffer.alloc(0))];
}

/** Read and gunzip failures (a corrupt .gz, a vanished file) are bad input naming the file. */
async function* guard(chunks: AsyncIterable<Buffer>, file: string): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code && !code.startsWith('Z_') ? code : (error as Error).message;
    throw inputError(`cannot read the file${file.endsWith('.gz') ? ' as gzip' : ''} (${reason})`, { file });
  }
}

/** Byte offset (1-based) of the first byte that breaks UTF-8, for the error message. */
function firstInvalidUtf8(buffer: Uint8Array): number {
  let i = 0;
  while (i < buffer.length) {
    const b = buffer[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (need < 0) return i + 1;
    for (let k = 1; k <= need; k++) {
      if (i + k >= buffer.length || (buffer[i + k] & 0xc0) !== 0x80) return i + 1;
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    const second = buffer[i + 1];
    if ((b === 0xe0 && second < 0xa0) || (b === 0xed && second >= 0xa0)) return i + 1;
    if ((b === 0xf0 && second < 0x90) || (b === 0xf4 && second >= 0x90)) return i + 1;
    i += need + 1;
  }
  return i + 1;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(bytes % (1 << 20) === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(bytes % (1 << 10) === 0 ? 0 : 1)} KiB`;
  return `${bytes} bytes`;
}
