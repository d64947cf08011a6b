// The vmfix command line: the list of commands, their options, and the one
// top-level catch. Command modules are imported only when they run, so
// help loads nothing but yargs; bin/vmfix.js answers `vmfix --help` and
// `vmfix --version` before even that.
import { readFileSync } from 'node:fs';
import type { Argv, Options, PositionalOptions } from 'yargs';
import { describeError, ExitCode, UsageError } from '../errors.js';
import { phase, startProfile } from '../profile.js';
import { terminalText } from '../report/escape.js';
import type { CommandOutcome, Context } from '../workflow/context.js';
import { Interrupts } from './interrupts.js';
import { usageMessage, type CommandUsage } from './usage.js';
import {
  APPLY_OPTIONS, APPLY_POSITIONALS, AUDIT_OPTIONS, checkFix, COMMON, FIX_OPTIONS, INVENTORY_OPTIONS, JOURNAL_OPTIONS, JOURNAL_POSITIONALS,
  refuseMisread, ROLLBACK_OPTIONS, ROLLBACK_POSITIONALS, valuesRequired, WATCH_OPTIONS, type ArgsOf, type OutputArgs,
} from './options.js';
import type { Result } from '../report/render.js';

interface CommandSpec<O extends Record<string, Options>, P extends Record<string, PositionalOptions>> {
  /** e.g. "apply <plan>": the positionals named here are declared in `positionals`. */
  readonly command: string;
  readonly describe: string;
  /** Two or three command lines an admin would type, each with what it does. */
  readonly examples: readonly (readonly [string, string])[];
  /** The exit codes this command can end with, beyond the ones every command shares. */
  readonly exits: string;
  readonly options: O;
  readonly positionals?: P;
  /** Combinations of flags that cannot work, refused while parsing. */
  readonly check?: (args: ArgsOf<O & P>) => true;
  readonly load: () => Promise<(args: ArgsOf<O & P>, ctx: Context) => Promise<CommandOutcome>>;
}

/** A command as yargs runs it. */
interface Registered extends CommandUsage {
  readonly command: string;
  readonly describe: string;
  readonly options: Record<string, Options>;
  builder(y: Argv): Argv;
  run(args: Record<string, unknown>, ctx: Context): Promise<CommandOutcome>;
}

/**
 * Declares a command. Its options' types are checked against the arguments
 * its module takes here, once; yargs hands over exactly what they declare.
 */
function command<O extends Record<string, Options>, P extends Record<string, PositionalOptions> = {}>(spec: CommandSpec<O, P>): Registered {
  return {
    command: spec.command,
    name: spec.command.split(' ')[0]!,
    describe: spec.describe,
    options: spec.options,
    positionals: Object.entries(spec.positionals ?? {}).map(([name, p]) => [name, String(p.describe)] as const),
    builder(y) {
      for (const [name, options] of Object.entries(spec.positionals ?? {})) y.positional(name, options);
      for (const [line, what] of spec.examples) y.example(line, what);
      y.epilogue(`Exit codes: ${spec.exits}, 70 a bug in vmfix, 130 interrupted (see vmfix --help).`);
      const declared = y.options(valuesRequired(spec.options));
      return spec.check ? declared.check((args) => spec.check!(args as ArgsOf<O & P>)) : declared;
    },
    run: async (args, ctx) => (await spec.load())(args as ArgsOf<O & P>, ctx),
  };
}

const CONNECTS = '3 cannot connect, TLS not trusted or login refused';

/** Every command, in the order --help lists them. */
const COMMANDS: readonly Registered[] = [
  command({
    command: 'inventory',
    describe: 'the security-policy posture of every vSwitch, portgroup, DVS and dvPortgroup (changes nothing)',
    examples: [
      ['$0 inventory', 'every switch and portgroup, as set and as in force'],
      ["$0 inventory --cluster Prod-CL --portgroup 'NLB-*'", 'only those portgroups, on that cluster\'s hosts'],
      ['$0 inventory --format csv --output posture.csv', 'for a spreadsheet'],
    ],
    exits: `0 done, 2 bad input, ${CONNECTS}`,
    options: INVENTORY_OPTIONS,
    load: async () => (await import('./commands/inventory.js')).inventory,
  }),
  command({
    command: 'audit',
    describe: 'find the VMs whose ports are blocked (or about to be) by MAC address changes = Reject (changes nothing)',
    examples: [
      ['$0 audit', 'every VM the vCenter has'],
      ["$0 audit --vm 'web*' --format json", 'some VMs, for a script'],
      ['$0 audit --vmkernel-log ./esx-esx01-2024-05-14--09.21/', 'offline, from a vm-support bundle'],
    ],
    exits: `0 nothing blocked or at risk, 1 blocked or at-risk VMs found, 2 bad input or unreadable logs, ${CONNECTS}`,
    options: AUDIT_OPTIONS,
    load: async () => (await import('./commands/audit.js')).audit,
  }),
  command({
    command: 'watch',
    describe: 'audit once, then report each change (blocked, at risk, resolved) as it happens until Ctrl-C (changes nothing)',
    examples: [
      ['$0 watch', 'the current state once, then a line per change'],
      ['$0 watch --format json | tee -a vmfix-watch.jsonl', 'JSON Lines, one change a line, for a pipe'],
      ['$0 watch --webhook https://alerts.example.com/hooks/vmfix', 'also POST each change as JSON'],
    ],
    exits: `0 its pipe's reader has gone (| head), 130 stopped by Ctrl-C or SIGTERM (its filters and collectors destroyed first, as for 0), 2 bad input, ${CONNECTS}`,
    options: WATCH_OPTIONS,
    load: async () => (await import('./commands/watch.js')).watch,
  }),
  command({
    command: 'fix',
    describe: 'audit, then fix: interactively on a terminal, or --yes --strategy NAME; --dry-run writes the change ticket',
    examples: [
      ['$0 fix', 'explain each finding, choose a remedy, see the change, confirm'],
      ['$0 fix --dry-run --plan-out plan.json --output ticket.md --change-id CHG0012345 --window "Sat 02:00-04:00"', 'the change ticket and the plan; nothing changes'],
      ['$0 fix --yes --strategy dedicated-portgroup', 'unattended'],
    ],
    exits: `0 done, 1 findings left unfixed, 2 bad input, ${CONNECTS}, 4 a change failed (the journal says what applied), 5 an object changed meanwhile`,
    options: FIX_OPTIONS,
    check: checkFix,
    load: async () => (await import('./commands/fix.js')).fix,
  }),
  command({
    command: 'apply <plan>',
    describe: 'apply a plan written by fix --plan-out, refusing if anything it was made against has drifted',
    examples: [
      ['$0 apply plan.json --journal plan-journal.json', 'prints the plan\'s checksum and age, shows the changes, asks'],
      ['$0 apply plan.json --checksum sha256:cda1…', 'only the plan the change ticket names (the sum as it prints it)'],
      ['$0 apply plan.json --yes --change-id CHG0012345', 'unattended, the change request recorded in the journal'],
    ],
    exits: `0 applied, 2 bad, edited or foreign plan, not the --checksum given, or with --yes older than --max-plan-age, ${CONNECTS}, 4 a change failed, 5 drifted since it was planned (nothing applied)`,
    options: APPLY_OPTIONS,
    positionals: APPLY_POSITIONALS,
    load: async () => (await import('./commands/apply.js')).apply,
  }),
  command({
    command: 'rollback <journal-file>',
    describe: 'restore the values recorded in a journal written by fix or apply',
    examples: [
      ['$0 journal', 'find the journal to roll back'],
      ['$0 rollback plan-journal.json', 'shows what it puts back, asks'],
    ],
    exits: `0 rolled back, 2 bad or edited journal, ${CONNECTS}, 4 a change failed, 5 an object changed since (nothing rolled back)`,
    options: ROLLBACK_OPTIONS,
    positionals: ROLLBACK_POSITIONALS,
    load: async () => (await import('./commands/rollback.js')).rollback,
  }),
  command({
    command: 'journal [file]',
    describe: 'list the journals in the current directory (what, when, who, status), or show one (changes nothing)',
    examples: [
      ['$0 journal', 'newest first'],
      ['$0 journal plan-journal.json', 'each change, its status, before and after'],
    ],
    exits: '0 done, 2 unreadable or edited journal',
    options: JOURNAL_OPTIONS,
    positionals: JOURNAL_POSITIONALS,
    load: async () => (await import('./commands/journal.js')).journal,
  }),
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * How wide help is laid out: the terminal's width up to `max`, `piped` when
 * stdout is no terminal. bin/vmfix.js answers `vmfix --help` from the texts
 * helpText() laid out at build time (scripts/bundle.js), without loading yargs.
 */
export const HELP_WIDTH = { max: 110, piped: 100, min: 40 } as const;

const COMPLETION_KEY = '__completion-script';

/** `completion` as a usage error names it: declared apart from COMMANDS, it takes no option and no positional. */
const COMPLETION: CommandUsage = { name: 'completion', options: {}, positionals: [] };

/** The command line as yargs reads it; `run` runs the command it names. */
function commandLine(yargs: typeof import('yargs').default, argv: string[], width: number, run: (spec: Registered, args: Record<string, unknown>) => Promise<void>): Argv {
  let parser = yargs(argv)
    .scriptName('vmfix')
    .usage('$0 <command> [options]\n\nFind and fix VMs whose ports ESXi blocks because the guest changed its MAC under a Reject policy.')
    .options(COMMON)
    .version(version())
    .help()
    .alias('h', 'help')
    // yargs' own completion command prints its script whatever follows, -h included: it answers
    // --get-yargs-completions under a name nobody types, and `completion` is a command like the others.
    .completion(COMPLETION_KEY, false)
    .command(
      'completion',
      'print a bash/zsh completion script: vmfix completion >> ~/.bashrc (or ~/.zshrc)',
      (y) => y.example('$0 completion >> ~/.bashrc', 'tab completion in every new bash (zsh: >> ~/.zshrc)').epilogue('Exit codes: 0 done, 2 bad input.'),
      // @types/yargs leaves out its parameters; the command named in the script's install line is this one.
      () => void (parser.showCompletionScript as unknown as (name: string, command: string) => Argv).call(parser, 'vmfix', 'completion'),
    )
    .strict()
    // --no-vm would be vm=false: a value no option of vmfix takes. Without negation it is an unknown argument.
    .parserConfiguration({ 'boolean-negation': false })
    .demandCommand(1, 'Name a command.')
    .recommendCommands()
    .wrap(width);
  for (const spec of COMMANDS) parser = parser.command(spec.command, spec.describe, (y) => spec.builder(y), (args) => run(spec, args));
  return parser;
}

/** What `vmfix --help` prints, laid out `width` columns wide. */
export async function helpText(width: number): Promise<string> {
  const { default: yargs } = await import('yargs');
  return commandLine(yargs, [], width, async () => undefined).getHelp();
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { default: yargs } = await import('yargs');
  const { terminalUi } = await import('./ui.js');
  const ui = terminalUi(env);
  startProfile(env.VMFIX_PROFILE);
  const interrupts = new Interrupts((code) => process.exit(code), (text) => ui.say(text));
  const onSignal = (name: NodeJS.Signals) => interrupts.signal(name);
  // SIGHUP too: a closed terminal must not cut a change from its journal entry.
  for (const signal of SIGNALS) process.on(signal, onSignal);
  const ctx: Context = {
    ui,
    env,
    version: version(),
    get interrupted() {
      return interrupts.interrupted;
    },
    onInterrupt: (cleanup) => interrupts.onInterrupt(cleanup),
    critical: (work, forced) => interrupts.critical(work, forced),
    finish: (code) => interrupts.finish(code),
  };

  let debug = argv.includes('--debug');
  try {
    let outcome: CommandOutcome | undefined;
    let outputArgs: OutputArgs | undefined;
    for (const spec of COMMANDS) refuseMisread(argv, spec.options);
    const parser = commandLine(yargs, argv, Math.min(HELP_WIDTH.max, process.stdout.columns || HELP_WIDTH.piped), async (spec, args) => {
      // strict() does not see what follows `--`: an option there would be dropped without a word.
      const rest = (args._ as unknown[]).slice(1);
      if (rest.length) throw new UsageError(`Unknown argument after --: ${String(rest[0])} (options go before --). See vmfix ${spec.name} --help.`);
      debug = Boolean(args.debug);
      outputArgs = args as unknown as OutputArgs;
      await (await import('../files.js')).refuseSharedFiles(namedFiles(args));
      outcome = await spec.run(args, ctx);
    }).fail((message, err) => {
      // A YError is yargs refusing the command line (our coerce and check
      // refusals arrive as one too): usage. Anything else thrown while a
      // command ran is passed on as it is.
      if (err && err.name !== 'YError') throw err;
      throw new UsageError(usageMessage(message ?? err?.message ?? '', argv, [...COMMANDS, COMPLETION]));
    });
    // yargs hands what it would print (help, version, the completion script) to this callback instead:
    // written like a result, a closed pipe ends it quietly and a full disk is said, not lost with exit 0.
    let printed = '';
    await parser.parseAsync(argv, {}, (_err, _args, output) => {
      printed = output;
    });
    if (!outcome) return await printParserOutput(printed);
    const lost = await emit(outcome.result, outputArgs, env);
    if (lost) return reportLost(outcome, lost);
    if (outputArgs?.output) {
      const { resultName } = await import('../report/render.js');
      ui.say(`Wrote ${resultName(outcome.result)} to ${outputArgs.output}.`);
    }
    if (outcome.error) process.stderr.write(`vmfix: ${terminalText(outcome.error.message)}\n`);
    return outcome.exitCode;
  } catch (err) {
    const { exitCode, message } = describeError(err);
    // Messages name VMs and portgroups: whatever those hold must not drive the terminal.
    process.stderr.write(`vmfix: ${terminalText(message)}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return exitCode;
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Every file a command line names, and whether the run writes it. */
function namedFiles(args: Record<string, unknown>): { option: string; path: string; writes: boolean }[] {
  const one = (option: string, value: unknown, writes: boolean) => (typeof value === 'string' && value ? [{ option, path: value, writes }] : []);
  return [
    ...(args.output ? one('--output', args.output, true) : one('the report (stdout)', '/dev/stdout', true)),
    ...one('--journal', args.journal, true),
    ...one('--plan-out', args.planOut, true),
    ...one('the plan', args.plan, false),
    ...one('the journal to roll back', args.journalFile, false),
    ...one('--ca-file', args.caFile, false),
    ...((args.vmkernelLog as string[] | undefined) ?? []).flatMap((path) => one('--vmkernel-log', path, false)),
  ];
}

/** Help, version or a completion script, as yargs laid it out; exit 2 when stdout cannot take it. */
async function printParserOutput(text: string): Promise<number> {
  if (!text) return ExitCode.ok;
  const { fileProblem, writeFile } = await import('../files.js');
  try {
    await writeFile('/dev/stdout', `${text}\n`);
  } catch (err) {
    const cause = (err as Error).cause ?? err;
    if ((cause as NodeJS.ErrnoException).code === 'EPIPE') return ExitCode.ok;
    process.stderr.write(`vmfix: The output could not be written to stdout (${fileProblem(cause)}).\n`);
    return ExitCode.usage;
  }
  return ExitCode.ok;
}

/** Where the result could not go, and why; undefined when it went (or its reader had gone). */
type Lost = { readonly where: string; readonly cause: unknown };

async function emit(result: Result, args: OutputArgs | undefined, env: NodeJS.ProcessEnv): Promise<Lost | undefined> {
  const { render } = await import('../report/render.js');
  const format = args?.format ?? 'table';
  const toFile = Boolean(args?.output);
  const { colorAllowed, columnsOf } = await import('./ui.js');
  const style = toFile ? { color: false } : { color: colorAllowed(process.stdout, env), width: columnsOf(process.stdout) };
  const text = await phase('render', () => render(result, format, style));
  const { writeFile } = await import('../files.js');
  const where = args?.output ?? 'stdout';
  try {
    await writeFile(args?.output ?? '/dev/stdout', text);
    return undefined;
  } catch (err) {
    const cause = (err as Error).cause ?? err;
    // A reader that stopped reading (| head) is no failure: the output ends there, quietly.
    if ((cause as NodeJS.ErrnoException).code === 'EPIPE') return undefined;
    return { where, cause };
  }
}

/**
 * The result could not be written. Before anything changed that is bad
 * output (exit 2); after changes it is not: what ran and where the journal
 * is must still be said, with the exit code of what happened (4 at least).
 */
async function reportLost(outcome: CommandOutcome, lost: Lost): Promise<number> {
  const { fileProblem } = await import('../files.js');
  const cannot = `the report could not be written to ${lost.where} (${fileProblem(lost.cause)})`;
  const report = outcome.result.kind === 'outcome' ? outcome.result.report : undefined;
  if (!report?.journal) {
    process.stderr.write(`vmfix: ${capitalize(cannot)}.\n`);
    if (outcome.error) process.stderr.write(`vmfix: ${outcome.error.message}\n`);
    return outcome.error ? outcome.exitCode : ExitCode.usage;
  }
  if (outcome.error) {
    process.stderr.write(`vmfix: ${outcome.error.message}\n`);
    process.stderr.write(`vmfix: Also, ${cannot}; the journal ${report.journal} has every change.\n`);
    return outcome.exitCode;
  }
  const count = (status: string) => report.changes.filter((c) => c.status === status).length;
  const ran = [`${count('applied')} applied`, ...(count('failed') ? [`${count('failed')} failed`] : [])].join(', ');
  process.stderr.write(`vmfix: ${report.command} changed vCenter (${ran}; the journal ${report.journal} has every change), but ${cannot}.\n`);
  return ExitCode.changeFailed;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function run(): void {
  // Without a listener, a closed stdout or stderr (| head, a terminal that went away) is thrown as an unhandled
  // 'error' event, even in the middle of a change; each write's own callback reports it where it matters (emit).
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`vmfix: ${String(err)}\n`);
      process.exitCode = 70;
    },
  );
}
