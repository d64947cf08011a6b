// Effective security policy, with where it comes from. Pure functions of the
// inventory (and, for dvPorts, of FetchDVPorts' answer).
import type { DvPortgroup, DvSwitch, Host, Portgroup } from '../inventory/model.js';
import type { VMwareDVSPortSetting } from '../vsphere/types.js';

export type PolicySource = 'vswitch' | 'portgroup' | 'dvportgroup' | 'dvport' | 'dvs';
export type SecurityField = 'macChanges' | 'forgedTransmits' | 'allowPromiscuous';
export const SECURITY_FIELDS: readonly SecurityField[] = ['macChanges', 'forgedTransmits', 'allowPromiscuous'];

export interface EffectiveValue {
  readonly value: boolean | null;
  readonly source: PolicySource;
}

/** accept | reject, or `unset` where neither the object nor anything above it says. */
export function word(value: boolean | null | undefined): 'accept' | 'reject' | 'unset' {
  return value === true ? 'accept' : value === false ? 'reject' : 'unset';
}

/**
 * A standard portgroup: its own spec.policy.security field if set, else the
 * vSwitch's. The host's computedPolicy is what is actually in force, so it
 * wins where the two disagree (a vSwitch spec without policy, for one).
 */
export function standardPolicy(host: Host, portgroup: Portgroup, field: SecurityField): EffectiveValue {
  const own = portgroup.spec.policy?.security?.[field];
  const vswitch = host.vswitches.find((vs) => vs.name === portgroup.vswitchName);
  const inherited = vswitch?.spec.policy?.security?.[field];
  const computed = portgroup.computedPolicy?.security?.[field];
  const source: PolicySource = own !== undefined ? 'portgroup' : 'vswitch';
  return { value: computed ?? own ?? inherited ?? null, source };
}

/**
 * One level of a DVS setting: macManagementPolicy (API 6.7+) first, then the
 * deprecated securityPolicy. undefined means "inherited from the level above".
 */
export function dvsLevel(setting: VMwareDVSPortSetting | undefined, field: SecurityField): boolean | undefined {
  const mac = setting?.macManagementPolicy;
  const legacy = setting?.securityPolicy?.[field];
  // macManagementPolicy has one inherited flag for all three fields; vCenter
  // still says per field in securityPolicy which of them are set here.
  if (mac) return mac.inherited || legacy?.inherited ? undefined : mac[field];
  if (!legacy || legacy.inherited) return undefined;
  return legacy.value;
}

/** Whether the dvPortgroup lets a port override its MAC policy. */
function portOverrideAllowed(portgroup: DvPortgroup): boolean {
  const policy = portgroup.config.policy;
  return Boolean(policy?.macManagementOverrideAllowed ?? policy?.securityPolicyOverrideAllowed);
}

/**
 * A dvPort: its own setting where the portgroup allows overrides, else the
 * dvPortgroup's defaultPortConfig, else the DVS default.
 */
export function distributedPolicy(
  dvs: DvSwitch,
  portgroup: DvPortgroup,
  field: SecurityField,
  portSetting?: VMwareDVSPortSetting,
): EffectiveValue {
  const port = portSetting && portOverrideAllowed(portgroup) ? dvsLevel(portSetting, field) : undefined;
  const group = dvsLevel(portgroup.config.defaultPortConfig, field);
  // A port reports the portgroup's value as its own; only a differing one is an override.
  if (port !== undefined && port !== group) return { value: port, source: 'dvport' };
  if (group !== undefined) return { value: group, source: 'dvportgroup' };
  return { value: dvsLevel(dvs.defaultPortConfig, field) ?? null, source: 'dvs' };
}

/** One level's MAC learning (macManagementPolicy.macLearningPolicy); undefined: inherited or not said. */
function learningLevel(setting: VMwareDVSPortSetting | undefined): boolean | undefined {
  const learning = setting?.macManagementPolicy?.macLearningPolicy;
  return learning && !learning.inherited ? learning.enabled : undefined;
}

/**
 * Whether a dvPort learns the MACs behind its vNIC (DVS 6.6+, meant for
 * nested hypervisors): a guest MAC other than the vNIC's is then learned
 * and forwarded, not a violation of MAC address changes = Reject.
 */
export function macLearning(dvs: DvSwitch, portgroup: DvPortgroup, portSetting?: VMwareDVSPortSetting): boolean {
  const port = portSetting && portOverrideAllowed(portgroup) ? learningLevel(portSetting) : undefined;
  return port ?? learningLevel(portgroup.config.defaultPortConfig) ?? learningLevel(dvs.defaultPortConfig) ?? false;
}

