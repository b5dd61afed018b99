/**
 * Input `junit-report`: paths or globs of JUnit XML files (`**` for any folders, `*` and `?` within
 * one name), separated by commas or new lines, relative to the working directory. Reading them is
 * bounded: a walk stops after `MAX_ENTRIES` directory entries, and files over `MAX_FILE_BYTES`
 * are left out with a note, so a stray glob cannot hang the step or fill memory.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import { isAbsolute, join, relative, sep } from 'node:path'
import { UserError } from '../core/errors.js'
import { JUnitReader, MAX_CASES, junitWindows, type Anchors, type JUnitWindows } from './junit.js'
import { formatCount } from '../core/size.js'

export const JUNIT_REPORT_INPUT = 'junit-report'
export const MAX_ENTRIES = 50_000
export const MAX_FILE_BYTES = 64 * 1024 * 1024

/** Parses the input into patterns; refuses ones that would walk the whole disk. */
export function parseJUnitReportInput(text: string, name = JUNIT_REPORT_INPUT): string[] {
  const patterns = text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
  for (const p of patterns) {
    if (/^\/?\*\*/.test(p) && isAbsolute(p)) throw new UserError(`${name}: "${p}" would search the whole disk. Give a folder first, e.g. reports/**/junit*.xml.`)
  }
  return patterns
}

/** A path glob → RegExp over `/`-separated relative paths. */
export function pathGlobToRegExp(glob: string): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]
    if (ch === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` anything below.
      if (glob[i + 2] === '/') {
        re += '(?:[^/]+/)*'
        i += 2
      } else {
        re += '.*'
        i += 1
      }
    } else if (ch === '*') re += '[^/]*'
    else if (ch === '?') re += '[^/]'
    else re += ch.replace(/[\\^$.+()[\]{}|]/g, (c) => `\\${c}`)
  }
  return new RegExp(`^${re}$`)
}

export interface FoundFiles {
  files: string[]
  /** Patterns that matched nothing, and files left out, in words. */
  notes: string[]
}

/** Expands the patterns under `cwd`: plain paths as they are, globs by a bounded walk from their fixed leading folders. */
export function findJUnitFiles(patterns: string[], cwd: string): FoundFiles {
  const files = new Set<string>()
  const notes: string[] = []
  let entries = 0
  for (const pattern of patterns) {
    const posix = pattern.split(sep).join('/')
    const parts = posix.split('/')
    const firstGlob = parts.findIndex((p) => /[*?]/.test(p))
    const before = files.size
    if (firstGlob < 0) {
      const path = isAbsolute(pattern) ? pattern : join(cwd, pattern)
      if (isFile(path)) files.add(path)
    } else {
      const baseParts = parts.slice(0, firstGlob)
      const base = baseParts.join('/') || (isAbsolute(posix) ? '/' : '.')
      const root = isAbsolute(posix) ? base : join(cwd, base)
      const re = pathGlobToRegExp(parts.slice(firstGlob).join('/'))
      const walk = (dir: string, depth: number): void => {
        if (depth > 30 || entries > MAX_ENTRIES) return
        let list: import('node:fs').Dirent[]
        try {
          list = readdirSync(dir, { withFileTypes: true })
        } catch {
          return
        }
        for (const d of list) {
          if (++entries > MAX_ENTRIES) return
          const full = join(dir, d.name)
          // node_modules and .git hold no reports of this run and can be huge.
          if (d.isDirectory()) {
            if (d.name !== 'node_modules' && d.name !== '.git') walk(full, depth + 1)
          } else if (d.isFile() && re.test(relative(root, full).split(sep).join('/'))) files.add(full)
        }
      }
      walk(root, 0)
      if (entries > MAX_ENTRIES) notes.push(`${JUNIT_REPORT_INPUT}: stopped looking after ${formatCount(MAX_ENTRIES)} files and folders; give a narrower folder.`)
    }
    if (files.size === before) notes.push(`${JUNIT_REPORT_INPUT}: "${pattern}" matched no file.`)
  }
  return { files: [...files].sort(), notes }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** Bytes read per chunk: the parser streams, so memory stays flat whatever the file's size. */
const CHUNK_BYTES = 1024 * 1024

/** Parses one file chunk by chunk. */
export function readJUnitFile(path: string): JUnitReader {
  const reader = new JUnitReader()
  // Non-blocking and checked after opening: a FIFO swapped in after the stat cannot hold the step open.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    if (!fstatSync(fd).isFile()) throw new Error('not a regular file')
    const buf = Buffer.allocUnsafe(CHUNK_BYTES)
    const decoder = new StringDecoder('utf8')
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK_BYTES, null)
      if (n === 0) break
      reader.write(decoder.write(buf.subarray(0, n)))
    }
    const rest = decoder.end()
    if (rest) reader.write(rest)
  } finally {
    closeSync(fd)
  }
  return reader
}

/**
 * Reads and places each file; its modification time is when its run ended. A file last written
 * before the command started is from an earlier run: left out, with a note.
 */
export function readJUnitFiles(files: string[], anchors: Omit<Anchors, 'endedAt'> = {}): { windows: JUnitWindows[]; notes: string[] } {
  const windows: JUnitWindows[] = []
  const notes: string[] = []
  for (const file of files) {
    try {
      const st = statSync(file)
      if (!st.isFile()) {
        notes.push(`${JUNIT_REPORT_INPUT}: ${file} is not a regular file and was left out.`)
        continue
      }
      if (st.size > MAX_FILE_BYTES) {
        notes.push(`${JUNIT_REPORT_INPUT}: ${file} is over ${MAX_FILE_BYTES / 1024 / 1024} MB and was left out.`)
        continue
      }
      if (anchors.startedAt != null && st.mtimeMs < anchors.startedAt) {
        notes.push(`${JUNIT_REPORT_INPUT}: ${file} was last written before the command started (an earlier run's?) and was left out.`)
        continue
      }
      const reader = readJUnitFile(file)
      const roots = reader.close()
      const w = junitWindows(roots, file, { ...anchors, endedAt: st.mtimeMs })
      if (reader.errors > 0) {
        const count = reader.gaveUp ? `${reader.errors}+ errors, so the rest was not read` : `${reader.errors} error${reader.errors === 1 ? '' : 's'}`
        notes.push(`${JUNIT_REPORT_INPUT}: ${file} is not well-formed XML (${count}; first: ${reader.firstError ?? 'unknown'}); what could be read was used.`)
      }
      if (reader.truncated) notes.push(`${JUNIT_REPORT_INPUT}: ${file} has more than ${formatCount(MAX_CASES)} test cases; the rest were left out.`)
      notes.push(...w.notes)
      windows.push(w)
    } catch (err) {
      notes.push(`${JUNIT_REPORT_INPUT}: ${file} could not be read (${err instanceof Error ? err.message : String(err)}).`)
    }
  }
  return { windows, notes }
}
