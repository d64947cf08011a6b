// From findings to a plan, with the options a fix run was given: the one
// way fix, --dry-run, --plan-out and the session build plans.
import type { Finding, Strategy } from '../audit/finding.js';
import type { Inventory } from '../inventory/model.js';
import type { Plan } from '../remedy/schema.js';

export interface PlanChoices {
  /** dedicated-portgroup: the new portgroup's name. */
  readonly portgroupName?: string;
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
  options: PlanChoices,
  appliedLater: boolean,
): Promise<Plan> {
  const { plan } = await import('../remedy/plan.js');
  return plan(inventory, findings, choices, {
    now: new Date(),
    appliedLater,
    ...(options.portgroupName ? { portgroupName: options.portgroupName } : {}),
  });
}
