// What loadPlan takes from a plan file besides its changes: the findings it
// addresses are reported on after the changes apply, so one that is not a
// finding (an edit with the checksum recomputed) must be refused before
// anything is sent, not crash the report once the changes have applied.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { loadPlan, savePlan } from '../../src/remedy/files.js';
import type { Plan } from '../../src/remedy/schema.js';

function plan(findings: unknown[]): Plan {
  return {
    schemaVersion: 1,
    kind: 'vmfix-plan',
    createdAt: '2026-12-03T20:00:00.000Z',
    endpoint: { host: 'vc.example.com', instanceUuid: null, apiVersion: '8.0.2.0' },
    changes: [],
    skipped: [],
    findings: findings as Plan['findings'],
  };
}

describe('a plan\'s findings', () => {
  it('are refused (exit 2) when one is not a finding with an id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-plan-'));
    for (const [i, bad] of [null, 'web01', {}, { id: 7 }].entries()) {
      const path = join(dir, `bad${i}.json`);
      await savePlan(path, plan([bad]));
      await expect(loadPlan(path)).rejects.toMatchObject({ exitCode: ExitCode.usage, message: expect.stringMatching(/is not a valid vmfix plan: findings\.0: /) });
    }
    const good = join(dir, 'good.json');
    await savePlan(good, plan([{ id: 'bedfde8f7bf1' }]));
    await expect(loadPlan(good)).resolves.toMatchObject({ findings: [{ id: 'bedfde8f7bf1' }] });
  });
});
