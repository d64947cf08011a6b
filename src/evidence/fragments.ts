// vm-support splits a file longer than 1 MiB into raw 1 MiB slices,
// <name>.FRAG-00000, -00001 … (the live vmkernel.log, or a rotated .gz whose
// slices are slices of gzip data); the last slice holds what is left. They
// are joined here in order into one stream read like any log. An archive may
// hold them out of order (an extracted bundle tarred again): a slice that
// comes early is held until its turn, up to a bound; a slice that never comes
// ends the file there, and says so. Nothing in a bundle counts the slices, so
// the last ones missing show only in what is left: a gzip's own end; a log
// that ends mid-line (vm-support cuts anywhere, a log ends with a whole line);
// a lone FRAG-00000 (only a file longer than one slice is sliced); a last
// slice as full as the others (only a file's last slice is shorter, bar a
// file of a whole number of MiB: one length in 2^20). A slice before the last
// that is not full (emptied or cut when a bundle was extracted onto a full
// disk) lost part of the log in the middle.
//
// The slice size is what bundles show (a 314 MiB command output in 314
// slices; files "larger than 1mb" sliced, always in two or more), not
// vm-support's code, which ships on the host only. Slices of another size
// are not judged by it.
import { Handover } from './handover.js';
import { cutShort, drain, readLogStream, trailingGarbage, UnreadableError, type LogStreamOutcome, type Reading } from './reading.js';
import type { SourceBuilder } from './source.js';
import type { Bytes } from './streams.js';

/** What vm-support puts in each slice but a file's last. */
const SLICE_BYTES = 2 ** 20;
/** Early slices held per file: vm-support's are 1 MiB, so this holds dozens. */
const MAX_HELD_BYTES = 64 * SLICE_BYTES;

interface Joining {
  readonly source: SourceBuilder;
  /** The file's rotation age. */
  readonly age: number;
  next: number;
  /** Slices that came before their turn, by index. */
  readonly early: Map<number, Buffer>;
  held: number;
  /** Slices after a missing one: a gzip cannot be read past the gap. */
  broken: boolean;
  /** The bytes of each slice joined, in order. */
  readonly sizes: number[];
  /** Made when FRAG-00000 comes. */
  channel?: Handover;
  done: Promise<void>;
}

export class Fragments {
  readonly #files = new Map<string, Joining>();

  constructor(private readonly reading: Reading) {}

  /** Slice `index` of `file` (named `label` in messages, of rotation age `age`), whose lines go to `source`. */
  async add(source: SourceBuilder, label: string, age: number, index: number, body: Bytes): Promise<void> {
    let joining = this.#files.get(label);
    if (!joining) {
      joining = { source, age, next: 0, early: new Map(), held: 0, broken: false, sizes: [], done: Promise.resolve() };
      this.#files.set(label, joining);
    }
    if (joining.broken || index < joining.next || joining.early.has(index)) return drain(body);
    if (index > joining.next) return this.#hold(joining, label, index, body);
    await this.#write(joining, label, body);
    for (let early = joining.early.get(joining.next); early; early = joining.early.get(joining.next)) {
      joining.early.delete(joining.next);
      joining.held -= early.length;
      await this.#write(joining, label, [early]);
    }
  }

  /**
   * Ends every file still being joined, says which slice was missing, and waits for the reading.
   * `stopped`: the archive broke off, and its own problem says where; the slices after that never came.
   */
  async close(stopped = false): Promise<void> {
    for (const [label, joining] of this.#files) {
      if (stopped) joining.broken = true;
      else if (joining.early.size && !joining.broken) this.#gap(joining, label);
      joining.channel?.end();
    }
    await Promise.all([...this.#files.values()].map((joining) => joining.done));
  }

  async #hold(joining: Joining, label: string, index: number, body: Bytes): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (joining.held + size > MAX_HELD_BYTES) {
        this.#gap(joining, label);
        return drain(body);
      }
      chunks.push(chunk);
    }
    joining.early.set(index, Buffer.concat(chunks, size));
    joining.held += size;
  }

  async #write(joining: Joining, label: string, body: Iterable<Buffer> | Bytes): Promise<void> {
    const channel = (joining.channel ??= this.#start(joining, label));
    joining.next++;
    let bytes = 0;
    for await (const chunk of body) {
      bytes += chunk.length;
      await channel.write(chunk);
    }
    joining.sizes.push(bytes);
  }

  #gap(joining: Joining, label: string): void {
    this.reading.problems.push(
      joining.next === 0
        ? `${label}: FRAG-00000 is not in it (its fragments start at FRAG-${pad(Math.min(...joining.early.keys()))}); they were not read.`
        : `${label}: FRAG-${pad(joining.next)} is missing; what came after it was not read.`,
    );
    joining.broken = true;
    joining.early.clear();
    joining.held = 0;
    joining.channel?.end();
  }

  /** A gzip's own end says whether it is whole; a text's, where a slice ended mid-line or full. */
  #lastSliceMissing(joining: Joining, label: string, outcome: LogStreamOutcome): void {
    const last = `FRAG-${pad(joining.next - 1)}`;
    const why =
      outcome.endedMidLine ? `it ends in the middle of a line at the end of ${last}, so the slices after it are missing (vm-support cuts a log anywhere, the log itself ends with a whole line)`
      : outcome.gzip ? null
      : joining.next === 1 ? `${last} is its only slice, and vm-support slices only a file longer than one slice, so the slices after it are missing`
      : joining.sizes.every((bytes) => bytes === SLICE_BYTES) ? `its last slice, ${last}, is a full 1 MiB like every one before it, and vm-support leaves what is left of a file in a shorter last slice, so the slices after it are missing`
      : null;
    if (why) this.reading.problems.push(`${label}: ${why}; what they held was not read.`);
  }

  /**
   * Slices of vm-support's 1 MiB (any full one before the last says so; FRAG-00000 itself may be the
   * one emptied) are all full but the last: a shorter one before it lost bytes.
   */
  #shortSlice(joining: Joining, label: string): void {
    const beforeLast = joining.sizes.slice(0, -1);
    if (!beforeLast.includes(SLICE_BYTES)) return;
    const short = beforeLast.findIndex((bytes) => bytes !== SLICE_BYTES);
    if (short === -1) return;
    this.reading.problems.push(
      `${label}: FRAG-${pad(short)} holds ${joining.sizes[short]} bytes where vm-support puts 1 MiB in every slice but the last, so part of the log is missing there; the lines around the gap were read.`,
    );
  }

  #start(joining: Joining, label: string): Handover {
    this.reading.onFile?.(label);
    const channel = new Handover();
    joining.done = (async () => {
      try {
        const outcome = await readLogStream(joining.source, channel, joining.age);
        if (outcome.trailingGarbage) this.reading.notes.push(trailingGarbage(label));
        if (!joining.broken) this.#lastSliceMissing(joining, label, outcome);
        if (!joining.broken) this.#shortSlice(joining, label);
      } catch (error) {
        if (!(error instanceof UnreadableError)) throw error;
        // After a missing slice the data is cut short: that was said already.
        if (!joining.broken) this.reading.problems.push(cutShort(`${label} (joined from its fragments)`, error.message, { member: null, lastTime: joining.source.lastTimeRead }));
      }
    })();
    return channel;
  }
}

const pad = (n: number) => String(n).padStart(5, '0');
