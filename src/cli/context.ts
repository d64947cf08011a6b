// What a command gets besides its arguments: the ui, the environment, and
// the interruption state. Commands never touch process or the console.
import { InterruptedError } from '../errors.js';

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

export interface Choice<T> {
  readonly name: string;
  readonly value: T;
  readonly description?: string;
}

/** Everything interactive goes through here, so tests can script it. */
export interface Ui {
  /** stdin and stderr are terminals: prompts are possible. */
  readonly interactive: boolean;
  confirm(message: string, defaultValue?: boolean): Promise<boolean>;
  select<T>(message: string, choices: readonly Choice<T>[]): Promise<T>;
  password(message: string): Promise<string>;
  spinner(text: string): Spinner;
  /** A progress line on stderr (a spinner's text on a terminal, else a plain line). */
  progress(text: string): void;
  /** Text for the person at the keyboard (stderr), e.g. an explanation before a prompt. */
  say(text: string): void;
  warn(text: string): void;
  debug(text: string): void;
}

export interface Context {
  readonly ui: Ui;
  readonly env: NodeJS.ProcessEnv;
  /** Set once SIGINT or SIGTERM arrived. */
  readonly interrupted: boolean;
  /** Cleanup to run if an interrupt ends the process; returns its unregister function. */
  onInterrupt(cleanup: () => Promise<void> | void): () => void;
  /**
   * Runs a change that must not be cut in half (the write and its journal
   * entry): an interrupt during it waits for it to finish, then throws.
   */
  critical<T>(work: () => Promise<T>): Promise<T>;
}

/** Signal handling for one process run. */
export class Interrupts {
  interrupted = false;
  private depth = 0;
  private readonly cleanups = new Set<() => Promise<void> | void>();

  constructor(private readonly exit: (code: number) => void, private readonly say: (text: string) => void) {}

  onInterrupt(cleanup: () => Promise<void> | void): () => void {
    this.cleanups.add(cleanup);
    return () => this.cleanups.delete(cleanup);
  }

  async critical<T>(work: () => Promise<T>): Promise<T> {
    this.depth++;
    let result: T;
    try {
      result = await work();
    } finally {
      this.depth--;
    }
    if (this.interrupted && this.depth === 0) throw new InterruptedError();
    return result;
  }

  signal(name: string): void {
    if (this.interrupted) {
      this.say(`${name} again: exiting now.`);
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
    void Promise.allSettled([...this.cleanups].map((c) => c())).then(() => this.exit(130));
  }
}
