// vmfix inventory: the security-policy posture of every switch and portgroup.
import { fetchInventory } from '../../inventory/fetch.js';
import { posture } from '../../inventory/posture.js';
import { applyScope } from '../../inventory/scope.js';
import type { Result } from '../../report/render.js';
import { withSession } from '../connect.js';
import type { Context } from '../context.js';
import type { CommonArgs, ConnectionArgs, ScopeArgs } from '../options.js';

export type InventoryArgs = ConnectionArgs & ScopeArgs & CommonArgs;

export async function inventory(args: InventoryArgs, ctx: Context): Promise<{ result: Result; exitCode: 0 }> {
  return withSession(args, ctx, async (client, endpoint) => {
    const spinner = ctx.ui.spinner('inventory: fetching');
    try {
      const fetched = await fetchInventory(client, endpoint.display, {
        onPage: (page, objects) => spinner.update(`inventory: page ${page} (${objects} objects)`),
      });
      return { result: { kind: 'inventory', report: posture(applyScope(fetched, args)) }, exitCode: 0 };
    } finally {
      spinner.stop();
    }
  });
}
