/** The CLI: picks the command, parses its options, runs it, and turns errors into one line and an exit code. */
import { ConnectionError, UserError, describeError } from '../core/errors.js'
import { TOOL_NAME, TOOL_VERSION } from '../core/version.js'
import { replyCode } from '../redis/connection.js'
import { COMMANDS, UsageError, closest, flag, isCommand, parseCommandArgs, type CommandName } from './args.js'
import { demoCommand } from './commands/demo.js'
import { diffCommand } from './commands/diff.js'
import { historyCommand } from './commands/history.js'
import { keysCommand } from './commands/keys.js'
import { runCommand } from './commands/run.js'
import { snapshotCommand } from './commands/snapshot.js'
import { ExitCode, type Context } from './context.js'
import { commandHelp, generalHelp } from './help.js'
import { createLogger, type Writable } from './log.js'

const HANDLERS: Record<CommandName, (ctx: Context) => Promise<number>> = {
  demo: demoCommand,
  run: runCommand,
  snapshot: snapshotCommand,
  keys: keysCommand,
  diff: diffCommand,
  history: historyCommand
}

export interface Io {
  stdout: Writable
  stderr: Writable
  env: NodeJS.ProcessEnv
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const ownArgs = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv
  const noColor = ownArgs.includes('--no-color')
  const log = createLogger(io.stdout, io.stderr, io.env, noColor)
  const [first, ...rest] = argv
  if (first === undefined) {
    io.stderr.write(generalHelp())
    return ExitCode.Usage
  }
  if (first === '--help' || first === '-h') {
    log.report(generalHelp())
    return ExitCode.Ok
  }
  if (first === '--version' || first === '-v') {
    log.report(`${TOOL_NAME} ${TOOL_VERSION}`)
    return ExitCode.Ok
  }
  if (first === 'help') {
    const topic = rest[0]
    if (topic !== undefined && isCommand(topic)) log.report(commandHelp(topic))
    else log.report(generalHelp())
    return ExitCode.Ok
  }
  if (!isCommand(first)) {
    const names = Object.keys(COMMANDS)
    const near = closest(first, names)
    log.error(
      `Unknown command "${first}".${near ? ` Did you mean ${near}?` : ''} Commands: ${names.join(', ')}. Usage: redis-memory-guard <command> [options] (see redis-memory-guard --help).`
    )
    return ExitCode.Usage
  }
  try {
    const args = parseCommandArgs(first, rest)
    if (flag(args, 'help')) {
      log.report(commandHelp(first))
      return ExitCode.Ok
    }
    return await HANDLERS[first]({ command: first, args, log, env: io.env })
  } catch (err) {
    if (err instanceof UsageError) {
      log.error(err.message.includes('Usage:') ? err.message : `${err.message} Usage: redis-memory-guard ${COMMANDS[first].usage} (see --help).`)
      return ExitCode.Usage
    }
    // A refusal the guard does not turn into an "unknown" check itself is still the user's to fix.
    if (!(err instanceof UserError) && replyCode(err) === 'NOPERM') {
      log.error(`Redis refused a command the guard needs: ${describeError(err)}. Grant it to this user (see "Limits and permissions" in the README).`)
      return ExitCode.Unreachable
    }
    if (err instanceof ConnectionError) {
      log.error(err.message)
      return ExitCode.Unreachable
    }
    if (err instanceof UserError) {
      log.error(err.message)
      return ExitCode.Usage
    }
    const debug = rest.includes('--debug') || io.env.ACTIONS_STEP_DEBUG === 'true'
    log.error(`${describeError(err)} (an internal error of ${TOOL_NAME}; ${debug ? 'please report it with the stack below' : 'run again with --debug for its stack, and please report it'})`)
    if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`)
    return ExitCode.Internal
  }
}
