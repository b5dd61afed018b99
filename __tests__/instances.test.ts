/** parseInstances and parseSentinelUrl: several instances in redis-url, names, Sentinel URLs and the errors for bad ones. */
import { describe, expect, it } from '@jest/globals'
import { UserError } from '../src/core/errors.js'
import { masterTarget, parseClusterMode, parseInstances, parseSentinelUrl, type InstanceSpec } from '../src/redis/instances.js'

const names = (specs: InstanceSpec[]): string[] => specs.map((s) => s.name)

function errorOf(fn: () => unknown): UserError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(UserError)
    expect((err as Error).message).not.toContain('\n')
    return err as UserError
  }
  throw new Error('expected a UserError')
}

describe('parseInstances', () => {
  it('keeps one plain URL as one instance named by its host and port', () => {
    const [one, ...rest] = parseInstances('redis://localhost:6380/2')
    expect(rest).toEqual([])
    expect(one.kind).toBe('direct')
    expect(one.name).toBe('localhost:6380')
    expect(one.named).toBe(false)
    if (one.kind === 'direct') expect(one.target).toMatchObject({ host: 'localhost', port: 6380, db: 2 })
  })

  it('reads named instances one per line and comma-separated, in order', () => {
    const specs = parseInstances('cache=redis://127.0.0.1:6379\n  queue = redis://:s3cret@127.0.0.1:6380/1 , jobs=rediss://10.0.0.5:6390\n\n')
    expect(names(specs)).toEqual(['cache', 'queue', 'jobs'])
    const queue = specs[1]
    expect(queue.kind === 'direct' && queue.target.password).toBe('s3cret')
    expect(queue.display).toBe('redis://:***@127.0.0.1:6380/1')
    expect(specs[2].kind === 'direct' && specs[2].target.tls).toBe(true)
  })

  it('does not split a Sentinel URL at the commas between its sentinels', () => {
    const specs = parseInstances('redis://127.0.0.1:6379, ha=redis+sentinel://h1:26379,h2:26380,[::1]/mymaster')
    expect(names(specs)).toEqual(['127.0.0.1:6379', 'ha'])
    const ha = specs[1]
    expect(ha.kind).toBe('sentinel')
    if (ha.kind === 'sentinel') {
      expect(ha.sentinel.sentinels).toEqual([
        { host: 'h1', port: 26379 },
        { host: 'h2', port: 26380 },
        { host: '::1', port: 26379 }
      ])
      expect(ha.sentinel.masterName).toBe('mymaster')
    }
  })

  it('names an unnamed Sentinel instance by its master', () => {
    expect(names(parseInstances('redis+sentinel://localhost/orders'))).toEqual(['orders'])
  })

  it('refuses a name given twice, naming it', () => {
    const err = errorOf(() => parseInstances('cache=redis://a:1\ncache=redis://b:2'))
    expect(err.message).toMatch(/^redis-url: the name "cache" is given twice/)
    expect(err.message).toContain('cache=redis://')
  })

  it('refuses the same server listed twice, since its figures would count twice', () => {
    const err = errorOf(() => parseInstances('a=redis://localhost:6379, b=redis://LOCALHOST:6379/0'))
    expect(err.message).toBe('redis-url: "a" and "b" are the same Redis (redis://LOCALHOST:6379/0). List each instance once.')
  })

  it('refuses two unnamed instances that would get the same name (other DBs of one server)', () => {
    const err = errorOf(() => parseInstances('redis://localhost:6379/1,redis://localhost:6379/2'))
    expect(err.message).toMatch(/both be called "localhost:6379".*Name them/)
  })

  it('names the instance whose URL is bad, without its password', () => {
    const err = errorOf(() => parseInstances('cache=redis://localhost:6379, queue=http://:hunter2@localhost:6380'))
    expect(err.message).toMatch(/^redis-url \(queue\): the scheme must be redis:\/\/ or rediss:\/\//)
    expect(err.message).not.toContain('hunter2')
    const bad = errorOf(() => parseInstances('cache=redis://localhost:6379\nqueue=redis://:hunter2@localhost:99999'))
    expect(bad.message).toMatch(/^redis-url \(queue\): /)
    expect(bad.message).not.toContain('hunter2')
  })

  it('refuses a name that is not one', () => {
    expect(errorOf(() => parseInstances('my cache=redis://localhost')).message).toMatch(/"my cache" is not an instance name/)
  })

  it('says what to give when the input holds no URL', () => {
    expect(errorOf(() => parseInstances(' \n , ')).message).toMatch(/^redis-url: /)
  })
})

describe('parseSentinelUrl', () => {
  it('reads credentials for the master, the DB, TLS and default ports', () => {
    const spec = parseSentinelUrl('rediss+sentinel://app:p%40ss@s1,s2:5000/main%20db/3')
    expect(spec).toEqual({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 5000 }
      ],
      masterName: 'main db',
      username: 'app',
      password: 'p@ss',
      db: 3,
      tls: true
    })
  })

  it('builds the master target with the URL credentials percent-encoded', () => {
    const spec = parseSentinelUrl('redis+sentinel://:p%40ss%3Aw@s1/m/2')
    const target = masterTarget(spec, '10.1.2.3', 6390)
    expect(target).toMatchObject({ host: '10.1.2.3', port: 6390, db: 2, password: 'p@ss:w', username: null, tls: false })
    expect(target.display).not.toContain('p%40ss')
    expect(masterTarget(spec, '::1', 7000).host).toBe('::1')
  })

  it('explains a missing master name, a bad sentinel address and a bad DB', () => {
    expect(errorOf(() => parseSentinelUrl('redis+sentinel://s1:26379')).message).toMatch(/names no master/)
    expect(errorOf(() => parseSentinelUrl('redis+sentinel://:pw@s1:abc/m')).message).toMatch(/^redis-url: "s1:abc" in "redis\+sentinel:\/\/:\*\*\*@s1:abc\/m" is not a sentinel's host:port/)
    expect(errorOf(() => parseSentinelUrl('redis+sentinel://s1/m/x')).message).toMatch(/not a database number/)
  })
})

describe('parseClusterMode', () => {
  it('reads auto (the default) and off, and explains anything else', () => {
    expect(parseClusterMode('')).toBe('auto')
    expect(parseClusterMode(' OFF ')).toBe('off')
    expect(errorOf(() => parseClusterMode('yes')).message).toBe('cluster: "yes" is not a cluster mode. Use auto (watch every node of a cluster) or off (only the node in redis-url).')
  })
})
