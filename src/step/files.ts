/** The step's files: its work folder and the JSON report, checked before the tests run and written with a bound. */
import { constants } from 'node:fs'
import { access, mkdir, mkdtemp } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { UserError, describeError } from '../core/errors.js'
import { withTimeout } from '../redis/connection.js'
import { NotRegularFileError, refuseSpecialFile, writeRegularFile } from '../core/regular-file.js'

/** In the work folder: the "before" snapshot, and the sampler's samples. */
export const BEFORE_FILE = 'before.json'
export const SAMPLES_FILE = 'samples.jsonl'
/** A line in it once the process that holds the named connection (sampling off) has connected. */
export const HELD_FILE = 'held'
export const DEFAULT_REPORT_NAME = 'redis-memory-report.json'
/** How the work folder's name begins (a random end follows). */
export const WORK_DIR_PREFIX = 'redis-memory-guard-'

/** No file operation of the guard may take longer than this (a path under /proc can block forever). */
export const FILE_TIMEOUT_MS = 5000

/**
 * Creates the step's work folder under `base`. `baseName` says where `base` came from
 * (RUNNER_TEMP, or the system's temp folder), so a failure names what to fix.
 */
export async function makeWorkDir(base: string, baseName: string): Promise<string> {
  try {
    return await withTimeout(mkdtemp(join(base, WORK_DIR_PREFIX)), FILE_TIMEOUT_MS, `creating a folder in ${base}`)
  } catch (err) {
    throw new UserError(`Cannot create the guard's work folder in ${baseName} (${base}): ${describeError(err)}. Point ${baseName} at a writable folder.`)
  }
}

/**
 * Checks, before the tests run, that the report can be written at `path`: a regular file or none
 * yet (not a FIFO, a device, a directory, nor anything under /proc, /sys or /dev, also through a
 * symlink), and its folder can be created and written. `optionName` is how the user named it.
 */
export async function checkReportPath(path: string, optionName: string): Promise<void> {
  const full = resolve(path)
  try {
    await withTimeout(refuseSpecialFile(full), FILE_TIMEOUT_MS, `checking ${path}`)
  } catch (err) {
    if (err instanceof NotRegularFileError) throw new UserError(`${optionName}: ${err.message}. ${REGULAR_HINT}`)
    throw err
  }
  const dir = dirname(full)
  try {
    await withTimeout(
      (async () => {
        await mkdir(dir, { recursive: true })
        await access(dir, constants.W_OK)
      })(),
      FILE_TIMEOUT_MS,
      `checking ${dir}`
    )
  } catch (err) {
    throw new UserError(`${optionName}: cannot write the report in ${dir} (${describeError(err)}). Give a path in a writable folder.`)
  }
}

const REGULAR_HINT = 'Give the path of a regular file in the workspace or in RUNNER_TEMP, e.g. redis-memory-report.json.'

/**
 * Writes the JSON report; a problem comes back as one line (the report is also in the summary).
 * The post step checks the path again: it may have become a FIFO or a device since main.
 */
export async function writeReportFile(path: string, report: unknown, optionName = 'report-path'): Promise<string | null> {
  try {
    await withTimeout(
      (async () => {
        await mkdir(dirname(path), { recursive: true })
        await writeRegularFile(path, JSON.stringify(report, null, 2) + '\n')
      })(),
      FILE_TIMEOUT_MS,
      `writing ${path}`
    )
    return null
  } catch (err) {
    if (err instanceof NotRegularFileError) return `Could not write the JSON report: ${optionName}: ${err.message}. ${REGULAR_HINT}`
    return `Could not write the JSON report to ${path}: ${describeError(err)}`
  }
}
