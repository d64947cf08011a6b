// vmfix inventory: the security-policy posture of every switch and portgroup.
import { fetchInventory } from '../../inventory/fetch.js';
import { posture } from '../../inventory/posture.js';
import { applyScope, type Scope } from '../../inventory/scope.js';
import type { CommandOutcome, Context } from '../../workflow/context.js';
import { withSession } from '../connect.js';
import type { Covers, InventoryArgs } from '../options.js';

export async function inventory(args: InventoryArgs, ctx: Context): Promise<CommandOutcome> {
  const scope: Covers<InventoryArgs, Scope & { portgroup?: readonly string[] }> = args;
  return withSession(args, ctx, async (client, endpoint) => {
    const spinner = ctx.ui.spinner('inventory: fetching');
    try {
      const fetched = await fetchInventory(client, endpoint.display, {
        onPage: (page, objects) => spinner.update(`inventory: page ${page} (${objects} objects)`),
      });
      return { result: { kind: 'inventory', report: posture(applyScope(fetched, scope), scope.portgroup) }, exitCode: 0 };
    } finally {
      spinner.stop();
    }
  });
}
