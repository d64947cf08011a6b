// vmfix fix: audit, then remediate. Interactive on a terminal; with --yes
// and --strategy for scripts; --dry-run / --plan-out write the change ticket
// and the plan and change nothing.
import { UsageError } from '../../errors.js';
import type { CommandOutcome, Context } from '../../workflow/context.js';
import { fix as fixWorkflow, writesNothing, type FixOptions } from '../../workflow/fix.js';
import { withSession } from '../connect.js';
import type { Covers, FixArgs } from '../options.js';

export async function fix(args: FixArgs, ctx: Context): Promise<CommandOutcome> {
  const options: Covers<FixArgs, FixOptions> = args;
  // Before connecting: a script that forgot --yes costs no login.
  if (!writesNothing(options) && !options.yes && !ctx.ui.interactive) {
    throw new UsageError('Not on a terminal: vmfix fix changes nothing without --yes (and --strategy), or use --dry-run to write the change ticket.');
  }
  return withSession(args, ctx, (client, endpoint) => fixWorkflow(client, endpoint, options, ctx));
}
