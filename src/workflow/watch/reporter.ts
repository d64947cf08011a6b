// What watch has reported, and what it reports next: each verdict against
// the verdict as the user knows it. An info finding (an Accept no guest
// needs) is reported only once it has held for a while: a fix in progress
// passes through such states (a portgroup made Accept, then the NIC moved
// to it), and they are not worth an alert. Blocked and at-risk NICs are
// reported at once.
import { diffVerdicts, subjectOf, type Verdict, type WatchChange } from '../../audit/changes.js';
import type { Finding } from '../../audit/finding.js';

const INFO_HOLD_MS = 10_000;

export class ChangeReporter {
  /** The verdict as the user knows it. */
  private reported: Verdict = new Map();
  /** The verdict last reached, which may hold info findings not reported yet. */
  private latest: Verdict = new Map();
  /** The findings the scope left out at the latest verdict. */
  private outside: Verdict = new Map();
  /** Info findings waiting to be reported, by subject, and since when. */
  private readonly held = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Reports one change (the caller adds what explains it). */
    private readonly emit: (change: WatchChange) => void,
    /** Runs `recheck` later, in turn with the caller's other work. */
    private readonly later: (recheck: () => void) => void,
    /** Told of a finding reported before that still stands but has left the scope (`finding` as it is now): it is not resolved. */
    private readonly left: (finding: Finding) => void = () => undefined,
  ) {}

  /** The first verdict: shown as the state, not as changes. */
  start(verdict: Verdict): void {
    this.reported = this.latest = verdict;
  }

  /** `outside`: the findings the scope leaves out now, by subject. */
  publish(next: Verdict, outside: Verdict = new Map()): void {
    this.latest = next;
    this.outside = outside;
    const now = Date.now();
    const reported = new Map(this.reported);
    for (const change of diffVerdicts(this.reported, next, new Date(now).toISOString())) {
      const subject = subjectOf(change.finding);
      if (change.type === 'new' && change.finding.severity === 'info') {
        const since = this.held.get(subject) ?? now;
        this.held.set(subject, since);
        if (now - since < INFO_HOLD_MS) {
          this.recheckAfter(since + INFO_HOLD_MS - now);
          continue;
        }
      }
      this.held.delete(subject);
      if (change.type === 'resolved') reported.delete(subject);
      else reported.set(subject, change.finding);
      // Its VM renamed out of --vm, moved off a --host: still blocked (or at risk), so not resolved; said, and no longer followed.
      const still = change.type === 'resolved' ? outside.get(subject) : undefined;
      if (still) this.left(still);
      else this.emit(change);
    }
    for (const subject of this.held.keys()) if (!next.has(subject)) this.held.delete(subject);
    this.reported = reported;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private recheckAfter(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.later(() => this.publish(this.latest, this.outside));
    }, ms);
  }
}
