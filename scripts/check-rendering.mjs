#!/usr/bin/env node
/**
 * Renders the examples' job summaries and PR comments as GitHub would and fails on what GitHub
 * would show broken: a table that GFM does not parse as a table, a Mermaid chart that Mermaid
 * rejects, or a passing run's comment taller than one screen.
 *
 *   node scripts/check-rendering.mjs [file.md ...]      (default: examples/*.md)
 *
 * GFM by `marked`, Mermaid in headless Chromium (Debian: `apt-get install -y chromium`; another
 * binary via CHROMIUM=/path). marked, mermaid and playwright-core are devDependencies (pinned by the
 * lockfile). Every request of
 * the page is refused: nothing is fetched while rendering.
 */
/* global document -- used inside page.evaluate, which runs in the browser */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, loadRenderer, requireChromium } from './render-tools.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** GitHub's comment column is about 900 px wide; one screen of it, under the page's own header, about 1000 px. */
const WIDTH = 900
const SCREEN_PX = 1000

const files = process.argv.length > 2 ? process.argv.slice(2).map((f) => resolve(f)) : readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.md')).sort().map((f) => join(root, 'examples', f))

requireChromium()

/** Lines that look like a table row but ended up in a paragraph: a table GFM did not parse. */
function brokenTables(marked, text) {
  const problems = []
  marked.walkTokens(marked.lexer(text), (token) => {
    if (token.type !== 'paragraph') return
    const first = token.raw.split('\n')[0]
    if (/^\s*\|.*\|\s*$/.test(first)) problems.push(`a table that does not parse, starting "${first.slice(0, 80)}"`)
  })
  return problems
}

const isPassComment = (file, text) => /\.comment\.md$/.test(file) && /✅ \*\*Redis memory: pass\*\*/.test(text)

async function main() {
  const { marked, browserType, mermaidPath } = await loadRenderer()
  const userDataDir = mkdtempSync(join(tmpdir(), 'rmg-chromium-'))
  const context = await browserType.launchPersistentContext(userDataDir, {
    executablePath: chromium,
    headless: true,
    viewport: { width: WIDTH, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
  })
  let failures = 0
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    await page.route('**/*', (route) => route.abort())
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      const problems = brokenTables(marked, text)
      const html = `<!doctype html><html><head><meta charset="utf-8"><style>
        body { margin: 0; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
        #page { width: ${WIDTH - 32}px; padding: 16px; } table { border-collapse: collapse; } td, th { padding: 6px 13px; border: 1px solid #d0d7de; }
        pre { white-space: pre-wrap; } h3 { font-size: 1.25em; margin: 24px 0 16px; } p, table { margin: 0 0 16px; }
      </style></head><body><div id="page">${marked.parse(text)}</div></body></html>`
      await page.setContent(html, { waitUntil: 'load' })
      await page.addScriptTag({ content: readFileSync(mermaidPath, 'utf8') })
      const chartErrors = await page.evaluate(async () => {
        const mermaid = globalThis.mermaid
        mermaid.initialize({ startOnLoad: false, theme: 'default', securityLevel: 'strict' })
        const errors = []
        for (const [i, block] of [...document.querySelectorAll('pre.mermaid-src')].entries()) {
          try {
            const { svg } = await mermaid.render(`chart${i}`, block.textContent)
            const div = document.createElement('div')
            div.innerHTML = svg
            block.replaceWith(div)
          } catch (err) {
            errors.push(`chart ${i + 1}: ${err instanceof Error ? err.message : String(err)}`.split('\n')[0])
          }
        }
        return errors
      })
      problems.push(...chartErrors.map((e) => `a Mermaid chart Mermaid rejects (${e})`))
      const height = Math.round((await page.locator('#page').boundingBox()).height)
      if (isPassComment(file, text) && height > SCREEN_PX) problems.push(`a passing run's comment ${height} px tall, more than one screen (${SCREEN_PX} px)`)
      const charts = (text.match(/```mermaid/g) ?? []).length
      if (problems.length === 0) console.log(`ok   ${basename(file)}: ${height} px, ${charts} chart(s)`)
      else {
        failures++
        for (const p of problems) console.error(`FAIL ${basename(file)}: ${p}`)
      }
    }
  } finally {
    await context.close()
    rmSync(userDataDir, { recursive: true, force: true })
  }
  if (failures > 0) process.exit(1)
}

main().catch((err) => {
  console.error(`check-rendering: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
