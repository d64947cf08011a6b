// From findings to a plan, with the options a fix run was given: the one
// way fix, --dry-run, --plan-out and the session build plans.
import type { Finding, Strategy } from '../audit/finding.js';
import type { Inventory } from '../inventory/model.js';
import type { Plan, Request } from '../remedy/schema.js';
import type { Context, Endpoint } from './context.js';

export interface PlanChoices {
  /** dedicated-portgroup: the new portgroup's name. */
  readonly portgroupName?: string;
}

/** --change-id, --requester, --window: the change request's own words. */
export interface RequestOptions {
  readonly changeId?: string;
  readonly requester?: string;
  readonly window?: string;
}

/** Only what was given: absent options leave no empty fields in plans and journals. */
export function requestOf(options: RequestOptions): Request | undefined {
  const given = Object.entries({ changeId: options.changeId, requester: options.requester, window: options.window }).filter(([, v]) => v !== undefined);
  return given.length ? Object.fromEntries(given) : undefined;
}

/** Who prepares a plan or runs a change: the session's vCenter user (never its password) and this vmfix. */
export function preparedBy(endpoint: Endpoint, ctx: Context): NonNullable<Plan['preparedBy']> {
  return { user: endpoint.username, vmfixVersion: ctx.version };
}

/** The strategy for each finding: the one asked for, or the narrowest that fits. */
export function choose(findings: readonly Finding[], strategy: Strategy | undefined): Map<string, Strategy> | 'narrowest' {
  return strategy ? new Map(findings.map((f) => [f.id, strategy])) : 'narrowest';
}

/** appliedLater: the plan is written for `vmfix apply`, so a VM may be powered off by then. */
export async function makePlan(
  inventory: Inventory,
  findings: readonly Finding[],
  choices: Map<string, Strategy> | 'narrowest',
  options: PlanChoices & RequestOptions,
  appliedLater: boolean,
  by: NonNullable<Plan['preparedBy']>,
): Promise<Plan> {
  const { plan } = await import('../remedy/plan.js');
  const made = plan(inventory, findings, choices, {
    now: new Date(),
    appliedLater,
    ...(options.portgroupName ? { portgroupName: options.portgroupName } : {}),
  });
  const request = requestOf(options);
  return { ...made, preparedBy: by, ...(request ? { request } : {}) };
}
