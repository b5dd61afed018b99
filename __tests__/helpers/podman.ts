/** Real podman for the container tests: set-up (scripts/setup-podman.sh) and small helpers. */
import { execFileSync, spawnSync } from 'node:child_process'

/** The image scripts/setup-podman.sh builds from the installed redis-server. */
export const TEST_IMAGE = 'localhost/redis:test'
/**
 * The test image has no entrypoint that adds `redis-server` to options, so server arguments
 * start with the server itself; and since it runs the plain server, protected mode must be off.
 */
export const TEST_SERVER = '/usr/bin/redis-server --protected-mode no'

/** Installs podman and builds the test image when missing. Idempotent; quick when all is there. */
export function setUpPodman(): void {
  execFileSync('bash', ['scripts/setup-podman.sh', TEST_IMAGE], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 15 * 60_000 })
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
