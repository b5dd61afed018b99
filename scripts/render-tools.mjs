// What the two rendering scripts share: Chromium, and marked, mermaid and playwright-core, which are
// devDependencies so that the lockfile pins the very versions CI renders with.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

export const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium'

/** Stops with one line when Chromium is missing. */
export function requireChromium() {
  if (!existsSync(chromium)) {
    console.error(`Chromium not found at ${chromium}: install it (apt-get install -y chromium) or set CHROMIUM=/path/to/chromium.`)
    process.exit(1)
  }
}

const require = createRequire(import.meta.url)

/** Where to load the tools from: the project's node_modules (`npm ci` installs them). */
export function loadTools() {
  try {
    return {
      markedPath: require.resolve('marked'),
      mermaidPath: join(dirname(require.resolve('mermaid/package.json')), 'dist', 'mermaid.min.js'),
      playwrightPath: require.resolve('playwright-core')
    }
  } catch {
    console.error('marked, mermaid or playwright-core is missing from node_modules: run npm ci.')
    process.exit(1)
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
