/** A CLI command: cli/commands/<name>.ts default-exports one of these. */
export interface Command {
  name: string;
  summary: string;
  /** Full --help text: usage, flags, examples. */
  help: string;
  /** Returns the exit code (0 when omitted). Throw TransferKitError for bad input. */
  run(argv: string[]): Promise<number | void>;
}
