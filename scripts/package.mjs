// Bundles every entry point in src/entry/ into dist/<name>/index.js with ncc.
// One bundle per entry keeps the post step and the sampler from loading code they never run.
import { execFileSync } from 'node:child_process'
import { readdirSync, rmSync } from 'node:fs'

const entries = readdirSync('src/entry').filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3))
rmSync('dist', { recursive: true, force: true })
for (const name of entries) {
  execFileSync('npx', ['ncc', 'build', `src/entry/${name}.ts`, '-o', `dist/${name}`, '--license', 'licenses.txt', '--quiet'], {
    stdio: 'inherit'
  })
}
