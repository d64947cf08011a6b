// Two runs on the same objects at once, and Ctrl-C / SIGTERM in the middle
// of a change. The proxy holds a write at the moment that matters, so each
// race is played out the same way every time.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  comparable,
  dvPortgroup,
  expectJournalTrue,
  expectOneClearSentence,
  figure,
  modifyingCalls,
  readJournal,
  SCENARIO,
  spawnVmfix,
  until,
  withBench,
  type Bench,
} from './support.js';

const STRATEGY = ['--strategy', 'portgroup-accept'];

const start = (b: Bench, args: readonly string[]) => spawnVmfix(b, args);

async function plan(b: Bench, ...scope: string[]): Promise<void> {
  const planned = await b.direct(['fix', ...STRATEGY, ...scope, '--plan-out', 'plan.json', '--format', 'json']);
  expect(planned.code, planned.stderr).toBe(0);
}

describe.concurrent('two vmfix apply runs on the same objects at once', () => {
  it('the second starts while the first one\'s write has applied but is unanswered: the second refuses (exit 5) and sends nothing', async (ctx) => {
    const fig = figure(ctx, 'concurrency and signals');
    await withBench(async (b) => {
      await plan(b);
      const before = await b.lab.state();
      b.proxy.inject({ method: 'UpdatePortGroup', fault: { kind: 'hold', stage: 'after' } });
      const first = start(b, ['apply', 'plan.json', '--yes', '--journal', 'first.json']);
      const held = await b.proxy.nextHold();
      const writes = (await modifyingCalls(b.lab)).length;

      const second = await b.direct(['apply', 'plan.json', '--yes', '--journal', 'second.json']);
      expect(second.code, second.stderr).toBe(5);
      expectOneClearSentence(second, /changed since/);
      expect(await modifyingCalls(b.lab)).toHaveLength(writes);

      held.release();
      const won = await first.done;
      expect(won.code, won.stderr).toBe(0);
      const journal = await readJournal(join(b.dir, 'first.json'));
      expect(journal.entries.map((e) => e.status)).toEqual(['applied', 'applied', 'applied']);
      expectJournalTrue(journal, before, await b.lab.state());
      // The loser wrote no journal: it changed nothing and had nothing to record.
      await expect(readJournal(join(b.dir, 'second.json'))).rejects.toThrow(/ENOENT/);
    });
    fig.done();
  });

  it('someone else makes one of its changes while it runs: that one is already-set, not failed, the rest applies, exit 0', async (ctx) => {
    const fig = figure(ctx, 'concurrency and signals');
    await withBench(async (b) => {
      await plan(b);
      // Held once c1 has applied: meanwhile another admin fixes web01 the same way (PG-Web, the plan's c2).
      b.proxy.inject({ method: 'UpdatePortGroup', fault: { kind: 'hold', stage: 'after' } });
      const applying = start(b, ['apply', 'plan.json', '--yes', '--journal', 'journal.json', '--format', 'json']);
      const held = await b.proxy.nextHold();
      const other = await b.direct(['fix', '--yes', ...STRATEGY, '--vm', 'web01', '--journal', 'other.json']);
      expect(other.code, other.stderr).toBe(0);
      held.release();
      const run = await applying.done;

      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.changes.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([['c1', 'applied'], ['c2', 'already-set'], ['c3', 'applied']]);
      expect(report.changes[1].note).toBe('not applied: changed meanwhile (already accept)');
      expect(report.summary).toMatch(/: 2 applied, 1 already set meanwhile\. Journal: journal\.json$/);
      expect(report.verification.map((v: { resolved: boolean }) => v.resolved)).toEqual([true, true, true]);
      expect(run.stderr).toMatch(/^c2 already-set: .*PG-Web: not applied: changed meanwhile \(already accept\)$/m);
      expect(run.stderr).not.toMatch(/failed/);
      // Only what this run sent is in its journal, and rollback undoes only that.
      const journal = await readJournal(join(b.dir, 'journal.json'));
      expect(journal.entries.map((e) => [e.change.id, e.status])).toEqual([['c1', 'applied'], ['c3', 'applied']]);
      expect(b.proxy.forwarded('UpdatePortGroup')).toBe(1);
    });
    fig.done();
  });

  it('both pass their drift checks, the second writes first: vCenter refuses the first\'s stale configVersion (exit 5), nothing of it applies', async (ctx) => {
    const fig = figure(ctx, 'concurrency and signals');
    await withBench(async (b) => {
      // Only the dvPortgroup: its reconfigure carries configVersion, vCenter's compare-and-swap.
      await plan(b, '--vm', 'db01');
      b.proxy.inject({ method: 'ReconfigureDVPortgroup_Task', fault: { kind: 'hold', stage: 'before' } });
      const first = start(b, ['apply', 'plan.json', '--yes', '--journal', 'first.json']);
      const held = await b.proxy.nextHold();

      const second = await b.direct(['apply', 'plan.json', '--yes', '--journal', 'second.json']);
      expect(second.code, second.stderr).toBe(0);
      const won = await b.lab.state();

      held.release();
      const lost = await first.done;
      expect(lost.code, lost.stderr).toBe(5);
      expectOneClearSentence(lost, /same moment.*nothing was applied/);
      expect(comparable(await b.lab.state())).toEqual(comparable(won));
      const journal = await readJournal(join(b.dir, 'first.json'));
      expect(journal.entries.map((e) => e.status)).toEqual(['failed']);
      expect(journal.entries[0]!.note).toMatch(/ConcurrentAccess/);
      // The winner's journal rolls back to the original.
      const undone = await b.direct(['rollback', 'second.json', '--yes', '--journal', 'undo.json']);
      expect(undone.code, undone.stderr).toBe(0);
      expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    });
    fig.done();
  });
});

describe.concurrent('two vmfix rollback runs of the same journal at once', () => {
  it('the second removes the dedicated dvPortgroup while the first one\'s Destroy_Task is on its way: the first stops with exit 5 (done by someone else), not exit 4', async (ctx) => {
    const fig = figure(ctx, 'concurrency and signals');
    await withBench(async (b) => {
      const fixed = await b.direct(['fix', '--yes', '--strategy', 'dedicated-portgroup', '--vm', 'db01', '--journal', 'fix.json']);
      expect(fixed.code, fixed.stderr).toBe(0);
      b.proxy.inject({ method: 'Destroy_Task', fault: { kind: 'hold', stage: 'before' } });
      const first = start(b, ['rollback', 'fix.json', '--yes', '--journal', 'first.json']);
      const held = await b.proxy.nextHold();

      const second = await b.direct(['rollback', 'fix.json', '--yes', '--journal', 'second.json']);
      expect(second.code, second.stderr).toBe(0);

      held.release();
      const lost = await first.done;
      expect(lost.code, lost.stderr).toBe(5);
      expectOneClearSentence(lost, /DPG-Db-macchg: someone else made this change at the same moment \(ManagedObjectNotFound\); it holds what this run would set/);
      expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
      const journal = await readJournal(join(b.dir, 'first.json'));
      expect(journal.entries.map((e) => e.status)).toEqual(['applied', 'failed']);
      expect(journal.entries[1]!.note).toMatch(/^ManagedObjectNotFound/);
    });
    fig.done();
  });
});

// SIGHUP: the terminal (or ssh session) that ran vmfix went away.
describe.concurrent.for(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s during fix --yes', (signal) => {
  it.for(['before', 'after'] as const)(
    'while the first write is held %s the lab acts on it: the change completes and is journaled, nothing more, exit 130',
    async (stage, ctx) => {
      const fig = figure(ctx, 'concurrency and signals');
      await withBench(async (b) => {
        b.proxy.inject({ method: 'UpdatePortGroup', fault: { kind: 'hold', stage } });
        const fix = start(b, ['fix', '--yes', ...STRATEGY, '--journal', 'journal.json']);
        const held = await b.proxy.nextHold();
        fix.child.kill(signal);
        // The signal is handled (and said) before the write is let go.
        await until(() => fix.child.exitCode !== null || /finishing the change in progress/.test(fix.stderr()));
        expect(fix.child.exitCode).toBeNull();
        held.release();
        const run = await fix.done;

        expect(run.code, run.stderr).toBe(130);
        expectOneClearSentence(run, /Interrupted/);
        const journal = await readJournal(join(b.dir, 'journal.json'));
        expect(journal.entries.map((e) => e.status)).toEqual(['applied']);
        expect(journal.finishedAt).toBeDefined();
        expect(b.proxy.forwarded('UpdatePortGroup')).toBe(1);
        expect(b.proxy.count('ReconfigureDVPortgroup_Task')).toBe(0);
        expectJournalTrue(journal, b.original, await b.lab.state());
        // Complete and valid: rollback takes it and restores the original state.
        const undone = await b.direct(['rollback', 'journal.json', '--yes', '--journal', 'undo.json']);
        expect(undone.code, undone.stderr).toBe(0);
        expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
      });
      fig.done();
    },
  );

  it('between two changes (a read is held): stops at once, exit 130, the journal holds the change before', async (ctx) => {
    const fig = figure(ctx, 'concurrency and signals');
    await withBench(async (b) => {
      b.proxy.inject({ method: 'UpdatePortGroup', fault: { kind: 'hold', stage: 'after' } });
      const fix = start(b, ['fix', '--yes', ...STRATEGY, '--journal', 'journal.json']);
      const write = await b.proxy.nextHold();
      // After this write's answer: its re-read, then the read that starts the second change. Hold that one.
      b.proxy.inject({ method: 'RetrievePropertiesEx', nth: b.proxy.count('RetrievePropertiesEx') + 2, fault: { kind: 'hold', stage: 'before' } });
      write.release();
      const held = await b.proxy.nextHold();
      fix.child.kill(signal);
      const run = await fix.done;
      held.release();

      expect(run.code, run.stderr).toBe(130);
      // Nothing was being changed: it says so and stops, without a stack trace.
      expect(run.stderr).toMatch(new RegExp(`^${signal}: stopping\\.$`, 'm'));
      expect(run.stderr).not.toMatch(/^\s+at /m);
      const journal = await readJournal(join(b.dir, 'journal.json'));
      expect(journal.entries.map((e) => e.status)).toEqual(['applied']);
      expectJournalTrue(journal, b.original, await b.lab.state());
      const undone = await b.direct(['rollback', 'journal.json', '--yes', '--journal', 'undo.json']);
      expect(undone.code, undone.stderr).toBe(0);
      expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    });
    fig.done();
  });

  it('twice while a write is held: exits at once, the entry stays pending (it may have applied), and rollback settles it', async (ctx) => {
    const fig = figure(ctx, 'concurrency and signals');
    await withBench(async (b) => {
      b.proxy.inject({ method: 'UpdatePortGroup', fault: { kind: 'hold', stage: 'before' } });
      const fix = start(b, ['fix', '--yes', ...STRATEGY, '--journal', 'journal.json']);
      const held = await b.proxy.nextHold();
      fix.child.kill(signal);
      await until(() => /finishing the change in progress/.test(fix.stderr()));
      fix.child.kill(signal);
      const run = await fix.done;
      expect(run.code).toBe(130);
      expect(run.stderr).toMatch(new RegExp(`${signal} again: exiting now`));
      // Cut short, it says what may have happened and where the record is.
      expect(run.stderr).toContain('c1 may still apply: the journal journal.json records it as pending; vmfix journal journal.json shows what applied, vmfix rollback journal.json undoes it.');
      // The write was on its way: the lab gets it after vmfix is gone.
      held.release();
      await until(async () => (await modifyingCalls(b.lab)).length === 1);

      const journal = await readJournal(join(b.dir, 'journal.json'));
      expect(journal.entries.map((e) => e.status)).toEqual(['pending']);
      const undone = await b.direct(['rollback', 'journal.json', '--yes', '--journal', 'undo.json']);
      expect(undone.code, undone.stderr).toBe(0);
      expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    });
    fig.done();
  });
});

describe.concurrent('SIGKILL during fix --yes while the dvPortgroup task is still queued (a busy vCenter)', () => {
  const QUEUED_MS = 8000;

  it('an immediate rollback waits for that task, then undoes all three changes; nothing is left changed once it has run', async (ctx) => {
    const fig = figure(ctx, 'concurrency and signals');
    await withBench(async (b) => {
      // The lab has queued the task and answered; the answer is held, and vmfix is killed waiting for it.
      b.proxy.inject({ method: 'ReconfigureDVPortgroup_Task', fault: { kind: 'hold', stage: 'after' } });
      const fix = start(b, ['fix', '--yes', ...STRATEGY, '--journal', 'journal.json']);
      const held = await b.proxy.nextHold();
      const queuedAt = Date.now();
      fix.child.kill('SIGKILL');
      await fix.done;
      held.release();
      const journal = await readJournal(join(b.dir, 'journal.json'));
      expect(journal.entries.map((e) => e.status)).toEqual(['applied', 'applied', 'pending']);
      // Still queued: the dvPortgroup shows the old value, which is what fooled rollback before.
      expect(dvPortgroup(await b.lab.state(), 'DPG-Db')).toEqual(dvPortgroup(b.original, 'DPG-Db'));

      const undone = await b.direct(['rollback', 'journal.json', '--yes', '--journal', 'undo.json']);
      expect(undone.code, undone.stderr).toBe(0);
      expect(undone.stderr).toMatch(/c3 .*DPG-Db: a task on it is still (queued|running) \(.*\); waiting for it to end/);
      expect(undone.stderr).not.toMatch(/nothing to undo/);
      const undo = await readJournal(join(b.dir, 'undo.json'));
      expect(undo.entries.map((e) => [e.change.target.portgroup, e.status])).toEqual([
        [expect.objectContaining({ name: 'DPG-Db' }), 'applied'],
        [expect.anything(), 'applied'],
        [expect.anything(), 'applied'],
      ]);
      // Well after the killed run's task would have run: everything is as it was.
      await new Promise((r) => setTimeout(r, Math.max(0, queuedAt + QUEUED_MS + 1000 - Date.now())));
      expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    }, { ...SCENARIO, taskDelayMs: QUEUED_MS });
    fig.done();
  });
});

