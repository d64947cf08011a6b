// Shared by fix, apply, rollback and the session: running changes with a
// journal while a person watches, checking afterwards whether the findings
// they were for are gone, and the exit code that says how it went.
import type { Finding } from '../audit/finding.js';
import { asVmfixError, ExitCode, type VmfixError } from '../errors.js';
import type { Change } from '../remedy/schema.js';
import { executeChanges, type ExecuteResult } from '../remedy/execute.js';
import { defaultFilePath, JournalWriter } from '../remedy/journal.js';
import type { Journal } from '../remedy/schema.js';
import { shellArg } from '../report/escape.js';
import type { Verification } from '../report/outcome.js';
import type { VimClient } from '../vsphere/client.js';
import { auditOnline, type AuditOptions } from './audit.js';
import type { Context, Endpoint } from './context.js';

/**
 * Opens the run's journal, recording who runs it (the session's vCenter
 * user, never a password), with which vmfix, and for which change request.
 */
export function openJournal(
  path: string | undefined,
  endpoint: Endpoint,
  ctx: Context,
  header: Pick<Journal, 'command' | 'endpoint'> & Partial<Pick<Journal, 'rollbackOf' | 'rollbackOfChecksum' | 'planned' | 'plan' | 'request'>>,
): Promise<JournalWriter> {
  return JournalWriter.open(path ?? defaultFilePath('journal'), {
    ...header,
    preparedBy: { user: endpoint.username, vmfixVersion: ctx.version },
    ...(header.request ? { request: header.request } : {}),
  });
}

export async function runChanges(client: VimClient, ctx: Context, journal: JournalWriter, changes: readonly Change[]): Promise<ExecuteResult> {
  const spinner = ctx.ui.spinner('applying');
  let current: Change | undefined;
  const file = shellArg(journal.path);
  // A second Ctrl-C cuts the write from its journal entry: what then holds, and where to look.
  const forced = () =>
    `${current?.id ?? 'The change under way'} may still apply: the journal ${journal.path} records it as pending; vmfix journal ${file} shows what applied, vmfix rollback ${file} undoes it.`;
  try {
    return await executeChanges(
      {
        client,
        journal,
        critical: (work) => ctx.critical(work, forced()),
        onInterrupt: ctx.onInterrupt,
        onProgress: (change, status, note) => {
          current = change;
          if (status === 'applying') spinner.update(`${change.id}: ${change.path}: ${change.field} -> ${change.to}`);
          else ctx.ui.say(`${change.id} ${status}: ${change.path}${note ? `: ${note}` : ''}`);
        },
      },
      changes,
    );
  } finally {
    spinner.stop();
  }
}

/** Re-reads the inventory and dvPorts (not the logs: they still hold the old lines) and says which findings are gone. */
export async function verifyFixed(
  client: VimClient,
  endpoint: Endpoint,
  options: AuditOptions,
  ctx: Context,
  fixed: readonly Finding[],
): Promise<Verification[]> {
  if (!fixed.length) return [];
  const { report } = await auditOnline(client, endpoint, { ...options, vmkernelLog: [], logLines: 0 }, ctx);
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

/**
 * After a run: verifyFixed unless it stopped early. vCenter lost while verifying becomes
 * the run's error rather than the end of its report: the changes applied all the same.
 */
export async function verifyRun(
  client: VimClient,
  endpoint: Endpoint,
  options: AuditOptions,
  ctx: Context,
  run: ExecuteResult,
  findings: readonly Finding[],
): Promise<{ verification: Verification[]; error?: VmfixError }> {
  if (run.error) return { verification: [], error: run.error };
  try {
    return { verification: await verifyFixed(client, endpoint, options, ctx, appliedFindings(run, findings)) };
  } catch (err) {
    const error = asVmfixError(err);
    if (!error) throw err;
    return { verification: [], error };
  }
}

function why(f: Finding): string {
  if (f.evidence.some((e) => e.type === 'dvport-blocked')) return ' The dvPort stays blocked until the guest re-sends or the link resets.';
  if (f.evidence.some((e) => e.type === 'guest-mac-mismatch')) return ' The guest still uses a MAC the policy rejects.';
  return '';
}

/** Findings a change was for that the audit still reports afterwards: not fixed, whatever applied. */
export function unresolved(verification: readonly Verification[]): number {
  return verification.filter((v) => !v.resolved).length;
}

/** The findings a run's changes were for that now hold: applied, or found already set by someone else. */
export function appliedFindings(run: ExecuteResult, findings: readonly Finding[]): Finding[] {
  const applied = new Set(run.outcomes.filter((o) => o.status === 'applied' || o.status === 'already-set').flatMap((o) => o.change.findings));
  return findings.filter((f) => applied.has(f.id));
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
