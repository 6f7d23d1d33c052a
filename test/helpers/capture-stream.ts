import { PassThrough } from 'node:stream';

/** A writable stream that keeps what is written, for reporters under test. */
export function captureStream() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c) => chunks.push(String(c)));
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}
