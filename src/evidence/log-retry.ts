// When watch reads again a host's log that could not be read (refused,
// answering nothing). Each failure doubles the wait, from the log interval up
// to a cap, so a user without Global.Diagnostics on 500 hosts costs 500
// refused reads every few minutes, not every interval. A host read at last
// makes the others due at once: Global.Diagnostics is a global privilege,
// usually granted on vCenter for all its hosts together.
export class LogRetries {
  private readonly waits = new Map<string, { at: number; wait: number }>();

  constructor(
    /** The first wait (ms): the log interval. */
    private readonly first: number,
    /** The longest wait (ms): how late a privilege granted meanwhile may be seen. */
    private readonly cap: number,
  ) {}

  /** Whether a host's log failed at its last read: it waits to be tried again. */
  waiting(moref: string): boolean {
    return this.waits.has(moref);
  }

  /** Whether a host is to be tried now: never tried, or its wait over. */
  due(moref: string, now = Date.now()): boolean {
    const wait = this.waits.get(moref);
    return !wait || wait.at <= now;
  }

  failed(moref: string, now = Date.now()): void {
    const last = this.waits.get(moref)?.wait;
    const wait = last === undefined ? this.first : Math.min(last * 2, this.cap);
    this.waits.set(moref, { at: now + wait, wait });
  }

  read(moref: string): void {
    if (!this.waits.delete(moref)) return;
    for (const wait of this.waits.values()) wait.at = 0;
  }

  /** A host no longer tried (out of scope, not connected): tried at once when it is again. */
  forget(moref: string): void {
    this.waits.delete(moref);
  }
}
