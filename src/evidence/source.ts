// One log source as it is read: every line goes through here once, to count
// it (per sending host, since a collector's file holds many), to find L2Sec
// events, and to note which client or MAC each port had. finish() applies the
// --since window back from the newest line of each host's share.
import { isNumberedAge } from './bundle-layout.js';
import { LineDecoder } from './lines.js';
import { LineHeadReader } from './line-head.js';
import { parsePortLine, type PortClientRecord } from './port-clients.js';
import type { SeenLines } from './seen-lines.js';
import { windowStart, type Since } from './since.js';
import type { Bytes } from './streams.js';
import type { LogSource, PortClient } from './types.js';
import { L2SecCollector, MARKER, type L2SecEvent } from './vmkernel-log.js';

/** Port records kept per source: ports come and go with power-ons and vMotions, a few hundred a week. */
const MAX_PORT_RECORDS = 20_000;

export interface SourceInit {
  readonly name: string;
  readonly hostName: string | null;
  /** Every line is this host's (a vm-support bundle), whatever host a line names. */
  readonly fixedHost: boolean;
  /** When the log was collected (ms): places year-less syslog stamps in a year. */
  readonly reference?: number;
  /** A second regular copy of a log this source (by name) already reads, elsewhere in the bundle. */
  readonly copyOf?: string;
  /** When vmfix reads (ms): a line stamped well after it is from a clock set ahead, and no end for the window. */
  readonly now?: number;
  /** The L2Sec lines every source of this reading has counted: the same line from another file counts once. */
  readonly seen?: SeenLines;
  /**
   * The host its lines are matched under against the same line elsewhere, where not `hostName`: a
   * bundle of a host never named is "localhost", for esx.conf, which tells whose it is, may come after
   * its logs (a line of the same text, time and world from two hosts there is none).
   */
  readonly seenAs?: string;
}

interface Share {
  readonly hostName: string | null;
  lines: number;
  firstTime: string | null;
  lastTime: string | null;
  /** The time of the last timed line read, for telling a clock set back. */
  lastRead: string | null;
  /**
   * The last timed line of the newest file (lowest rotation age) read: where the window is measured
   * from, whatever order an archive holds the files in.
   */
  end: { age: number; time: string } | null;
  /** A line stamped an hour or more before the one read just before it: the host's clock was set back. */
  clockJumped: boolean;
}

/** One file being read into a source. */
interface FileRead {
  /** Its rotation age: -1 the live log, 0 vmkernel.0.gz, … */
  readonly age: number;
  /** Whether an L2Sec line of it is new evidence, not one another file already gave. */
  readonly firstSeen: ((hostName: string | null, line: string) => boolean) | null;
  /** A numbered rotation's first and last stamped lines (rotationGaps). */
  readonly span: Span | null;
}

interface Span {
  first: string | null;
  last: string | null;
}

/** How far back a line may be stamped from the one before it before the clock counts as set back. */
const CLOCK_JUMP_MS = 3_600_000;
/** vmkernel's program tag (ESXi 8, syslog forms) or its world prefix (every version): "cpu3:2098131)". */
const VMKERNEL_LINE = /\bvmkernel\b|\bcpu\d+:\d+[ )]/;
/** How far ahead of this machine's clock a host's may run before its lines count as stamped in the future. */
const CLOCK_AHEAD_MS = 600_000;

export interface FinishedSource {
  readonly sources: LogSource[];
  readonly events: L2SecEvent[];
  readonly portClients: PortClient[];
  readonly notes: string[];
  /** What makes the verdict on this source unsure: a warning each. */
  readonly problems: string[];
  readonly unparsed: { readonly count: number; readonly samples: readonly string[] };
}

export class SourceBuilder {
  readonly collector: L2SecCollector;
  readonly #heads: LineHeadReader;
  readonly #shares = new Map<string, Share>();
  readonly #ports = new Map<string, PortClient>();
  #portsNotKept = 0;
  #lines = 0;
  #vmkernelLines = 0;
  #yearInferred = false;
  #cutLines = 0;
  #lostMarkers = 0;
  /** The last line of the file read before, with no newline and no head of its own. */
  #carry: string | null = null;
  /** Lines stamped after `now`, and the latest such stamp. */
  #ahead = 0;
  #latestAhead = '';
  readonly #aheadAfter: string | null;
  /** The file the last line came from. */
  #file: FileRead = { age: -1, firstSeen: null, span: null };
  /** Each numbered rotation fed, by age (-1 the live log, N vmkernel.N.gz). */
  readonly #rotations = new Map<number, Span>();
  #lastTimeRead: string | null = null;

  constructor(readonly init: SourceInit) {
    this.collector = new L2SecCollector(init.name, init.hostName ?? undefined, {
      fixedHost: init.fixedHost,
      ...(init.reference === undefined ? {} : { reference: init.reference }),
    });
    this.#heads = new LineHeadReader(init.reference);
    this.#aheadAfter = init.now === undefined ? null : new Date(init.now + CLOCK_AHEAD_MS).toISOString();
  }

  /** Log lines read so far (lines with a log head, and L2Sec lines; binary junk and blank lines do not count). */
  get lines(): number {
    return this.#lines;
  }

  /** The time of the last timed line read: where an archive cut short stopped. */
  get lastTimeRead(): string | null {
    return this.#lastTimeRead;
  }

  /** Of those, the lines vmkernel wrote: hostd's or another program's say nothing of blocked ports. */
  get vmkernelLines(): number {
    return this.#vmkernelLines;
  }

  /**
   * Reads a stream of text to its end; every line is added.
   * @param age the file's rotation age (-1 the live log, N vmkernel.N.gz)
   * @returns whether its last line had no newline: a file cut mid-line, where a log ends with a whole one
   */
  async feed(text: Bytes, age = -1): Promise<{ endedMidLine: boolean }> {
    const file: FileRead = { age, firstSeen: this.init.seen?.file() ?? null, span: this.met(age) };
    this.#enter(file);
    let first = true;
    let endedMidLine = false;
    const decoder = new LineDecoder((line, cut, unterminated) => {
      this.#enter(file);
      endedMidLine = unterminated;
      let text = cut ? messageOf(line) : line;
      if (first) {
        first = false;
        text = this.#continued(text);
      }
      // A last line cut before its head was whole (a collector's copytruncate): the next file may hold the rest.
      if (unterminated && this.#heads.read(text) === null) this.#carry = text;
      else this.add(text);
    });
    try {
      for await (const chunk of text) decoder.push(chunk);
      decoder.end();
    } finally {
      this.collector.endOfStream();
      this.#cutLines += decoder.cutLines;
      this.#lostMarkers += decoder.lostMarkers;
    }
    return { endedMidLine };
  }

  /**
   * Lines from another file than the last line's: one fed at its start, or one whose slices an archive
   * holds around another file of this source (fragments.ts), read on between them.
   */
  #enter(file: FileRead): void {
    if (this.#file === file) return;
    // An older file after a newer one (an archive's order): the step between them is no clock set back.
    if (file.age > this.#file.age) for (const share of this.#shares.values()) share.lastRead = null;
    this.#file = file;
  }

  /** The first line of a file, after the headless, unterminated last line of the one before it if it is its rest. */
  #continued(text: string): string {
    const carry = this.#carry;
    if (carry === null) return text;
    this.#carry = null;
    if (this.#heads.read(text) === null) return carry + text;
    this.add(carry);
    return text;
  }

  add(line: string): void {
    const head = this.#heads.read(line);
    if (!head) {
      this.collector.add(line);
      // Only vmkernel writes L2Sec lines, whatever an export put before one (a CSV's quotes, a date without its T).
      if (line.includes(MARKER)) {
        this.#lines++;
        this.#vmkernelLines++;
        this.#share(this.init.hostName).lines++;
      }
      return;
    }
    const hostName = this.init.fixedHost ? this.init.hostName : (head.hostName ?? this.init.hostName);
    const firstSeen = this.#file.firstSeen;
    if (firstSeen && line.includes(MARKER) && !firstSeen(this.init.seenAs ?? hostName, line)) this.collector.skip();
    // The share a line counts in is the host its events carry, so the share's window is the one they get.
    else this.collector.add(line, { hostName, time: head.time, yearInferred: head.yearInferred });
    this.#lines++;
    // A forwarder may drop both the program tag and the world prefix; the L2Sec function still names vmkernel.
    if (VMKERNEL_LINE.test(line) || line.includes(MARKER)) this.#vmkernelLines++;
    if (head.yearInferred) this.#yearInferred = true;
    const share = this.#share(hostName);
    share.lines++;
    if (head.time !== null) {
      this.#lastTimeRead = head.time;
      if (share.firstTime === null || head.time < share.firstTime) share.firstTime = head.time;
      if (share.lastTime === null || head.time > share.lastTime) share.lastTime = head.time;
      if (share.lastRead !== null && Date.parse(share.lastRead) - Date.parse(head.time) >= CLOCK_JUMP_MS) share.clockJumped = true;
      const span = this.#file.span;
      if (span !== null) {
        if (span.first === null || head.time < span.first) span.first = head.time;
        if (span.last === null || head.time > span.last) span.last = head.time;
      }
      share.lastRead = head.time;
      // Year-less stamps are the host's local time, hours either side of UTC: only a zoned stamp is surely ahead.
      if (this.#aheadAfter !== null && !head.yearInferred && head.time > this.#aheadAfter) {
        this.#ahead++;
        if (head.time > this.#latestAhead) this.#latestAhead = head.time;
      } else if (share.end === null || this.#file.age <= share.end.age) share.end = { age: this.#file.age, time: head.time };
    }
    const port = parsePortLine(line);
    if (port) this.addPortClient({ ...port, hostName, time: head.time, source: this.init.name });
  }

  /** @param collected when the bundle was collected (ms), where its name says; else its newest line stands for it */
  addListing(records: readonly PortClientRecord[], source: string, collected: number | null): void {
    if (this.init.hostName === null) return;
    const listedAt = collected === null ? null : new Date(collected).toISOString();
    for (const record of records) this.addPortClient({ ...record, hostName: this.init.hostName, time: null, listedAt, source });
  }

  addPortClient(record: PortClient): void {
    const key = `${record.hostName}\u0000${record.port}\u0000${record.client ?? ''}\u0000${record.mac ?? ''}\u0000${record.time ?? ''}`;
    if (this.#ports.has(key)) return;
    if (this.#ports.size >= MAX_PORT_RECORDS) {
      this.#portsNotKept++;
      return;
    }
    this.#ports.set(key, record);
  }

  /**
   * A file of this rotation age was found, read or not (one that could not be read is a problem of its
   * own, not a rotation missing). Returns its span: null for an age not numbered.
   */
  met(age: number): Span | null {
    let span = this.#rotations.get(age) ?? null;
    if (span === null && isNumberedAge(age)) this.#rotations.set(age, (span = { first: null, last: null }));
    return span;
  }

  /**
   * Numbered rotations missing between two that were found (vmkernel.log and vmkernel.2.gz, without
   * vmkernel.0.gz and .1.gz): nothing is known of the time between them, and where the logs begin
   * cannot show it. A warning each where that time reaches into the window.
   * @param windowStart where the window starts (null: all of the log counts)
   */
  rotationGaps(windowStart: string | null): string[] {
    const ages = [...this.#rotations.keys()].sort((a, b) => a - b);
    const gaps: string[] = [];
    for (let i = 1; i < ages.length; i++) {
      const newer = this.#rotations.get(ages[i - 1]!)!;
      const older = this.#rotations.get(ages[i]!)!;
      if (ages[i]! === ages[i - 1]! + 1) continue;
      if (windowStart !== null && newer.first !== null && newer.first <= windowStart) continue;
      const missing = Array.from({ length: ages[i]! - ages[i - 1]! - 1 }, (_, k) => ages[i - 1]! + 1 + k);
      const from = older.last === null ? 'the end of the older one' : older.last;
      const to = newer.first === null ? 'the start of the newer one' : newer.first;
      gaps.push(`${this.init.name}: its rotation(s) numbered ${missing.join(', ')} (vmkernel.${missing[0]}.gz …) were not among the files given, so nothing is known of ${from} to ${to}, inside the window; give vmfix every rotation (a vm-support bundle's var/run/log holds them).`);
    }
    return gaps;
  }

  /** Where each host's share of this log ends: the last line written, by the host named. */
  ends(): { readonly hostName: string | null; readonly time: string }[] {
    return [...this.#shares.values()].filter((share) => share.end !== null).map((share) => ({ hostName: share.hostName, time: share.end!.time }));
  }

  /**
   * @param hostEnds per host (lowercase), where its log ends across every source read: a host's older
   *   bundle is judged against the host's newest line, not its own; lines naming no host by
   *   `\u0000` and the log standing for their host
   * @param hostOf the log standing for the host of lines naming none (a vmkwarning.log's vmkernel.log beside it)
   */
  finish(since: Since | undefined, hostEnds: ReadonlyMap<string, string> = new Map(), hostOf = this.init.name): FinishedSource {
    if (this.#carry !== null) {
      this.add(this.#carry);
      this.#carry = null;
    }
    const notes: string[] = [];
    const problems: string[] = [];
    // Its lines that name no host are of another log's host: said on its source, its events and port records.
    const standsIn = hostOf !== this.init.name;
    const shares = this.#shares.size ? [...this.#shares.values()] : [this.#share(this.init.hostName)];
    // Measured from the last line written, not the latest stamp: one line from a clock set wrong
    // (and set back) must not move the window past everything else.
    const end = (share: Share) => {
      const own = share.end?.time ?? null;
      const host = hostEnds.get(share.hostName === null ? `\u0000${hostOf}` : share.hostName.toLowerCase());
      return host !== undefined && (own === null || host > own) ? host : own;
    };
    const starts = new Map(shares.map((share) => [share, windowStart(since, end(share))]));
    const sources: LogSource[] = shares.map((share) => ({
      name: this.init.name,
      hostName: share.hostName,
      lines: share.lines,
      firstTime: share.firstTime,
      lastTime: share.lastTime,
      since: starts.get(share) ?? null,
      ...(share.hostName === null && standsIn ? { hostOf } : {}),
    }));
    if (since && 'time' in since) {
      // A window after every line: "No findings" would be a verdict on a time this log never saw.
      for (const share of shares) {
        if (share.lastTime === null || share.lastTime >= since.time) continue;
        const host = share.hostName && !this.init.fixedHost ? ` (${share.hostName})` : '';
        problems.push(`${this.init.name}${host}: its newest line (${share.lastTime}) is before the window (since ${since.time}), so it says nothing of that time; --since all reads it.`);
      }
    }
    const events: L2SecEvent[] = [];
    let outside = 0;
    let unsure = 0;
    let untimed = 0;
    for (const event of this.collector.events()) {
      const share = this.#shareOf(event.hostName ?? null);
      const start = share ? starts.get(share) : null;
      // An event without a time cannot be judged against the window, so it stays.
      if (start && event.lastTime !== null && event.lastTime < start) {
        outside++;
        if (share?.clockJumped) unsure++;
      } else events.push(event.hostName == null && standsIn ? { ...event, source: hostOf } : event);
      if (event.lastTime === null && since && !('all' in since)) untimed++;
    }
    events.sort(byFirstTime);
    if (unsure) {
      problems.push(`${this.init.name}: its times jump back (a host clock set wrong, then corrected?), and ${unsure} event(s) fell before the window measured from its last line; read them with --since all.`);
    } else if (outside) notes.push(`${this.init.name}: ${outside} event(s) older than the window were left out (--since all reads them).`);
    if (untimed) notes.push(`${this.init.name}: ${untimed} event(s) carry no time vmfix can read (a stamp without its zone?), so --since could not judge them: they were kept.`);
    if (this.#ahead) {
      notes.push(`${this.init.name}: ${this.#ahead} line(s) are stamped after the time of reading, up to ${this.#latestAhead} (a host clock set ahead?); the window is measured from the last line before them.`);
    }
    if (this.#yearInferred) {
      notes.push(`${this.init.name}: its lines carry no year; vmfix placed them in the year up to ${new Date(this.init.reference!).toISOString().slice(0, 10)} (when the log was collected), their times of day as written.`);
    }
    if (this.collector.linesNotKept) {
      notes.push(`${this.init.name}: more distinct L2Sec events than vmfix keeps: the oldest made room for newer ones, and ${this.collector.linesNotKept} line(s) of them were counted but not kept.`);
    }
    if (this.#lostMarkers) {
      problems.push(`${this.init.name}: ${this.#lostMarkers} line(s) longer than 64 KiB held an L2Sec message in the part before their last 64 KiB, which vmfix does not read: look at them by hand.`);
    }
    if (this.#cutLines > this.#lostMarkers) notes.push(`${this.init.name}: ${this.#cutLines - this.#lostMarkers} line(s) longer than 64 KiB were read by their last 64 KiB.`);
    if (this.#portsNotKept) notes.push(`${this.init.name}: ${this.#portsNotKept} port record(s) beyond ${MAX_PORT_RECORDS} were not kept.`);
    const newest = shares.reduce<string | null>((latest, share) => (share.lastTime !== null && (latest === null || share.lastTime > latest) ? share.lastTime : latest), null);
    const portClients = [...this.#ports.values()].map((p) => {
      const stood = p.hostName === null && standsIn ? { ...p, source: hostOf } : p;
      return p.time === null && p.listedAt === null ? { ...stood, listedAt: newest } : stood;
    });
    return { sources, events, portClients, notes, problems, unparsed: this.collector.unparsed() };
  }

  #share(hostName: string | null): Share {
    const key = hostName?.toLowerCase() ?? '';
    let share = this.#shares.get(key);
    if (!share) {
      share = { hostName, lines: 0, firstTime: null, lastTime: null, lastRead: null, end: null, clockJumped: false };
      this.#shares.set(key, share);
    }
    return share;
  }

  #shareOf(hostName: string | null): Share | undefined {
    return this.#shares.get(hostName?.toLowerCase() ?? '') ?? (this.init.fixedHost ? this.#shares.values().next().value : undefined);
  }
}

/** Oldest first; events with no time after those with one, in the order they came. */
function byFirstTime(a: L2SecEvent, b: L2SecEvent): number {
  if (a.firstTime === b.firstTime) return 0;
  if (a.firstTime === null) return 1;
  if (b.firstTime === null) return -1;
  return a.firstTime < b.firstTime ? -1 : 1;
}

/**
 * What of a line cut to its tail is a log line: from the last timestamp before
 * its first L2Sec message, or else from the vmkernel world prefix
 * ("cpu3:2098131)"), so that junk before it (a crash's NUL bytes, a
 * half-written line) is not read as its head. From the first, not the last:
 * messages run together (a lost newline) are split later, each kept.
 */
function messageOf(tail: string): string {
  const marker = tail.indexOf(MARKER);
  const before = marker === -1 ? tail : tail.slice(0, marker);
  let at = -1;
  for (const m of before.matchAll(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/g)) at = m.index;
  if (at === -1) for (const m of before.matchAll(/cpu\d+:\d+/g)) at = m.index;
  return at === -1 ? tail : tail.slice(at);
}
