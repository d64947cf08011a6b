// What a workflow gets besides its options: the ui, the environment and the
// interruption state. Workflows never touch process or the console; the CLI
// (src/cli) supplies a terminal ui, tests a scripted one.
import type { Result } from '../report/render.js';

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

export interface Choice<T> {
  readonly name: string;
  readonly value: T;
  readonly description?: string;
  /** Shown, but not selectable: why not. */
  readonly disabled?: string;
}

/** Everything interactive goes through here, so tests can script it. */
export interface Ui {
  /** stdin and stderr are terminals: prompts are possible. */
  readonly interactive: boolean;
  /** Colours allowed on the ui's stream (decided once, in src/cli/ui.ts). */
  readonly color: boolean;
  /** The terminal's width, when the ui's stream is a terminal that reports one. */
  readonly columns: number | undefined;
  confirm(message: string, defaultValue?: boolean): Promise<boolean>;
  /** `initial`: the choice the cursor starts on (else the first). */
  select<T>(message: string, choices: readonly Choice<T>[], initial?: T): Promise<T>;
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
  /** vmfix's version, recorded in plans, journals and tickets. */
  readonly version: string;
  /** Set once SIGINT or SIGTERM arrived. */
  readonly interrupted: boolean;
  /** Cleanup to run if an interrupt ends the process; returns its unregister function. */
  onInterrupt(cleanup: () => Promise<void> | void): () => void;
  /**
   * Runs a change that must not be cut in half (the write and its journal
   * entry): an interrupt during it waits for it to finish, then throws.
   * `forced`: what to tell the person if a second interrupt cuts it short.
   */
  critical<T>(work: () => Promise<T>, forced?: string): Promise<T>;
  /** Ends the run without a word: the interrupt cleanups, then `exitCode` (watch, once its reader has gone). */
  finish(exitCode: number): void;
}

/** What every command returns: a result to render, the exit code, and why it stopped early if it did. */
export interface CommandOutcome {
  readonly result: Result;
  readonly exitCode: number;
  readonly error?: Error;
}

/** The vCenter (or ESXi host) a session is logged in to. */
export interface Endpoint {
  readonly url: URL;
  /** host[:port], for messages and reports. */
  readonly display: string;
  readonly username: string;
}
