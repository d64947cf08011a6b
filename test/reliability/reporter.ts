// The reliability suite's figures: each test says what it tried (support.ts
// figure()); this reporter counts them at the end of the run, prints the
// table, and, when the whole suite ran, writes it to RESULTS.md for the README.
import { readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter, TestModule } from 'vitest/node';
import type { Category, Figure } from './support.js';

const HERE = dirname(fileURLToPath(import.meta.url));

const ROWS: readonly { category: Category; label: string }[] = [
  { category: 'fault injected', label: 'faults injected (reset, timeout, truncation, HTML 500/503, SOAP faults, session expiry)' },
  { category: 'concurrency and signals', label: 'concurrent runs and signals (two applies at once, SIGINT/SIGTERM/SIGHUP mid-change, SIGKILL with a task queued)' },
  { category: 'bad input', label: 'bad inputs tried (flags, plans, journals, logs, hostile servers, odd names)' },
  { category: 'file hazard', label: 'file hazards (devices, symlinks, FIFOs, one file named twice, full and read-only disks)' },
  { category: 'terminal and pipe', label: 'terminals and pipes (closed pipes, 0×0 terminals, a signal at the prompt)' },
  { category: 'inventory shape', label: 'inventory shapes (dvPort override flags that disagree, ports still blocked, disconnected hosts)' },
  { category: 'secrets check', label: 'secrets checks (password and cookie in output, traces, files, argv)' },
  { category: 'TLS check', label: 'TLS checks (default verification, pinning, CA file, insecure)' },
];

export default class ReliabilityReporter implements Reporter {
  private started = Date.now();

  onTestRunStart(): void {
    this.started = Date.now();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const ours = testModules.filter((m) => m.moduleId.startsWith(HERE));
    const counts = new Map<Category, { tried: number; passed: number; intact: number }>();
    for (const module of ours) {
      for (const test of module.children.allTests()) {
        const figure = (test.meta() as { reliability?: Figure }).reliability;
        if (!figure) continue;
        const row = counts.get(figure.category) ?? { tried: 0, passed: 0, intact: 0 };
        const passed = test.result().state === 'passed';
        row.tried++;
        if (passed) row.passed++;
        if (passed && figure.nothingLost) row.intact++;
        counts.set(figure.category, row);
      }
    }
    if (!counts.size) return;

    const seconds = (Date.now() - this.started) / 1000;
    const total = { tried: 0, passed: 0, intact: 0 };
    const lines = [
      '| what | tried | passed | passed with nothing lost, changed or leaked |',
      '| --- | ---: | ---: | ---: |',
    ];
    for (const { category, label } of ROWS) {
      const row = counts.get(category) ?? { tried: 0, passed: 0, intact: 0 };
      lines.push(`| ${label} | ${row.tried} | ${row.passed} | ${row.intact} |`);
      total.tried += row.tried;
      total.passed += row.passed;
      total.intact += row.intact;
    }
    lines.push(`| **total** | **${total.tried}** | **${total.passed}** | **${total.intact}** |`);
    const table = lines.join('\n');
    process.stdout.write(`\nReliability and security: test/reliability, ${ours.length} files (this run took ${seconds.toFixed(0)} s):\n\n${table}\n\n`);

    // Only a run of the whole suite speaks for vmfix; one file run alone does not overwrite the figures.
    const files = readdirSync(HERE).filter((f) => f.endsWith('.test.ts'));
    const ran = new Set(ours.map((m) => basename(m.moduleId)));
    if (!files.every((f) => ran.has(f))) return;
    writeFileSync(
      join(HERE, 'RESULTS.md'),
      `<!-- Written by test/reliability/reporter.ts at the end of npm run test:reliability; do not edit. -->\n\n${table}\n\n` +
        `Each row counts test cases; a fault case runs vmfix (audit, inventory, fix --yes, apply or rollback) ` +
        `through a proxy that injects the fault, then checks the exit code, the one-sentence error, that no write ` +
        `reached vCenter twice, that the journal says exactly what applied, and that a rollback restores the lab's ` +
        `original state. "Nothing lost" is counted only once a case has made those checks.\n`,
    );
  }
}
