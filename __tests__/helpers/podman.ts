/**
 * Real podman for the container suite (`npm run test:containers`) and small helpers. The tests never
 * install podman: two test files running apt at once raced on its lock. scripts/setup-podman.sh
 * installs it once, before the suite (.ci/run does).
 */
import { spawnSync } from 'node:child_process'

/** The image scripts/setup-podman.sh builds from the installed redis-server. */
export const TEST_IMAGE = 'localhost/redis:test'
/**
 * The test image has no entrypoint that adds `redis-server` to options, so server arguments
 * start with the server itself; and since it runs the plain server, protected mode must be off.
 */
export const TEST_SERVER = '/usr/bin/redis-server --protected-mode no'

/** Throws one line saying what to run when podman or the test image is missing. */
export function requirePodman(): void {
  const problem = podmanProblem()
  if (problem) throw new Error(problem)
}

/** What the container suite lacks, or null when podman runs and the test image exists. */
export function podmanProblem(): string | null {
  const fix = `run "sudo bash scripts/setup-podman.sh ${TEST_IMAGE}" once (it installs podman and builds the image from the installed redis-server)`
  const version = spawnSync('podman', ['--version'], { encoding: 'utf8', timeout: 30_000 })
  if (version.error || version.status !== 0) return `The container suite needs podman, which is not installed: ${fix}.`
  const image = spawnSync('podman', ['image', 'exists', TEST_IMAGE], { timeout: 60_000 })
  if (image.status !== 0) return `The container suite needs the image ${TEST_IMAGE}, which does not exist: ${fix}.`
  return null
}

export function podman(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('podman', args, { encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Names of all containers (running or not) whose name starts with `prefix`. */
export function containersNamed(prefix: string): string[] {
  const r = podman('ps', '--all', '--filter', `name=^${prefix}`, '--format', '{{.Names}}')
  if (r.code !== 0) throw new Error(`podman ps failed: ${r.stderr}`)
  return r.stdout.split('\n').filter((l) => l.trim() !== '')
}

/** Removes every container whose name starts with `prefix`. */
export function removeContainers(prefix: string): void {
  const names = containersNamed(prefix)
  if (names.length > 0) podman('rm', '--force', ...names)
}
