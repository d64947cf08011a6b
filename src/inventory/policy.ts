// The one answer to "which security policy is in force on this port, and
// who sets it?": standard vSwitches and portgroups, DVS, dvPortgroups and
// dvPorts. Inventory, audit and planning all ask here, never the raw specs.
import type { DvPortgroup, DvSwitch, Host, Portgroup, VSwitch } from './model.js';
import type { VMwareDVSPortSetting } from '../vsphere/types.js';

/** `nsx`: an NSX segment, whose MAC policy is NSX's (its MAC discovery profile), not a vSphere setting. */
export type PolicySource = 'vswitch' | 'portgroup' | 'dvportgroup' | 'dvport' | 'dvs' | 'nsx';
export type SecurityField = 'macChanges' | 'forgedTransmits' | 'allowPromiscuous';
export const SECURITY_FIELDS: readonly SecurityField[] = ['macChanges', 'forgedTransmits', 'allowPromiscuous'];

export interface EffectiveValue {
  readonly value: boolean | null;
  readonly source: PolicySource;
}

/** A value in force (or a level that inherits from nothing): `unset` where nothing says. */
export type Setting = 'accept' | 'reject' | 'unset';
/** A value on a level that can inherit: `inherit` where the level says nothing of its own. */
export type Own = 'accept' | 'reject' | 'inherit';

export function settingWord(value: boolean | null | undefined): Setting {
  return value === true ? 'accept' : value === false ? 'reject' : 'unset';
}

export function ownWord(value: boolean | null | undefined): Own {
  return value === true ? 'accept' : value === false ? 'reject' : 'inherit';
}

/** A vSwitch's own setting; undefined where its spec has none (seen on real hosts). */
export function vswitchSetting(vswitch: Pick<VSwitch, 'spec'>, field: SecurityField): boolean | undefined {
  return vswitch.spec.policy?.security?.[field];
}

/** A standard portgroup's own setting; undefined: it inherits its vSwitch's. */
export function portgroupSetting(portgroup: Pick<Portgroup, 'spec'>, field: SecurityField): boolean | undefined {
  return portgroup.spec.policy?.security?.[field];
}

/**
 * Whether a standard portgroup takes its vSwitch's MAC changes: it sets none of its own. The one
 * answer for the audit's remedies, the plan, and apply's re-read of the host (remedy/read.ts).
 */
export function inheritsMacChanges(portgroup: Pick<Portgroup, 'spec'>): boolean {
  return portgroupSetting(portgroup, 'macChanges') === undefined;
}

/**
 * The vSwitch whose MAC changes = Accept would reach `portgroup` on `host`
 * and change something: the portgroup inherits, and the vSwitch does not
 * accept already. The audit's remedies and the plan both ask this.
 */
export function vswitchToAccept(host: Host, portgroup: Portgroup): VSwitch | undefined {
  if (!inheritsMacChanges(portgroup)) return undefined;
  const vswitch = host.vswitches.find((vs) => vs.name === portgroup.vswitchName);
  return vswitch && vswitchSetting(vswitch, 'macChanges') !== true ? vswitch : undefined;
}

/** The portgroups of `host` that take MAC changes from vSwitch `vswitch`: those that set none themselves. */
export function inheritingFrom(host: Host, vswitch: string): Portgroup[] {
  return host.portgroups.filter((p) => p.vswitchName === vswitch && inheritsMacChanges(p));
}

/**
 * A standard portgroup: its own setting if set, else the vSwitch's. The
 * host's computedPolicy is what is actually in force, so it wins where the
 * two disagree (a vSwitch spec without policy, for one).
 */
export function standardPolicy(host: Host, portgroup: Portgroup, field: SecurityField): EffectiveValue {
  const own = portgroupSetting(portgroup, field);
  const vswitch = host.vswitches.find((vs) => vs.name === portgroup.vswitchName);
  const inherited = vswitch ? vswitchSetting(vswitch, field) : undefined;
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

/**
 * Whether the dvPortgroup lets a port override its MAC policy. vCenter 6.7+
 * has two flags: macManagementOverrideAllowed, and the deprecated
 * securityPolicyOverrideAllowed that older vCenters have alone. It stores
 * each as sent, so they can disagree, and no document says which one ESXi
 * then follows: 'unclear'.
 */
function portOverride(portgroup: DvPortgroup): 'allowed' | 'denied' | 'unclear' {
  const policy = portgroup.config.policy;
  const mac = policy?.macManagementOverrideAllowed;
  const legacy = policy?.securityPolicyOverrideAllowed;
  const allowed = mac ?? legacy ?? false;
  if (mac !== undefined && legacy !== undefined && mac !== legacy) return 'unclear';
  return allowed ? 'allowed' : 'denied';
}

/**
 * A port's own value where it counts. Where the flags disagree, a port's
 * Reject (false) may be in force and its Accept may not: the conservative
 * reading, so vmfix never reports an all-clear the real port may not have.
 */
function portLevel<T>(portgroup: DvPortgroup, own: T | undefined, restrictive: (value: T) => boolean): T | undefined {
  const override = portOverride(portgroup);
  if (override === 'denied' || own === undefined) return undefined;
  return override === 'allowed' || restrictive(own) ? own : undefined;
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
  const port = portSetting ? portLevel(portgroup, dvsLevel(portSetting, field), (value) => value === false) : undefined;
  const group = dvPortgroupSetting(portgroup, field);
  const inherited: EffectiveValue = group !== undefined ? { value: group, source: 'dvportgroup' } : { value: dvsLevel(dvs.defaultPortConfig, field) ?? null, source: 'dvs' };
  // A port's own Reject counts even where it repeats what it inherits: the port keeps it when the
  // portgroup changes (so portgroup-accept would not reach it). A repeated Accept changes nothing.
  return port !== undefined && (port !== inherited.value || port === false) ? { value: port, source: 'dvport' } : inherited;
}

/**
 * An NSX segment's dvPortgroup (backingType "nsx", VDS 7+): NSX Manager
 * creates and edits it, and whether a guest may change its MAC there is up
 * to the segment's MAC discovery profile in NSX. The MAC policy vCenter
 * shows for it is not what is in force, and not vSphere's to change.
 */
export function setInNsx(portgroup: Pick<DvPortgroup, 'config'>): boolean {
  return portgroup.config.backingType === 'nsx';
}

/** A dvPortgroup's own setting; undefined: it inherits the DVS default. */
export function dvPortgroupSetting(portgroup: DvPortgroup, field: SecurityField): boolean | undefined {
  return dvsLevel(portgroup.config.defaultPortConfig, field);
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
  return portLearning(portgroup, portSetting) ?? learningLevel(portgroup.config.defaultPortConfig) ?? learningLevel(dvs.defaultPortConfig) ?? false;
}

/** A dvPort's own MAC learning where it counts; undefined: the port takes the dvPortgroup's, so a change there reaches it. */
export function portLearning(portgroup: DvPortgroup, portSetting?: VMwareDVSPortSetting | null): boolean | undefined {
  return portSetting ? portLevel(portgroup, learningLevel(portSetting), (enabled) => !enabled) : undefined;
}
