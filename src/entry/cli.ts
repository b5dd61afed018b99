#!/usr/bin/env node
import { main } from '../cli/main.js'

const code = await main(process.argv.slice(2))
// Let piped output drain, then exit explicitly so no open handle keeps the CLI waiting.
process.stdout.on('error', () => {})
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
