// The vmfix command line: the list of commands, their options, and the one
// top-level catch. Command modules are imported only when they run, so
// `vmfix --help` loads nothing but yargs, and `vmfix --version` not even that.
import { readFileSync } from 'node:fs';
import type { Argv, Options, PositionalOptions } from 'yargs';
import { describeError, ExitCode, UsageError } from '../errors.js';
import { phase, startProfile } from '../profile.js';
import type { CommandOutcome, Context } from '../workflow/context.js';
import { Interrupts } from './interrupts.js';
import {
  APPLY_OPTIONS, APPLY_POSITIONALS, AUDIT_OPTIONS, checkFix, COMMON, FIX_OPTIONS, INVENTORY_OPTIONS, ROLLBACK_OPTIONS, ROLLBACK_POSITIONALS,
  WATCH_OPTIONS, type ArgsOf, type OutputArgs,
} from './options.js';
import type { Result } from '../report/render.js';

interface CommandSpec<O extends Record<string, Options>, P extends Record<string, PositionalOptions>> {
  /** e.g. "apply <plan>": the positionals named here are declared in `positionals`. */
  readonly command: string;
  readonly describe: string;
  readonly options: O;
  readonly positionals?: P;
  /** Combinations of flags that cannot work, refused while parsing. */
  readonly check?: (args: ArgsOf<O & P>) => true;
  readonly load: () => Promise<(args: ArgsOf<O & P>, ctx: Context) => Promise<CommandOutcome>>;
}

/** A command as yargs runs it. */
interface Registered {
  readonly command: string;
  readonly describe: string;
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
    describe: spec.describe,
    builder(y) {
      for (const [name, options] of Object.entries(spec.positionals ?? {})) y.positional(name, options);
      const declared = y.options(spec.options);
      return spec.check ? declared.check((args) => spec.check!(args as ArgsOf<O & P>)) : declared;
    },
    run: async (args, ctx) => (await spec.load())(args as ArgsOf<O & P>, ctx),
  };
}

/** Every command, in the order --help lists them. */
const COMMANDS: readonly Registered[] = [
  command({
    command: 'inventory',
    describe: 'the security-policy posture of every vSwitch, portgroup, DVS and dvPortgroup (changes nothing)',
    options: INVENTORY_OPTIONS,
    load: async () => (await import('./commands/inventory.js')).inventory,
  }),
  command({
    command: 'audit',
    describe: 'find the VMs whose ports are blocked (or about to be) by MAC address changes = Reject (changes nothing)',
    options: AUDIT_OPTIONS,
    load: async () => (await import('./commands/audit.js')).audit,
  }),
  command({
    command: 'watch',
    describe: 'audit once, then report each change (blocked, at risk, resolved) as it happens until Ctrl-C (changes nothing)',
    options: WATCH_OPTIONS,
    load: async () => (await import('./commands/watch.js')).watch,
  }),
  command({
    command: 'fix',
    describe: 'audit, then fix: interactively on a terminal, or --yes --strategy NAME; --dry-run writes the change ticket',
    options: FIX_OPTIONS,
    check: checkFix,
    load: async () => (await import('./commands/fix.js')).fix,
  }),
  command({
    command: 'apply <plan>',
    describe: 'apply a plan written by fix --plan-out, refusing if anything it was made against has drifted',
    options: APPLY_OPTIONS,
    positionals: APPLY_POSITIONALS,
    load: async () => (await import('./commands/apply.js')).apply,
  }),
  command({
    command: 'rollback <journal-file>',
    describe: 'restore the values recorded in a journal written by fix or apply',
    options: ROLLBACK_OPTIONS,
    positionals: ROLLBACK_POSITIONALS,
    load: async () => (await import('./commands/rollback.js')).rollback,
  }),
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  // The one answer that needs no option parser: spare it the ~90 ms yargs takes to load.
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`${version()}\n`);
    return ExitCode.ok;
  }
  const { default: yargs } = await import('yargs');
  const { terminalUi } = await import('./ui.js');
  const ui = terminalUi(env);
  startProfile(env.VMFIX_PROFILE);
  const interrupts = new Interrupts((code) => process.exit(code), (text) => ui.say(text));
  const onSignal = (name: NodeJS.Signals) => interrupts.signal(name);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const ctx: Context = {
    ui,
    env,
    get interrupted() {
      return interrupts.interrupted;
    },
    onInterrupt: (cleanup) => interrupts.onInterrupt(cleanup),
    critical: (work) => interrupts.critical(work),
  };

  let debug = argv.includes('--debug');
  try {
    let outcome: CommandOutcome | undefined;
    let outputArgs: OutputArgs | undefined;
    let parser = yargs(argv)
      .scriptName('vmfix')
      .usage('$0 <command> [options]\n\nFind and fix VMs whose ports ESXi blocks because the guest changed its MAC under a Reject policy.')
      .options(COMMON)
      .version(version())
      .strict()
      .demandCommand(1, 'Name a command; see vmfix --help.')
      .recommendCommands()
      .wrap(Math.min(110, process.stdout.columns || 100))
      .fail((message, err) => {
        // A YError is yargs refusing the command line (our coerce and check
        // refusals arrive as one too): usage. Anything else thrown while a
        // command ran is passed on as it is.
        if (err && err.name !== 'YError') throw err;
        // yargs lays some messages out over several lines; the contract wants one or two sentences.
        throw new UsageError(`${(message ?? err?.message ?? '').replace(/\s*\n\s*/g, ' ').replace(/[.]?$/, '.')} See vmfix --help.`);
      });
    for (const spec of COMMANDS) {
      parser = parser.command(spec.command, spec.describe, (y) => spec.builder(y), async (args) => {
        debug = Boolean(args.debug);
        outputArgs = args as unknown as OutputArgs;
        outcome = await spec.run(args, ctx);
      });
    }
    await parser.parseAsync();
    if (!outcome) return ExitCode.ok; // --help or --version
    await emit(outcome.result, outputArgs, env);
    if (outcome.error) process.stderr.write(`vmfix: ${outcome.error.message}\n`);
    return outcome.exitCode;
  } catch (err) {
    const { exitCode, message } = describeError(err);
    process.stderr.write(`vmfix: ${message}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function emit(result: Result, args: OutputArgs | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  const { render } = await import('../report/render.js');
  const format = args?.format ?? 'table';
  const toFile = Boolean(args?.output);
  const text = await phase('render', () => render(result, format, { color: !toFile && Boolean(process.stdout.isTTY) && !('NO_COLOR' in env) }));
  if (args?.output) {
    const { writeFileAtomic } = await import('../files.js');
    await writeFileAtomic(args.output, text);
  } else {
    process.stdout.write(text);
  }
}

export function run(): void {
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
