// The head of any log line (not only L2Sec ones): its time and, in syslog
// forms, the host that sent it. Read for every line, so that each log
// source can say how many lines it held, over which time, and, in a
// collector's file where many hosts share one file, which host each line
// belongs to. Lines with no recognisable head are not log lines: a file of
// them yielded nothing readable.
import { inferYear, isoToUtc } from './log-time.js';

export interface LineHead {
  /** ISO-8601 UTC, or null where the line has no full date and no reference to place it. */
  readonly time: string | null;
  /** The year of a BSD-syslog stamp ("May 14 09:21:07") was inferred from a reference date. */
  readonly yearInferred: boolean;
  /** The sending host, in syslog forms that name it. */
  readonly hostName?: string;
}

//   [<PRI>[1 ]] (ISO-8601 | Mmm dd hh:mm:ss) [ESXi 8 severity] SP
const HEAD =
  /^\uFEFF?(?:<\d{1,3}>(1 )?)?(?:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)|([A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2}))(?: (?:Em|Al|Cr|Er|Wa|No|In|Db)\(\d*\)\+?)? +/;
// RFC 3164 as collectors store it: "HOST APP[PID]: ", or sysklogd's "HOST last message repeated";
// HOST may be an IPv6 address (rsyslog's %fromhost-ip%), ::ffff:10.0.0.5 for an IPv4 sender on a dual-stack socket.
const SYSLOG_HOST = /((?:[A-Za-z0-9]|::)[\w.:-]*) (?:[A-Za-z][\w.-]*(?:\[\d+\])?: |last message repeated )/y;
// RFC 5424: "HOST APP PROCID MSGID ...", the host always there.
const RFC5424_HOST = /([^\s-]\S*) /y;
// vmkernel lines as the KB quotes them, with no head at all.
const WORLD = /^\uFEFF?cpu\d+:\d+/;
/**
 * An ESXi line's own ISO timestamp, followed by its sender and program (or, in an ESXi 5-7 vmkernel.log,
 * its world prefix): where a line behind another tool's fields starts (a collector's, grep -H's file name).
 */
const EMBEDDED = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})\s+(?:\S+\s+vmkernel(?:\[\d+\])?:|cpu\d+:\d+)/;

export class LineHeadReader {
  #lastStamp = '';
  #lastTime: string | null = null;

  /**
   * @param reference when the log was collected (a bundle's date, a file's mtime), in ms: the year of
   *   year-less stamps is the one that puts them at or before it. Undefined: such lines have no time.
   */
  constructor(private readonly reference?: number) {}

  /** null: not a log line. */
  read(line: string): LineHead | null {
    const m = HEAD.exec(line);
    if (!m) {
      if (WORLD.test(line)) return { time: null, yearInferred: false };
      // A collector that puts its own fields first (Kiwi: date TAB time TAB facility TAB sender TAB message):
      // the ESXi line starts at its own timestamp inside.
      const inner = EMBEDDED.exec(line);
      return inner && inner.index > 0 ? this.read(line.slice(inner.index)) : null;
    }
    const hostPattern = m[1] ? RFC5424_HOST : SYSLOG_HOST;
    hostPattern.lastIndex = m[0].length;
    const hostName = hostPattern.exec(line)?.[1];
    const head = m[2] !== undefined ? { time: this.#iso(m[2]), yearInferred: false } : this.#bsd(m[3]!);
    return hostName === undefined ? head : { ...head, hostName };
  }

  #iso(stamp: string): string | null {
    // Consecutive lines mostly share their stamp's second or millisecond.
    if (stamp !== this.#lastStamp) {
      this.#lastStamp = stamp;
      this.#lastTime = isoToUtc(stamp);
    }
    return this.#lastTime;
  }

  #bsd(stamp: string): { time: string | null; yearInferred: boolean } {
    const time = this.reference === undefined ? null : inferYear(stamp, this.reference);
    return { time, yearInferred: time !== null };
  }
}
