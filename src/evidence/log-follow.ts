// A host's vmkernel log read forward (vmfix watch): after the window was
// read backwards once (host-logs.ts), each poll asks for the lines after the
// last one seen, so an idle host costs one small call and no line is read
// twice. The events are kept while they are inside the window, so memory
// follows the window's blocks, not the hours watched.
import type { Host } from '../inventory/model.js';
import { hostLogCollector, lineTime, type HostLog, type LogHeader } from './host-logs.js';
import type { LogSource } from './types.js';
import { eventKey, type L2SecEvent } from './vmkernel-log.js';

/** Lines read at most per poll, so one chatty host cannot hold the others up; the rest come next time. */
const MAX_PAGES_PER_POLL = 20;


export class FollowedLog {
  private readonly events = new Map<string, L2SecEvent>();
  private next: number;
  private lines: number;
  private firstTime: string | null;
  private lastTime: string | null;
  /** Why the first read did not cover the window (host-logs.ts). */
  readonly shortBy: HostLog['shortBy'];
  /** L2Sec lines the parser did not understand: how many, and the first few. */
  unparsedCount = 0;
  readonly unparsedSamples: string[] = [];

  constructor(
    private readonly browse: (start: number, count: number) => Promise<LogHeader>,
    readonly host: Host,
    start: HostLog,
    /** BrowseDiagnosticLog's most lines a call (500 through vCenter). */
    private readonly page: number,
  ) {
    for (const e of start.events) this.events.set(eventKey(e), { ...e });
    this.shortBy = start.shortBy;
    this.unparsedCount = start.unparsed.count - start.unparsed.samples.length;
    for (const line of start.unparsed.samples) this.notUnderstood(line);
    this.next = start.lineEnd + 1;
    this.lines = start.source.lines;
    this.firstTime = start.source.firstTime;
    this.lastTime = start.source.lastTime;
  }

  /** Reads what the host logged since the last poll; the number of L2Sec events it brought. */
  async poll(): Promise<number> {
    const collector = hostLogCollector(this.host);
    let added = 0;
    for (let pages = 0; pages < MAX_PAGES_PER_POLL; pages++) {
      const header = await this.browse(this.next, this.page);
      const text = header.lineText ?? [];
      if (!text.length) {
        // The log ended before the line we expected next: it was rotated, and the new one starts at 1.
        if (header.lineEnd < this.next - 1) {
          this.next = 1;
          continue;
        }
        break;
      }
      for (const line of text) {
        collector.add(line);
        const time = lineTime(line);
        if (time) {
          this.firstTime ??= time;
          this.lastTime = time;
        }
      }
      this.lines += text.length;
      this.next = header.lineStart + text.length;
      if (text.length < this.page) break;
    }
    // The collector knows which L2Sec lines it could not read (run-together messages split, other policies told apart).
    const unread = collector.unparsed();
    this.unparsedCount += unread.count - unread.samples.length;
    for (const line of unread.samples) this.notUnderstood(line);
    for (const e of collector.events()) {
      added++;
      const known = this.events.get(eventKey(e));
      if (!known) {
        this.events.set(eventKey(e), e);
        continue;
      }
      known.count += e.count;
      if (e.firstTime !== null && (known.firstTime === null || e.firstTime < known.firstTime)) known.firstTime = e.firstTime;
      if (e.lastTime !== null && (known.lastTime === null || e.lastTime > known.lastTime)) known.lastTime = e.lastTime;
    }
    return added;
  }

  /** When the oldest event held was last seen: the window drops it after that. */
  get oldest(): string | null {
    let oldest: string | null = null;
    for (const e of this.events.values()) if (e.lastTime !== null && (oldest === null || e.lastTime < oldest)) oldest = e.lastTime;
    return oldest;
  }

  /** The events inside the window (since: its start, ISO; null: all), forgetting those that left it. */
  current(since: string | null): L2SecEvent[] {
    if (since !== null) {
      for (const [key, e] of this.events) if (e.lastTime !== null && e.lastTime < since) this.events.delete(key);
    }
    return [...this.events.values()];
  }

  private notUnderstood(line: string): void {
    this.unparsedCount++;
    if (this.unparsedSamples.length < 5) this.unparsedSamples.push(line);
  }

  source(since: string | null): LogSource {
    return { name: this.host.name, hostName: this.host.name, lines: this.lines, firstTime: this.firstTime, lastTime: this.lastTime, since };
  }
}
