#!/usr/bin/env node
/**
 * Takes the picture of a report that the README shows: renders the job summary of the real OOM run
 * in examples/ to HTML styled like GitHub's light theme, draws its Mermaid chart, and screenshots
 * it with headless Chromium into docs/report.png.
 *
 *   node scripts/screenshot-report.mjs [input.md] [output.png]    (npm run screenshot)
 *   node scripts/screenshot-report.mjs --check                    (npm run check:screenshot, in CI)
 *
 * Beside the picture it writes docs/report.png.sha256: the sha256 of the markdown and of this
 * script it was made from. --check renders into a temporary file and fails when the picture would
 * cut a table or code block, or when docs/report.png was made from another example or script than
 * today's (regenerate it with npm run screenshot, as examples/ with npm run examples).
 *
 * Needs Chromium (Debian: `apt-get install -y chromium fonts-noto-color-emoji`; another binary via
 * CHROMIUM=/path). Its npm tools (marked, mermaid, playwright-core) are devDependencies.
 * Nothing is fetched while rendering: every request of the page is refused.
 */
/* global document -- used inside page.evaluate, which runs in the browser */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, loadRenderer, requireChromium } from './render-tools.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const check = process.argv[2] === '--check'
const args = check ? [] : process.argv.slice(2)
const input = resolve(args[0] ?? join(root, 'examples/fail-oom.summary.md'))
const picture = join(root, 'docs/report.png')
const work = mkdtempSync(join(tmpdir(), 'rmg-screenshot-'))
const output = check ? join(work, 'report.png') : resolve(args[1] ?? picture)
const width = 900

/** What the picture was made from: the example's text and this script (its styles). */
const sourceSum = () =>
  createHash('sha256').update(readFileSync(input)).update(readFileSync(fileURLToPath(import.meta.url))).digest('hex')
const sumFile = `${picture}.sha256`

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
    // A table or code block wider than the page is cut off in the picture.
    const clipped = await page.evaluate(
      (w) => [...document.querySelectorAll('table, pre')].filter((e) => e.scrollWidth > e.clientWidth + 1).length + (document.querySelector('#page').scrollWidth > w ? 1 : 0),
      width
    )
    if (clipped > 0) throw new Error(`${clipped} table(s) or code block(s) are wider than the ${width} px page: the picture would cut them off`)
    mkdirSync(dirname(output), { recursive: true })
    await page.locator('#page').screenshot({ path: output, animations: 'disabled' })
    const box = await page.locator('#page').boundingBox()
    const made = `${Math.round(box.width)}x${Math.round(box.height)} px, ${Math.round(statSync(output).size / 1024)} KB, ${charts} Mermaid chart(s)`
    if (check) {
      const recorded = existsSync(sumFile) ? readFileSync(sumFile, 'utf8').split(/\s/)[0] : ''
      if (recorded !== sourceSum()) {
        throw new Error('docs/report.png was not made from today\'s example and script: run npm run screenshot and commit docs/report.png and docs/report.png.sha256')
      }
      console.log(`docs/report.png is current; it renders without cuts (${made})`)
    } else {
      if (output === picture) writeFileSync(sumFile, `${sourceSum()}  ${relative(root, input)} + scripts/screenshot-report.mjs\n`)
      console.log(`${relative(root, output)}: ${made}, from ${relative(root, input)}`)
    }
  } finally {
    await context.close()
    rmSync(userDataDir, { recursive: true, force: true })
  }
}

main()
  .catch((err) => {
    console.error(`screenshot-report: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  })
  .finally(() => rmSync(work, { recursive: true, force: true }))
