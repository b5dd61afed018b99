/**
 * The layers of src/ as rules on its imports, read from the files themselves: the report's schema
 * sits at the bottom (types only), only the engine builds a report, and neither front end reaches
 * past the engine's one call into how one server, several or a cluster are watched.
 * (`npm run check:cycles` finds cycles; these rules are what a cycle check cannot see.)
 */
import { describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'

const SRC = 'src'

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
}

interface ImportLine {
  from: string
  /** The module it names, relative to src/, without its extension. */
  to: string
  typeOnly: boolean
  names: string[]
  text: string
}

/** Every relative `import … from` and `export … from` of a file (multi-line ones too). */
function importsOf(file: string): ImportLine[] {
  const text = readFileSync(file, 'utf8')
  const out: ImportLine[] = []
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s+'(\.[^']+)'/gms)) {
    const target = normalize(join(dirname(file), m[4])).replace(/\.js$/, '')
    const names = (/\{([^}]*)\}/s.exec(m[3])?.[1] ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean)
    const typeOnly = m[2] !== undefined || (names.length > 0 && names.every((n) => n.startsWith('type ')))
    out.push({ from: relative(SRC, file), to: relative(SRC, target), typeOnly, names: names.map((n) => n.replace(/^type\s+/, '')), text: m[0] })
  }
  return out
}

const files = sources(SRC)
const imports = files.flatMap(importsOf)

describe('the layers of src/', () => {
  it('finds the imports it checks (a reader that found none would pass every rule)', () => {
    expect(files.length).toBeGreaterThan(100)
    expect(imports.filter((i) => i.to === 'report/schema').length).toBeGreaterThan(20)
  })

  it("the report's schema modules import nothing but types", () => {
    for (const schema of ['report/schema.ts', 'baseline/schema.ts']) {
      const own = imports.filter((i) => i.from === schema)
      expect(own.length).toBeGreaterThan(0)
      expect(own.filter((i) => !i.typeOnly).map((i) => i.text)).toEqual([])
    }
  })

  it('nothing the schema is made of imports the report builder, the engine or a front end', () => {
    // Walk the schema's imports, type imports included: all of it must sit below the builder.
    const seen = new Set<string>()
    const queue = ['report/schema']
    while (queue.length > 0) {
      const mod = queue.shift() as string
      if (seen.has(mod)) continue
      seen.add(mod)
      for (const i of imports) if (i.from.replace(/\.ts$/, '') === mod) queue.push(i.to)
    }
    const above = [...seen].filter((m) => /^(report\/build|step|action|cli|render|entry)(\/|$)/.test(m))
    expect(above).toEqual([])
    expect(seen.has('baseline/schema')).toBe(true)
  })

  it('only the engine builds a report', () => {
    const builders = imports.filter((i) => i.to === 'report/build').map((i) => i.from)
    expect(builders.length).toBeGreaterThan(0)
    expect(builders.filter((f) => !f.startsWith('step/'))).toEqual([])
  })

  it('neither front end imports the other', () => {
    const crossed = imports.filter((i) => (i.from.startsWith('action/') && i.to.startsWith('cli/')) || (i.from.startsWith('cli/') && i.to.startsWith('action/')))
    expect(crossed.map((i) => `${i.from}: ${i.text}`)).toEqual([])
  })

  it('the front ends reach one Redis, several or a cluster through the one dispatch in step/watch.ts', () => {
    const fronts = imports.filter((i) => /^(action|cli)\//.test(i.from))
    // The paths themselves (types such as MultiConfig may still be named).
    expect(fronts.filter((i) => (i.to === 'step/multi' || i.to === 'step/cluster-seed') && !i.typeOnly).map((i) => `${i.from}: ${i.text}`)).toEqual([])
    const steps = ['beginStep', 'runStep', 'endStep', 'observeNow', 'beginMulti', 'runMultiStep', 'endMulti', 'observeMulti', 'judgeMulti']
    expect(fronts.filter((i) => i.names.some((n) => steps.includes(n))).map((i) => `${i.from}: ${i.text}`)).toEqual([])
    const users = new Set(fronts.filter((i) => i.to === 'step/watch' && !i.typeOnly).map((i) => i.from))
    expect([...users].sort()).toEqual(['action/main.ts', 'action/post.ts', 'cli/commands/keys.ts', 'cli/commands/run.ts', 'cli/commands/snapshot.ts'])
  })

  it('each folder below keeps to its layer: core imports no other folder, observe/ and provision/ nothing of the judge or the engine, render/ no front end', () => {
    const crossing = (from: RegExp, to: RegExp) => imports.filter((i) => from.test(i.from) && to.test(i.to)).map((i) => `${i.from}: ${i.text}`)
    expect(crossing(/^core\//, /^(?!core\/)/)).toEqual([])
    expect(crossing(/^observe\//, /^(judge|step|report|render|action|cli)\//)).toEqual([])
    expect(crossing(/^provision\//, /^(step|report|render|action|cli)\//)).toEqual([])
    expect(crossing(/^(render|judge|keys|explain|sampler|baseline)\//, /^(step|action|cli)\//)).toEqual([])
  })

  it('every import goes down the layers docs/architecture.md lists, but for the exceptions it names', () => {
    const order = 'core github redis observe run keys sampler explain judge report config provision baseline render step action cli entry'.split(' ')
    const folder = (m: string) => m.split('/')[0]
    const known = new Set([
      'report/schema.ts -> baseline/schema',
      'redis/topology.ts -> observe/info',
      'keys/run.ts -> judge/checks',
      'keys/report.ts -> judge/checks',
      'sampler/sample.ts -> judge/checks',
      'sampler/worker.ts -> explain/moment-snapshot'
    ])
    for (const i of imports) expect(order).toContain(folder(i.from))
    const upward = imports.filter((i) => order.indexOf(folder(i.to)) > order.indexOf(folder(i.from))).map((i) => `${i.from} -> ${i.to}`)
    expect(upward.filter((u) => !known.has(u))).toEqual([])
  })
})
