// Recognises the ESXi vmkernel messages that say a port was blocked because the
// guest changed its MAC while the vSwitch policy "MAC Address Changes" is
// Reject (VMware KB 344495), in every line form a host or a syslog collector
// writes them, and collapses repeats into events. Pure: no I/O here, so the
// offline reader (files.ts) and the online path (vCenter's
// BrowseDiagnosticLog, online.ts) share it.
//
// A line is recognised by its tail, which is the same in every ESX/ESXi
// version:
//   cpuN:WORLD[ opID=X])[subsystem: ]L2Sec_EnforcePortCompliance[:LINE]: [SD]MESSAGE
// and its head (everything before "cpuN:") only supplies time and host name.

import { inferYear, isoToUtc } from './log-time.js';

export { isoToUtc } from './log-time.js';

export type L2SecMessage = 'mac-change-requested' | 'policy-violation-blocked' | 'peer-blocked';

export interface L2SecLine {
  message: L2SecMessage;
  /** ISO-8601 UTC with milliseconds, or null when the line has no full date (zone included). */
  time: string | null;
  /** The raw line, trailing \r\n stripped. */
  line: string;
  /** The "client <name>" of the message, verbatim. */
  vmName?: string;
  /** Lowercase, colon-separated. */
  mac?: string;
  /** Lowercase hex with 0x and no leading zeros, e.g. "0x4000004". */
  port?: string;
  /** Where the line itself names the host (syslog forms). */
  hostName?: string;
  /** A year-less syslog stamp ("May 14 09:21:07") was placed in a year inferred from when the log was collected. */
  yearInferred?: true;
}

/**
 * Repeated lines (same message, vmName, mac, port, host, source) collapse into one with a count and
 * first/last time; `line` and `time` are those of its oldest line.
 */
export interface L2SecEvent extends L2SecLine {
  /** A host name (online) or a file path (offline). */
  source: string;
  count: number;
  firstTime: string | null;
  lastTime: string | null;
  /**
   * Stands for the requests of this client and port beyond the first MAX_MACS_PER_PORT distinct MACs
   * (a guest flooding MACs): `count` lines, their MACs not kept.
   */
  otherMacs?: true;
}

/** The function every line of a blocked port comes from: only vmkernel writes it. */
export const MARKER = 'L2Sec_EnforcePortCompliance';

// The world prefix is what makes a vmkernel line a vmkernel line; ESXi 7+ may
// add " opID=..." inside it. The subsystem is "etherswitch" in KB 344495 and
// ESXi 5.x logs, and "cswitch" in an NSX-prepared ESXi 7.0 U3 log, which also
// puts an RFC 5424 structured-data element (no space after it) before the message.
const TAIL =
  /cpu\d+:\d+(?: opID=[^)\s]*)?\)(?:[A-Za-z][\w-]*: )?L2Sec_EnforcePortCompliance(?::\d+)?: (?:\[[^\]]*\]\s*)*(.*)$/;

const MAC = '([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})';
const PORT = '(0[xX][0-9A-Fa-f]{1,16})';
const MAC_CHANGE = new RegExp(
  `^client (.+) requested mac address change to ${MAC} on port ${PORT}, disallowed by vswitch policy$`,
);
const VIOLATION = new RegExp(`^client (.+) has policy violations on port ${PORT}\\. Port is blocked$`);
const PEER = new RegExp(`^${PORT}: peer not allowed to change address, blocking port$`);
// Understood, and about other policies than MAC address changes.
const OTHER_POLICY = /^client .+ requested (?:promiscuous mode|forged transmits?) on port 0x[0-9A-Fa-f]+, disallowed by vswitch policy$/;

/**
 * @param reference when the log was collected (ms): places year-less syslog stamps in a year. Without
 *   it such lines have no time.
 */
export function parseVmkernelLine(rawLine: string, reference?: number): L2SecLine | null {
  // Cheap substring test first: nearly every line of a real log fails it.
  if (!rawLine.includes(MARKER)) return null;
  const line = stripLineEnd(rawLine);
  const tail = TAIL.exec(line);
  if (!tail) return null;
  // Trimmed here rather than with \s*$ in TAIL, which backtracks quadratically on long blank runs.
  const body = parseBody((tail[1] ?? '').trimEnd());
  if (!body) return null;
  const head = parseHead(line.slice(0, tail.index), reference);
  const parsed: L2SecLine = { message: body.message, time: head.time, line };
  // Assigned one by one, not spread, so that absent fields stay absent and objects keep one shape.
  if (body.vmName !== undefined) parsed.vmName = body.vmName;
  if (body.mac !== undefined) parsed.mac = body.mac;
  parsed.port = body.port;
  if (head.hostName !== undefined) parsed.hostName = head.hostName;
  if (head.yearInferred) parsed.yearInferred = true;
  return parsed;
}

/**
 * What a line that names L2Sec_EnforcePortCompliance says: the lines it holds (two messages run
 * together where a newline was lost), `other` for messages about other policies, and `unparsed`
 * for what could not be understood, which must be shown rather than dropped.
 */
export function classifyL2SecLine(rawLine: string, reference?: number): { lines: L2SecLine[]; unparsed: string[] } {
  const out: { lines: L2SecLine[]; unparsed: string[] } = { lines: [], unparsed: [] };
  if (!rawLine.includes(MARKER)) return out;
  for (const piece of splitRunTogether(stripLineEnd(rawLine))) {
    const parsed = parseVmkernelLine(piece, reference);
    if (parsed) out.lines.push(parsed);
    else if (!isOtherPolicy(piece)) out.unparsed.push(piece);
  }
  return out;
}

function isOtherPolicy(line: string): boolean {
  const tail = TAIL.exec(line);
  return tail !== null && OTHER_POLICY.test((tail[1] ?? '').trimEnd());
}

// Where a record may start: a timestamp (with its <PRI>) or a vmkernel world prefix.
const RECORD_START = /(?:<\d{1,3}>(?:1 )?)?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}|cpu\d+:\d+(?: opID=[^)\s]*)?\)/g;

/** "…disallowed by vswitch policy2024-05-14T09:21:07.123Z cpu3:…)etherswitch: L2Sec…" → two lines. */
function splitRunTogether(line: string): string[] {
  const markers: number[] = [];
  for (let at = line.indexOf(MARKER); at !== -1; at = line.indexOf(MARKER, at + MARKER.length)) markers.push(at);
  if (markers.length < 2) return [line];
  const starts: number[] = [];
  for (const m of line.matchAll(RECORD_START)) starts.push(m.index);
  const pieces: string[] = [];
  let from = 0;
  for (let i = 1; i < markers.length; i++) {
    // The earliest record start between the previous marker and this one keeps this one's head whole.
    const cut = starts.find((start) => start > markers[i - 1]! && start < markers[i]!);
    if (cut === undefined) continue;
    pieces.push(line.slice(from, cut));
    from = cut;
  }
  pieces.push(line.slice(from));
  return pieces;
}

interface Body {
  message: L2SecMessage;
  vmName?: string;
  mac?: string;
  port: string;
}

function parseBody(text: string): Body | null {
  let m = MAC_CHANGE.exec(text);
  if (m) return { message: 'mac-change-requested', vmName: m[1]!, mac: m[2]!.toLowerCase(), port: normalizePort(m[3]!) };
  m = VIOLATION.exec(text);
  if (m) return { message: 'policy-violation-blocked', vmName: m[1]!, port: normalizePort(m[2]!) };
  m = PEER.exec(text);
  if (m) return { message: 'peer-blocked', port: normalizePort(m[1]!) };
  return null;
}

export function stripLineEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === '\n' || line[end - 1] === '\r')) end--;
  return end === line.length ? line : line.slice(0, end);
}

export function normalizePort(port: string): string {
  return `0x${BigInt(port.toLowerCase()).toString(16)}`;
}

// ---------------------------------------------------------------------------
// The head: everything before "cpuN:". Forms, each optional, in this order:
//   <PRI>[1 ]                    syslog as sent over the wire (RFC 3164 / 5424)
//   TIMESTAMP                    ISO-8601 (ESXi 5+, collectors) or "May 14 09:21:07" (BSD syslog)
//   Sv(N)[+]                     ESXi 8 severity, e.g. "In(182)", "Wa(180)"
//   [HOST] vmkernel[:]           program tag, preceded by the host in syslog forms
//   [- - -|[SD]]                 RFC 5424 PROCID MSGID SD
//   D:HH:MM:SS.mmm               ESX 4.x vmkernel uptime
// A head that fits none of this still yields a line (the tail is specific
// enough), only without time or host.

interface Head {
  time: string | null;
  hostName?: string;
  yearInferred?: boolean;
}

const HEAD =
  /^(?:<\d{1,3}>(?:1 )?)?(?:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)|([A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}))? *(?:(?:Em|Al|Cr|Er|Wa|No|In|Db)\(\d*\)(?:\+|\[\+\])? )?(?:(?:(\S+) )?vmkernel(?:\[\d+\])?:? (?:- - )?(?:-|(?:\[[^\]]*\])+)? ?)?(?:\d+:\d{2}:\d{2}:\d{2}\.\d+ )?$/;

// RFC 5424 names its fields by position, whatever APP, PROCID, MSGID and SD hold.
const HEAD_5424 = /^<\d{1,3}>1 (\S+) (\S+) /;

function parseHead(head: string, reference: number | undefined): Head {
  const rfc5424 = HEAD_5424.exec(head);
  if (rfc5424) return { time: isoToUtc(rfc5424[1]!), hostName: rfc5424[2]! };
  const m = HEAD.exec(head.replace(/^\uFEFF/, ''));
  if (!m) {
    // A collector's own fields first (Kiwi: date TAB time TAB facility TAB sender TAB): the ESXi head starts at its timestamp.
    const inner = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.exec(head);
    return inner && inner.index > 0 ? parseHead(head.slice(inner.index), reference) : { time: null };
  }
  const out: Head = { time: m[1] ? isoToUtc(m[1]) : null };
  if (m[2] && reference !== undefined) {
    out.time = inferYear(m[2], reference);
    out.yearInferred = out.time !== null;
  }
  if (m[3]) out.hostName = m[3];
  return out;
}

// ---------------------------------------------------------------------------
// Syslog daemons fold identical consecutive messages into one line plus a
// notice that refers to the line just before it in the same file. Classic
// sysklogd (ESX 4.x service console, many collectors) writes
// "May 14 09:21:09 esx01 last message repeated 3 times"; for ESXi 7/8's
// vmsyslogd, lnav's ESXi format expects
// "2024-05-14T09:21:09Z In(182) --- last message repeated 3 times ---".

interface RepeatNotice {
  repeats: number;
  time: string | null;
  hostName?: string;
}

const REPEAT =
  /^(?:<\d{1,3}>)?(\d{4}-\d{2}-\d{2}T\S+|[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2})?(?: +(?:Em|Al|Cr|Er|Wa|No|In|Db)\(\d*\)\+?)?(?: +(?!---|last )(\S+?))?:? *(?:--- )?last message repeated (\d+) times?(?: ---)?\s*$/;

function parseRepeatNotice(line: string, reference: number | undefined): RepeatNotice | null {
  const m = REPEAT.exec(line);
  if (!m) return null;
  const stamp = m[1];
  const time = !stamp ? null : stamp.includes('T') ? isoToUtc(stamp) : reference === undefined ? null : inferYear(stamp, reference);
  const notice: RepeatNotice = { repeats: Number(m[3]), time };
  if (m[2]) notice.hostName = m[2];
  return notice;
}

// ---------------------------------------------------------------------------

/** Distinct events a collector keeps; past it, lines are counted, not kept. Bounds memory, not lines. */
export const MAX_EVENTS = 5000;
/** Distinct MACs kept per client and port: a guest flooding MACs would otherwise make one event per line. */
export const MAX_MACS_PER_PORT = 16;
/** L2Sec lines not understood, kept as samples. */
const UNPARSED_SAMPLES = 5;

export interface CollectorOptions {
  /** When the log was collected (ms): places year-less syslog stamps in a year. */
  readonly reference?: number;
  /** Every line is this collector's host's, whatever host a line names (one host's vm-support bundle). */
  readonly fixedHost?: boolean;
  readonly maxEvents?: number;
}

/** Streaming collapse of lines into events; memory grows only with distinct events, up to MAX_EVENTS. */
export class L2SecCollector {
  readonly #events = new Map<string, L2SecEvent>();
  /** Distinct MACs seen per client and port (mac-change lines), up to MAX_MACS_PER_PORT. */
  readonly #macs = new Map<string, number>();
  /** The event the previous line belonged to, for "last message repeated" notices. */
  #previous: L2SecEvent | undefined;
  #unparsedCount = 0;
  readonly #unparsedSamples: string[] = [];
  #linesNotKept = 0;

  /**
   * @param source a host name (online) or a path (offline) that every event carries
   * @param hostName the host the lines come from when the lines don't say (e.g. a vm-support bundle's)
   */
  constructor(
    readonly source: string,
    private readonly hostName?: string,
    private readonly options: CollectorOptions = {},
  ) {}

  /**
   * @param head what the reader of every line made of this one's head, where it read one: its host
   *   then stands for the host the line names, and its time for a time the L2Sec head did not give
   */
  add(line: string, head?: LineContext): void {
    if (line.includes(MARKER)) {
      const { lines, unparsed } = classifyL2SecLine(line, this.options.reference);
      this.#previous = undefined;
      // The head is the first message's; one run on after it (a lost newline) has its own.
      for (const [i, parsed] of lines.entries()) this.#previous = this.#record(head && i === 0 ? inContext(parsed, head) : parsed);
      for (const text of unparsed) this.#unparsed(text);
      return;
    }
    const notice = this.#previous && line.includes('last message repeated') ? parseRepeatNotice(line, this.options.reference) : null;
    if (notice && this.#previous && (this.options.fixedHost || sameHost(notice.hostName, this.#previous.hostName))) {
      this.#previous.count += notice.repeats;
      widen(this.#previous, notice.time);
      return;
    }
    this.#previous = undefined;
  }

  /** A line counted already from another file: a repeat notice after it repeats that, not the line before. */
  skip(): void {
    this.#previous = undefined;
  }

  /** Call between files: a repeat notice never refers to a line of another file. */
  endOfStream(): void {
    this.#previous = undefined;
  }

  /** In order of first appearance; copies, so the caller may keep them while adding more lines. */
  events(): L2SecEvent[] {
    return Array.from(this.#events.values(), (event) => ({ ...event }));
  }

  /** L2Sec_EnforcePortCompliance lines not understood: how many, and the first few. */
  unparsed(): { count: number; samples: readonly string[] } {
    return { count: this.#unparsedCount, samples: [...this.#unparsedSamples] };
  }

  /** Lines of events beyond MAX_EVENTS (the oldest dropped, or new ones where none had a time): counted, not kept. */
  get linesNotKept(): number {
    return this.#linesNotKept;
  }

  #unparsed(text: string): void {
    this.#unparsedCount++;
    if (this.#unparsedSamples.length < UNPARSED_SAMPLES) this.#unparsedSamples.push(text);
  }

  #record(parsed: L2SecLine): L2SecEvent | undefined {
    const line = this.#withHost(parsed);
    const host = line.hostName ?? '';
    let key = `${line.message}\u0000${line.vmName ?? ''}\u0000${line.mac ?? ''}\u0000${line.port ?? ''}\u0000${host}`;
    let known = this.#events.get(key);
    if (!known && line.mac !== undefined) {
      const client = `${line.vmName ?? ''}\u0000${line.port ?? ''}\u0000${host}`;
      const macs = this.#macs.get(client) ?? 0;
      if (macs >= MAX_MACS_PER_PORT) {
        key = `${line.message}\u0000${line.vmName ?? ''}\u0000*\u0000${line.port ?? ''}\u0000${host}`;
        known = this.#events.get(key);
        if (!known) return this.#create(key, withoutMac(line));
      } else {
        this.#macs.set(client, macs + 1);
      }
    }
    if (!known) return this.#create(key, line);
    known.count++;
    if (line.time !== null && (known.firstTime === null || line.time < known.firstTime)) {
      // The oldest line stands for the event, whatever order files (or archive members) came in.
      known.line = line.line;
      known.time = line.time;
    }
    if (line.yearInferred) known.yearInferred = true;
    widen(known, line.time);
    return known;
  }

  #create(key: string, line: L2SecLine): L2SecEvent | undefined {
    if (this.#events.size >= (this.options.maxEvents ?? MAX_EVENTS) && !this.#dropOldest()) {
      this.#linesNotKept++;
      return undefined;
    }
    const event: L2SecEvent = { ...line, source: this.source, count: 1, firstTime: line.time, lastTime: line.time };
    if (line.mac === undefined && line.message === 'mac-change-requested') event.otherMacs = true;
    this.#events.set(key, event);
    return event;
  }

  /**
   * At the cap, the oldest tenth of the timed events makes room: the window
   * (applied when the source ends) wants the newest, and months of old
   * blocks must not push out the one of today. Their lines are counted.
   */
  #dropOldest(): boolean {
    const timed = [...this.#events.entries()].filter(([, e]) => e.lastTime !== null).sort(([, a], [, b]) => (a.lastTime! < b.lastTime! ? -1 : 1));
    const drop = timed.slice(0, Math.max(1, Math.floor(this.#events.size / 10)));
    for (const [key, event] of drop) {
      this.#events.delete(key);
      this.#linesNotKept += event.count;
      if (this.#previous === event) this.#previous = undefined;
    }
    return drop.length > 0;
  }

  #withHost(parsed: L2SecLine): L2SecLine {
    if (!this.hostName || (parsed.hostName && !this.options.fixedHost)) return parsed;
    return { ...parsed, hostName: this.hostName };
  }
}

/** A line's head as the offline reader reads every line's (line-head.ts). */
interface LineContext {
  readonly hostName: string | null;
  readonly time: string | null;
  readonly yearInferred: boolean;
}

function inContext(parsed: L2SecLine, head: LineContext): L2SecLine {
  const { hostName: _named, ...line } = parsed;
  const out: L2SecLine = head.hostName === null ? line : { ...line, hostName: head.hostName };
  if (out.time === null && head.time !== null) {
    out.time = head.time;
    if (head.yearInferred) out.yearInferred = true;
  }
  return out;
}

function withoutMac(line: L2SecLine): L2SecLine {
  const { mac: _mac, ...rest } = line;
  return rest;
}

function sameHost(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a.toLowerCase() === b.toLowerCase();
}

/** Times are normalised ISO strings, so string order is time order; files may arrive out of order. */
function widen(event: L2SecEvent, time: string | null): void {
  if (time === null) return;
  if (event.firstTime === null || time < event.firstTime) event.firstTime = time;
  if (event.lastTime === null || time > event.lastTime) event.lastTime = time;
}

/** What makes two lines one event (as L2SecCollector counts them), whichever log they came from. */
export function eventKey(e: L2SecEvent): string {
  return `${e.message}\u0000${e.vmName ?? ''}\u0000${e.mac ?? ''}\u0000${e.port ?? ''}\u0000${e.hostName ?? ''}`;
}

/** ESXi names a VM NIC's client "<display name>.eth<N>" in some lines and listings, the display name alone in others. */
export function vmNameOf(client: string): string {
  return client.replace(/\.eth\d+$/, '');
}

/** The host a line or port record is of, offline: a plain log names none, and its file stands for it, so two files' port ids never mix. */
export function hostKeyOf(e: { readonly hostName?: string | null; readonly source: string }): string {
  return (e.hostName ?? e.source).toLowerCase();
}
