/**
 * The pure parts of provisioning: run arguments, error texts of docker and podman (real texts,
 * copied from each tool), input parsing. The code that runs the runtimes is shared by both, so
 * what differs between them is covered here; provision.containers.test.ts runs real podman containers.
 */
import { describe, expect, it } from '@jest/globals'
import { runError } from '../src/provision/container.js'
import { binaryArgs } from '../src/provision/binary.js'
import { configValue, wantedLimits } from '../src/provision/attach.js'
import { classify, lastLine, limitArgs, maskArgs, parsePortOutput, runArgs, RUNTIMES, withServerDefaults } from '../src/provision/runtime.js'
import { clusterArgs } from '../src/provision/cluster.js'
import { defaultContainerName, readProvisionSettings, splitArgs, unusedInputs } from '../src/provision/settings.js'
import { UserError } from '../src/core/errors.js'
import { ProvisionOutput } from '../src/action/constants.js'
import { ProvisionInput } from '../src/config/options.js'
import { readFileSync } from 'node:fs'

const { docker, podman } = RUNTIMES

describe('run arguments', () => {
  const spec = { name: 'redis-ci', image: 'redis:7-alpine', port: 6379, serverArgs: [], options: [] }

  it('are the same for docker and podman, and publish on loopback only', () => {
    expect(runArgs(spec)).toEqual([
      'run', '--detach', '--name', 'redis-ci', '--publish', '127.0.0.1:6379:6379', '--pull=never', '--label', 'redis-memory-guard=1', 'redis:7-alpine'
    ])
    expect(docker.binary).toBe('docker')
    expect(podman.binary).toBe('podman')
  })

  it('leave the host port empty for port 0, so the runtime picks a free one', () => {
    expect(runArgs({ ...spec, port: 0 })).toContain('127.0.0.1::6379')
  })

  it('put container options before the image and server arguments after it', () => {
    const args = runArgs({ ...spec, options: ['--memory', '256m'], serverArgs: ['--appendonly', 'yes', ...limitArgs({ maxmemory: 1048576 })] })
    const image = args.indexOf('redis:7-alpine')
    expect(args.slice(image - 2, image)).toEqual(['--memory', '256m'])
    expect(args.slice(image + 1)).toEqual(['--appendonly', 'yes', '--maxmemory', '1048576'])
  })

  it("share the host's network instead of publishing a port for a cluster node", () => {
    const args = runArgs({ ...spec, port: 7001, hostNetwork: true })
    expect(args.slice(4, 6)).toEqual(['--network', 'host'])
    expect(args).not.toContain('--publish')
  })

  it("give a cluster node its own bus port, after a config file and before the user's options", () => {
    const args = withServerDefaults(['/usr/local/etc/redis/ci.conf', '--cluster-node-timeout', '9000'], ['--port', '7001', ...clusterArgs(17001)])
    expect(args[0]).toBe('/usr/local/etc/redis/ci.conf')
    expect(args.slice(args.indexOf('--cluster-port'), args.indexOf('--cluster-port') + 2)).toEqual(['--cluster-port', '17001'])
    // The user's node timeout comes last, so redis-server takes it.
    expect(args.slice(-2)).toEqual(['--cluster-node-timeout', '9000'])
  })

  it('carry limits and password as server options, and hide the password in the log line', () => {
    const args = limitArgs({ maxmemory: 52428800, maxmemoryPolicy: 'allkeys-lru', password: 'pa ss' })
    expect(args).toEqual(['--maxmemory', '52428800', '--maxmemory-policy', 'allkeys-lru', '--requirepass', 'pa ss'])
    expect(maskArgs(args)).toEqual(['--maxmemory', '52428800', '--maxmemory-policy', 'allkeys-lru', '--requirepass', '***'])
    expect(limitArgs({})).toEqual([])
  })
})

describe('error texts', () => {
  const cases: [typeof docker, string, string][] = [
    [docker, 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?', 'engine-down'],
    [docker, 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/containers/json": dial unix /var/run/docker.sock: connect: permission denied', 'engine-down'],
    [docker, 'docker: Error response from daemon: driver failed programming external connectivity on endpoint redis-ci (4f2c): Bind for 127.0.0.1:6379 failed: port is already allocated.', 'port-in-use'],
    [docker, 'docker: Error response from daemon: Conflict. The container name "/redis-ci" is already in use by container "7c0b9a". You have to remove (or rename) that container to be able to reuse that name.', 'name-in-use'],
    [docker, 'Error response from daemon: manifest for redis:99 not found: manifest unknown: manifest unknown', 'no-such-image'],
    [docker, "Error response from daemon: pull access denied for nosuchimage, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", 'no-such-image'],
    [docker, 'Unable to find image \'redis:99\' locally\ndocker: Error response from daemon: No such image: redis:99.', 'no-such-image'],
    [docker, 'Error: No such container: redis-ci', 'no-such-container'],
    [docker, 'Error response from daemon: No such container: redis-ci', 'no-such-container'],
    [podman, 'Error: cannot listen on the TCP port: listen tcp4 127.0.0.1:47123: bind: address already in use', 'port-in-use'],
    [podman, 'Error: creating container storage: the container name "redis-ci" is already in use by 71db98f5f5d1. You have to remove that container to be able to reuse that name: that name is already in use', 'name-in-use'],
    [podman, 'Error: inspecting object: nosuch/image:x: image not known', 'no-such-image'],
    [podman, 'Error: initializing source docker://redis:99: reading manifest 99 in docker.io/library/redis: manifest unknown', 'no-such-image'],
    [podman, 'Error: short-name "nosuch-image" did not resolve to an alias and no unqualified-search registries are defined in "/etc/containers/registries.conf"', 'no-such-image'],
    [podman, 'Error: no container with name or ID "redis-ci" found: no such container', 'no-such-container'],
    [podman, 'Error: inspecting object: no such container redis-ci', 'no-such-container'],
    [podman, 'Cannot connect to Podman. Please verify your connection to the Linux system using `podman system connection list`', 'engine-down'],
    [podman, 'Error: initializing source docker://localhost/x:1: pinging container registry localhost: Get "https://localhost/v2/": dial tcp 127.0.0.1:443: connect: connection refused', 'other']
  ]
  it.each(cases)('%#: %s', (rt, text, failure) => {
    expect(classify(rt, text)).toBe(failure)
  })

  it('keep docker and podman apart where their texts differ', () => {
    // podman has no daemon; docker's "Cannot connect to the Docker daemon" means nothing to it.
    expect(classify(podman, 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.')).toBe('other')
    expect(classify(docker, 'Cannot connect to Podman.')).toBe('other')
  })

  it('become one line that says how to fix them', () => {
    const s = { containerName: 'redis-ci', image: 'redis:99', port: 6379 }
    const err = (rt: typeof docker, text: string): string => runError(rt, { stderr: text, code: 125 }, s).message
    expect(err(docker, 'Bind for 127.0.0.1:6379 failed: port is already allocated.')).toBe(
      'port: host port 6379 is already in use on this runner (another Redis, or a parallel job on a self-hosted runner). Set port: 0 to use a free port, or free port 6379.'
    )
    expect(err(podman, 'Error: creating container storage: the container name "redis-ci" is already in use by 71db')).toContain(
      'A container named "redis-ci" already exists. The action does not reuse a container it did not start: remove it (podman rm -f redis-ci)'
    )
    expect(err(docker, 'Error response from daemon: manifest for redis:99 not found: manifest unknown: manifest unknown')).toBe(
      'image: "redis:99" was not found (manifest for redis:99 not found: manifest unknown: manifest unknown). Check the name and tag, e.g. redis:7-alpine; for a private registry, log in first (docker/login-action).'
    )
    expect(err(docker, 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?')).toContain(
      'docker cannot reach its engine (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?). Start the Docker daemon'
    )
    expect(runError(docker, { stderr: '', code: null }, s, 'not-installed').message).toBe(
      'container-runtime: docker is not installed or not on PATH. Install it, use container-runtime: podman, or use mode: binary.'
    )
    expect(err(podman, 'Error: something odd\n')).toBe('podman run failed: something odd. Check container-options and redis-args.')
  })

  it('keep the last line without the "Error:" prefix', () => {
    expect(lastLine('Trying to pull x...\nError: image not known\n\n')).toBe('image not known')
    expect(lastLine('docker: Error response from daemon: No such image: x')).toBe('docker: Error response from daemon: No such image: x')
    expect(lastLine('Error response from daemon: No such container: x')).toBe('No such container: x')
  })
})

describe('the published port', () => {
  it('is read from podman and from docker, which lists one line per address', () => {
    expect(parsePortOutput('127.0.0.1:41157\n')?.port).toBe(41157)
    expect(parsePortOutput('0.0.0.0:32768\n[::]:32768\n')?.port).toBe(32768)
    expect(parsePortOutput('')).toBeNull()
  })
})

describe('binary mode arguments', () => {
  const base = { redisArgs: [], maxmemory: undefined, maxmemoryPolicy: undefined, password: undefined }
  it('keep a config file first and let the user override the defaults', () => {
    const args = binaryArgs({ ...base, redisArgs: ['/etc/redis/ci.conf', '--appendonly', 'yes'], maxmemory: 1024, password: 'pw' }, 7000, 'data')
    expect(args[0]).toBe('/etc/redis/ci.conf')
    expect(args.slice(1, 5)).toEqual(['--port', '7000', '--bind', '127.0.0.1'])
    // "--appendonly yes" comes after the default "--appendonly no": redis-server takes the last.
    expect(args.lastIndexOf('--appendonly')).toBeGreaterThan(args.indexOf('--appendonly'))
    expect(args[args.lastIndexOf('--appendonly') + 1]).toBe('yes')
    expect(args.slice(-4)).toEqual(['--maxmemory', '1024', '--requirepass', 'pw'])
  })
  it('save nothing to disk unless asked', () => {
    const args = binaryArgs(base, 7000, 'data')
    expect(args.slice(args.indexOf('--save'), args.indexOf('--save') + 2)).toEqual(['--save', ''])
    expect(args.slice(args.indexOf('--dir'), args.indexOf('--dir') + 2)).toEqual(['--dir', 'data'])
  })
})

describe('attach-mode limits', () => {
  it('are set in a fixed order, only where given', () => {
    expect(wantedLimits({ maxmemory: 100, maxmemoryPolicy: 'allkeys-lru' })).toEqual([['maxmemory', '100'], ['maxmemory-policy', 'allkeys-lru']])
    expect(wantedLimits({ maxmemory: undefined, maxmemoryPolicy: undefined })).toEqual([])
  })
  it('read the old value from a RESP2 or RESP3 CONFIG GET reply', () => {
    expect(configValue(['maxmemory', '0'], 'maxmemory')).toBe('0')
    expect(configValue(new Map([['maxmemory-policy', 'noeviction']]), 'maxmemory-policy')).toBe('noeviction')
    expect(configValue({ maxmemory: '1024' }, 'maxmemory')).toBe('1024')
    expect(configValue([], 'maxmemory')).toBeNull()
  })
})

describe('provisioning inputs', () => {
  const read = (inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
    readProvisionSettings((name) => inputs[name] ?? '', env, () => 'abcd1234')

  it('default to attach mode, docker, redis:7-alpine and port 6379', () => {
    const s = read({})
    expect(s).toMatchObject({ mode: 'attach', runtime: 'docker', image: 'redis:7-alpine', port: 6379, keepContainer: false, redisServerPath: 'redis-server' })
    expect(s.maxmemory).toBeUndefined()
  })

  it('parse sizes, policies, words and booleans', () => {
    const s = read({
      mode: 'Container',
      'container-runtime': 'podman',
      port: '0',
      maxmemory: '50mb',
      'maxmemory-policy': 'allkeys-lru',
      'redis-args': `--save "" --notify-keyspace-events 'Ex' /etc/redis\\ ci.conf`,
      'container-options': '--memory 256m --env "A=b c"',
      'keep-container': 'true'
    })
    expect(s).toMatchObject({ mode: 'container', runtime: 'podman', port: 0, maxmemory: 52428800, maxmemoryPolicy: 'allkeys-lru', keepContainer: true })
    expect(s.redisArgs).toEqual(['--save', '', '--notify-keyspace-events', 'Ex', '/etc/redis ci.conf'])
    expect(s.containerOptions).toEqual(['--memory', '256m', '--env', 'A=b c'])
  })

  it.each([
    [{ mode: 'docker' }, 'mode: "docker" is not a mode. Use attach, container or binary.'],
    [{ 'container-runtime': 'containerd' }, 'container-runtime: "containerd" is not supported. Use docker or podman.'],
    [{ port: '70000' }, 'port: "70000" is not a port. Use a number from 1 to 65535, or 0 for any free port.'],
    [{ 'maxmemory-policy': 'lru' }, 'maxmemory-policy: "lru" is not a policy. Use one of noeviction, allkeys-lru,'],
    [{ maxmemory: 'half' }, 'maxmemory: "half" is not a size.'],
    [{ 'container-name': '-rm' }, 'container-name: "-rm" is not a container name.'],
    [{ image: 'redis 7' }, 'image: "redis 7" is not an image name.'],
    [{ 'redis-args': '--save "60 1' }, 'redis-args: a double quote is not closed in "--save "60 1".'],
    [{ 'keep-container': 'sometimes' }, 'keep-container: "sometimes" is not true or false.'],
    [{ password: 'two words' }, 'password: the password must not contain spaces or line breaks.']
  ])('reject %j with one clear line', (inputs, message) => {
    expect(() => read(inputs)).toThrow(UserError)
    expect(() => read(inputs)).toThrow(message)
  })

  it('name the container per run, attempt, job and a random part, within the allowed characters', () => {
    const env = { GITHUB_RUN_ID: '123', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'test (ubuntu, 7)' }
    expect(defaultContainerName(env, 'abcd1234')).toBe('redis-memory-guard-123-2-test-ubuntu-7-abcd1234')
    expect(defaultContainerName(env, 'abcd1234')).not.toBe(defaultContainerName(env, 'ffff0000'))
    expect(defaultContainerName({ GITHUB_JOB: 'x'.repeat(200) }, 'abcd1234')).toMatch(/^redis-memory-guard-x+-abcd1234$/)
    expect(defaultContainerName({ GITHUB_JOB: 'x'.repeat(200) }, 'abcd1234').length).toBeLessThanOrEqual(100)
    // Two legs of one matrix job, same GITHUB_* values: the real random part tells them apart.
    expect(readProvisionSettings(() => '', env).containerName).not.toBe(readProvisionSettings(() => '', env).containerName)
  })

  it('list inputs the chosen mode ignores', () => {
    const inputs: Record<string, string> = { password: 'x', 'container-options': '--memory 1g', 'redis-server-path': '/opt/redis-server' }
    const get = (name: string): string => inputs[name] ?? ''
    expect(unusedInputs(read({}), get)).toEqual(['password', 'container-options', 'redis-server-path'])
    expect(unusedInputs(read({ mode: 'binary' }), get)).toEqual(['container-options'])
    expect(unusedInputs(read({ mode: 'container' }), get)).toEqual(['redis-server-path'])
  })

  it('split words like a shell, without running one', () => {
    expect(splitArgs('  a  b\t"c d" \'e "f"\' g\\ h "i\\"j" ""', 'x')).toEqual(['a', 'b', 'c d', 'e "f"', 'g h', 'i"j', ''])
    expect(splitArgs('$(rm -rf /) `id` ; |', 'x')).toEqual(['$(rm', '-rf', '/)', '`id`', ';', '|'])
    expect(splitArgs('', 'x')).toEqual([])
  })
})

describe('the public interface', () => {
  const yml = readFileSync('action.yml', 'utf8')
  const readme = readFileSync('README.md', 'utf8')
  const section = (name: string): string[] => {
    const body = yml.slice(yml.indexOf(`\n${name}:\n`) + name.length + 3).split(/\n\S/)[0]
    return [...body.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1])
  }
  it('lists every provisioning input and output in action.yml and README.md', () => {
    for (const name of Object.values(ProvisionInput)) {
      expect(section('inputs')).toContain(name)
      expect(readme).toContain(`| \`${name}\` |`)
    }
    for (const name of Object.values(ProvisionOutput)) {
      expect(section('outputs')).toContain(name)
      expect(readme).toContain(`| \`${name}\` |`)
    }
  })
})
