import type { Reporter } from '../train/events.ts';
import { JsonlReporter } from './jsonl.ts';
import { PlainReporter } from './plain.ts';

export type ReporterKind = 'plain' | 'json' | 'ink';

export interface ReporterChoice {
  /** `--json`: JSON lines on stdout. */
  json?: boolean;
  /** Force plain lines even on a terminal (`--no-ui`, CI). */
  plain?: boolean;
  /** Whether stdout is a terminal; the Ink UI only runs on one. */
  isTTY?: boolean;
}

type Factory = () => Reporter | Promise<Reporter>;

/** The Ink UI lives in its own module (heavy imports); it registers its factory here when loaded. */
const factories: Partial<Record<ReporterKind, Factory>> = {
  plain: () => new PlainReporter(process.stderr),
  json: () => new JsonlReporter(process.stdout),
};

export function registerReporter(kind: ReporterKind, factory: Factory): void {
  factories[kind] = factory;
}

/** `--json` → json; a terminal with a registered UI → ink; otherwise plain lines. */
export function chooseReporterKind(choice: ReporterChoice): ReporterKind {
  if (choice.json) return 'json';
  if (!choice.plain && choice.isTTY && factories.ink) return 'ink';
  return 'plain';
}

export async function createReporter(choice: ReporterChoice = { isTTY: process.stdout.isTTY }): Promise<Reporter> {
  return factories[chooseReporterKind(choice)]!();
}

export { PlainReporter, JsonlReporter };
