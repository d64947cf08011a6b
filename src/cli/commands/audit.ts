// vmfix audit: which VMs lose connectivity because their guest changed its
// MAC under a Reject policy, why, and the narrowest fix. Changes nothing.
import { auditExitCode, auditOffline, auditOnline, type AuditOptions } from '../../workflow/audit.js';
import type { CommandOutcome, Context } from '../../workflow/context.js';
import { withSession } from '../connect.js';
import type { AuditArgs, Covers } from '../options.js';

export async function audit(args: AuditArgs, ctx: Context): Promise<CommandOutcome> {
  const options: Covers<AuditArgs, AuditOptions> = args;
  // Log files without --vcenter: the contract's offline audit, even with VMFIX_VCENTER set.
  const report =
    args.vcenter === undefined && args.vmkernelLog?.length
      ? await auditOffline(args.vmkernelLog, ctx, options)
      : await withSession(args, ctx, async (client, endpoint) => (await auditOnline(client, endpoint, options, ctx)).report);
  return { result: { kind: 'audit', report }, exitCode: auditExitCode(report) };
}
