// Faults under the commands that write (fix --yes, apply, rollback). A write
// reaches vCenter at most once per change; when its answer is lost vmfix
// reads the object again to learn what happened; the journal then says
// exactly what applied, and a rollback from it restores the original state.
import { describe, expect, it } from 'vitest';
import type { LabState, Run } from '../helpers/lab.js';
import type { Fault } from '../helpers/proxy.js';
import {
  comparable,
  expectJournalTrue,
  expectOneClearSentence,
  figure,
  MODIFYING,
  readJournal,
  SCENARIO,
  withBench,
  type Bench,
  type JournalFile,
} from './support.js';

interface Case {
  readonly name: string;
  readonly fault: Fault;
  /** Whether the lab acted on the write (its answer may still be lost). */
  readonly applies: boolean;
  /** Exit code when it does not apply. */
  readonly exit?: number;
  /** The sentence that says why. */
  readonly says?: RegExp;
}

const CASES: readonly Case[] = [
  { name: 'connection reset after the lab applied it', fault: { kind: 'reset' }, applies: true },
  { name: 'answer later than --timeout', fault: { kind: 'delay', ms: 3000 }, applies: true },
  { name: 'answer truncated', fault: { kind: 'truncate' }, applies: true },
  { name: 'session expired (refused before acting)', fault: { kind: 'expire' }, applies: true },
  { name: 'connection dropped before the lab saw it', fault: { kind: 'drop' }, applies: false, exit: 4, says: /did not apply/ },
  { name: 'HTTP 500 HTML page', fault: { kind: 'http', status: 500 }, applies: false, exit: 4, says: /HTTP 500.*did not apply/ },
  { name: 'HTTP 503 HTML page', fault: { kind: 'http', status: 503 }, applies: false, exit: 4, says: /HTTP 503.*did not apply/ },
  {
    name: 'SOAP fault NoPermission',
    fault: { kind: 'soap-fault', type: 'NoPermission', message: 'Permission to perform this operation was denied.' },
    applies: false,
    exit: 4,
    says: /lacks the privilege (Host\.Config\.Network|DVPortgroup\.Modify)/,
  },
  {
    name: 'SOAP fault ConcurrentAccess',
    fault: { kind: 'soap-fault', type: 'ConcurrentAccess', message: 'Cannot complete operation due to concurrent modification by another operation.' },
    applies: false,
    exit: 5,
    says: /at the same moment/,
  },
];

/** Faults while waiting for a task: reads, retried; the task itself already ran. */
const TASK_WAIT_CASES: readonly { name: string; method: string; fault: Fault }[] = [
  { name: 'connection dropped on WaitForUpdatesEx', method: 'WaitForUpdatesEx', fault: { kind: 'drop' } },
  { name: 'session expired at WaitForUpdatesEx', method: 'WaitForUpdatesEx', fault: { kind: 'expire' } },
  { name: 'session expired at CreateFilter', method: 'CreateFilter', fault: { kind: 'expire' } },
];

const JOURNAL = 'journal.json';

interface Command {
  readonly name: string;
  /** Runs before the faulted command, straight to the lab; returns the state it starts from. */
  prepare(b: Bench): Promise<LabState>;
  readonly args: readonly string[];
  /** Where the change in the middle (a standard portgroup) and the dvPortgroup task fall in this command's order. */
  readonly middle: { method: string; nth: number };
  readonly task: { method: string; nth: number };
  /** Gets the lab back to where it started, from what the faulted run left. */
  restore(b: Bench): Promise<Run>;
}

const STRATEGY = ['--strategy', 'portgroup-accept'];
const ROLLBACK = ['rollback', '--yes', JOURNAL, '--journal', 'undo.json'];

const COMMANDS: readonly Command[] = [
  {
    name: 'fix --yes',
    prepare: async (b) => b.original,
    args: ['fix', '--yes', ...STRATEGY, '--journal', JOURNAL],
    // Plan order: c1 PG-Web, c2 PG-App (UpdatePortGroup), c3 DPG-Db (ReconfigureDVPortgroup_Task).
    middle: { method: 'UpdatePortGroup', nth: 2 },
    task: { method: 'ReconfigureDVPortgroup_Task', nth: 1 },
    restore: (b) => b.direct(ROLLBACK),
  },
  {
    name: 'apply',
    async prepare(b) {
      const planned = await b.direct(['fix', ...STRATEGY, '--plan-out', 'plan.json', '--format', 'json']);
      expect(planned.code, planned.stderr).toBe(0);
      return b.lab.state();
    },
    args: ['apply', 'plan.json', '--yes', '--journal', JOURNAL],
    middle: { method: 'UpdatePortGroup', nth: 2 },
    task: { method: 'ReconfigureDVPortgroup_Task', nth: 1 },
    restore: (b) => b.direct(ROLLBACK),
  },
  {
    name: 'rollback',
    async prepare(b) {
      const fixed = await b.direct(['fix', '--yes', ...STRATEGY, '--journal', 'fix.json']);
      expect(fixed.code, fixed.stderr).toBe(0);
      return b.lab.state();
    },
    args: ['rollback', 'fix.json', '--yes', '--journal', JOURNAL],
    // Newest first: u1 DPG-Db (the task), u2 PG-App, u3 PG-Web.
    middle: { method: 'UpdatePortGroup', nth: 1 },
    task: { method: 'ReconfigureDVPortgroup_Task', nth: 1 },
    // Finishing an interrupted rollback is running it again.
    restore: (b) => b.direct(['rollback', 'fix.json', '--yes', '--journal', 'again.json']),
  },
];

/** vmfix's --timeout: short, so that a held answer is a timeout; long enough for a loaded machine. */
const TIMEOUT = ['--timeout', '2'];

/** Runs one command with one fault, and checks everything a user relies on afterwards. */
async function check(b: Bench, command: Command, at: { method: string; nth: number }, c: Case): Promise<void> {
  const start = await command.prepare(b);
  const labCallsBefore = (await b.lab.calls()).length;
  b.proxy.inject({ ...at, fault: c.fault });
  const run = await b.run([...command.args, ...TIMEOUT]);

  // The exit code and the one sentence.
  if (c.applies) {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/^vmfix: /m);
  } else {
    expect(run.code, run.stderr).toBe(c.exit);
    expectOneClearSentence(run, c.says);
  }

  // Each modifying call reached the lab at most once per change.
  const journal: JournalFile = await readJournal(`${b.dir}/${JOURNAL}`);
  const reached = (await b.lab.calls()).slice(labCallsBefore).map((x) => x.method).filter((m) => MODIFYING.includes(m));
  for (const method of new Set(reached)) {
    const attempted = journal.entries.filter((e) => methodOf(e.change.action) === method).length;
    expect(reached.filter((m) => m === method).length, `${method} reached the lab more often than it was attempted`).toBeLessThanOrEqual(attempted);
  }
  // vmfix sent it once per attempted change; only a refusal for an expired session (the
  // server did nothing) makes it log in and send that one again, and the lab still saw it once.
  const attempts = journal.entries.filter((e) => methodOf(e.change.action) === at.method).length;
  expect(b.proxy.count(at.method)).toBe(attempts + (c.fault.kind === 'expire' ? 1 : 0));

  // After a write whose answer was lost or refused by the transport, the next call re-reads the object.
  const faulted = b.proxy.seen.findIndex((s) => s.method === at.method && s.fault !== undefined);
  expect(faulted).toBeGreaterThanOrEqual(0);
  const next = b.proxy.seen[faulted + 1]?.method;
  if (c.fault.kind === 'expire') expect(next).toBe('Login');
  else if (c.fault.kind !== 'soap-fault') expect(next).toBe('RetrievePropertiesEx');

  // The journal is complete and true.
  expect(journal.finishedAt).toBeDefined();
  const after = await b.lab.state();
  expectJournalTrue(journal, start, after);
  const entry = journal.entries.find((e) => e.status !== 'applied' || e.note);
  if (c.applies && c.fault.kind !== 'expire') expect(entry?.note).toMatch(/answer was lost.*re-reading shows it applied/);

  // And a rollback from it (or running the rollback again) restores the original state.
  const restored = await command.restore(b);
  expect(restored.code, restored.stderr).toBe(0);
  expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
}

function methodOf(action: string): string {
  return (
    {
      ReconfigureDVPortgroup: 'ReconfigureDVPortgroup_Task',
      CreateDVPortgroup: 'CreateDVPortgroup_Task',
      DestroyDVPortgroup: 'Destroy_Task',
      EditNic: 'ReconfigVM_Task',
    }[action] ?? action
  );
}

describe.concurrent.each(COMMANDS)('$name', (command) => {
  describe('a standard portgroup write (UpdatePortGroup) in the middle of the run', () => {
    it.for(CASES)('$name', async (c, ctx) => {
      const fig = figure(ctx, 'fault injected');
      await withBench((b) => check(b, command, command.middle, c));
      fig.done();
    });
  });

  // The same code writes every kind of object; the task-based writes are
  // shown on fix (macManagementPolicy) and rollback (securityPolicy).
  if (command.name === 'apply') return;

  describe('a dvPortgroup write (ReconfigureDVPortgroup_Task)', () => {
    it.for(CASES.filter((c) => ['reset', 'truncate', 'drop'].includes(c.fault.kind) || c.name === 'SOAP fault NoPermission'))('$name', async (c, ctx) => {
      const fig = figure(ctx, 'fault injected');
      await withBench((b) => check(b, command, command.task, c));
      fig.done();
    });
  });

  // A busy vCenter queues tasks: the answer is lost while the task has not run yet.
  describe('a dvPortgroup task still queued when its answer is lost', () => {
    it.for(CASES.filter((c) => ['reset', 'truncate'].includes(c.fault.kind)))('$name', async (c, ctx) => {
      const fig = figure(ctx, 'fault injected');
      await withBench((b) => check(b, command, command.task, c), { ...SCENARIO, taskDelayMs: 1500 });
      fig.done();
    });
  });

  if (command.name === 'rollback') return;

  describe('waiting for the dvPortgroup task', () => {
    it.for(TASK_WAIT_CASES)('$name: the change is journaled applied', async (w, ctx) => {
      const fig = figure(ctx, 'fault injected');
      await withBench(async (b) => {
        const start = await command.prepare(b);
        b.proxy.inject({ method: w.method, fault: w.fault });
        const run = await b.run([...command.args, ...TIMEOUT]);
        expect(run.code, run.stderr).toBe(0);
        expect(b.proxy.forwarded('ReconfigureDVPortgroup_Task')).toBe(1);
        const journal = await readJournal(`${b.dir}/${JOURNAL}`);
        expectJournalTrue(journal, start, await b.lab.state());
        const restored = await command.restore(b);
        expect(restored.code, restored.stderr).toBe(0);
        expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
      });
      fig.done();
    });
  });
});
