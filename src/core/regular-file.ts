/**
 * Files the user names (report-path, a baseline file, a saved report) are opened only when they are
 * regular files. A plain open of a FIFO blocks until the other end opens it, and it blocks in
 * libuv's thread pool, where no timeout can end it: the step's process then never exits. So every
 * open is O_NONBLOCK (a FIFO opens at once, or fails with ENXIO) and the type is checked on the
 * open descriptor (fstat), which also covers a symlink to a FIFO and a file swapped after a check.
 */
import { constants, type Stats } from 'node:fs'
import { open, realpath, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

/** Pseudo file systems where a "regular" file is a kernel switch (/proc/sys/vm/drop_caches) or a device. */
const SPECIAL = /^\/(proc|sys|dev)(\/|$)/

/** A path the guard will not read or write, with the one-line reason. */
export class NotRegularFileError extends Error {
  constructor(
    readonly path: string,
    readonly kind: string
  ) {
    super(`${path} is ${kind}, not a regular file`)
    this.name = 'NotRegularFileError'
  }
}

/** "a FIFO (named pipe)", "a directory", … for a file that is not regular. */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file'
  if (st.isDirectory()) return 'a directory'
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isSocket()) return 'a socket'
  return 'a special file'
}

/** Where `path` really is (symlinks followed as far as they exist), to test it against /proc, /sys and /dev. */
async function realTarget(path: string): Promise<string> {
  const full = resolve(path)
  try {
    return await realpath(full)
  } catch {
    try {
      return resolve(await realpath(dirname(full)), full.slice(dirname(full).length + 1))
    } catch {
      return full
    }
  }
}

/**
 * Throws NotRegularFileError when `path` exists and is not a regular file, or lies (itself or
 * through symlinks) under /proc, /sys or /dev; a path that does not exist yet passes. Never blocks:
 * stat does not open the file.
 */
export async function refuseSpecialFile(path: string): Promise<void> {
  const real = await realTarget(path)
  if (SPECIAL.test(real)) throw new NotRegularFileError(path, `on a special file system (/${real.split('/')[1]})`)
  let st: Stats
  try {
    st = await stat(path)
  } catch {
    return
  }
  if (!st.isFile()) throw new NotRegularFileError(path, fileKind(st))
}

const { O_WRONLY, O_RDONLY, O_CREAT, O_NONBLOCK } = constants

/** Why an open failed, as the user would say it: a FIFO nobody reads is ENXIO under O_NONBLOCK. */
function openError(path: string, err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code
  if (code === 'ENXIO') return new NotRegularFileError(path, 'a FIFO (named pipe)')
  if (code === 'EISDIR') return new NotRegularFileError(path, 'a directory')
  return err
}

/** Writes `text` to `path`, created or replaced, only when it is (or becomes) a regular file. */
export async function writeRegularFile(path: string, text: string): Promise<void> {
  await refuseSpecialFile(path)
  let fh
  try {
    // No O_TRUNC: a FIFO or device that appeared since the check must not be touched before fstat.
    fh = await open(path, O_WRONLY | O_CREAT | O_NONBLOCK, 0o666)
  } catch (err) {
    throw openError(path, err)
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw new NotRegularFileError(path, fileKind(st))
    await fh.truncate(0)
    await fh.writeFile(text)
  } finally {
    await fh.close()
  }
}

/** Reads `path` as UTF-8 only when it is a regular file; other errors (ENOENT, EACCES) pass through. */
export async function readRegularFile(path: string): Promise<string> {
  let fh
  try {
    fh = await open(path, O_RDONLY | O_NONBLOCK)
  } catch (err) {
    throw openError(path, err)
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw new NotRegularFileError(path, fileKind(st))
    const real = await realTarget(path)
    if (SPECIAL.test(real)) throw new NotRegularFileError(path, `on a special file system (/${real.split('/')[1]})`)
    return await fh.readFile('utf8')
  } finally {
    await fh.close()
  }
}
