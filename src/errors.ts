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
