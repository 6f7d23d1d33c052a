import type { Reporter, RunEvent } from '../train/events.ts';

/**
 * `--json`: one JSON object per event per line, for machines. Errors become { type, kind, message,
 * where }; non-finite numbers become null (JSON has no NaN).
 */
export class JsonlReporter implements Reporter {
  private readonly stream: NodeJS.WritableStream;

  constructor(stream: NodeJS.WritableStream = process.stdout) {
    this.stream = stream;
  }

  onEvent(event: RunEvent): void {
    this.stream.write(`${JSON.stringify(toJson(event))}\n`);
  }

  /** Waits until everything written so far has been handed to the OS. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.stream.write('', () => resolve())) this.stream.once('drain', () => resolve());
    });
  }
}

export function toJson(event: RunEvent): unknown {
  if (event.type === 'error') {
    const { kind, message, where } = event.error;
    return { type: 'error', kind, message, where };
  }
  return event;
}
