// vmfix watch: the audit once, then only what changes, as it happens, until
// Ctrl-C. vCenter is followed the way it is meant to be (one
// PropertyCollector, WaitForUpdatesEx over the properties the audit reads
// and an event collector's latestPage); each host's vmkernel log is read
// forward at --log-interval; a dvPort is read again only when an update or
// an event says it may have changed. Every change runs the same pure audit
// on the evidence kept so far, and the verdict is compared with the last by
// what each finding is about, so a reconnection and its full resync report
// real differences only. An idle vCenter costs one long poll per
// half-timeout and one small log read per host per interval.
import { verdictOf, type Cause, type WatchChange } from '../audit/changes.js';
import type { AuditReport, Finding } from '../audit/finding.js';
import { namesToCheck } from '../audit/vm-names.js';
import { UsageError } from '../errors.js';
import { toDvPortEvent } from '../evidence/dvport-events.js';
import { LiveEvidence, type PortRefresh } from '../evidence/live.js';
import { LogRetries } from '../evidence/log-retry.js';
import { gatherEvidence } from '../evidence/online.js';
import { gatherVmNameEvents, withVmNameEvents, type VmNamesRead } from '../evidence/vm-name-events.js';
import { DEFAULT_SINCE, describeSince, parseSince, windowStart, type Since } from '../evidence/since.js';
import type { DvPortEvent } from '../evidence/types.js';
import { LiveInventory, type Touched } from '../inventory/live.js';
import type { Inventory } from '../inventory/model.js';
import { applyScope, type Scope } from '../inventory/scope.js';
import { isTransient, type VimClient } from '../vsphere/client.js';
import type { VimEvent } from '../vsphere/events.js';
import { SoapFault, TransportError } from '../vsphere/faults.js';
import { UpdateFollower, type UpdateBatch } from '../vsphere/updates.js';
import { earliest, judgeInScope } from './audit.js';
import type { Context, Endpoint } from './context.js';
import { EVENT_FILTER, followed, INVENTORY_FILTER, mayHaveOverflowed, pageEvents } from './watch/followed.js';
import { portRefreshes } from './watch/ports.js';
import { ChangeReporter } from './watch/reporter.js';

export interface WatchOptions extends Scope {
  /** How far back evidence counts (default: the last 7 days); the window slides while watching. */
  readonly since?: Since;
  /** The most lines read back from the end of each host's vmkernel log at the start. */
  readonly logLines: number;
  readonly concurrency: number;
  /** Seconds between reads of the hosts' vmkernel logs. */
  readonly logInterval: number;
}

/** Where the verdict and the changes go (the terminal, a pipe, a webhook). */
export interface WatchSink {
  started(report: AuditReport): void;
  change(change: WatchChange): void;
  /** Evidence that could no longer be read (a log, a switch's dvPorts), said once as it appears: findings there may be missing. */
  warning(text: string): void;
  /** On the way out: deliver what is still held, within a short deadline. */
  close(): Promise<void>;
}

/** WaitForUpdatesEx answers hold at most this many objects: a 10,000-VM resync comes in pieces, not one huge answer. */
const MAX_OBJECT_UPDATES = 1000;

/** The longest a log that could not be read waits to be tried again: how late a privilege granted meanwhile is seen. */
const LOG_RETRY_CAP_MS = 10 * 60_000;

/** The longest the way out waits for vCenter to destroy the collectors. */
const STOP_DEADLINE_MS = 10_000;

/**
 * Watches until interrupted: SIGINT or SIGTERM destroys the collectors (a
 * cleanup that runs before the session's logout), then the process exits
 * 130. Rejects only on what retrying cannot mend (a refused login, a scope
 * that matches nothing at the start).
 */
export async function watch(client: VimClient, endpoint: Endpoint, options: WatchOptions, ctx: Context, sink: WatchSink): Promise<never> {
  const watcher = new Watcher(client, endpoint, options, ctx, sink);
  ctx.onInterrupt(() => watcher.stop());
  try {
    await watcher.run();
  } catch (err) {
    await watcher.stop();
    throw err;
  }
  // Stopped by an interrupt: the process exits once the cleanups have run.
  return new Promise<never>(() => undefined);
}

class Watcher {
  private readonly since: Since;
  private readonly inventory: LiveInventory;
  private readonly follower: UpdateFollower;
  private evidence: LiveEvidence | undefined;
  private readonly reporter: ChangeReporter;
  /** Verdicts one at a time: updates, log reads and refreshes all feed the same state. */
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** Events that explain changes, since the last verdict. */
  private causes: VimEvent[] = [];
  /** The newest event key taken from latestPage (each update carries the whole page). */
  private lastEventKey = 0;
  /**
   * Where vCenter's event history is to be read from before the next verdict (undefined: it
   * need not be): a page that may have overflowed or a resync left events only the history
   * holds. Kept until a read succeeds, so a read that fails is made again, from the same start.
   */
  private historyFrom: string | null | undefined;
  private scopeRefused = false;
  /** A refresh of dvPorts failed while vCenter was away: all are read again before the next verdict. */
  private portsStale = false;
  private stopped = false;
  private failed: ((err: unknown) => void) | undefined;
  /** The warnings the user has been told of and that still hold. */
  private warned = new Set<string>();
  /**
   * vCenter's VM removals and renames, as the audit reads them, for the
   * lines that name VMs the inventory lacks; read again when those names change.
   */
  private vmNames: (VmNamesRead & { readonly names: string }) | undefined;

  constructor(
    private readonly client: VimClient,
    private readonly endpoint: Endpoint,
    private readonly options: WatchOptions,
    private readonly ctx: Context,
    private readonly sink: WatchSink,
  ) {
    this.since = options.since ?? parseSince(DEFAULT_SINCE);
    this.inventory = new LiveInventory(client.serviceContent.about, endpoint.display);
    this.reporter = new ChangeReporter(
      (change) => sink.change(this.explained(change)),
      (recheck) => void this.enqueue(async () => recheck()),
      (finding) => sink.warning(leftScope(finding, options)),
    );
    this.follower = new UpdateFollower(client, {
      watch: followed,
      onBatch: (batch) => this.onBatch(batch),
      onTrouble: (why, ms) => ctx.ui.warn(`vCenter is not answering (${why}); trying again in ${Math.ceil(ms / 1000)} s.`),
      onResync: (why) => ctx.ui.say(`Reading vCenter again in full (${why}); only real differences will be reported.`),
      maxObjectUpdates: MAX_OBJECT_UPDATES,
    });
  }

  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.failed = reject;
      this.follower.run().then(resolve, reject);
    });
  }

  /** Destroys what was made in vCenter; bounded, so a vCenter that stopped answering cannot hold up the exit for long. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.reporter.stop();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_DEADLINE_MS)));
    await Promise.race([Promise.all([this.follower.stop(), this.queue]), deadline]);
    clearTimeout(timer);
    await this.sink.close();
  }

  private async onBatch(batch: UpdateBatch): Promise<void> {
    const before = this.inventory.inventory();
    const touched = this.inventory.apply(batch.filters[INVENTORY_FILTER] ?? [], batch.full);
    const page = pageEvents(batch.filters[EVENT_FILTER] ?? []);
    // Said of the first page too, and not needed there: the evidence gathered next reads the history.
    const overflowed = mayHaveOverflowed(page, this.lastEventKey);
    const events = page.filter((e) => e.key > this.lastEventKey);
    this.lastEventKey = Math.max(this.lastEventKey, ...events.map((e) => e.key));
    const blocks = events.map(toDvPortEvent).filter((e): e is DvPortEvent => e !== null);
    if (!this.evidence) return this.start(blocks);
    const evidence = this.evidence;
    this.causes.push(...events);
    await this.enqueue(async () => {
      // Back from a disconnection, or more events than latestPage holds since the last answer: some
      // may have left it unseen (a block released since, which no dvPort read shows); the history has them.
      if (batch.full || overflowed) this.historyFrom ??= evidence.historyStart(this.windowStart());
      const fresh = [...(await this.readHistoryDue()), ...evidence.addEvents(blocks)];
      let refreshes: PortRefresh[];
      if (batch.full) {
        refreshes = this.inventory.inventory().dvSwitches.map((dvs) => ({ dvs }));
        await evidence.pollLogs(this.options.concurrency, this.windowStart());
      } else {
        refreshes = portRefreshes(before, this.inventory.inventory(), touched, fresh);
        // A guest that changed its MAC: ESXi logged the block as it happened, before Tools told vCenter; read it now.
        const hosts = new Set(this.inventory.inventory().vms.filter((vm) => touched.vms.has(vm.moref) && vm.host).map((vm) => vm.host!));
        if (hosts.size) await evidence.pollLogs(this.options.concurrency, this.windowStart(), hosts);
      }
      for (const refresh of refreshes) await evidence.refreshPorts(refresh);
      await this.verdictNow();
    });
  }

  /** The first picture of vCenter: the audit's evidence, its verdict shown once, then the log timer. */
  private async start(blocks: DvPortEvent[]): Promise<void> {
    const spinner = this.ctx.ui.spinner('evidence: vmkernel logs, dvPorts and events');
    try {
      const scoped = applyScope(this.inventory.inventory(), this.options);
      const gathered = await gatherEvidence(this.client, scoped, {
        logLines: this.options.logLines,
        since: this.windowStart(),
        concurrency: this.options.concurrency,
        onProgress: (text) => spinner.update(text),
      });
      const interval = this.options.logInterval * 1000;
      this.evidence = new LiveEvidence(this.client, gathered, this.options.logLines, new LogRetries(interval, Math.max(interval, LOG_RETRY_CAP_MS)));
      this.evidence.addEvents(blocks);
    } finally {
      spinner.stop();
    }
    const report = await this.report();
    this.reporter.start(verdictOf(report.findings));
    this.warned = new Set(report.warnings);
    this.sink.started(report);
    this.ctx.ui.say(`Watching ${this.endpoint.display}: changes are reported as they happen; Ctrl-C stops.`);
    this.scheduleLogs();
  }

  /**
   * The history owed (historyFrom), read before this page's events are added: they would move
   * the key mark past the older events the read brings. Its events not seen before. Refused,
   * it is a warning and stays owed: the log timer tries again.
   */
  private async readHistoryDue(): Promise<DvPortEvent[]> {
    if (this.historyFrom === undefined) return [];
    let fresh: DvPortEvent[];
    try {
      fresh = await this.evidence!.readEventHistory(this.historyFrom);
    } catch (err) {
      if (!(err instanceof SoapFault) || passing(err)) throw err;
      this.evidence!.historyRefused(err.faultType);
      return [];
    }
    this.historyFrom = undefined;
    return fresh;
  }

  private scheduleLogs(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.enqueue(async () => {
        const evidence = this.evidence!;
        const problems = evidence.problemList.join('\n');
        // A host whose log could not be read (refused, answering nothing) is tried again as its wait ends, not only when vCenter changes.
        if (evidence.waiting) await this.followHosts(this.scoped(this.inventory.inventory()), true);
        const added = await evidence.pollLogs(this.options.concurrency, this.windowStart());
        // A history read that failed is owed still: made now, not only when vCenter next changes.
        const events = await this.readHistoryDue();
        for (const refresh of portRefreshes(this.inventory.inventory(), this.inventory.inventory(), NOTHING_TOUCHED, events)) await evidence.refreshPorts(refresh);
        // A log that stopped (or started again) being readable or covering the window changes what the verdict can vouch for.
        if (added || events.length || evidence.expires(this.windowStart()) || evidence.problemList.join('\n') !== problems) await this.verdictNow();
      }).finally(() => this.scheduleLogs());
    }, this.options.logInterval * 1000);
  }

  /** Runs after whatever runs now. A failure vCenter's absence explains is left to the follower to mend; anything else ends the watch. */
  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(work).catch((err: unknown) => {
      if (this.stopped) return;
      if (passing(err)) this.portsStale = true;
      else this.failed?.(err);
    });
    return this.queue;
  }

  private async verdictNow(): Promise<void> {
    const whole = this.inventory.inventory();
    if (this.portsStale) {
      for (const dvs of whole.dvSwitches) await this.evidence!.refreshPorts({ dvs });
      this.portsStale = false;
    }
    // Hosts new to the scope only: logs that failed are tried again by the log timer, not ahead of each verdict.
    await this.followHosts(this.scoped(whole), false);
    const { report, outside } = await this.verdict();
    this.reporter.publish(verdictOf(report.findings), verdictOf(outside));
    this.causes = [];
    // A verdict is only as complete as what could be read for it: a log or dvPorts lost while watching is said, once.
    for (const warning of report.warnings) if (!this.warned.has(warning)) this.sink.warning(warning);
    this.warned = new Set(report.warnings);
  }

  /**
   * The verdict on the evidence now. A line naming a VM the inventory lacks
   * is a VM deleted or renamed, or one this user cannot see (a block no
   * verdict may pass over), and one naming a VM it has may name another
   * renamed since: vCenter's events tell which, as in the audit, read only
   * when the names lines give, or the VMs called so, change.
   */
  private async report(): Promise<AuditReport> {
    return (await this.verdict()).report;
  }

  /** The verdict on the evidence now, and the findings the scope leaves out (a finding that left it is not resolved). */
  private async verdict(): Promise<{ readonly report: AuditReport; readonly outside: readonly Finding[] }> {
    const whole = this.inventory.inventory();
    const snapshot = this.evidence!.snapshot(this.windowStart());
    const { key: names, unknown } = namesToCheck(whole, snapshot.vmkernel);
    if (names === '') this.vmNames = undefined;
    else if (names !== this.vmNames?.names) this.vmNames = { names, ...(await gatherVmNameEvents(this.client, earliest(this.windowStart(), snapshot.vmkernel), unknown)) };
    const evidence = this.vmNames ? withVmNameEvents(snapshot, this.vmNames) : snapshot;
    return judgeInScope(this.endpoint.display, whole, this.scoped(whole), evidence, { window: describeSince(this.since), ...(this.options.vm ? { vm: this.options.vm } : {}) });
  }

  /** The scope now. A name that matched at the start and no longer does (a VM deleted) leaves nothing in scope, said once. */
  private scoped(whole: Inventory): Inventory {
    try {
      const scoped = applyScope(whole, this.options);
      this.scopeRefused = false;
      return scoped;
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      // Said where the changes go (a JSON line, the webhook): from now on no change there means nothing watched, not all clear.
      if (!this.scopeRefused) this.sink.warning(`${err.message} Nothing is in scope until it matches again.`);
      this.scopeRefused = true;
      return { ...whole, hosts: [], dvSwitches: [], vms: [] };
    }
  }

  /**
   * Hosts that came into scope, or (retrying) whose log could not be read
   * yet and whose wait since is over, have their logs read; those that left
   * it are no longer read. A host that is disconnected keeps what was read
   * of its log (its blocks did not go away); one never read is said not
   * connected, as the audit says it, and starts being read once connected.
   */
  private async followHosts(scoped: Inventory, retrying: boolean): Promise<void> {
    const evidence = this.evidence!;
    const inScope = new Set(scoped.hosts.map((h) => h.moref));
    for (const moref of evidence.heldHosts) if (!inScope.has(moref)) evidence.dropHost(moref);
    await evidence.addHosts(scoped.hosts, this.windowStart(), this.options.concurrency, retrying);
  }

  private explained(change: WatchChange): WatchChange {
    // A block event is the finding's evidence already; its release, or a reconfiguration, is what explains a change.
    const causes = this.causes.filter((e) => e._typeName !== 'DvsPortBlockedEvent' && about(e, change.finding)).map(toCause);
    return causes.length ? { ...change, causes } : change;
  }

  private windowStart(): string | null {
    return windowStart(this.since, new Date().toISOString());
  }
}

/** Nothing in the inventory changed (a refresh for events alone). */
const NOTHING_TOUCHED: Touched = { vms: new Set(), hosts: new Set(), dvSwitches: new Set(), dvPortgroups: new Set(), tree: false };

/** The warning for a finding reported before whose VM (or host) the scope no longer takes in, though the finding stands. */
function leftScope(finding: Finding, scope: Scope): string {
  const given = (['vm', 'host', 'cluster', 'datacenter'] as const).filter((o) => scope[o]?.length).map((o) => `--${o} ${scope[o]!.map((p) => `'${p}'`).join(' ')}`);
  const what = finding.vm ? `${finding.vm.name} (${finding.vm.moref ?? 'no moref'})` : (finding.host?.name ?? finding.portgroup?.name ?? finding.id);
  return `${what} is no longer in the scope of this watch (${given.join(' ') || 'as given'}), renamed or moved, but its finding still stands and is not resolved: ${finding.summary} It is no longer followed here; audit it by its name now.`;
}

/** Whether an event is about what a finding is about: its VM, its portgroup, its port. */
function about(e: VimEvent, f: Finding): boolean {
  if (f.vm?.moref && e.vm?.vm.value === f.vm.moref) return true;
  if (f.portgroup?.moref && e.net?.network.value === f.portgroup.moref) return true;
  return e.portKey !== undefined && f.portgroup?.portKey === e.portKey && f.switch?.name === e.dvs?.name;
}

function toCause(e: VimEvent): Cause {
  return { type: e._typeName ?? 'Event', time: new Date(e.createdTime).toISOString(), userName: e.userName || null, message: e.fullFormattedMessage ?? '' };
}

/** Failures of a moment: vCenter unreachable or restarting, the session being replaced. */
function passing(err: unknown): boolean {
  return isTransient(err) || (err instanceof TransportError && err.failure === 'unreachable') ||
    (err instanceof SoapFault && (err.faultType === 'NotAuthenticated' || err.faultType === 'ManagedObjectNotFound'));
}
