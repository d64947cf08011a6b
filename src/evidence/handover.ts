// A stream joined from writes (fragments.ts's slices) that its reader pulls:
// each write resolves once the reader asks for more, so what was written has
// been judged before the writer reads on. An archive's next member may feed
// the same log source; a buffer between them would let the two interleave.
export class Handover implements AsyncIterable<Buffer> {
  readonly #queue: Buffer[] = [];
  #ended = false;
  /** The reader stopped: writes go nowhere, and never wait. */
  #gone = false;
  #wake: (() => void) | null = null;
  #taken: (() => void) | null = null;

  write(chunk: Buffer): Promise<void> {
    if (this.#gone) return Promise.resolve();
    this.#queue.push(chunk);
    this.#wake?.();
    return new Promise((resolve) => (this.#taken = resolve));
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        const chunk = this.#queue.shift();
        if (chunk) {
          yield chunk;
          continue;
        }
        this.#release();
        if (this.#ended) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = null;
      }
    } finally {
      this.#gone = true;
      this.#queue.length = 0;
      this.#release();
    }
  }

  #release(): void {
    const taken = this.#taken;
    this.#taken = null;
    taken?.();
  }
}
