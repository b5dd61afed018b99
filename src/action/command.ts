/** The `run` input's command started with @actions/exec, the toolkit's runner for a step's programs. */
import { exec } from '@actions/exec'
import { NOT_STARTED, type Launcher } from '../run/command.js'

/**
 * Output goes where a `run:` step's goes (stdout and stderr, not merged) and exec's `[command]`
 * echo is left out (`silent`), so the log reads as before; the listeners feed the OOM scan and the
 * output's timeline. A command killed by a signal comes back from exec as a null exit code without
 * the signal's name: through `bash -e` that is only bash itself being killed (a test process killed
 * by a signal is reported by bash as 128 + its number), and the report then says exit code 128.
 * The child is not needed here: the runner, not the guard, stops a cancelled job.
 */
export const execLauncher: Launcher = async (file, args, io) => {
  try {
    const code = await exec(file, args, {
      env: Object.fromEntries(Object.entries(io.env).filter((e): e is [string, string] => e[1] !== undefined)),
      ignoreReturnCode: true,
      silent: true,
      listeners: { stdout: io.onStdout, stderr: io.onStderr }
    })
    return { code, signal: null }
  } catch (error) {
    return { code: NOT_STARTED, signal: null, error: error instanceof Error ? error : new Error(String(error)) }
  }
}
