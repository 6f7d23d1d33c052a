/**
 * A CLI command: cli/commands/<name>.ts default-exports one of these, and cli/command-table.ts lists it
 * with its one-line summary (kept there so `transferkit --help` loads no command module).
 */
export interface Command {
  name: string;
  /** Full --help text: usage, flags, examples. */
  help: string;
  /** Returns the exit code (0 when omitted). Throw TransferKitError for bad input. */
  run(argv: string[]): Promise<number | void>;
}
