// Following vCenter with WaitForUpdatesEx, as a long-running client must:
// a PropertyCollector of our own (filters can be added but the session's
// shared collector is not ours to fill), long polls shorter than the
// request timeout, the version carried from each answer to the next call, a
// truncated answer followed at once with its version (usable once).
//
// Whatever loses the collector's state starts a full resync from version
// "": InvalidCollectorVersion; the session ending (a vCenter restart or an
// expired session: the client logs in again, but the collector, its filters
// and the views and event collectors they watch lived in the old session);
// a connection that drops or a vCenter that answers 503 while it starts
// (retried with backoff for as long as it takes). A resync arrives as one
// `full` batch, so the caller can replace what it holds instead of guessing
// which objects went away.
import { isTransient, type VimClient } from './client.js';
import { SoapFault, TransportError } from './faults.js';
import { MOREF } from './schema.js';
import type { MoRef } from './types.js';

export interface PropertyChange {
  name: string;
  /** assign | add | remove | indirectRemove */
  op: string;
  val?: unknown;
}

export interface ObjectUpdate {
  /** enter | modify | leave */
  kind: string;
  obj: MoRef;
  changeSet?: PropertyChange[];
  missingSet?: { path: string; fault?: { fault?: Record<string, unknown> } }[];
}

interface UpdateSet {
  version: string;
  truncated?: boolean;
  filterSet?: { filter: MoRef; objectSet?: ObjectUpdate[]; missingSet?: { obj: MoRef }[] }[];
}

/** What a session needs watched: filter specs over objects made in that session (views, event collectors). */
export interface Watched {
  /** PropertyFilterSpecs, one filter each. */
  readonly specs: readonly Record<string, unknown>[];
  /** Destroys what was made for them; never throws. */
  teardown(): Promise<void>;
}

export interface UpdateBatch {
  /** Every object the filters see, after a start or a resync: it replaces what the caller holds. */
  readonly full: boolean;
  /** The updates of each filter, in the order of `Watched.specs`. */
  readonly filters: readonly (readonly ObjectUpdate[])[];
}

export interface FollowOptions {
  /** Makes what is watched, in the client's current session (again after each resync). */
  readonly watch: (client: VimClient) => Promise<Watched>;
  /** Gets each batch; the next long poll is sent once it has returned. */
  readonly onBatch: (batch: UpdateBatch) => Promise<void> | void;
  /** Told when following stops working for a while, and why (retrying after `delayMs`). */
  readonly onTrouble?: (why: string, delayMs: number) => void;
  /** Told when a resync starts, and why. */
  readonly onResync?: (why: string) => void;
  /** WaitOptions.maxObjectUpdates: how many objects one answer holds at most. */
  readonly maxObjectUpdates?: number;
  /** The longest wait between retries while vCenter is unreachable (default 30 s). */
  readonly maxBackoffMs?: number;
}

/** Faults after which the collector, its filters or what they watch are gone: start again from "". */
const LOST = new Set(['InvalidCollectorVersion', 'ManagedObjectNotFound', 'NotAuthenticated', 'RequestCanceled']);

export class UpdateFollower {
  private stopping = false;
  private collector: MoRef | undefined;
  private watched: Watched | undefined;
  private running: Promise<void> | undefined;
  /** Failed attempts since the last answer: the backoff grows with them. */
  private failures = 0;
  /** Ends the current pause at once (stop() does not wait out a backoff). */
  private wake: (() => void) | undefined;

  constructor(
    private readonly client: VimClient,
    private readonly options: FollowOptions,
  ) {}

  /** Follows until stop(); rejects on a failure that retrying cannot mend (a refused login, a missing privilege). */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Cancels the long poll and destroys the collector and what it watched (CancelWaitForUpdates, DestroyPropertyCollector). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const collector = this.collector;
    if (collector) await this.call('CancelWaitForUpdates', { _this: collector }).catch(() => undefined);
    await this.running?.catch(() => undefined);
    await this.teardown();
  }

  private async loop(): Promise<void> {
    let resync: string | undefined;
    let lostInARow = 0;
    while (!this.stopping) {
      try {
        if (resync !== undefined) this.options.onResync?.(resync);
        await this.follow(() => (lostInARow = 0));
        return;
      } catch (err) {
        if (this.stopping) return;
        const lost = lostState(err);
        const down = lost === undefined ? trouble(err) : undefined;
        await this.teardown();
        if (lost === undefined && down === undefined) throw err;
        resync = lost ?? down;
        // A replaced session is mended by the next attempt's Login at once; failing again and again, or an unreachable vCenter, is waited out.
        if (down !== undefined || lostInARow++ > 0) await this.pause(down ?? lost!);
      }
    }
  }

  /** One collector's life: make it, take the full picture, then the changes; returns only when stopped. */
  private async follow(delivered: () => void): Promise<void> {
    this.watched = await this.options.watch(this.client);
    this.collector = await this.call<MoRef>('CreatePropertyCollector', { _this: this.client.serviceContent.propertyCollector }, { type: MOREF });
    const filters: string[] = [];
    for (const spec of this.watched.specs) {
      const filter = await this.call<MoRef>('CreateFilter', { _this: this.collector, spec, partialUpdates: false }, { type: MOREF });
      filters.push(filter.value);
    }
    // Long polls end well within the request timeout, or they would fail as timeouts while vCenter is idle.
    const maxWaitSeconds = Math.max(1, Math.min(300, Math.floor(this.client.timeoutMs / 2000)));
    const options = { maxWaitSeconds, ...(this.options.maxObjectUpdates ? { maxObjectUpdates: this.options.maxObjectUpdates } : {}) };
    let version = '';
    let full: ObjectUpdate[][] | undefined = filters.map(() => []);
    while (!this.stopping) {
      const set = await this.poll(this.collector, version, options);
      if (!set) continue; // maxWaitSeconds passed with nothing new
      version = set.version;
      const batch = full ?? filters.map((): ObjectUpdate[] => []);
      for (const update of set.filterSet ?? []) {
        const index = filters.indexOf(update.filter.value);
        if (index < 0) continue;
        if (update.missingSet?.length) throw new SoapFault('ManagedObjectNotFound', 'an object a filter watched is gone');
        for (const object of update.objectSet ?? []) {
          if (object.missingSet?.some((m) => m.fault?.fault?._typeName === 'NotAuthenticated')) {
            throw new SoapFault('NotAuthenticated', 'the session ended while properties were read');
          }
          batch[index]!.push(object);
        }
      }
      // The rest of a truncated answer comes with the next call; a resync is delivered only once complete.
      if (full && set.truncated) continue;
      await this.options.onBatch({ full: Boolean(full), filters: batch });
      full = undefined;
      delivered();
    }
  }

  /**
   * One WaitForUpdatesEx. A dropped connection or a 5xx is retried with the
   * same version, which stays valid while the collector lives; if it did
   * not survive, the retry says so (a fault of LOST) and the loop resyncs.
   */
  private async poll(collector: MoRef, version: string, options: Record<string, number>): Promise<UpdateSet | undefined> {
    for (;;) {
      try {
        const set = await this.call<UpdateSet | undefined>('WaitForUpdatesEx', { _this: collector, version, options }, { type: 'UpdateSet' });
        this.failures = 0;
        return set;
      } catch (err) {
        const down = trouble(err);
        if (down === undefined || this.stopping) throw err;
        await this.pause(down);
      }
    }
  }

  private async pause(why: string): Promise<void> {
    const delay = Math.min(this.options.maxBackoffMs ?? 30_000, 1000 * 2 ** this.failures++) * (0.75 + Math.random() * 0.5);
    this.options.onTrouble?.(why, delay);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private async teardown(): Promise<void> {
    const collector = this.collector;
    const watched = this.watched;
    this.collector = undefined;
    this.watched = undefined;
    // Destroying the collector destroys its filters with it.
    if (collector) await this.call('DestroyPropertyCollector', { _this: collector }).catch(() => undefined);
    await watched?.teardown();
  }

  /** Not retried by the client: the loop above retries with its own backoff, and knows when a retry needs a resync. */
  private call<T>(method: string, params: Record<string, unknown>, returns?: { type: string }): Promise<T> {
    return this.client.read<T>(method, params, returns, { retries: 0 });
  }
}

/** Why the collector's state is gone, or undefined if it is not. */
function lostState(err: unknown): string | undefined {
  if (!(err instanceof SoapFault) || !LOST.has(err.faultType)) return undefined;
  return err.faultType === 'InvalidCollectorVersion' ? 'vCenter no longer knows the version vmfix had' : 'the vCenter session was replaced';
}

/** Why vCenter cannot be reached for now, or undefined for failures that waiting will not mend. */
function trouble(err: unknown): string | undefined {
  if (isTransient(err)) return (err as Error).message;
  if (err instanceof TransportError && err.failure === 'unreachable') return err.message;
  return undefined;
}
