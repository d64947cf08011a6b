// What reading a host's vmkernel log left unknown, in one set of words: the
// audit says each gap once for all the hosts it holds on, watch host by host
// (live.ts), where a later read of that host decides whether it still holds.
import type { VimClient } from '../vsphere/client.js';
import type { SoapFault } from '../vsphere/faults.js';
import type { HostLog } from './host-logs.js';
import type { LogSource } from './types.js';

export type LogGap =
  | { readonly about: 'no-manager' }
  | { readonly about: 'unconnected' }
  | { readonly about: 'refused'; readonly why: string }
  | { readonly about: 'stale' }
  | { readonly about: 'unanswered' }
  /** The log holds no line at all: nothing to judge, which is not the same as nothing found. */
  | { readonly about: 'empty' }
  | { readonly about: 'capped' }
  /** A followed log (watch) that stopped answering. */
  | { readonly about: 'lost'; readonly fault: string };

export interface GapWords {
  /** Whether the logs come through vCenter rather than from a standalone host. */
  readonly onVcenter: boolean;
  /** --log-lines, which a capped read ran into. */
  readonly logLines: number;
}

/** The words for an endpoint's gaps: the audit's and watch's alike. */
export function gapWords(client: VimClient, logLines: number): GapWords {
  return { onVcenter: client.serviceContent.about.apiType === 'VirtualCenter', logLines };
}

/** A host vCenter is not connected to: its log cannot be read (the audit's rule, and watch's for a host it has not read yet). */
export function connectionGap(host: { readonly connectionState: string }): LogGap | null {
  return host.connectionState === 'connected' ? null : { about: 'unconnected' };
}

/** A read the endpoint refused, with the privilege it wants where it says. */
export function refused(err: SoapFault): LogGap {
  return { about: 'refused', why: err.faultType === 'NoPermission' ? `NoPermission (needs ${err.privilegeId ?? 'Global.Diagnostics'})` : err.faultType };
}

/**
 * What a log read leaves unknown of the window (since: its start) now. Only
 * a read changes the lines and times it is judged on: the window sliding
 * can make a log stale, never make it fresh.
 */
export function gapOf(log: { readonly shortBy: HostLog['shortBy']; readonly source: LogSource }, since: string | null): LogGap | null {
  if (log.shortBy === 'unanswered') return { about: 'unanswered' };
  if (log.source.lines === 0) return { about: 'empty' };
  const { firstTime, lastTime } = log.source;
  // A log gives no evidence for a window it ends before: a host clock far behind stamps today's blocks weeks ago.
  if (since !== null && lastTime !== null && lastTime < since) return { about: 'stale' };
  // Lines were left unread before the oldest read; they matter while that one is inside the window.
  if (log.shortBy === 'cap' && since !== null && (firstTime === null || firstTime >= since)) return { about: 'capped' };
  return null;
}

export function describeGap(gap: LogGap, names: readonly string[], words: GapWords): string {
  const hosts = describeHosts(names);
  switch (gap.about) {
    case 'no-manager':
      return `vmkernel logs not read on ${hosts}: this endpoint offers no DiagnosticManager; give a support bundle with --vmkernel-log.`;
    case 'unconnected':
      return `vmkernel logs not read on ${hosts}: not connected to vCenter.`;
    case 'refused':
      return `vmkernel logs could not be read on ${hosts} (${gap.why}); the audit used the other evidence there.`;
    case 'stale':
      return `The newest line of the vmkernel log of ${hosts} is older than the start of --since: nothing inside the window came from it, so blocks there are not known (is the host's clock or logging right? --since all reads its lines whatever their time).`;
    case 'unanswered':
      return `The vmkernel log of ${hosts} answered no lines although ${words.onVcenter ? 'vCenter' : 'the host'} says it has some: nothing was read there; audit again, or give a support bundle with --vmkernel-log.`;
    case 'empty':
      return `The vmkernel log of ${hosts} holds no lines: nothing was read there, so blocks there are not known (is the host logging? see Syslog.global.logDir); give its syslog collector's file or a support bundle with --vmkernel-log.`;
    case 'capped':
      return `On ${hosts} the last ${words.logLines} lines (--log-lines) did not reach the start of --since; older lines were not read.`;
    case 'lost':
      return `vmkernel log of ${hosts} could not be read (${gap.fault}); its newer lines were not seen.`;
  }
}

const ORDER: readonly LogGap['about'][] = ['no-manager', 'unconnected', 'refused', 'stale', 'unanswered', 'empty', 'capped', 'lost'];

/** Each gap once, for all the hosts it holds on (in the order given). */
export function describeGaps(gaps: readonly { readonly name: string; readonly gap: LogGap }[], words: GapWords): string[] {
  const groups = new Map<string, { gap: LogGap; names: string[] }>();
  for (const { name, gap } of [...gaps].sort((a, b) => ORDER.indexOf(a.gap.about) - ORDER.indexOf(b.gap.about))) {
    const key = gap.about === 'refused' ? `refused/${gap.why}` : gap.about === 'lost' ? `lost/${gap.fault}` : gap.about;
    const group = groups.get(key) ?? { gap, names: [] };
    group.names.push(name);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ gap, names }) => describeGap(gap, names, words));
}

export function describeHosts(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${names.length} hosts (${shown}, …)` : names.length === 1 ? shown : `${names.length} hosts (${shown})`;
}
