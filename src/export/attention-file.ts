import { atomicWriteStream } from '../io/atomic.ts';

/** Text written in pieces; buffered so many small pieces become few large writes. */
export interface TextSink {
  write(text: string): Promise<void>;
}

const FLUSH_CHARS = 1 << 20;

/**
 * Streams a text file into a temp sibling and renames it into place once complete, so a failed run
 * leaves either the old file or nothing (atomicWriteFile does the same for data already in memory; an
 * attention dump for many inputs does not fit there).
 */
export async function writeTextFileAtomically(path: string, fill: (sink: TextSink) => Promise<void>): Promise<void> {
  await atomicWriteStream(path, async (handle) => {
    let pending: string[] = [];
    let pendingChars = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      const text = pending.join('');
      pending = [];
      pendingChars = 0;
      await handle.write(text);
    };
    await fill({
      async write(text: string) {
        pending.push(text);
        pendingChars += text.length;
        if (pendingChars >= FLUSH_CHARS) await flush();
      },
    });
    await flush();
  });
}
