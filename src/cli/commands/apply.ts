// vmfix apply PLAN: apply a plan written by fix --plan-out, exactly, after
// checking that nothing it was made against has drifted.
import { loadPlan } from '../../remedy/files.js';
import { admitPlan, applyPlan, type ApplyOptions } from '../../workflow/apply.js';
import type { CommandOutcome, Context } from '../../workflow/context.js';
import { withSession } from '../connect.js';
import type { ApplyArgs, Covers } from '../options.js';

export async function apply(args: ApplyArgs, ctx: Context): Promise<CommandOutcome> {
  // Read first: a damaged, edited, other or (under --yes) old plan costs no login.
  const { checksum, ...plan } = await loadPlan(args.plan);
  const options: Covers<ApplyArgs, ApplyOptions> = args;
  const file = { path: args.plan, plan, checksum };
  const age = admitPlan(file, options);
  return withSession(args, ctx, (client, endpoint) => applyPlan(client, endpoint, file, age, options, ctx));
}
