/**
 * An error the user can fix (bad input, unreachable Redis, wrong password).
 * Its message is shown as one line, without a stack trace.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UserError'
  }
}

/** One line for the log: a UserError's message, or the message of anything else thrown. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0]
  return String(err)
}

/**
 * Redis could not be used: unreachable, or it refused the guard's credentials. A UserError (one
 * line, no stack) that the CLI tells apart by its exit code.
 */
export class ConnectionError extends UserError {
  constructor(message: string) {
    super(message)
    this.name = 'ConnectionError'
  }
}

/**
 * Ends an entry file's process once its work settles. A number it resolves to is the exit code; an
 * error that escaped it is one line on stderr and `failCode`, never a silent 0. The process exits
 * explicitly, after the output drained, so no open handle can keep a step waiting.
 */
export async function endProcess(work: Promise<unknown>, failCode = 1): Promise<never> {
  try {
    const code = await work
    if (typeof code === 'number') process.exitCode = code
  } catch (err) {
    process.stderr.write(`Redis Memory Guard: ${describeError(err)}\n`)
    process.exitCode = failCode
  }
  process.stdout.on('error', () => {})
  await new Promise<void>((resolve) => process.stdout.write('', () => process.stderr.write('', () => resolve())))
  process.exit()
}
