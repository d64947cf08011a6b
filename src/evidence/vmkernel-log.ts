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
}

/** Repeated lines (same message, vmName, mac, port, host, source) collapse into one with a count and first/last time. */
export interface L2SecEvent extends L2SecLine {
  /** A host name (online) or a file path (offline). */
  source: string;
  count: number;
  firstTime: string | null;
  lastTime: string | null;
}

const MARKER = 'L2Sec_EnforcePortCompliance';

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

export function parseVmkernelLine(rawLine: string): L2SecLine | null {
  // Cheap substring test first: nearly every line of a real log fails it.
  if (!rawLine.includes(MARKER)) return null;
  const line = stripLineEnd(rawLine);
  const tail = TAIL.exec(line);
  if (!tail) return null;
  // Trimmed here rather than with \s*$ in TAIL, which backtracks quadratically on long blank runs.
  const body = parseBody((tail[1] ?? '').trimEnd());
  if (!body) return null;
  const head = parseHead(line.slice(0, tail.index));
  const parsed: L2SecLine = { message: body.message, time: head.time, line };
  // Assigned one by one, not spread, so that absent fields stay absent and objects keep one shape.
  if (body.vmName !== undefined) parsed.vmName = body.vmName;
  if (body.mac !== undefined) parsed.mac = body.mac;
  parsed.port = body.port;
  if (head.hostName !== undefined) parsed.hostName = head.hostName;
  return parsed;
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

function stripLineEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === '\n' || line[end - 1] === '\r')) end--;
  return end === line.length ? line : line.slice(0, end);
}

function normalizePort(port: string): string {
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
}

const HEAD =
  /^(?:<\d{1,3}>(?:1 )?)?(?:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)|[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2})? *(?:(?:Em|Al|Cr|Er|Wa|No|In|Db)\(\d*\)(?:\+|\[\+\])? )?(?:(?:(\S+) )?vmkernel(?:\[\d+\])?:? (?:- - )?(?:-|(?:\[[^\]]*\])+)? ?)?(?:\d+:\d{2}:\d{2}:\d{2}\.\d+ )?$/;

function parseHead(head: string): Head {
  const m = HEAD.exec(head.replace(/^\uFEFF/, ''));
  if (!m) return { time: null };
  return { time: m[1] ? isoToUtc(m[1]) : null, ...(m[2] ? { hostName: m[2] } : {}) };
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/** "2024-05-14T11:21:07.123456+02:00" → "2024-05-14T09:21:07.123Z"; null without a zone or for an impossible date. */
export function isoToUtc(stamp: string): string | null {
  const m = ISO.exec(stamp); // no zone, no match: the local time of an unknown zone is no time
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  // ESXi's own form is already the answer; this is the hot path when every line is a hit.
  if (m[8] === undefined && m[7]?.length === 3) return stamp;
  const offsetMinutes = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) : 0;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0-99 as 1900-1999
  utc.setUTCHours(hour, minute - offsetMinutes, second, Number((m[7] ?? '').padEnd(3, '0').slice(0, 3)));
  return utc.toISOString();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
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

function parseRepeatNotice(line: string): RepeatNotice | null {
  const m = REPEAT.exec(line);
  if (!m) return null;
  const notice: RepeatNotice = { repeats: Number(m[3]), time: m[1]?.includes('T') ? isoToUtc(m[1]) : null };
  if (m[2]) notice.hostName = m[2];
  return notice;
}

// ---------------------------------------------------------------------------

/** Streaming collapse of lines into events; memory grows only with distinct events. */
export class L2SecCollector {
  readonly #events = new Map<string, L2SecEvent>();
  /** The event the previous line belonged to, for "last message repeated" notices. */
  #previous: L2SecEvent | undefined;

  /**
   * @param source a host name (online) or a path (offline) that every event carries
   * @param hostName the host the lines come from when the lines don't say (e.g. a vm-support bundle's)
   */
  constructor(
    readonly source: string,
    private readonly hostName?: string,
  ) {}

  add(line: string): void {
    const parsed = parseVmkernelLine(line);
    if (parsed) {
      this.#previous = this.#record(parsed);
      return;
    }
    const notice = this.#previous && line.includes('last message repeated') ? parseRepeatNotice(line) : null;
    if (notice && this.#previous && sameHost(notice.hostName, this.#previous.hostName)) {
      this.#previous.count += notice.repeats;
      widen(this.#previous, notice.time);
      return;
    }
    this.#previous = undefined;
  }

  /** Call between files: a repeat notice never refers to a line of another file. */
  endOfStream(): void {
    this.#previous = undefined;
  }

  /** In order of first appearance; copies, so the caller may keep them while adding more lines. */
  events(): L2SecEvent[] {
    return [...this.#events.values()].map((event) => ({ ...event }));
  }

  #record(parsed: L2SecLine): L2SecEvent {
    const line: L2SecLine = parsed.hostName || !this.hostName ? parsed : { ...parsed, hostName: this.hostName };
    const key = `${line.message}\u0000${line.vmName ?? ''}\u0000${line.mac ?? ''}\u0000${line.port ?? ''}\u0000${line.hostName ?? ''}`;
    const known = this.#events.get(key);
    if (known) {
      known.count++;
      widen(known, line.time);
      return known;
    }
    const event: L2SecEvent = { ...line, source: this.source, count: 1, firstTime: line.time, lastTime: line.time };
    this.#events.set(key, event);
    return event;
  }
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
