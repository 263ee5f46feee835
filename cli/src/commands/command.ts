// The shape of one postfleet subcommand: a one-line summary for help and a run
// function returning the exit code (undefined keeps the process running/0).
export interface Command {
  /** Usage line without the leading "postfleet ". */
  usage: string;
  summary: string;
  run(args: string[]): Promise<number | undefined>;
}
