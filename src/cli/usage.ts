// yargs' refusals of a command line, reworded as the contract wants errors:
// one or two plain sentences saying what failed and what to do next, which
// is the help of the command that was typed (`vmfix --help` lists none of
// its options) and, for a misspelt option, the option that was meant.

/** What a usage message needs to know of a command. */
export interface CommandUsage {
  /** e.g. "apply" */
  readonly name: string;
  /** Its options, by their names as typed after `--`. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Its positionals in order, with what each is (e.g. ["plan", "the plan file"]). */
  readonly positionals: readonly (readonly [string, string])[];
}

/** Options every command has. */
const EVERYWHERE = ['debug', 'help', 'version'];

export function usageMessage(message: string, argv: readonly string[], commands: readonly CommandUsage[]): string {
  const command = commands.find((c) => c.name === argv.find((arg) => commands.some((other) => other.name === arg)));
  const said = message
    .replace(/\s*\n\s*/g, ' ')
    .replace(/^Not enough arguments following: (\S+)$/, '--$1 needs a value')
    .replace(/^Unknown arguments?: (.+)$/, (_, list: string) => unknown(list, command))
    .replace(/^Invalid values: (.+)$/, (_, list: string) => invalid(list))
    .replace(/^Not enough non-option arguments: .*$/, (all) => (command ? missing(command) : all))
    .replace(/([^.?!])$/, '$1.');
  return `${said} See vmfix ${command ? `${command.name} ` : ''}--help.`;
}

function unknown(list: string, command: CommandUsage | undefined): string {
  const names = list.split(', ');
  // yargs names an unknown --dry-run twice, as given and camelCased.
  const given = names.filter((n) => !names.some((other) => other !== n && other.replace(/-(.)/g, (_, c: string) => c.toUpperCase()) === n));
  if (given.length > 1) return `Unknown arguments: ${given.join(', ')}`;
  const meant = command && closest(given[0]!, [...Object.keys(command.options), ...EVERYWHERE]);
  return `Unknown argument: ${given[0]}${meant ? ` (did you mean --${meant}?)` : ''}`;
}

/** 'Argument: format, Given: "xml", Choices: "table", "json"', once per refused option. */
function invalid(list: string): string {
  const refusals = [...list.matchAll(/Argument: (\S+), Given: ("[^"]*"|\S+), Choices: ((?:"[^"]*"(?:, )?)+)/g)].map(([, option, given, choices]) => {
    const names = [...choices!.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    return `--${option} takes ${names.slice(0, -1).join(', ')} or ${names.at(-1)}, not ${given}`;
  });
  return refusals.length ? refusals.join('; ') : `Invalid values: ${list}`;
}

function missing(command: CommandUsage): string {
  const [name, what] = command.positionals[0] ?? ['file', 'a file'];
  return `vmfix ${command.name} needs ${what}: vmfix ${command.name} ${name.toUpperCase()}`;
}

/** The option a misspelling most likely meant: at most 2 edits away, and fewer than half its letters. */
function closest(typed: string, options: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of options) {
    const distance = edits(typed, name);
    if (distance <= 2 && distance * 2 < typed.length && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein distance (yargs has one, but does not export it). */
function edits(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}
