// Faults under the commands that only read (audit, inventory): a read is
// sent again a bounded number of times, an expired session is logged into
// again once, and the answer the user gets is the one a clean run gives,
// or one clear sentence and the contract's exit code.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../helpers/lab.js';
import type { Fault, Rule } from '../helpers/proxy.js';
import { expectOneClearSentence, figure, modifyingCalls, withBench, type Bench } from './support.js';

/** Faults after which a read may safely be sent again. */
const TRANSIENT: [string, Fault][] = [
  ['connection reset mid-answer', { kind: 'reset' }],
  ['connection dropped before the lab saw it', { kind: 'drop' }],
  ['answer later than --timeout', { kind: 'delay', ms: 3000 }],
  ['truncated body', { kind: 'truncate' }],
  ['HTTP 500 HTML page', { kind: 'http', status: 500 }],
  ['HTTP 503 HTML page', { kind: 'http', status: 503 }],
];
const NO_PERMISSION: Fault = {
  kind: 'soap-fault',
  type: 'NoPermission',
  message: 'Permission to perform this operation was denied.',
  detail: '<object type="PropertyCollector">propertyCollector</object><privilegeId>System.Read</privilegeId>',
};
/** Short, so that a held answer is a timeout; long enough for a loaded machine. */
const TIMEOUT = ['--timeout', '2'];

/** What a run printed, without what legitimately differs from one run to the next. */
// What varies from run to run by the clock alone: when it ran, and the start of the window (7 days back from now).
const stable = (run: Run) => run.stdout.replace(/"(generatedAt|since)": "[^"]+"/g, '').replace(/127\.0\.0\.1:\d+/g, 'ENDPOINT');

/**
 * Every fault once on each command, on a read that command makes; the
 * bounded give-up is the client's, so it is shown on one read of each.
 */
const COMMANDS = [
  {
    name: 'inventory',
    args: ['inventory', '--format', 'json'],
    // The whole inventory is one RetrievePropertiesEx.
    once: { RetrievePropertiesEx: TRANSIENT },
    always: { RetrievePropertiesEx: TRANSIENT },
  },
  {
    name: 'audit',
    args: ['audit', '--format', 'json'],
    // Evidence: the vmkernel log (BrowseDiagnosticLog) and dvPorts (FetchDVPorts), read in parallel.
    once: { BrowseDiagnosticLog: TRANSIENT, FetchDVPorts: TRANSIENT.slice(0, 1), RetrievePropertiesEx: TRANSIENT.slice(0, 1) },
    always: { BrowseDiagnosticLog: TRANSIENT.slice(0, 1) },
  },
] as const;

const baseline = new Map<string, { run: Run; counts: Map<string, number> }>();

/** Counts of each method the proxy saw. */
function counted(b: Bench): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of b.proxy.seen) counts.set(s.method, (counts.get(s.method) ?? 0) + 1);
  return counts;
}

beforeAll(async () => {
  await withBench(async (b) => {
    for (const command of COMMANDS) {
      b.proxy.reset();
      baseline.set(command.name, { run: await b.run([...command.args, ...TIMEOUT]), counts: counted(b) });
    }
  });
});

// Each test has a lab of its own (the same scenario, so the same answer), so they run at once.
describe.concurrent.each(COMMANDS)('$name under faults', (command) => {
  const clean = () => baseline.get(command.name)!;
  /** Runs the command with `rule`, checks that nothing that only reads wrote, and hands over what the proxy saw. */
  const go = async (rule: Rule, check: (run: Run, b: Bench) => void) => {
    await withBench(async (b) => {
      b.proxy.inject(rule);
      const run = await b.run([...command.args, ...TIMEOUT]);
      check(run, b);
      expect(await modifyingCalls(b.lab)).toEqual([]);
    });
  };

  it('runs clean through the proxy (the baseline the faults are compared with)', () => {
    expect(clean().run.code).toBe(command.name === 'audit' ? 1 : 0);
    expect(JSON.parse(clean().run.stdout).schemaVersion).toBe(1);
  });

  for (const [method, faults] of Object.entries(command.once)) {
    it.for(faults)(`%s once on ${method}: retried, same answer as a clean run`, async ([, fault], ctx) => {
      const fig = figure(ctx, 'fault injected');
      await go({ method, fault }, (run, b) => {
        expect(run.code, run.stderr).toBe(clean().run.code);
        expect(stable(run)).toBe(stable(clean().run));
        expect(b.proxy.count(method)).toBe(clean().counts.get(method)! + 1);
        expect(b.proxy.count('Login')).toBe(1);
        expect(run.stderr).toMatch(new RegExp(`${method} failed .*; retrying \\(1\\)`));
      });
      fig.done();
    });
  }

  for (const [method, faults] of Object.entries(command.always)) {
    it.for(faults)(`%s on every ${method}: gives up after 3 retries with one sentence, exit 3`, async ([, fault], ctx) => {
      const fig = figure(ctx, 'fault injected');
      await go({ method, times: Infinity, fault }, (run, b) => {
        expect(run.code, run.stderr).toBe(3);
        expectOneClearSentence(run);
        // The first read of this method and 3 retries of it; nothing after.
        expect(b.proxy.count(method)).toBe(4);
        expect(run.stdout).toBe('');
      });
      fig.done();
    });
  }

  it('a SOAP fault (NoPermission) is not retried: exit 3, names the privilege', async (ctx) => {
    const fig = figure(ctx, 'fault injected');
    await go({ method: 'RetrievePropertiesEx', fault: NO_PERMISSION }, (run, b) => {
      expect(run.code).toBe(3);
      expectOneClearSentence(run, /System\.Read/);
      expect(b.proxy.count('RetrievePropertiesEx')).toBe(1);
    });
    fig.done();
  });

  it.for(Object.keys(command.once))('session expires at %s: logs in again once, same answer', async (method, ctx) => {
    const fig = figure(ctx, 'fault injected');
    await go({ method, fault: { kind: 'expire' } }, (run, b) => {
      expect(run.code, run.stderr).toBe(clean().run.code);
      expect(stable(run)).toBe(stable(clean().run));
      expect(b.proxy.count('Login')).toBe(2);
    });
    fig.done();
  });

  it('session expires on every call: one re-login only, then exit 3 with one sentence', async (ctx) => {
    const fig = figure(ctx, 'fault injected');
    await go({ method: 'RetrievePropertiesEx', times: Infinity, fault: { kind: 'expire' } }, (run, b) => {
      expect(run.code).toBe(3);
      expectOneClearSentence(run, /session expired/);
      expect(b.proxy.count('Login')).toBe(2);
    });
    fig.done();
  });
});
