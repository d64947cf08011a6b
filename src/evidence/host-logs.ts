// Each host's live vmkernel log through vCenter's DiagnosticManager, read
// backwards from its end, a page at a time, until the --since window is
// covered (or the --log-lines cap is reached): the cost follows the window,
// not the size of the log. Pages are then fed oldest first, so that a
// "last message repeated" notice meets the line it repeats.
import type { Host } from '../inventory/model.js';
import type { VimClient } from '../vsphere/client.js';
import type { ReturnSpec } from '../vsphere/decode.js';
import type { MoRef } from '../vsphere/types.js';
import type { SeenLines } from './seen-lines.js';
import type { LogSource } from './types.js';
import { isoToUtc, L2SecCollector, MARKER, type L2SecEvent } from './vmkernel-log.js';

/** BrowseDiagnosticLog serves at most this many lines a call through vCenter. */
export const LOG_PAGE = 500;

export interface TailOptions {
  /** The start of the window (ISO), or null to read up to `maxLines`. */
  readonly since: string | null;
  /** The most lines read from the end of the log, window or not. */
  readonly maxLines: number;
  /**
   * The newest line time that --vmkernel-log files hold of this host: the read stops once it passes
   * it, and only the lines from it on are taken.
   */
  readonly after?: string;
  /**
   * The L2Sec lines the files counted: a line stamped `after` or earlier may be one of theirs (a bundle
   * cut inside a same-millisecond burst), and counts once.
   */
  readonly seen?: SeenLines;
}

export interface HostLog {
  /** The HostSystem whose log it is. */
  readonly host: Host;
  readonly events: L2SecEvent[];
  readonly source: LogSource;
  /** L2Sec lines the parser did not understand: how many, and the first few. */
  readonly unparsed: { readonly count: number; readonly samples: readonly string[] };
  /**
   * Why the window is not covered: the log starts later (rotated, before or while it was read), the cap
   * was reached, or the host said its log has lines and answered none of them.
   */
  readonly shortBy: 'rotated' | 'cap' | 'unanswered' | null;
  /** The number of the log's last line when it was read: where reading it forward (watch) starts. */
  readonly lineEnd: number;
}

export interface LogHeader {
  lineStart: number;
  lineEnd: number;
  lineText?: string[];
}

const REPEATED = 'last message repeated';

/** A page of the log as BrowseDiagnosticLog returns it. */
const PAGE: ReturnSpec = { type: 'DiagnosticManagerLogHeader' };
/** The first lines of an older page built whatever they hold: where its time is. */
const HEAD = 16;
/**
 * A page older than the newest: of its lines only those relevant() keeps
 * are built, and the first HEAD (the page's time); the rest come as ''.
 */
export const OLDER_PAGE: ReturnSpec = { ...PAGE, only: { field: 'lineText', containing: [MARKER, REPEATED], head: HEAD } };
const ISO_HEAD = /^(?:<\d{1,3}>(?:1 )?)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))/;

/** A line's time from its ISO head (every ESXi 5+ vmkernel.log line has one), or null. */
export function lineTime(line: string): string | null {
  const m = ISO_HEAD.exec(line);
  return m ? isoToUtc(m[1]!) : null;
}

/** The first timed line of a page, searching from `from` in `step` direction. */
function timeAt(lines: readonly string[], from: 'start' | 'end'): string | null {
  for (let i = 0; i < lines.length; i++) {
    const t = lineTime(lines[from === 'start' ? i : lines.length - 1 - i]!);
    if (t) return t;
  }
  return null;
}

/**
 * What of a page is worth keeping while older pages are fetched: the L2Sec
 * lines and the repeat notices, and one empty line for each run of others
 * (so a notice never attaches to a line it did not follow).
 */
function relevant(lines: readonly string[]): string[] {
  const kept: string[] = [];
  for (const line of lines) {
    if (line.includes(MARKER) || line.includes(REPEATED)) kept.push(line);
    else if (kept.at(-1) !== '') kept.push('');
  }
  return kept;
}

/**
 * BrowseDiagnosticLog of a host's vmkernel log (through vCenter: `hostRef`
 * names the host), `count` lines from line `start` (1-based); `older`: a page
 * before the newest (OLDER_PAGE). `retries`: the client's own when unset; a
 * reader that comes back later anyway (watch) passes 0.
 */
export function logBrowser(
  client: VimClient,
  manager: MoRef,
  hostRef: MoRef | undefined,
  retries?: number,
): (start: number, count: number, older?: boolean) => Promise<LogHeader> {
  return (start, count, older = false) =>
    client.read<LogHeader>(
      'BrowseDiagnosticLog',
      { _this: manager, ...(hostRef ? { host: hostRef } : {}), key: 'vmkernel', start, lines: count },
      older ? OLDER_PAGE : PAGE,
      retries === undefined ? {} : { retries },
    );
}

/**
 * Lines start..end in as many calls as the server needs: it may return fewer
 * than asked (the API reference: "if the server limits the number of lines
 * that it returns"). null: the log ends before `end` now (rotated since).
 */
async function readLines(browse: ReturnType<typeof logBrowser>, start: number, end: number, older = false): Promise<string[] | null> {
  // Nearly always one page holds them all: it is the answer as it came, not copied line by line into
  // an array grown as it goes (at 500 hosts those copies were 8 % of what the audit allocates).
  let text: string[] | undefined;
  while (start + (text?.length ?? 0) <= end) {
    const from = start + (text?.length ?? 0);
    const page = (await browse(from, end - from + 1, older)).lineText ?? [];
    if (!page.length) return null;
    const lines = page.length > end - from + 1 ? page.slice(0, end - from + 1) : page;
    if (text === undefined) text = lines;
    else for (const line of lines) text.push(line);
  }
  return text ?? [];
}

export async function tailHostLog(client: VimClient, manager: MoRef, hostRef: MoRef | undefined, host: Host, options: TailOptions): Promise<HostLog> {
  const browse = logBrowser(client, manager, hostRef);
  // A start past the end answers with no lines but says where the end is
  // (govc's DiagnosticLog.Seek does the same against real vCenters).
  let { lineEnd } = await browse(2 ** 31 - 1, 0);
  const pages: string[][] = [];
  let end = lineEnd;
  let read = 0;
  let firstTime: string | null = null;
  let lastTime: string | null = null;
  const after = options.after;
  let covered = options.since === null;
  let cut = false;
  let reprobed = false;
  /** The log says it has lines, and gives none of them. */
  let unanswered = false;
  while (end >= 1 && read < options.maxLines) {
    const count = Math.min(LOG_PAGE, end, options.maxLines - read);
    // The newest page whole (its last line is the log's last time), the older ones filtered; a
    // filtered page whose first lines carry no time is read again whole, for the time of its start.
    const start = end - count + 1;
    let text = await readLines(browse, start, end, lastTime !== null);
    if (text && lastTime !== null && text.length > HEAD && timeAt(text.slice(0, HEAD), 'start') === null) text = await readLines(browse, start, end);
    const pageStart = text && timeAt(text, 'start');
    // The log no longer reaches this far back, or holds lines newer than its newest when it was first read there: ESXi
    // began a new vmkernel.log meanwhile, and the older lines are in the rotated one now. (Newer than the newest, not
    // than the page after it: a clock stepped back at boot leaves older lines stamped later, and those are no rotation.)
    // Before anything was kept, the new log is read from its end.
    if (!text || (lastTime !== null && pageStart && pageStart > lastTime)) {
      if (pages.length) {
        cut = true;
        break;
      }
      if (reprobed) {
        unanswered = true;
        break;
      }
      reprobed = true;
      ({ lineEnd } = await browse(2 ** 31 - 1, 0));
      end = lineEnd;
      continue;
    }
    pages.push(relevant(text));
    read += text.length;
    end -= text.length;
    lastTime ??= timeAt(text, 'end');
    firstTime = pageStart ?? firstTime;
    if (firstTime !== null && ((options.since !== null && firstTime < options.since) || (after !== undefined && firstTime < after))) {
      covered = true;
      break;
    }
  }
  const collector = hostLogCollector(host);
  // With files given, the lines before their newest are theirs: taken from the first line stamped at it or later.
  let taking = after === undefined;
  // The live log names no host, as a log taken out of a bundle: its text alone makes it the files' line.
  const firstSeen = options.seen?.file();
  const theirs = (line: string, time: string | null) =>
    after !== undefined && firstSeen !== undefined && time !== null && time <= after && line.includes(MARKER) && !firstSeen(null, line);
  for (const page of pages.reverse()) {
    for (const line of page) {
      const time = lineTime(line);
      if (!taking) taking = time !== null && after !== undefined && time >= after;
      if (!taking) continue;
      if (theirs(line, time)) collector.skip();
      else collector.add(line);
    }
  }
  collector.endOfStream();
  // The window's edge falls inside the oldest page read: what happened before it is not evidence now.
  const since = options.since;
  const events = since === null ? collector.events() : collector.events().filter((e) => e.lastTime === null || e.lastTime >= since);
  return {
    host,
    events,
    source: { name: host.name, hostName: host.name, lines: read, firstTime, lastTime, since },
    unparsed: collector.unparsed(),
    shortBy: unanswered ? 'unanswered' : cut ? 'rotated' : covered ? null : end < 1 ? 'rotated' : 'cap',
    lineEnd,
  };
}

/**
 * Lines read from a host's own log through the API are that host's, whatever
 * name a syslog head in them gives (vCenter may know the host by IP address):
 * the host is fixed, as for one host's vm-support bundle.
 */
export function hostLogCollector(host: Host): L2SecCollector {
  return new L2SecCollector(host.name, host.name, { fixedHost: true });
}
