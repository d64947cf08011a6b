// What fix, apply and rollback print at the end, on a terminal of 80 columns.
import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { outcomeText, type OutcomeReport } from '../../src/report/outcome.js';

const change = (id: string, host: string) => ({
  id, status: 'applied' as const, action: 'UpdatePortGroup', field: 'policy.security.macChanges', from: 'inherit', to: 'accept',
  path: `vcenter01.corp.example.com:443 / DC-East / ${host} / vSwitch1 / NLB-Front-Production-数据库`,
});

const report: OutcomeReport = {
  schemaVersion: 1, command: 'fix', endpoint: 'vcenter01.corp.example.com:443', journal: 'vmfix-journal-20261123T194135.123Z.json',
  summary: 'fix on vcenter01.corp.example.com:443: 3 applied. Journal: vmfix-journal-20261123T194135.123Z.json',
  changes: [change('c1', 'esx-a1.east.corp.example.com'), change('c2', 'esx-a2.east.corp.example.com'), change('c3', 'esx-a3.east.corp.example.com')],
  skipped: [], verification: [],
};

describe('the closing summary', () => {
  it('fits a terminal of 80 columns, CJK included, and names each object without the vCenter', () => {
    const text = outcomeText(report, 80);
    const table = text.split('\n').slice(2).filter(Boolean);
    for (const line of table) expect(stringWidth(line), line).toBeLessThanOrEqual(80);
    expect(text.replace(/\s+/g, ' ')).toContain('esx-a1.east.corp.example.com');
    expect(table.join('\n')).not.toContain('vcenter01.corp.example.com:443 /');
  });

  it('is not narrowed when it does not go to a terminal', () => {
    const line = outcomeText(report).split('\n').find((l) => l.startsWith('c1'))!;
    expect(line).toContain('DC-East / esx-a1.east.corp.example.com / vSwitch1 / NLB-Front-Production-数据库');
  });
});
