// vm-support splits a large file into raw ~1 MiB slices, <name>.FRAG-00000,
// -00001 … (the live vmkernel.log, or a rotated .gz whose slices are slices
// of gzip data). They are joined here in order as they arrive, into one
// stream read like any log; a missing slice ends the file there, and says so.
import { PassThrough } from 'node:stream';

import { drain, READ_CHUNK_BYTES, readLogStream, trailingGarbage, UnreadableError, type Reading } from './reading.js';
import type { SourceBuilder } from './source.js';
import type { Bytes } from './streams.js';

interface Joining {
  next: number;
  /** Slices after a missing one: a gzip cannot be read past the gap. */
  broken: boolean;
  readonly channel: PassThrough;
  done: Promise<void>;
}

export class Fragments {
  readonly #files = new Map<string, Joining>();

  constructor(private readonly reading: Reading) {}

  /** Slice `index` of `file` (named `label` in messages), whose lines go to `source`. */
  async add(source: SourceBuilder, label: string, index: number, body: Bytes): Promise<void> {
    let joining = this.#files.get(label);
    if (!joining) {
      if (index !== 0) {
        this.reading.problems.push(`${label}: its fragments start at FRAG-${pad(index)}, not FRAG-00000; they were not read.`);
        this.#files.set(label, { next: index, broken: true, channel: new PassThrough(), done: Promise.resolve() });
        return drain(body);
      }
      joining = this.#start(source, label);
      this.#files.set(label, joining);
    }
    if (joining.broken) return drain(body);
    if (index !== joining.next) {
      this.reading.problems.push(`${label}: FRAG-${pad(joining.next)} is missing; what came after it was not read.`);
      joining.broken = true;
      joining.channel.end();
      return drain(body);
    }
    joining.next++;
    for await (const chunk of body) {
      if (!joining.channel.write(chunk)) await new Promise((resolve) => joining.channel.once('drain', resolve));
    }
  }

  /** Ends every file still being joined, and waits for its reading. */
  async close(): Promise<void> {
    for (const joining of this.#files.values()) joining.channel.end();
    await Promise.all([...this.#files.values()].map((joining) => joining.done));
  }

  #start(source: SourceBuilder, label: string): Joining {
    this.reading.onFile?.(label);
    const channel = new PassThrough({ highWaterMark: READ_CHUNK_BYTES });
    const joining: Joining = { next: 0, broken: false, channel, done: Promise.resolve() };
    joining.done = (async () => {
      try {
        const outcome = await readLogStream(source, channel);
        if (outcome.trailingGarbage) this.reading.notes.push(trailingGarbage(label));
      } catch (error) {
        if (!(error instanceof UnreadableError)) throw error;
        // After a missing slice the data is cut short: that was said already.
        if (!joining.broken) this.reading.problems.push(`${label} (joined from its fragments): ${error.message}; the lines before that were read.`);
        channel.resume(); // keep taking what is written, so the archive reads on
      }
    })();
    return joining;
  }
}

const pad = (n: number) => String(n).padStart(5, '0');
