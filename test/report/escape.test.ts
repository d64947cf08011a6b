// Names and log lines reach a terminal, Markdown, CSV and a shell; each
// medium gets them escaped so that they can neither drive it nor forge
// what it shows.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { md, mdCode, oneLine, shellArg, shellOption, terminalText } from '../../src/report/escape.js';
import { render } from '../../src/report/render.js';
import { csvTable, markdownTable, textTable } from '../../src/report/table.js';
import type { PostureReport } from '../../src/inventory/posture.js';

const TITLE = '\x1b]0;pwned\x07';
const CLEAR = '\x1b[2J';

describe('a terminal', () => {
  it('shows control characters as escapes: no title set, no screen cleared, no line forged', () => {
    expect(oneLine(`web${TITLE}01${CLEAR}\nCRITICAL fake`)).toBe('web\\x1b]0;pwned\\x0701\\x1b[2J\\nCRITICAL fake');
    expect(oneLine('abc\u202edcba')).toBe('abc\\u202edcba');
  });

  it('keeps our own colours and line breaks in whole text, and nothing else', () => {
    expect(terminalText(`\x1b[31mred\x1b[39m\nnext ${CLEAR}`)).toBe('\x1b[31mred\x1b[39m\nnext \\x1b[2J');
  });

  it('a newline in a VM name does not forge a table row', () => {
    const text = textTable({ columns: ['vm', 'status'], rows: [['evil\nweb01  applied', 'failed']] });
    expect(text.split('\n').filter(Boolean)).toHaveLength(3);
    expect(text).toContain('evil\\nweb01  applied  failed');
  });

  it('lines columns up by terminal width, CJK names included', () => {
    const text = textTable({ columns: ['vm', 'host'], rows: [['数据库01', 'esx01'], ['web01', 'esx02']] });
    const [, , cjk, latin] = text.split('\n');
    // 数据库 takes two columns a character: "esx" starts at the same column in both rows.
    expect(cjk).toBe('数据库01  esx01');
    expect(latin).toBe('web01     esx02');
  });

  it('wraps a table to the terminal width instead of running past it', () => {
    const table = { columns: ['object', 'note'], rows: [['127.0.0.1:443 / DC-East / esx-a1.example.com / vSwitch1 / NLB-Front', 'applied after one retry because the first answer was lost']] };
    const lines = textTable(table, 60).trimEnd().split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(60);
    expect(lines.join(' ')).toContain('NLB-Front');
  });

  it('a table too wide for the terminal even at its narrowest (inventory at 80 columns) is one record per row, no line past the width, no name broken', () => {
    const columns = ['datacenter', 'cluster', 'host / DVS', 'switch', 'portgroup', 'vlan', 'MAC changes', 'forged transmits', 'promiscuous', 'MAC learning', 'VMs'];
    const rows = [
      ['DC-Lab', 'Cluster-Prod', 'esx01.lab.local', 'vSwitch0', 'Management Network', 10, 'inherit (reject)', 'inherit (reject)', 'inherit (reject)', 'n/a', 0],
      ['DC-Lab', null, 'DSwitch-Lab', 'DSwitch-Lab', 'DPG-MacLearn', 70, 'inherit (reject)', 'accept', 'inherit (reject)', 'on', 1],
    ];
    const lines = textTable({ columns, rows }, 80).trimEnd().split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    for (const name of ['Cluster-Prod', 'esx01.lab.local', 'Management Network', 'DSwitch-Lab', 'DPG-MacLearn']) expect(lines.some((l) => l.includes(name)), name).toBe(true);
    expect(lines).toContain('portgroup         Management Network');
    expect(lines).toContain('forged transmits  accept');
    // The empty cluster of a DVS row says nothing, as in the table.
    expect(lines.filter((l) => l.startsWith('cluster'))).toEqual(['cluster           Cluster-Prod']);
  });

  it('the table format renders hostile names inert, whatever the result', () => {
    const report = {
      schemaVersion: 1, endpoint: 'vc', hosts: [{
        name: `esx${TITLE}`, moref: 'host-1', datacenter: 'DC', cluster: null, version: '8.0', vswitches: [],
        portgroups: [{ name: `pg${CLEAR}`, vswitch: 'vSwitch0', vlanId: 0, policy: { macChanges: 'inherit', forgedTransmits: 'inherit', allowPromiscuous: 'inherit' }, effective: { macChanges: 'reject', forgedTransmits: 'reject', allowPromiscuous: 'reject' }, vms: [] }],
      }], dvSwitches: [],
    } as unknown as PostureReport;
    const text = render({ kind: 'inventory', report }, 'table', { color: true });
    expect(text).not.toMatch(/\x1b(?!\[[0-9;]*m)/);
  });
});

describe('Markdown', () => {
  it('passes no HTML and no markup from a name', () => {
    expect(md('<script>alert(1)</script>')).toBe('&lt;script>alert(1)&lt;/script>');
    expect(md('a|b *c* `d` [e](f) &amp;')).toBe('a\\|b \\*c\\* \\`d\\` \\[e\\](f) &amp;amp;');
    expect(md('# heading')).toBe('\\# heading');
    expect(md('- item')).toBe('\\- item');
    // The newline shows as \n: escaped once for the terminal's eye, once for Markdown.
    expect(md('two\nlines')).toBe('two\\\\nlines');
    // What means nothing where a value stands reads as it is.
    expect(md('vmk_port-1 > 127.0.0.1:443')).toBe('vmk_port-1 > 127.0.0.1:443');
  });

  it('shows a log line verbatim in a code span that its own backticks cannot close', () => {
    expect(mdCode('plain')).toBe('`plain`');
    expect(mdCode('a `b` c')).toBe('``a `b` c``');
  });

  it('a table cell cannot add a column or a row', () => {
    const text = markdownTable({ columns: ['vm'], rows: [['a | b\n| c |']] });
    expect(text.trimEnd().split('\n')).toHaveLength(3);
    expect(text).toContain('| a \\| b\\\\n\\| c \\| |');
  });
});

describe('CSV', () => {
  it('neutralises cells a spreadsheet would run as formulas, and keeps numbers numbers', () => {
    const text = csvTable({ columns: ['vm', 'vlan'], rows: [['=HYPERLINK("http://x")', 10], ['+1', -1], ['-rf', null], ['@SUM(A1)', 0], ['web01', 20]] });
    expect(text.split('\r\n')).toEqual(['vm,vlan', `"'=HYPERLINK(""http://x"")",10`, "'+1,-1", "'-rf,", "'@SUM(A1),0", 'web01,20', '']);
  });

  it('keeps a VM whose name holds a bare newline or carriage return in one row, as a CSV parser reads it', () => {
    const rows = [['vm\nnew|line', 'PG-A'], ['cr\rname', 'PG-B'], ['web01', 'PG-C']];
    const text = csvTable({ columns: ['vm', 'portgroup'], rows });
    const parse = 'import csv, io, json, sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))))';
    const parsed = JSON.parse(execFileSync('python3', ['-c', parse], { input: text, encoding: 'utf8' }));
    expect(parsed).toEqual([['vm', 'portgroup'], ...rows]);
  });
});

describe('a shell', () => {
  const argv = (words: string[]) => execFileSync('sh', ['-c', `printf '%s\\n' ${words.join(' ')}`], { encoding: 'utf8' }).split('\n').slice(0, -1);

  it('gets each name as one word, exactly', () => {
    const names = ['web01', "it's", 'a b', '$(reboot)', '-rf', '`id`', '数据库01', '*'];
    expect(argv(names.map(shellArg))).toEqual(names);
    expect(argv(names.map((n) => shellOption('vm', n)))).toEqual(names.map((n) => `--vm=${n}`));
  });
});
