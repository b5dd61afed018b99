// What the two rendering scripts share: Chromium, and marked, mermaid and playwright-core installed
// once into a folder of their own under the OS temp dir, so `npm ci` never needs them.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

export const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium'
const tools = ['marked@^18', 'mermaid@^11', 'playwright-core@^1']

/** Stops with one line when Chromium is missing. */
export function requireChromium() {
  if (!existsSync(chromium)) {
    console.error(`Chromium not found at ${chromium}: install it (apt-get install -y chromium) or set CHROMIUM=/path/to/chromium.`)
    process.exit(1)
  }
}

/** Installs the tools once and returns where to load them from. */
export function loadTools() {
  const dir = join(tmpdir(), 'redis-memory-guard-screenshot-tools')
  const require = createRequire(join(dir, 'package.json'))
  const have = (name) => existsSync(join(dir, 'node_modules', name, 'package.json'))
  if (!['marked', 'mermaid', 'playwright-core'].every(have)) {
    mkdirSync(dir, { recursive: true })
    console.log(`Installing ${tools.join(', ')} into ${dir} (once)...`)
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, ...tools], { stdio: 'inherit' })
  }
  return {
    markedPath: require.resolve('marked'),
    mermaidPath: join(dirname(require.resolve('mermaid/package.json')), 'dist', 'mermaid.min.js'),
    playwrightPath: require.resolve('playwright-core')
  }
}

export const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * marked set up for GitHub-flavoured markdown, with Mermaid blocks left as <pre class="mermaid-src">
 * for the page to draw, and playwright's Chromium launcher; other code stays code.
 */
export async function loadRenderer() {
  const { markedPath, mermaidPath, playwrightPath } = loadTools()
  const { marked } = await import(pathToFileURL(markedPath).href)
  const { chromium: browserType } = (await import(pathToFileURL(playwrightPath).href)).default
  marked.use({
    gfm: true,
    renderer: {
      code(token) {
        if (token.lang === 'mermaid') return `<pre class="mermaid-src">${escapeHtml(token.text)}</pre>\n`
        return false
      }
    }
  })
  return { marked, browserType, mermaidPath }
}
