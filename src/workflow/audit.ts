// The audit workflow: inventory and evidence in, an AuditReport out, online
// (through a vCenter session) or offline (log files alone). fix, apply and
// the session reuse the online one to plan and to verify.
import { audit, unplacedWarnings, unseenPortWarning } from '../audit/audit.js';
import { namesToCheck } from '../audit/vm-names.js';
import { logHostFinder } from '../audit/match-logs.js';
import type { AuditReport, Finding, HistoryItem } from '../audit/finding.js';
import type { EvidenceSet, LogSource, UnparsedLines } from '../evidence/types.js';
import { vmNameOf, type L2SecEvent } from '../evidence/vmkernel-log.js';
import type { Host, Inventory } from '../inventory/model.js';
import { hostFinder } from '../inventory/lookup.js';
import { describeHosts } from '../evidence/log-gaps.js';
import type { LogEvidence as LogFiles } from '../evidence/files.js';
import { applyScope, nameTest, selectNames, type Scope } from '../inventory/scope.js';
import { unreadWarnings, unseenHostWarnings, unseenNetworkWarnings } from '../inventory/unread.js';
import { UsageError } from '../errors.js';
import { phase } from '../profile.js';
import { DEFAULT_SINCE, describeSince, parseSince, windowStart, type Since } from '../evidence/since.js';
import type { VimClient } from '../vsphere/client.js';
import type { Context, Endpoint } from './context.js';

export interface AuditOptions extends Scope {
  /** Log files: online, read besides the live logs (of a host they cover, only its lines after theirs); offline, the only evidence. */
  readonly vmkernelLog?: readonly string[];
  /** How far back log evidence counts (default: the last 7 days). */
  readonly since?: Since;
  /** The most lines read back from the end of each host's vmkernel log (0: none). */
  readonly logLines: number;
  readonly concurrency: number;
}

export interface OnlineAudit {
  /** Unscoped: what plans are made against, since an Accept reaches VMs out of scope too. */
  readonly whole: Inventory;
  readonly evidence: EvidenceSet;
  readonly report: AuditReport;
}

export async function auditOnline(client: VimClient, endpoint: Endpoint, options: AuditOptions, ctx: Context): Promise<OnlineAudit> {
  const { fetchInventory } = await import('../inventory/fetch.js');
  const { gatherEvidence } = await import('../evidence/online.js');
  const since = options.since ?? parseSince(DEFAULT_SINCE);
  const spinner = ctx.ui.spinner('inventory: fetching');
  try {
    const whole = await phase('inventory', () =>
      fetchInventory(client, endpoint.display, { onPage: (page) => spinner.update(`inventory: page ${page}`) }),
    );
    const inventory = applyScope(whole, options);
    spinner.update('evidence: vmkernel logs and dvPorts');
    // Asked about VMs, the logs that matter are their hosts': another host's unreadable log is not a gap in this verdict.
    const vmHosts = new Set(inventory.vms.map((v) => v.host));
    const asked = options.vm?.length ? inventory.hosts.filter((h) => vmHosts.has(h.moref)) : inventory.hosts;
    const files = options.vmkernelLog?.length ? await (await import('../evidence/files.js')).readLogFiles(options.vmkernelLog, { since }) : undefined;
    // A host the files cover has its live log read only after their newest line of it: each line is counted once.
    const filesEnd = files ? newestFileLines(whole, files) : new Map<string, string>();
    const live = await gatherEvidence(client, { ...inventory, hosts: asked }, {
      logLines: options.logLines,
      since: windowStart(since, new Date().toISOString()),
      concurrency: options.concurrency,
      onProgress: (text) => spinner.update(text),
      filesEnd,
      ...(files ? { filesSeen: files.seen } : {}),
    });
    const readAfterFiles = asked.filter((h) => filesEnd.has(h.moref) && live.sources.some((s) => s.hostName === h.name));
    let evidence: EvidenceSet = files ? withFiles(live, files, readAfterFiles) : live;
    // Parts of given log files that could not be read: the verdict may miss evidence there.
    const problems = files?.problems ?? [];
    const names = namesToCheck(whole, evidence.vmkernel);
    if (names.key) {
      const { gatherVmNameEvents, withVmNameEvents } = await import('../evidence/vm-name-events.js');
      const read = await phase('vmNameEvents', () => gatherVmNameEvents(client, earliest(windowStart(since, new Date().toISOString()), evidence.vmkernel), names.unknown));
      evidence = withVmNameEvents(evidence, read);
    }
    const window = !files ? describeSince(since) : live.sources.length ? mixedWindow(since) : offlineWindow(since);
    const report = await phase('audit', () => judge(endpoint.display, whole, inventory, evidence, { window, ...(options.vm ? { vm: options.vm } : {}), problems }));
    return { whole, evidence, report };
  } finally {
    spinner.stop();
  }
}

/**
 * The hosts of this vCenter whose lines the given files hold (a log with no line covers nothing), each
 * with the newest time of the files that hold its lines: a host's own log or its share of a collector's file.
 */
function newestFileLines(whole: Inventory, files: LogFiles): Map<string, string> {
  const byName = hostFinder(whole.hosts);
  const byLine = logHostFinder(whole.hosts);
  // A collector's file is one source per sending host, all under its path: a line's is the share of its host.
  const share = (name: string, host: string | null | undefined) => `${name}\u0000${host?.toLowerCase() ?? ''}`;
  const sources = new Map(files.sources.map((s) => [share(s.name, s.hostName), s]));
  const ends = new Map<string, string>();
  const hold = (host: Host | undefined, time: string | null | undefined) => {
    if (!host || !time) return;
    const known = ends.get(host.moref);
    if (known === undefined || time > known) ends.set(host.moref, time);
  };
  for (const s of files.sources) if (s.lines > 0) hold(byName(s.hostName ?? undefined), s.lastTime);
  for (const e of files.events) hold(byLine(e), sources.get(share(e.source, e.hostName))?.lastTime ?? e.lastTime);
  return ends;
}

/** The live logs read and the files given, as one body of evidence. */
function withFiles(live: EvidenceSet, files: LogFiles, readAfter: readonly Host[]): EvidenceSet {
  const note = readAfter.length
    ? [`The live vmkernel log of ${describeHosts(readAfter.map((h) => h.name))} was read only for ${readAfter.length === 1 ? 'its lines after the newest the --vmkernel-log files given hold of that host' : 'their lines after the newest the --vmkernel-log files given hold of each host'}.`]
    : [];
  return {
    ...live,
    vmkernel: [...live.vmkernel, ...files.events],
    sources: [...live.sources, ...files.sources],
    portClients: files.portClients,
    unparsed: { count: live.unparsed.count + files.unparsed.count, samples: [...live.unparsed.samples, ...files.unparsed.samples].slice(0, 5) },
    notes: [...live.notes, ...files.notes, ...note],
  };
}

/** The start of the window, or of the oldest line if earlier (log files given online may be older than the window). */
export function earliest(windowBegin: string | null, lines: readonly L2SecEvent[]): string | null {
  if (windowBegin === null) return null;
  const times = [windowBegin, ...lines.map((e) => e.firstTime ?? e.lastTime).filter((t): t is string => t !== null)].map(Date.parse);
  return new Date(Math.min(...times)).toISOString();
}

/**
 * The verdict: judged against every VM (a log line or an Accept may concern
 * VMs out of scope), then narrowed to the scope (`inventory`; `vm`, the
 * --vm patterns, when asked about VMs by name). Pure; watch runs it on every change.
 */
export function judge(
  endpoint: string,
  whole: Inventory,
  inventory: Inventory,
  evidence: EvidenceSet,
  how: { readonly window: string; readonly vm?: readonly string[]; readonly problems?: readonly string[] },
): AuditReport {
  return judgeInScope(endpoint, whole, inventory, evidence, how).report;
}

/**
 * judge's verdict, and the findings of the whole estate that the scope
 * leaves out: to watch, a finding whose VM left the scope (renamed out of
 * --vm, moved off a --host) still stands; it is not resolved.
 */
export function judgeInScope(
  endpoint: string,
  whole: Inventory,
  inventory: Inventory,
  evidence: EvidenceSet,
  how: { readonly window: string; readonly vm?: readonly string[]; readonly problems?: readonly string[] },
): { readonly report: AuditReport; readonly outside: readonly Finding[] } {
  const result = audit(whole, evidence);
  const vmsOnly = Boolean(how.vm?.length);
  const scoped = scope(whole, inventory, vmsOnly);
  // A VM this user cannot see is asked about when its name matches --vm: its lines are not left out.
  const isVm = nameTest('vm', how.vm ?? []);
  const inScope = (e: L2SecEvent) => scoped.line(e) || (vmsOnly && e.vmName !== undefined && (isVm(e.vmName) || isVm(vmNameOf(e.vmName))));
  const unknownVms = result.unknownVms.filter((u) => u.events.some(inScope));
  // Asked about VMs, a block on one of their hosts that nothing ties to a VM may be theirs: said, not left out.
  const vmHosts = new Set(inventory.vms.map((v) => v.host));
  const noVm = vmsOnly ? result.findings.filter((f) => untied(f) && f.host?.moref != null && vmHosts.has(f.host.moref)) : [];
  const report = auditReport(endpoint, {
    findings: result.findings.filter(scoped.finding),
    history: result.history.filter(scoped.history),
    notes: [...result.notes, ...unknownVms.flatMap((u) => u.notes)],
    warnings: [
      ...unreadWarnings(inventory), ...unseenHostWarnings(whole, inventory, (vm) => !vmsOnly || isVm(vm.name)), ...unseenNetworkWarnings(whole, inventory), ...unparsedWarnings(evidence.unparsed), ...evidence.problems, ...(how.problems ?? []).map((p) => `Not fully read: ${p}`),
      // Asked about VMs, a line that names none (a port alone) may be about one of theirs.
      ...unplacedWarnings(result.unmatched.filter((e) => inScope(e) || (vmsOnly && e.vmName === undefined))),
      ...unknownVms.flatMap((u) => (u.warning ? [u.warning] : [])),
      // Whose VM is not known, nor its host: only a switch out of scope is known to be outside it (--vm cannot tell).
      ...result.unseenPorts.filter((p) => vmsOnly || whole === inventory || inventory.dvSwitches.some((d) => d.uuid === p.dvsUuid)).map(unseenPortWarning),
      ...scopeBlind(noVm, 'no log line ties to a VM', '--vm', (f, log) => `port ${log.port} on ${f.host?.name ?? log.source}`),
    ],
    vms: inventory.vms.length,
    hosts: inventory.hosts.length,
    evidence: evidenceSummary(how.window, evidence.sources, new Set(evidence.dvPorts.map((p) => p.dvsUuid)).size),
  });
  return { report, outside: result.findings.filter((f) => !scoped.finding(f)) };
}

/**
 * An audit of log files alone: every blocked port they show is a finding.
 * What the logs could not give (unreadable parts, lines not understood) is a
 * warning, and keeps the exit code off 0.
 */
export async function auditOffline(paths: readonly string[], ctx: Context, options: Scope & { readonly since?: Since } = {}): Promise<AuditReport> {
  // Log files name hosts and VMs, never clusters or datacenters: a scope they cannot answer is refused, not ignored.
  for (const option of ['cluster', 'datacenter'] as const) {
    if (options[option]?.length) throw new UsageError(`--${option} needs a vCenter (--vcenter): log files do not say which ${option} a host is in.`);
  }
  const { readLogFiles } = await import('../evidence/files.js');
  const { auditLogs } = await import('../audit/offline.js');
  const since = options.since ?? parseSince(DEFAULT_SINCE);
  const logs = await readLogFiles(paths, { since, onFile: (name) => ctx.ui.progress(`reading ${name}`) });
  const window = offlineWindow(since);
  // A finding is named after the VM ("web01"), its lines after ESXi's client ("web01.eth0"): a pattern may give either.
  const clients = logs.events.map((e) => e.vmName).filter((n): n is string => Boolean(n));
  // A VM named only in lines before the window is not in `clients`: say so rather than that the logs never name it.
  const older = logs.sources.some((s) => s.since !== null && s.firstTime !== null && s.firstTime < s.since);
  const beforeWindow = older ? `The logs' lines older than the window (${window}) were not looked at; --since all reads them.` : '';
  const isVm = selectNames('vm', options.vm, [...new Set([...clients, ...clients.map(vmNameOf)])], beforeWindow);
  const hostNames = [...new Set([...logs.sources.map((s) => s.hostName), ...logs.events.map((e) => e.hostName)].filter((n): n is string => Boolean(n)))];
  const isHost = selectNames('host', options.host, hostNames);
  const vmInScope = (f: Finding) =>
    !options.vm?.length || (f.vm !== null && (isVm(f.vm.name) || f.evidence.some((e) => e.type === 'vmkernel-log' && e.vmName !== undefined && isVm(e.vmName))));
  const hostInScope = (f: Finding) => !options.host?.length || isHost(f.host?.name ?? null);
  const verdict = auditLogs(logs.events, logs.portClients);
  const { findings } = verdict;
  // Left out without knowing they are outside the scope: a log that names no host says nothing of
  // --host, a port no line ties to a VM nothing of --vm. Silent, they would read as clean.
  const noHost = options.host?.length ? findings.filter((f) => f.host === null && (vmInScope(f) || untied(f))) : [];
  const noVm = options.vm?.length ? findings.filter((f) => untied(f) && hostInScope(f)) : [];
  return auditReport('offline', {
    findings: findings.filter((f) => vmInScope(f) && hostInScope(f)),
    history: verdict.history.filter((h) => (!options.vm?.length || isVm(h.vm!.name)) && (!options.host?.length || isHost(h.host?.name ?? null))),
    notes: logs.notes,
    warnings: [
      ...unparsedWarnings(logs.unparsed),
      ...logs.problems.map((p) => `Not fully read: ${p}`),
      ...scopeBlind(noHost, 'in logs that name no host', '--host', (f, log) => `${f.vm?.name ?? `port ${log.port}`} in ${log.source}`),
      ...scopeBlind(noVm, 'no log line ties to a VM', '--vm', (f, log) => `port ${log.port} on ${f.host?.name ?? log.source}`),
    ],
    vms: 0,
    hosts: new Set(logs.sources.map((s) => (s.hostName ?? s.hostOf ?? s.name).toLowerCase())).size,
    evidence: evidenceSummary(window, logs.sources, 0),
  });
}

type LogEvidence = Extract<Finding['evidence'][number], { type: 'vmkernel-log' }>;

/** A block no line ties to a VM: --vm cannot tell whether it is about the VMs asked for. */
function untied(f: Finding): boolean {
  return f.kind === 'mac-change-blocked' && f.vm === null && !f.candidates?.length && !f.evidence.some((e) => e.type === 'vmkernel-log' && e.vmName);
}

/** "1 blocked port no log line ties to a VM was left out by --vm, which cannot tell whose it is: port 0x2000007 on esx01." */
function scopeBlind(found: readonly Finding[], why: string, option: string, who: (f: Finding, log: LogEvidence) => string): string[] {
  if (!found.length) return [];
  const list = found.map((f) => {
    const log = f.evidence.find((e): e is LogEvidence => e.type === 'vmkernel-log');
    return log ? who(f, log) : f.summary;
  });
  const one = found.length === 1;
  return [`${found.length} blocked port${one ? '' : 's'} ${why} ${one ? 'was' : 'were'} left out by ${option}, which cannot tell whose ${one ? 'it is' : 'they are'}: ${list.join('; ')}.`];
}

/** audit's exit code: 1 while any finding is a warning or worse, or any evidence could not be read or understood. */
export function auditExitCode(report: AuditReport): 0 | 1 {
  return report.warnings.length || report.findings.some((f) => f.severity !== 'info') ? 1 : 0;
}

/** L2Sec lines the parser did not understand: evidence that may say a port was blocked. */
function unparsedWarnings(unparsed: UnparsedLines): string[] {
  if (!unparsed.count) return [];
  const first = unparsed.samples[0];
  return [
    `${unparsed.count} vmkernel line(s) mention L2Sec_EnforcePortCompliance in a form vmfix does not understand, so they were not judged${first ? ` (first, from ${first.source}: ${first.line.trim()})` : ''}; read them yourself.`,
  ];
}

/** Log files are read long after they were written: a duration counts back from each one's newest line. */
function offlineWindow(since: Since): string {
  return 'durationMs' in since ? `${describeSince(since)} back from each log's newest line` : describeSince(since);
}

/** Live logs count back from now, the files given from each one's newest line; where both hold a host's lines, the live log only after the files'. */
function mixedWindow(since: Since): string {
  return 'durationMs' in since
    ? `${describeSince(since)}: back from now for live logs, from each file's newest line for the --vmkernel-log files; a host's live log only after the newest line the files hold of it`
    : describeSince(since);
}

function evidenceSummary(window: string, sources: readonly LogSource[], dvSwitches: number): AuditReport['evidence'] {
  const times = sources.flatMap((s) => [s.firstTime, s.lastTime]).filter((t): t is string => t !== null).sort();
  return {
    window,
    logs: sources.length,
    lines: sources.reduce((n, s) => n + s.lines, 0),
    from: times[0] ?? null,
    to: times.at(-1) ?? null,
    dvSwitches,
    sources,
  };
}

/**
 * What of the whole estate's verdict was asked about: findings and history
 * about VMs in scope, else about hosts or DVS in scope; asked about VMs
 * (--vm), nothing about switches and portgroups alone, and no note about
 * lines for VMs out of scope.
 */
function scope(whole: Inventory, inventory: Inventory, vmsOnly: boolean) {
  const all = whole === inventory;
  const vms = new Set(inventory.vms.map((v) => v.moref));
  const hosts = new Set(inventory.hosts.map((h) => h.moref));
  const hostOf = logHostFinder(whole.hosts);
  const dvSwitches = new Set(inventory.dvSwitches.map((d) => d.name));
  return {
    finding: (f: Finding) => {
      if (all) return true;
      if (f.vm) return f.vm.moref !== null && vms.has(f.vm.moref);
      if (f.candidates?.some((c) => vms.has(c.moref))) return true;
      if (vmsOnly) return false;
      if (f.host) return f.host.moref !== null && hosts.has(f.host.moref);
      return f.switch?.type === 'distributed' && dvSwitches.has(f.switch.name);
    },
    history: (h: HistoryItem) => all || (h.vm ? h.vm.moref !== null && vms.has(h.vm.moref) : !vmsOnly && h.host?.moref != null && hosts.has(h.host.moref)),
    // A line on no host of this vCenter is not known to be outside the scope.
    line: (e: L2SecEvent) => {
      const host = hostOf(e);
      return all || (!vmsOnly && (host === undefined || hosts.has(host.moref)));
    },
  };
}

interface Verdict {
  readonly findings: readonly Finding[];
  readonly history: readonly HistoryItem[];
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
  readonly vms: number;
  readonly hosts: number;
  readonly evidence: AuditReport['evidence'];
}

function auditReport(endpoint: string, verdict: Verdict): AuditReport {
  const { findings } = verdict;
  const count = (severity: Finding['severity']) => findings.filter((f) => f.severity === severity).length;
  return {
    schemaVersion: 1,
    endpoint,
    generatedAt: new Date().toISOString(),
    summary: {
      findings: findings.length,
      critical: count('critical'),
      warning: count('warning'),
      info: count('info'),
      vmsScanned: verdict.vms,
      hostsScanned: verdict.hosts,
      history: verdict.history.length,
    },
    evidence: verdict.evidence,
    warnings: verdict.warnings,
    notes: verdict.notes,
    findings,
    history: verdict.history,
  };
}
