// The vmfix command line: the list of commands, their options, and the one
// top-level catch. Command modules are imported only when they run, so
// `vmfix --help` loads nothing but yargs, and `vmfix --version` not even that.
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { describeError, ExitCode, UsageError } from '../errors.js';
import { phase, startProfile } from '../profile.js';
import { Interrupts, type Context } from './context.js';
import { STRATEGIES } from '../audit/finding.js';
import { COMMON, CONNECTION, EVIDENCE, OUTPUT, SCOPE, type OutputArgs } from './options.js';
import type { Result } from '../report/render.js';

interface CommandOutcome {
  readonly result: Result;
  readonly exitCode: number;
  /** Why a run that still has a result to show stopped early. */
  readonly error?: Error;
}

type Run = (args: any, ctx: Context) => Promise<CommandOutcome>;

interface CommandSpec {
  readonly command: string;
  readonly describe: string;
  readonly options: (y: Argv) => Argv;
  readonly load: () => Promise<Run>;
}

const withGroups = (...groups: Record<string, object>[]) => (y: Argv) => {
  for (const group of groups) y.options(group);
  return y;
};

/** Every command, in the order --help lists them. */
const COMMANDS: readonly CommandSpec[] = [
  {
    command: 'inventory',
    describe: 'the security-policy posture of every vSwitch, portgroup, DVS and dvPortgroup (changes nothing)',
    options: withGroups(CONNECTION, SCOPE, OUTPUT),
    load: async () => (await import('./commands/inventory.js')).inventory,
  },
  {
    command: 'audit',
    describe: 'find the VMs whose ports are blocked (or about to be) by MAC address changes = Reject (changes nothing)',
    options: withGroups(CONNECTION, SCOPE, OUTPUT, EVIDENCE),
    load: async () => (await import('./commands/audit.js')).audit,
  },
  {
    command: 'fix',
    describe: 'audit, then fix: interactively on a terminal, or --yes --strategy NAME; --dry-run writes the change ticket',
    options: (y) =>
      withGroups(CONNECTION, SCOPE, OUTPUT, EVIDENCE)(y).options({
        'dry-run': { type: 'boolean', group: 'Remediation:', describe: 'write the change-ticket report (Markdown, or --format json) and change nothing' },
        'plan-out': { type: 'string', group: 'Remediation:', describe: 'write the plan for vmfix apply to FILE and change nothing' },
        yes: { type: 'boolean', group: 'Remediation:', describe: 'apply without asking (needs --strategy)' },
        strategy: { type: 'string', choices: STRATEGIES, group: 'Remediation:', describe: 'the fix for every finding it fits (else the narrowest per finding)' },
        'portgroup-name': { type: 'string', group: 'Remediation:', describe: 'dedicated-portgroup: name of the new portgroup (default <name>-macchg)' },
        journal: { type: 'string', group: 'Remediation:', describe: 'journal file (default ./vmfix-journal-<timestamp>.json)' },
      }),
    load: async () => (await import('./commands/fix.js')).fix,
  },
  {
    command: 'apply <plan>',
    describe: 'apply a plan written by fix --plan-out, refusing if anything it was made against has drifted',
    options: (y) =>
      withGroups(CONNECTION, OUTPUT)(y)
        .positional('plan', { type: 'string', describe: 'the plan file' })
        .options({
          yes: { type: 'boolean', group: 'Remediation:', describe: 'apply without asking' },
          journal: { type: 'string', group: 'Remediation:', describe: 'journal file (default ./vmfix-journal-<timestamp>.json)' },
        }),
    load: async () => (await import('./commands/apply.js')).apply,
  },
  {
    command: 'rollback <journal-file>',
    describe: 'restore the values recorded in a journal written by fix or apply',
    options: (y) =>
      withGroups(CONNECTION, OUTPUT)(y)
        .positional('journal-file', { type: 'string', describe: 'the journal to roll back' })
        .options({
          yes: { type: 'boolean', group: 'Remediation:', describe: 'roll back without asking' },
          journal: { type: 'string', group: 'Remediation:', describe: "the rollback's own journal (default ./vmfix-journal-<timestamp>.json)" },
        }),
    load: async () => (await import('./commands/rollback.js')).rollback,
  },
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
        // yargs lays some messages out over several lines; the contract wants one or two sentences.
        throw err ?? new UsageError(`${message.replace(/\s*\n\s*/g, ' ').replace(/[.]?$/, ".")} See vmfix --help.`);
      });
    for (const spec of COMMANDS) {
      parser = parser.command(spec.command, spec.describe, spec.options, async (args) => {
        debug = Boolean(args.debug);
        outputArgs = args as unknown as OutputArgs;
        const run = await spec.load();
        outcome = await run(args, ctx);
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
    const { writeFileAtomic } = await import('../report/files.js');
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
