// Every option of every command, declared once with its env fallbacks
// (shown in --help the way govc shows [GOVC_URL]) and its value checks. The
// argument types of the commands are derived from these declarations, so a
// renamed flag fails to compile where it is used.
import type { InferredOptionTypes, Options, PositionalOptions } from 'yargs';
import { STRATEGIES } from '../audit/finding.js';
import { UsageError } from '../errors.js';
import { durationMs } from '../duration.js';
import { DEFAULT_SINCE, parseSince } from '../evidence/since.js';
import { checkPattern } from '../inventory/scope.js';
import { FORMATS } from '../report/format.js';
import { DEFAULT_MAX_PLAN_AGE } from '../workflow/plan-age.js';

type OptionGroup = Record<string, Options>;

/** kebab-case flag names as yargs also hands them over: camelCase. */
type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
type Camelized<T> = { readonly [K in keyof T & string as Camel<K>]: T[K] };
/** Options that may be absent become optional properties, as in a hand-written interface. */
type MaybeAbsent<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];
type Split<T> = Camelized<Omit<T, MaybeAbsent<T>>> & Partial<Camelized<Pick<T, MaybeAbsent<T>>>>;
export type ArgsOf<O extends Record<string, Options | PositionalOptions>> = Split<InferredOptionTypes<O>>;

/**
 * Args, if they carry every option a workflow reads. Commands pass their
 * args through this, so renaming a flag the workflow depends on fails to
 * compile instead of silently leaving the option unset.
 */
export type Covers<Args, WorkflowOptions> = [Exclude<keyof WorkflowOptions, keyof Args>] extends [never] ? Args : never;

const env = (...names: string[]) => ` [${names.join(', ')}]`;

// Value checks run while parsing (yargs coerce), so a bad value is refused before anything connects.

/**
 * A number option, checked as typed, in decimal (declared with string: true
 * so yargs hands over the text): yargs's own reading takes "0x10" for 16 and
 * "1e9" for a billion, "" for 0, and makes "abc" NaN, which a refusal would
 * then show instead of what was typed. Only the default comes as a number.
 */
function numberOption(option: string, fits: (value: number) => boolean, wanted: string) {
  return (given: string | number): number => {
    if (typeof given === 'number') return given;
    const text = given.trim();
    if (text === '') throw new UsageError(`--${option} needs a number.`);
    const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
    if (!fits(value)) throw new UsageError(`--${option} ${wanted}, not ${JSON.stringify(given)}.`);
    return value;
  };
}

const wholeBetween = (min: number, max: number) => (value: number) => Number.isSafeInteger(value) && value >= min && value <= max;

/**
 * The options as yargs is given them. One that takes a single value must be
 * given it, once: otherwise `--output` at the end of the line or `--since -7d`
 * would be read as "" or as the default, and `--format json --format csv` as
 * a list no command expects.
 */
export function valuesRequired<O extends Record<string, Options>>(options: O): O {
  const entries = Object.entries(options).map(([name, o]) => {
    if ((o.type !== 'string' && o.type !== 'number') || o.array) return [name, o];
    const given = o.coerce;
    const once = (value: unknown): unknown => {
      if (Array.isArray(value)) throw new UsageError(`--${name} was given ${value.length} times; give it once.`);
      return given ? given(value) : value;
    };
    return [name, { ...o, requiresArg: true, coerce: once }];
  });
  return Object.fromEntries(entries) as O;
}

/**
 * What yargs would misread, refused before it parses. It drops the last of
 * several `--vm=` (`--vm=web01 --vm=` is read as `--vm web01`), so an empty
 * value a script passed on would vanish: the option's own check refuses it,
 * as it refuses `--vm ''`. And it reads a switch given any value but true or
 * false as false: `--insecure=1`, `--compress=yes`, `--yes=1`.
 */
export function refuseMisread(argv: readonly string[], options: Record<string, Options>): void {
  const end = argv.indexOf('--');
  const given = end < 0 ? argv : argv.slice(0, end);
  for (const [name, o] of Object.entries(options)) {
    if (o.array && given.includes(`--${name}=`)) {
      o.coerce?.(['']);
      throw new UsageError(`--${name}= gives no value; give one, or leave it out.`);
    }
    // yargs takes a lone "-" for no value at all: its option's own refusal is the one to give.
    if (o.array && o.coerce && stdinGiven(given, name)) o.coerce(['-']);
    const value = o.type === 'boolean' ? given.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) : undefined;
    if (value !== undefined && value !== 'true' && value !== 'false') {
      throw new UsageError(`--${name}=${value}: give --${name} alone, or --${name}=true or --${name}=false.`);
    }
  }
}

/** Whether `-` is among the values given to `--name` (`--name -`, `--name a.log -`, `--name=-`). */
function stdinGiven(given: readonly string[], name: string): boolean {
  if (given.includes(`--${name}=-`)) return true;
  for (let i = given.indexOf(`--${name}`) + 1; i > 0 && i < given.length && !/^--?[^-]/.test(given[i]!); i++) {
    if (given[i] === '-') return true;
  }
  return false;
}

/** A file vmfix writes or reads: `--output ''` names no file, and must not be read as "none given" (stdout, no plan, the default journal, no CA). */
const fileName = (option: string) => (path: string): string => {
  if (path === '') throw new UsageError(`--${option} was given an empty file name; name a file, or leave --${option} out.`);
  return path;
};

/** Likewise a value: `--change-id "$CHG"` with CHG unset must not record an empty change, nor `--thumbprint ''` pin nothing. */
const filled = (option: string) => (text: string): string => {
  if (text.trim() === '') throw new UsageError(`--${option} was given an empty value; give one, or leave --${option} out.`);
  return text;
};

export const COMMON = {
  debug: { type: 'boolean', describe: 'stack traces, and SOAP traffic (secrets redacted) on stderr' },
} as const satisfies OptionGroup;

export const CONNECTION = {
  vcenter: { type: 'string', group: 'Connection:', describe: `vCenter or ESXi: HOST[:PORT] or https://host/sdk${env('VMFIX_VCENTER', 'GOVC_URL')}` },
  user: { type: 'string', group: 'Connection:', describe: `user name${env('VMFIX_USER', 'GOVC_USERNAME')}` },
  'password-stdin': { type: 'boolean', group: 'Connection:', describe: `read the password from stdin (else${env('VMFIX_PASSWORD', 'GOVC_PASSWORD')} or a prompt)` },
  insecure: { type: 'boolean', group: 'Connection:', describe: `skip TLS verification (warns)${env('VMFIX_INSECURE=1', 'GOVC_INSECURE=1')}` },
  thumbprint: { type: 'string', group: 'Connection:', coerce: filled('thumbprint'), describe: `trust the certificate with this SHA-256 fingerprint${env('VMFIX_THUMBPRINT')}` },
  'ca-file': { type: 'string', group: 'Connection:', coerce: fileName('ca-file'), describe: `extra trusted CA certificate (PEM)${env('VMFIX_CA_FILE')}` },
  compress: { type: 'boolean', group: 'Connection:', describe: `ask vCenter 8.0.3+ to gzip its answers: ~8x less to transfer, ~20 % more CPU; for VPN and WAN links${env('VMFIX_COMPRESS=1')}` },
  timeout: {
    type: 'number', string: true, group: 'Connection:', default: 60, describe: 'seconds to wait for each vSphere request (at most a day)',
    // A day is already no timeout; past 24.8 days Node's timer overflows and fires at once.
    coerce: numberOption('timeout', (value) => value > 0 && value <= 86_400, 'takes a number of seconds above 0, up to 86400 (a day)'),
  },
} as const satisfies OptionGroup;

/** Patterns as given; `--vm` with nothing after it is refused, not read as "every VM". */
const patterns = (option: 'datacenter' | 'cluster' | 'host' | 'vm' | 'portgroup') => (values: string[]): string[] => {
  if (!values.length) throw new UsageError(`--${option} needs a name or a glob.`);
  return values.map((p) => checkPattern(option, p));
};

export const SCOPE = {
  datacenter: { type: 'string', array: true, group: 'Scope:', describe: 'only this datacenter (name or glob, repeatable)', coerce: patterns('datacenter') },
  cluster: { type: 'string', array: true, group: 'Scope:', describe: 'only this cluster (name or glob, repeatable)', coerce: patterns('cluster') },
  host: { type: 'string', array: true, group: 'Scope:', describe: 'only this host (name or glob, any case, repeatable)', coerce: patterns('host') },
  vm: { type: 'string', array: true, group: 'Scope:', describe: "only VMs whose name matches this glob: * ? [a-z] [!0-9] {a,b}, case-sensitive (repeatable)", coerce: patterns('vm') },
} as const satisfies OptionGroup;

export const OUTPUT = {
  format: { type: 'string', choices: FORMATS, default: 'table', group: 'Output:', describe: 'result format' },
  // `-` is stdout, as tar, curl and jq read it: a script's `--output "${OUT:--}"` must not leave a file named `-`.
  output: { type: 'string', group: 'Output:', describe: 'write the result to this file instead of stdout (- is stdout)', coerce: (path: string) => (path === '-' ? undefined : fileName('output')(path)) },
} as const satisfies OptionGroup;

export const EVIDENCE = {
  'vmkernel-log': {
    type: 'string', array: true, group: 'Evidence:',
    describe: "log files (.gz too), a host's vm-support bundle (.tgz or extracted), vCenter's Export System Logs .zip, a syslog collector's files; without --vcenter: an offline audit; with it, the live logs are read too, of a host whose lines they hold only after the newest of them",
    coerce: (paths: string[]): string[] => {
      if (!paths.length || paths.some((p) => p === '')) throw new UsageError('--vmkernel-log needs the path of a log file, bundle or .zip.');
      // An archive is read by seeking in it, and a log twice where it may be a bundle's copy: a pipe allows neither.
      if (paths.includes('-')) throw new UsageError('--vmkernel-log - : vmfix does not read logs from standard input; save it to a file and give that path (./- for a file named "-").');
      return paths;
    },
  },
  since: {
    type: 'string', default: DEFAULT_SINCE, group: 'Evidence:', coerce: parseSince,
    describe: 'log evidence from this window: a duration back from now (offline: from each log\'s newest line), a date or time with zone, or all',
  },
  'log-lines': {
    type: 'number', string: true, default: 100_000, group: 'Evidence:', describe: "the most lines read back from the end of each host's vmkernel log",
    coerce: numberOption('log-lines', wholeBetween(0, Number.MAX_SAFE_INTEGER), 'must be a whole number of lines'),
  },
  concurrency: {
    type: 'number', string: true, default: 8, group: 'Evidence:', describe: 'hosts whose logs are read at once',
    coerce: numberOption('concurrency', wholeBetween(1, 64), 'must be between 1 and 64'),
  },
} as const satisfies OptionGroup;

const JOURNAL = { type: 'string', group: 'Remediation:', describe: 'journal file (default ./vmfix-journal-<timestamp>.json)', coerce: fileName('journal') } as const;
const CHANGE_ID = { type: 'string', group: 'Change request:', coerce: filled('change-id'), describe: 'the change request this run carries out (e.g. CHG0012345), recorded in the journal' } as const;

/** What a change tool is told about the change request: carried into the ticket, the plan and the journal as given. */
export const REQUEST = {
  'change-id': { ...CHANGE_ID, describe: 'the change request (e.g. CHG0012345), carried into the ticket, the plan and the journal' },
  requester: { type: 'string', group: 'Change request:', coerce: filled('requester'), describe: 'who asks for the change (free text), carried into the ticket and the plan' },
  window: { type: 'string', group: 'Change request:', coerce: filled('window'), describe: 'the change window (free text, e.g. "Sat 02:00-04:00 CET"), carried into the ticket and the plan' },
} as const satisfies OptionGroup;

export const INVENTORY_OPTIONS = {
  ...COMMON, ...CONNECTION, ...SCOPE, ...OUTPUT,
  portgroup: { type: 'string', array: true, group: 'Scope:', describe: 'only portgroups and dvPortgroups with this name (or glob, case-sensitive, repeatable)', coerce: patterns('portgroup') },
} as const;
const AUDIT_SOURCES = { ...COMMON, ...CONNECTION, ...SCOPE, ...OUTPUT } as const;
export const AUDIT_OPTIONS = { ...AUDIT_SOURCES, ...EVIDENCE } as const;
export const FIX_OPTIONS = {
  ...AUDIT_OPTIONS,
  ...REQUEST,
  'dry-run': { type: 'boolean', group: 'Remediation:', describe: 'write the change-ticket report (Markdown, or --format json) and change nothing' },
  'plan-out': { type: 'string', group: 'Remediation:', describe: 'write the plan for vmfix apply to FILE and change nothing', coerce: fileName('plan-out') },
  yes: { type: 'boolean', group: 'Remediation:', describe: 'apply without asking (needs --strategy)' },
  strategy: { type: 'string', choices: STRATEGIES, group: 'Remediation:', describe: 'the fix for every finding it fits (else the narrowest per finding); in the session, where the cursor starts' },
  'portgroup-name': {
    type: 'string', group: 'Remediation:', describe: 'dedicated-portgroup: name of the new portgroup (default <name>-macchg)',
    coerce: (name: string): string => {
      if (!/^[^\s/\\][^/\\]{0,78}$/.test(name)) throw new UsageError(`--portgroup-name "${name}" is not a usable portgroup name (1-79 characters, no slashes).`);
      return name;
    },
  },
  journal: JOURNAL,
} as const;
/**
 * The plan's checksum as copied from the ticket (`sha256 \`…\``) or apply's
 * line (`sha256 …`), or written `sha256:…`, in any case: the 64 hex digits must all be there.
 */
const planChecksum = (text: string): string => {
  const hex = text.trim().replace(/^sha-?256[:=]?\s*/i, '').replace(/^`(.*)`$/, '$1').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new UsageError(`--checksum takes the plan's SHA-256 as the change ticket prints it (64 hex digits, with or without "sha256:"), not "${text}".`);
  return hex;
};

// A signed -7d is refused: unlike --since's, a negative age means nothing, and must not be read as 7d.
const planAgeLimit = (text: string): number => {
  const ms = durationMs('--max-plan-age', text);
  if (ms === null) throw new UsageError(`--max-plan-age takes a duration such as 36h, 7d or 2w, not "${text}".`);
  return ms;
};

export const APPLY_OPTIONS = {
  ...COMMON, ...CONNECTION, ...OUTPUT,
  yes: { type: 'boolean', group: 'Remediation:', describe: 'apply without asking (refused for a plan older than --max-plan-age)' },
  checksum: {
    type: 'string', group: 'Remediation:', coerce: planChecksum,
    describe: "refuse, before connecting, unless the plan's sha256 is this one (as the change ticket prints it; \"sha256:\" and case optional)",
  },
  'max-plan-age': {
    type: 'string', default: DEFAULT_MAX_PLAN_AGE, group: 'Remediation:', coerce: planAgeLimit,
    describe: 'a plan older than this (e.g. 36h, 7d) is called out as old, and --yes refuses it',
  },
  journal: JOURNAL,
  'change-id': { ...CHANGE_ID, describe: "the change request this run carries out, recorded in the journal (default: the plan's)" },
} as const;
/** A file named on the command line: '' is no file (`vmfix journal ''` would list them all instead). */
const named = (what: string) => (path: string): string => {
  if (path === '') throw new UsageError(`The ${what} was given as an empty file name; name the file.`);
  return path;
};

export const APPLY_POSITIONALS = { plan: { type: 'string', demandOption: true, describe: 'the plan file', coerce: named('plan') } } as const;
export const ROLLBACK_OPTIONS = {
  ...COMMON, ...CONNECTION, ...OUTPUT,
  yes: { type: 'boolean', group: 'Remediation:', describe: 'roll back without asking' },
  journal: { ...JOURNAL, describe: "the rollback's own journal (default ./vmfix-journal-<timestamp>.json)" },
  'change-id': CHANGE_ID,
} as const;
export const ROLLBACK_POSITIONALS = { 'journal-file': { type: 'string', demandOption: true, describe: 'the journal to roll back', coerce: named('journal') } } as const;

export const JOURNAL_OPTIONS = { ...COMMON, ...OUTPUT } as const;
export const JOURNAL_POSITIONALS = { file: { type: 'string', describe: 'a journal to show (default: list the journals in the current directory)', coerce: named('journal') } } as const;
export const COMPLETION_OPTIONS = { ...COMMON } as const;
const https = (option: string) => (text: string): URL => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--${option} takes an https:// URL.`);
  }
  if (url.protocol !== 'https:') throw new UsageError(`--${option} must be an https:// URL: changes are not sent in the clear.`);
  return url;
};

export const WATCH_OPTIONS = {
  ...COMMON, ...CONNECTION, ...SCOPE,
  format: { type: 'string', choices: ['table', 'json'] as const, default: 'table', group: 'Output:', describe: 'table: a line per change; json: JSON Lines' },
  since: EVIDENCE.since,
  'log-lines': { ...EVIDENCE['log-lines'], describe: "the most lines read back from the end of each host's vmkernel log at the start" },
  concurrency: EVIDENCE.concurrency,
  'log-interval': {
    type: 'number', string: true, default: 30, group: 'Evidence:', describe: "seconds between reads of each host's vmkernel log (only the new lines are read)",
    coerce: numberOption('log-interval', (value) => value >= 1 && value <= 3600, 'takes 1 to 3600 seconds'),
  },
  webhook: { type: 'string', group: 'Output:', describe: 'also POST each change as JSON to this https:// URL (retried with backoff; TLS verified)', coerce: https('webhook') },
  'webhook-ca-file': { type: 'string', group: 'Output:', coerce: fileName('webhook-ca-file'), describe: `extra trusted CA certificate (PEM) for the webhook${env('VMFIX_WEBHOOK_CA_FILE')}` },
} as const satisfies OptionGroup;

export type ConnectionArgs = ArgsOf<typeof CONNECTION & typeof COMMON>;
export type OutputArgs = ArgsOf<typeof OUTPUT>;
export type InventoryArgs = ArgsOf<typeof INVENTORY_OPTIONS>;
export type AuditArgs = ArgsOf<typeof AUDIT_OPTIONS>;
export type FixArgs = ArgsOf<typeof FIX_OPTIONS>;
export type ApplyArgs = ArgsOf<typeof APPLY_OPTIONS & typeof APPLY_POSITIONALS>;
export type RollbackArgs = ArgsOf<typeof ROLLBACK_OPTIONS & typeof ROLLBACK_POSITIONALS>;
export type JournalArgs = ArgsOf<typeof JOURNAL_OPTIONS & typeof JOURNAL_POSITIONALS>;
export type WatchArgs = ArgsOf<typeof WATCH_OPTIONS>;

/** fix's combinations of flags that cannot work, refused while parsing. */
export function checkFix(args: FixArgs): true {
  if (args.vmkernelLog?.length && args.vcenter === undefined) throw new UsageError('fix needs a vCenter (--vcenter); --vmkernel-log alone can only audit.');
  const writesNothing = Boolean(args.dryRun || args.planOut);
  if (args.yes && !writesNothing && !args.strategy) throw new UsageError('--yes needs --strategy NAME: name the change you approve (see vmfix fix --help).');
  if (writesNothing && args.format === 'csv') throw new UsageError('The change ticket is Markdown or JSON; --format csv does not fit it.');
  return true;
}
