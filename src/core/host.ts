/**
 * What the step engine needs from the front end that runs it: where its lines go and how an
 * option is named to the user. The action passes the runner's log (action/runner.ts); the CLI its logger.
 */
export interface StepHost {
  info(line: string): void
  warn(line: string): void
  /** Detail that only a debug run shows. */
  debug(line: string): void
  /** A line that overwrites the previous one on a terminal (the key scan's progress); plain info elsewhere. */
  progress(line: string): void
  /** Ends a run of progress lines. */
  endProgress(): void
  /** Runs `fn` inside a foldable log section (the action's groups); the CLI just runs it. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>
  /** How an option is spelled to the user: `connect-timeout` for the action, `--connect-timeout` for the CLI. */
  optionName(name: string): string
  /** How often a long key scan reports its progress (default: every 5 s). */
  progressEveryMs?: number
}

/** A host that prints nothing, for tests and for work whose lines nobody reads. */
export const QUIET_HOST: StepHost = {
  info: () => {},
  warn: () => {},
  debug: () => {},
  progress: () => {},
  endProgress: () => {},
  group: (_title, fn) => fn(),
  optionName: (name) => name
}

/** The key scan's log: its "Key scan: N of ~M" progress lines overwrite each other on a terminal. */
export function keyScanLog(host: StepHost): { log: (line: string) => void; progressEveryMs?: number } {
  return {
    log: (line) => (/^Key scan: [\d,]+ of ~/.test(line) ? host.progress(line) : host.info(line)),
    ...(host.progressEveryMs ? { progressEveryMs: host.progressEveryMs } : {})
  }
}
