// Evidence kept current while watching: gathered once as the audit gathers
// it (online.ts), then each piece refreshed only where something says it
// changed: the vmkernel logs read forward at an interval, the dvPorts a
// vCenter update or event names fetched again, new block events added.
// snapshot() is an EvidenceSet like the audit's, for the same pure audit.
import type { DvSwitch, Host } from '../inventory/model.js';
import type { VimClient } from '../vsphere/client.js';
import { SoapFault } from '../vsphere/faults.js';
import type { MoRef } from '../vsphere/types.js';
import { LOG_PAGE, logBrowser, tailHostLog, type HostLog } from './host-logs.js';
import { FollowedLog } from './log-follow.js';
import { connectionGap, describeGap, gapOf, gapWords, refused, type GapWords, type LogGap } from './log-gaps.js';
import type { LogRetries } from './log-retry.js';
import { portEventsThatCount, readDvPortEvents } from './dvport-events.js';
import { dvPortsProblem, eventsProblem, readDvPorts, type GatheredEvidence } from './online.js';
import { pool } from './pool.js';
import type { DvPortEvent, DvPortState, EvidenceSet } from './types.js';

/** Which ports of a DVS to read again: some ports, a portgroup's, or (neither) all. */
export interface PortRefresh {
  readonly dvs: DvSwitch;
  readonly portKeys?: readonly string[];
  readonly portgroupKeys?: readonly string[];
}

export class LiveEvidence {
  private readonly logs = new Map<string, FollowedLog>();
  private readonly ports = new Map<string, DvPortState>();
  private portEvents: DvPortEvent[] = [];
  /** The newest event key taken: events come again after a resync, and keys never repeat. */
  private lastEventKey = 0;
  /** When the event of that key was made: no block or release not taken yet is older (historyStart). */
  private lastEventTime: string | null = null;
  /** What the first reading said of its evidence (a rotated log, events not read): kept as said. */
  private readonly notes = new Map<string, string>();
  /**
   * Evidence that could not be read, by what it is about (`log/` a host's
   * log, `ports/` a DVS's dvPorts, `logs` the endpoint's, `events` the block
   * events before the watch began): only the next read
   * of that thing changes it, so time passing or a read of something else
   * never clears it.
   */
  private readonly problems = new Map<string, string>();
  private readonly words: GapWords;

  constructor(
    private readonly client: VimClient,
    gathered: GatheredEvidence,
    /** --log-lines: how far back a host's log is read when it starts being followed. */
    private readonly logLines: number,
    /** When a log that could not be read is tried again. */
    private readonly retries: LogRetries,
  ) {
    this.words = gapWords(client, logLines);
    for (const log of gathered.hostLogs) if (log.shortBy !== 'unanswered') this.follow(log);
    // No DiagnosticManager is the endpoint's, not a host's: said once, and no read can clear it.
    const noManager = gathered.logGaps.filter((g) => g.gap.about === 'no-manager').map((g) => g.host.name);
    if (noManager.length) this.problems.set('logs', describeGap({ about: 'no-manager' }, noManager, this.words));
    for (const { host, gap } of gathered.logGaps) if (gap.about !== 'no-manager') this.logRead(host, gap);
    for (const { host, gap } of gathered.logGaps) if (gap.about === 'refused' || gap.about === 'unanswered') retries.failed(host.moref);
    for (const port of gathered.dvPorts) this.ports.set(portId(port), port);
    for (const unread of gathered.dvPortsUnread) this.problems.set(`ports/${unread.dvs.moref}`, dvPortsProblem(unread));
    if (gathered.eventsUnread) this.problems.set('events', eventsProblem(gathered.eventsUnread));
    this.addEvents(gathered.dvPortEvents ?? []);
    gathered.notes.forEach((note, i) => this.notes.set(`gathered/${i}`, note));
  }

  /** What could not be read, as it stands now (a later success clears it). */
  get problemList(): readonly string[] {
    return [...this.problems.values()];
  }

  /** Hosts whose log is followed. */
  get followedHosts(): ReadonlySet<string> {
    return new Set(this.logs.keys());
  }

  /** Hosts whose log is followed or could not be: those dropHost forgets. */
  get heldHosts(): ReadonlySet<string> {
    return new Set([...this.logs.keys(), ...this.unreadHosts()]);
  }

  /** Whether a host's log could not be read yet (refused, answering nothing, not connected): worth trying again. */
  get waiting(): boolean {
    return this.unreadHosts().some((moref) => !this.logs.has(moref));
  }

  /**
   * The hosts in scope whose log is not followed: one not connected is said
   * so, as the audit says it; one connected is read if never tried, and,
   * when retrying, if its wait since the last failure is over; --concurrency
   * at once, so retries cost what a read of the followed logs costs, and
   * seldom.
   */
  async addHosts(hosts: readonly Host[], since: string | null, concurrency: number, retrying: boolean): Promise<void> {
    if (!this.client.serviceContent.diagnosticManager) return;
    const due: Host[] = [];
    for (const host of hosts) {
      if (this.logs.has(host.moref)) continue;
      const gap = connectionGap(host);
      if (gap) {
        this.logRead(host, gap);
        this.retries.forget(host.moref);
      } else if (retrying ? this.retries.due(host.moref) : !this.retries.waiting(host.moref)) due.push(host);
    }
    await pool(due, concurrency, (host) => this.addHost(host, since));
  }

  /**
   * Starts following a host that came into the inventory or scope, or whose
   * log could not be read before: its window read backwards first.
   */
  async addHost(host: Host, since: string | null): Promise<void> {
    const browse = this.browser(host);
    if (!browse || this.logs.has(host.moref)) return;
    try {
      const log = await tailHostLog(this.client, browse.manager, browse.hostRef, host, { since, maxLines: this.logLines });
      // A log that answered nothing is read again whole next time, not followed from an end whose window was never read.
      if (log.shortBy !== 'unanswered') this.follow(log);
      this.logRead(host, gapOf(log, since));
    } catch (err) {
      if (!(err instanceof SoapFault)) throw err;
      this.logRead(host, refused(err));
    }
    if (this.logs.has(host.moref)) this.retries.read(host.moref);
    else this.retries.failed(host.moref);
  }

  /** A host that left the scope: neither its log nor what could not be read of it is about the verdict any more. */
  dropHost(moref: string): void {
    this.logs.delete(moref);
    this.problems.delete(`log/${moref}`);
    this.retries.forget(moref);
  }

  /**
   * Reads the followed logs (of the hosts given, else all) forward; the
   * number of new L2Sec events. Hosts that refuse are noted, not fatal.
   * since: the window's start now, which each log read is judged against.
   */
  async pollLogs(concurrency: number, since: string | null, hosts?: ReadonlySet<string>): Promise<number> {
    let added = 0;
    const logs = [...this.logs.values()].filter((l) => !hosts || hosts.has(l.host.moref));
    await pool(logs, concurrency, async (log) => {
      try {
        added += await log.poll();
        this.logRead(log.host, gapOf({ shortBy: log.shortBy, source: log.source(since) }, since));
      } catch (err) {
        if (!(err instanceof SoapFault)) throw err;
        this.logRead(log.host, { about: 'lost', fault: err.faultType });
      }
    });
    return added;
  }

  /** Fetches the ports again: those asked for are replaced by what vCenter says now (a port no longer connected goes). */
  async refreshPorts(refresh: PortRefresh): Promise<void> {
    const { dvs, portKeys, portgroupKeys } = refresh;
    let fresh: DvPortState[];
    try {
      fresh = await readDvPorts(this.client, dvs, { ...(portKeys ? { portKeys } : {}), ...(portgroupKeys ? { portgroupKeys } : {}) });
      this.problems.delete(`ports/${dvs.moref}`);
    } catch (err) {
      if (!(err instanceof SoapFault)) throw err;
      this.problems.set(`ports/${dvs.moref}`, dvPortsProblem({ dvs, fault: err.faultType }));
      return;
    }
    const keys = portKeys ? new Set(portKeys) : undefined;
    const groups = portgroupKeys ? new Set(portgroupKeys) : undefined;
    for (const [id, port] of this.ports) {
      if (port.dvsUuid !== dvs.uuid) continue;
      if (keys ? keys.has(port.portKey) : groups ? groups.has(port.portgroupKey ?? '') : true) this.ports.delete(id);
    }
    for (const port of fresh) this.ports.set(portId(port), port);
  }

  /** Takes the events not seen before (by key) that say something (a port's connection only after a block); returns them. */
  addEvents(events: readonly DvPortEvent[]): DvPortEvent[] {
    // Blocks and connections are read at two moments: a block made between them comes later, keyed
    // before a connection already held, so the mark follows blocks and releases only, and keys held are skipped.
    const held = new Set(this.portEvents.map((e) => e.key));
    const unseen = events.filter((e) => !held.has(e.key) && (e.kind === 'connected' || e.key > this.lastEventKey)).sort((a, b) => a.key - b.key);
    for (const e of unseen) {
      if (e.kind !== 'connected' && e.key > this.lastEventKey) [this.lastEventKey, this.lastEventTime] = [e.key, e.time];
    }
    const fresh = portEventsThatCount(this.portEvents, unseen);
    this.portEvents.push(...fresh);
    return fresh;
  }

  /**
   * Where a read of vCenter's event history must start to miss no port event not taken yet: when
   * the newest block or release taken was made (blocks and releases are read together, and a
   * connection not taken came after them), or the window's start while the history before the
   * watch began is unread. Asked before the events that made a read needed are added: the key
   * mark would pass over older ones the read brings.
   */
  historyStart(windowStart: string | null): string | null {
    if (this.problems.has('events') || this.lastEventTime === null) return windowStart;
    return windowStart !== null && Date.parse(windowStart) > Date.parse(this.lastEventTime) ? windowStart : this.lastEventTime;
  }

  /**
   * vCenter's port events since `since` (historyStart's), the held ones' blocks counting; those
   * not seen before are taken and returned. Read, the history is no longer a problem.
   */
  async readEventHistory(since: string | null): Promise<DvPortEvent[]> {
    const read = await readDvPortEvents(this.client, since, this.portEvents);
    this.problems.delete('events');
    return this.addEvents(read);
  }

  /** A read of the history refused: blocks made and released since the last read are unknown until one succeeds. */
  historyRefused(fault: string): void {
    this.problems.set('events', eventsProblem(fault));
  }

  /** Whether some evidence held has left the window since (a verdict would drop it). */
  expires(since: string | null): boolean {
    if (since === null) return false;
    return this.portEvents.some((e) => e.time < since) || [...this.logs.values()].some((l) => l.oldest !== null && l.oldest < since);
  }

  /** The evidence now, inside the window (since: its start, ISO; null: all). */
  snapshot(since: string | null): EvidenceSet {
    if (since !== null) this.portEvents = this.portEvents.filter((e) => e.time >= since);
    const logs = [...this.logs.values()].sort((a, b) => a.host.name.localeCompare(b.host.name));
    const samples = logs.flatMap((l) => l.unparsedSamples.map((line) => ({ source: l.host.name, line })));
    return {
      vmkernel: logs.flatMap((l) => l.current(since)),
      dvPorts: [...this.ports.values()],
      dvPortEvents: [...this.portEvents],
      notes: [...this.notes.values()],
      problems: [...this.problems.values()],
      sources: logs.map((l) => l.source(since)),
      portClients: [],
      unparsed: { count: logs.reduce((n, l) => n + l.unparsedCount, 0), samples: samples.slice(0, 5) },
    };
  }

  private unreadHosts(): string[] {
    return [...this.problems.keys()].filter((k) => k.startsWith('log/')).map((k) => k.slice('log/'.length));
  }

  /** What the latest read of a host's log left unknown (null: nothing); the one place a host's log problem is set or cleared. */
  private logRead(host: Host, gap: LogGap | null): void {
    if (gap) this.problems.set(`log/${host.moref}`, describeGap(gap, [host.name], this.words));
    else this.problems.delete(`log/${host.moref}`);
  }

  private follow(log: HostLog): void {
    const browse = this.browser(log.host);
    // Not retried: the next poll reads the same lines, and the watch says when vCenter is away.
    if (browse) this.logs.set(log.host.moref, new FollowedLog(logBrowser(this.client, browse.manager, browse.hostRef, 0), log.host, log, LOG_PAGE));
  }

  private browser(host: Host): { manager: MoRef; hostRef: MoRef | undefined } | undefined {
    const manager = this.client.serviceContent.diagnosticManager;
    if (!manager) return undefined;
    const onVcenter = this.client.serviceContent.about.apiType === 'VirtualCenter';
    return { manager, hostRef: onVcenter ? { type: 'HostSystem', value: host.moref } : undefined };
  }
}

function portId(port: DvPortState): string {
  return `${port.dvsUuid}/${port.portKey}`;
}
