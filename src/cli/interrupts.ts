// Signal handling for one process run: the CLI's half of the workflow
// Context (src/workflow/context.ts), which it hands to every command.
import { InterruptedError } from '../errors.js';

export class Interrupts {
  interrupted = false;
  private depth = 0;
  /** What to tell the person if a second signal ends the process in the middle of the critical work. */
  private readonly forced: string[] = [];
  private readonly cleanups = new Set<() => Promise<void> | void>();

  constructor(private readonly exit: (code: number) => void, private readonly say: (text: string) => void) {}

  onInterrupt(cleanup: () => Promise<void> | void): () => void {
    this.cleanups.add(cleanup);
    return () => this.cleanups.delete(cleanup);
  }

  async critical<T>(work: () => Promise<T>, forced?: string): Promise<T> {
    this.depth++;
    if (forced) this.forced.push(forced);
    let result: T;
    try {
      result = await work();
    } finally {
      this.depth--;
      if (forced) this.forced.pop();
    }
    if (this.interrupted && this.depth === 0) throw new InterruptedError();
    return result;
  }

  signal(name: string): void {
    if (this.interrupted) {
      const cut = this.depth > 0 ? this.forced.at(-1) : undefined;
      this.say(`${name} again: exiting now.${cut ? ` ${cut}` : ''}`);
      this.exit(130);
      return;
    }
    this.interrupted = true;
    if (this.depth > 0) {
      this.say(`${name}: finishing the change in progress and recording it, then stopping.`);
      return;
    }
    // Nothing is being changed: clean up (log out) and go.
    this.say(`${name}: stopping.`);
    void this.cleanUp().then(() => this.exit(130));
  }

  /**
   * The run is over and no one is to be told (watch's reader has gone): the
   * cleanups run as for a signal, then the process exits with `code`.
   */
  finish(code: number): void {
    if (this.interrupted) return;
    this.interrupted = true;
    void this.cleanUp().then(() => this.exit(code));
  }

  /**
   * The latest registered first, one after the other, as nested finally
   * blocks would: what a workflow made in a session (watch's collectors) is
   * destroyed before the session it lives in is logged out.
   */
  private async cleanUp(): Promise<void> {
    for (const cleanup of [...this.cleanups].reverse()) {
      try {
        await cleanup();
      } catch {
        // The next cleanup still runs: a failed destroy must not keep the session open.
      }
    }
  }
}
