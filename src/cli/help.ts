/** Help texts, made from the same command and option tables the parser uses, so they cannot disagree. */
import { COMMANDS, OPTIONS, type CommandName, type OptionSpec } from './args.js'
import { TOOL_NAME, TOOL_VERSION } from '../core/version.js'

/** As cli/main.ts and context.ts's ExitCode return them; `run` hands on its command's own code. */
const EXIT_CODES = [
  'Exit codes:',
  '  0    pass or warn',
  '  1    a failing check breached (see --fail-on)',
  '  2    usage error: a bad option or value',
  '  3    Redis could not be reached (or refused a command the guard needs)',
  '  4    an internal error of the guard (please report it)',
  '  run: when the command fails, its own exit code (128 + signal number when a signal stopped it);',
  '       127 when it could not be started'
].join('\n')

/** Wraps text at `width` columns, indenting continuation lines by `indent` spaces. */
export function wrap(text: string, width: number, indent: number): string {
  const words = text.split(/\s+/).filter(Boolean)
  const lines: string[] = []
  let line = ''
  for (const w of words) {
    if (line !== '' && line.length + 1 + w.length > width - indent) {
      lines.push(line)
      line = w
    } else line = line === '' ? w : `${line} ${w}`
  }
  if (line !== '') lines.push(line)
  return lines.join(`\n${' '.repeat(indent)}`)
}

export function generalHelp(): string {
  const names = Object.keys(COMMANDS) as CommandName[]
  return [
    `${TOOL_NAME} ${TOOL_VERSION}: watches the Redis your tests run against, on your machine as in CI.`,
    '',
    'Usage: redis-memory-guard <command> [options]',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(10)}${wrap(COMMANDS[n].summary, 88, 12)}`),
    '',
    'Run `redis-memory-guard <command> --help` for the options of each command.',
    '',
    'Examples:',
    '  redis-memory-guard demo',
    '  redis-memory-guard run -- npm test',
    '  redis-memory-guard run --container redis --max-used-memory 100mb -- npm test',
    '  redis-memory-guard snapshot --url redis://localhost:6380',
    '  redis-memory-guard run --url cache=redis://localhost:6379 --url queue=redis://localhost:6380 -- npm test',
    '  redis-memory-guard run --cluster-nodes 3 -- npm test',
    '',
    EXIT_CODES,
    ''
  ].join('\n')
}

export function commandHelp(command: CommandName): string {
  const spec = COMMANDS[command]
  const lefts = spec.options.map((name) => {
    const o: OptionSpec = OPTIONS[name]
    return `  ${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` <${o.value}>` : ''}`
  })
  const column = Math.max(...lefts.map((l) => l.length)) + 2
  const optionLines = spec.options.map((name, i) => `${lefts[i].padEnd(column)}${wrap(OPTIONS[name].help, 100, column)}`)
  return [
    `Usage: redis-memory-guard ${spec.usage}`,
    '',
    wrap(spec.summary, 100, 0),
    '',
    wrap(spec.description, 100, 0),
    '',
    'Options:',
    ...optionLines,
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
    EXIT_CODES,
    ''
  ].join('\n')
}
