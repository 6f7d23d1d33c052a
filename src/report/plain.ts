import type { Reporter, RunEvent } from '../train/events.ts';
import { estimateLine, fixed, lr, metricsLine, rate, seconds } from './format.ts';

export interface PlainReporterOptions {
  /** Progress lines (steps, extraction) at most this often; epoch and checkpoint lines always print. */
  intervalMs?: number;
  now?: () => number;
}

/**
 * Plain log lines for logs and pipes (not a TTY): progress about once a second, one line per epoch,
 * checkpoint, early stop and the final summary. No colours, no cursor movement.
 */
export class PlainReporter implements Reporter {
  private readonly stream: NodeJS.WritableStream;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly lastPrinted = new Map<string, number>();

  constructor(stream: NodeJS.WritableStream = process.stderr, options: PlainReporterOptions = {}) {
    this.stream = stream;
    this.intervalMs = options.intervalMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  onEvent(event: RunEvent): void {
    const line = this.format(event);
    if (line !== null) this.stream.write(`${line}\n`);
  }

  async close(): Promise<void> {}

  private format(event: RunEvent): string | null {
    switch (event.type) {
      case 'run-start': {
        return `run: ${describeConfig(event.config)} | device ${event.device} | tf backend ${event.tfBackend} | labels ${event.labelNames.join(', ')}`;
      }
      case 'extract-progress':
        if (!this.due(`extract:${event.split}`, event.done >= event.total)) return null;
        return `extract ${event.split}: ${event.done}/${event.total}${event.cached ? ' (cached)' : ` (${rate(event.perSecond)}/s)`}`;
      case 'extract-end':
        return event.cached
          ? `extract ${event.split}: ${event.total} rows from the feature cache`
          : `extract ${event.split}: ${event.total} rows in ${seconds(event.seconds)}`;
      case 'epoch-start': {
        this.lastPrinted.delete('step');
        const training = event.backboneTraining === undefined ? '' : event.backboneTraining === null ? ', head only' : `, head + ${event.backboneTraining}`;
        return `epoch ${event.epoch}/${event.epochs}: ${event.steps} steps${training}`;
      }
      case 'estimate':
        return `${estimateLine(event)}${event.suggestion ? `\nsuggestion: ${event.suggestion}` : ''}`;
      case 'step':
        if (!this.due('step', false)) return null;
        return `epoch ${event.epoch} step ${event.step}/${event.steps} loss ${fixed(event.loss)} lr ${lr(event.lr)} ${rate(event.perSecond)} ex/s`;
      case 'epoch-end': {
        const evalPart = metricsLine(event.eval);
        return `epoch ${event.epoch}/${event.epochs} done in ${seconds(event.seconds)}: train loss ${fixed(event.train.loss)} acc ${fixed(event.train.accuracy)}${evalPart ? ` | ${evalPart}` : ''}`;
      }
      case 'evaluation':
        return `evaluation at epoch ${event.epoch} step ${event.step}: ${metricsLine(event.eval)}`;
      case 'checkpoint':
        return `checkpoint (${event.reason}) saved to ${event.path} at step ${event.step}`;
      case 'early-stop':
        return `early stop after epoch ${event.epoch}: ${event.monitor} stopped improving (best ${fixed(event.best)})`;
      case 'paused':
        return event.paused ? 'paused' : 'resumed';
      case 'notice':
        return `note: ${event.message}`;
      case 'run-end': {
        const r = event.results;
        const how = r.interrupted ? 'interrupted' : r.stoppedEarly ? 'stopped early' : 'done';
        const parts = [
          `${how}: ${r.train.epochs} epochs, ${r.train.steps} steps in ${seconds(r.train.seconds)} (${rate(r.train.examplesPerSecond)} ex/s)`,
          metricsLine(r.eval),
          r.bestCheckpoint ? `best checkpoint ${r.bestCheckpoint}` : '',
          r.lastCheckpoint ? `last checkpoint ${r.lastCheckpoint}` : '',
        ];
        return parts.filter(Boolean).join(' | ');
      }
      case 'error':
        return `error: ${event.error.line}`;
    }
  }

  /** Prints progress of one kind at most once per interval, and always its final update. */
  private due(kind: string, final: boolean): boolean {
    const now = this.now();
    const last = this.lastPrinted.get(kind);
    if (!final && last !== undefined && now - last < this.intervalMs) return false;
    this.lastPrinted.set(kind, now);
    return true;
  }
}

/**
 * The run's settings as text: `max length 64; validation matched=m.tsv (9815), mismatched=…`. A set of
 * named values named like its field (the default `validation` set) shows just the value.
 */
function describeConfig(config: Record<string, unknown>): string {
  const words = (key: string) => key.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
  const text = (key: string, value: unknown): string => {
    if (Array.isArray(value)) return value.join(',');
    if (value === null || typeof value !== 'object') return String(value);
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0][0] === key) return text(key, entries[0][1]);
    return entries.map(([name, v]) => `${name}=${text(name, v)}`).join(', ');
  };
  return Object.entries(config)
    .map(([key, value]) => `${words(key)} ${text(key, value)}`)
    .join('; ');
}
