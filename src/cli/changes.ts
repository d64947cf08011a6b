// Shared by fix, apply and rollback: running changes with a journal, and
// checking afterwards whether the findings they were for are gone.
import { ExitCode, type VmfixError } from '../errors.js';
import type { Finding } from '../audit/finding.js';
import type { Change } from '../remedy/change.js';
import { execute, type ExecuteResult } from '../remedy/execute.js';
import { JournalWriter } from '../remedy/journal.js';
import type { Verification } from '../report/changes.js';
import type { VimClient } from '../vsphere/client.js';
import type { Endpoint } from './connect.js';
import type { Context } from './context.js';
import { auditOnline, type AuditArgs } from './commands/audit.js';

export async function runChanges(
  client: VimClient,
  ctx: Context,
  journal: JournalWriter,
  changes: readonly Change[],
): Promise<ExecuteResult> {
  const spinner = ctx.ui.spinner('applying');
  // A signal between two changes ends the process at once: the journal is closed on the way out.
  const unregister = ctx.onInterrupt(() => journal.close());
  try {
    return await execute(
      { client, journal, critical: ctx.critical, written: new Map(), created: new Map() },
      changes,
      (change, status) => {
        if (status === 'applying') spinner.update(`${change.id}: ${change.path}: ${change.field} -> ${change.to}`);
        else ctx.ui.say(`${change.id} ${status}: ${change.path}`);
      },
    );
  } finally {
    unregister();
    spinner.stop();
  }
}

/** Re-reads the inventory and dvPorts (not the logs: they still hold the old lines) and says which findings are gone. */
export async function verify(
  client: VimClient,
  endpoint: Endpoint,
  args: AuditArgs,
  ctx: Context,
  fixed: readonly Finding[],
): Promise<Verification[]> {
  if (!fixed.length) return [];
  const { report } = await auditOnline(client, endpoint, { ...args, vmkernelLog: [], logLines: 0 }, ctx);
  return fixed.map((f) => {
    const still = report.findings.find((g) => g.kind !== 'mac-accept-unneeded' && g.vm?.moref === f.vm?.moref && g.nic?.key === f.nic?.key);
    return {
      finding: f.id,
      vm: f.vm ? `${f.vm.name} ${f.nic?.label ?? ''}`.trim() : null,
      resolved: !still,
      detail: still ? `still reported: ${still.summary}${why(still)}` : 'no longer reported by the audit.',
    };
  });
}

function why(f: Finding): string {
  if (f.evidence.some((e) => e.type === 'dvport-blocked')) return ' The dvPort stays blocked until the guest re-sends or the link resets.';
  if (f.evidence.some((e) => e.type === 'guest-mac-mismatch')) return ' The guest still uses a MAC the policy rejects.';
  return '';
}

/**
 * The run's exit code: the error's if it stopped early; else, like audit,
 * 1 while blocked or at-risk findings were left unfixed (skipped, declined
 * or not fitting the strategy), so a script knows the work is not done.
 */
export function exitCodeOf(error: VmfixError | undefined, unfixed = 0): number {
  if (error) return error.exitCode;
  return unfixed ? ExitCode.findings : ExitCode.ok;
}
