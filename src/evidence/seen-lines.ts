// The same evidence given twice (a bundle twice under two names, a bundle and
// the vmkernel.log extracted from it, rotations that overlap after a
// copytruncate) must not count twice. An L2Sec line counts as many times as
// the one file holding it most often has it: a line that one file repeats is
// repeated evidence, the same line in a second file is the same evidence.
// A line is the same line when its full text (timestamp, world, port, MAC)
// is, and its host: where only one side knows the host (a log extracted from
// a bundle names none), the text alone decides.
import { createHash } from 'node:crypto';

/**
 * Distinct L2Sec lines remembered (about 120 bytes each); past it, a line read twice may count
 * twice, and a note says so. Far more than the blocks of any incident; a MAC flood reaches it.
 */
export const MAX_REMEMBERED_LINES = 200_000;

const VMKWARNING_TAG = / vmkwarning: /;

interface Remembered {
  host: string | null;
  /** The most times one file held the line. */
  most: number;
}

export class SeenLines {
  readonly #lines = new Map<string, Remembered>();
  /** Lines that were not remembered, past MAX_REMEMBERED_LINES. */
  forgotten = 0;

  constructor(private readonly max = MAX_REMEMBERED_LINES) {}

  /** A counter for one file (one stream read): its own repeats count, another file's do not. */
  file(): (hostName: string | null, line: string) => boolean {
    const inFile = new Map<string, number>();
    return (hostName, line) => {
      const key = this.#key(hostName?.toLowerCase() ?? null, line);
      if (key === null) return true;
      const times = (inFile.get(key) ?? 0) + 1;
      inFile.set(key, times);
      const remembered = this.#lines.get(key)!;
      if (times <= remembered.most) return false;
      remembered.most = times;
      return true;
    };
  }

  /** The line's key, made and remembered; null when no more lines are remembered. */
  #key(host: string | null, line: string): string | null {
    // A digest, not the line: a tenth of its size. Identity among log lines, not security, is asked of it.
    // vmkwarning.log's copy of a vmkernel line may carry its own program tag (a collector's, or a version's).
    const text = createHash('sha1').update(line.replace(VMKWARNING_TAG, ' vmkernel: ')).digest('base64url');
    const known = this.#lines.get(text);
    if (known && (known.host === null || host === null || known.host === host)) {
      known.host ??= host;
      return text;
    }
    // Known with another host: the same words from two hosts are two lines.
    const key = known ? `${text}\u0000${host}` : text;
    if (this.#lines.has(key)) return key;
    if (this.#lines.size >= this.max) {
      this.forgotten++;
      return null;
    }
    this.#lines.set(key, { host, most: 0 });
    return key;
  }
}
