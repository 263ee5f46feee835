// Reads an `strace -f -y` log into completed system calls in completion order:
// a call another process interrupted is printed as "<unfinished ...>" and
// completed by a later "<... name resumed>" line of the same pid.
export interface TracedCall {
  pid: number;
  name: string;
  /** The argument text, fd paths included (-y). */
  args: string;
  /** Line number where the call started and where it returned. */
  startLine: number;
  endLine: number;
}

const FULL = /^(\d+)\s+(\w+)\((.*)\)\s+= .*$/;
const UNFINISHED = /^(\d+)\s+(\w+)\((.*) <unfinished \.\.\.>$/;
const RESUMED = /^(\d+)\s+<\.\.\. (\w+) resumed>(.*)$/;

export function parseStrace(text: string): TracedCall[] {
  const calls: TracedCall[] = [];
  const open = new Map<number, { name: string; args: string; startLine: number }>();
  text.split('\n').forEach((line, i) => {
    const unfinished = UNFINISHED.exec(line);
    if (unfinished) {
      const [, pid, name, args] = unfinished;
      open.set(Number(pid), { name: name!, args: args!, startLine: i });
      return;
    }
    const resumed = RESUMED.exec(line);
    if (resumed) {
      const [, pid, name, rest] = resumed;
      const started = open.get(Number(pid));
      if (started && started.name === name) {
        open.delete(Number(pid));
        calls.push({
          pid: Number(pid),
          name: started.name,
          args: started.args + rest!,
          startLine: started.startLine,
          endLine: i,
        });
      }
      return;
    }
    const full = FULL.exec(line);
    if (full) {
      const [, pid, name, args] = full;
      calls.push({ pid: Number(pid), name: name!, args: args!, startLine: i, endLine: i });
    }
  });
  return calls.sort((a, b) => a.endLine - b.endLine);
}
