/**
 * Text for the runner's log. The runner reads any line that starts with `::` (after blanks) as a
 * workflow command, so a CONFIG value, an error reply or a key name holding a line break and
 * `::error::` became an annotation (or `::add-mask::`, `::stop-commands::`). Plain log lines are
 * therefore written with such a line start escaped as workflow-command data is (`:` as %3A); the
 * text stays readable and no line can be a command that the guard did not issue itself.
 */

/** Escapes every line of `text` that the runner would read as a workflow command. */
export function plainLogText(text: string): string {
  return text
    .split(/(\r\n|\r|\n)/)
    .map((part) => (/^\s*::/.test(part) ? part.replace(/::/, '%3A%3A') : part))
    .join('')
    .replace(/##\[/g, '%23%23[')
}
