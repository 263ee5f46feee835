// Last-resort cleanup when the test process dies before its after() hook ran
// (Ctrl-C, a runner timeout's SIGTERM): registered synchronous jobs stop Postfix,
// kill child processes and remove temp dirs from the process 'exit' event.
const jobs = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const job of [...jobs]) {
    jobs.delete(job);
    try {
      job();
    } catch {
      // best effort: the process is exiting
    }
  }
}

/** Registers a synchronous cleanup; returns the function that unregisters it. */
export function onExit(job: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', runAll);
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const)
      process.once(signal, () => process.exit(code));
  }
  jobs.add(job);
  return () => jobs.delete(job);
}
