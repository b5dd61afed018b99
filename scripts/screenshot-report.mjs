#!/usr/bin/env node
/**
 * Takes the picture of a report that the README shows: renders the job summary of the real OOM run
 * in examples/ to HTML styled like GitHub's light theme, draws its Mermaid chart, and screenshots
 * it with headless Chromium into docs/report.png.
 *
 *   node scripts/screenshot-report.mjs [input.md] [output.png]
 *
 * Needs Chromium (Debian: `apt-get install -y chromium fonts-noto-color-emoji`; another binary via
 * CHROMIUM=/path). Its npm tools (marked, mermaid, playwright-core) are installed on first use
 * into a folder under the OS temp dir, not into the project: `npm ci` and CI never need them.
 * Nothing is fetched while rendering: every request of the page is refused.
 */
/* global document -- used inside page.evaluate, which runs in the browser */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, loadRenderer, requireChromium } from './render-tools.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const input = resolve(process.argv[2] ?? join(root, 'examples/fail-oom.summary.md'))
const output = resolve(process.argv[3] ?? join(root, 'docs/report.png'))
const width = 900

requireChromium()

/** A small stylesheet after GitHub's light markdown theme (GitHub's own CSS is not fetched). */
const css = `
  :root { color-scheme: light; }
  html, body { margin: 0; background: #ffffff; }
  body {
    font-family: -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif,
      "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji";
    font-size: 14px; line-height: 1.5; color: #1f2328;
  }
  #page { width: ${width}px; box-sizing: border-box; padding: 16px; background: #f6f8fa; }
  .box { background: #ffffff; border: 1px solid #d0d7de; border-radius: 6px; }
  .box-head { padding: 12px 16px; border-bottom: 1px solid #d0d7de; font-weight: 600; font-size: 14px; }
  .markdown-body { padding: 16px 24px 24px; word-wrap: break-word; }
  .markdown-body > :first-child { margin-top: 0 !important; }
  h2, h3 { font-weight: 600; line-height: 1.25; margin: 24px 0 16px; }
  h2 { font-size: 1.5em; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0b3; }
  h3 { font-size: 1.25em; }
  p, ul, table, pre, details { margin: 0 0 16px; }
  ul { padding-left: 2em; }
  li + li, li > ul { margin-top: .25em; }
  li > ul { margin-bottom: 0; }
  a { color: #0969da; text-decoration: none; }
  code {
    font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace;
    font-size: 85%; padding: .2em .4em; margin: 0; background: #818b981f; border-radius: 6px;
  }
  pre { padding: 16px; overflow: auto; font-size: 85%; line-height: 1.45; background: #f6f8fa; border-radius: 6px; }
  pre code { padding: 0; background: transparent; font-size: 100%; white-space: pre-wrap; }
  table { border-spacing: 0; border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; }
  th { font-weight: 600; }
  /* Numbers stay on one line, as in a wider GitHub page. */
  th[align="right"], td[align="right"] { white-space: nowrap; }
  th, td { padding: 6px 13px; border: 1px solid #d1d9e0; }
  tr { background: #ffffff; border-top: 1px solid #d1d9e0b3; }
  tr:nth-child(2n) { background: #f6f8fa; }
  details summary { cursor: pointer; display: list-item; }
  details:not([open]) > *:not(summary) { display: none !important; }
  sub { font-size: 75%; }
  .mermaid-chart { margin: 0 0 16px; text-align: center; }
  .mermaid-chart svg { max-width: 100%; height: auto; }
`

async function main() {
  const { marked, browserType, mermaidPath } = await loadRenderer()
  const body = marked.parse(readFileSync(input, 'utf8'))
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style></head>
<body><div id="page"><div class="box"><div class="box-head">test summary</div>
<article class="markdown-body">${body}</article></div></div></body></html>`

  const userDataDir = mkdtempSync(join(tmpdir(), 'rmg-chromium-'))
  // A fresh profile each run (launchPersistentContext passes it as --user-data-dir).
  const context = await browserType.launchPersistentContext(userDataDir, {
    executablePath: chromium,
    headless: true,
    viewport: { width, height: 800 },
    deviceScaleFactor: 1,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run'
    ]
  })
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    // Offline: nothing leaves the machine, whatever the markdown links to.
    await page.route('**/*', (route) => route.abort())
    await page.setContent(html, { waitUntil: 'load' })
    await page.addScriptTag({ content: readFileSync(mermaidPath, 'utf8') })
    const charts = await page.evaluate(async () => {
      const mermaid = globalThis.mermaid
      mermaid.initialize({ startOnLoad: false, theme: 'default', securityLevel: 'strict' })
      const blocks = [...document.querySelectorAll('pre.mermaid-src')]
      for (const [i, block] of blocks.entries()) {
        const { svg } = await mermaid.render(`chart${i}`, block.textContent)
        const div = document.createElement('div')
        div.className = 'mermaid-chart'
        div.innerHTML = svg
        block.replaceWith(div)
      }
      await document.fonts.ready
      return blocks.length
    })
    mkdirSync(dirname(output), { recursive: true })
    await page.locator('#page').screenshot({ path: output, animations: 'disabled' })
    const box = await page.locator('#page').boundingBox()
    console.log(
      `${output}: ${Math.round(box.width)}x${Math.round(box.height)} px, ${Math.round(statSync(output).size / 1024)} KB, ` +
        `${charts} Mermaid chart(s), from ${input}`
    )
  } finally {
    await context.close()
    rmSync(userDataDir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(`screenshot-report: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
