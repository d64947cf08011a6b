// Lookups over one inventory, built once per audit, plan or report: hosts
// and dvPortgroups by key, VMs by name, and who is attached where; hosts by
// the names logs give them.
import { isIP } from 'node:net';
import { displayName, type DvPortgroup, type DvSwitch, type Host, type Inventory, type Vm, type VmNic } from './model.js';

export interface NicRef {
  readonly vm: Vm;
  readonly nic: VmNic;
}

export class InventoryIndex {
  readonly hosts = new Map<string, Host>();
  readonly dvsByUuid = new Map<string, DvSwitch>();
  /** The VMs vCenter calls each name now, as ESXi's lines write it (byShownName). */
  readonly vmsByName: ReadonlyMap<string, readonly Vm[]>;
  private readonly vmsByHost = new Map<string, Vm[]>();
  private readonly dvPortgroups = new Map<string, DvPortgroup>();
  private readonly nicsByAttachment = new Map<string, NicRef[]>();

  constructor(readonly inventory: Inventory) {
    for (const host of inventory.hosts) this.hosts.set(host.moref, host);
    for (const dvs of inventory.dvSwitches) {
      this.dvsByUuid.set(dvs.uuid, dvs);
      for (const pg of dvs.portgroups) this.dvPortgroups.set(`${dvs.uuid}/${pg.key}`, pg);
    }
    this.vmsByName = byShownName(inventory.vms);
    for (const vm of inventory.vms) {
      if (vm.host) push(this.vmsByHost, vm.host, vm);
      for (const nic of vm.nics) {
        const key = attachmentKey(vm, nic);
        if (key) push(this.nicsByAttachment, key, { vm, nic });
      }
    }
  }

  host(moref: string | null): Host | undefined {
    return moref ? this.hosts.get(moref) : undefined;
  }

  /** The VMs vCenter places on a host now. */
  vmsOn(hostMoref: string): readonly Vm[] {
    return this.vmsByHost.get(hostMoref) ?? [];
  }

  dvPortgroup(uuid: string, key: string): DvPortgroup | undefined {
    return this.dvPortgroups.get(`${uuid}/${key}`);
  }

  /** Every NIC on a host's standard portgroup. */
  nicsOnStandard(hostMoref: string, portgroup: string): readonly NicRef[] {
    return this.nicsByAttachment.get(`std/${hostMoref}/${portgroup}`) ?? [];
  }

  /** Every NIC on a dvPortgroup. */
  nicsOnDvPortgroup(uuid: string, key: string): readonly NicRef[] {
    return this.nicsByAttachment.get(`dvs/${uuid}/${key}`) ?? [];
  }

  /** The hosts a standard-portgroup change must cover so vMotion/DRS keeps the VM allowed: its cluster's hosts with that portgroup. */
  clusterPeers(host: Host, portgroup: string): Host[] {
    if (!host.cluster) return [host];
    return this.inventory.hosts.filter(
      (h) => h.datacenter === host.datacenter && h.cluster === host.cluster && h.portgroups.some((pg) => pg.name === portgroup),
    );
  }
}

/** VMs by name as the vSphere Client and ESXi's lines show it (displayName: vCenter escapes / \ % in names). */
export function byShownName(vms: readonly Vm[]): Map<string, Vm[]> {
  const out = new Map<string, Vm[]>();
  for (const vm of vms) push(out, displayName(vm.name), vm);
  return out;
}

/**
 * The host a log calls by `name`: the one vCenter calls so, else the one
 * host that answers to it otherwise: the first label of vCenter's name
 * (syslog heads often carry the short name), what the host calls itself
 * (dnsConfig: its FQDN or bare hostName), an address of its management vmk
 * NICs (vCenter may know it by name, a collector by address, or the
 * reverse). A name several hosts answer to is none of them, as is one any
 * host may carry (localhost, a loopback or link-local address).
 */
export function hostFinder(hosts: readonly Host[]): (name: string | undefined) => Host | undefined {
  const exact = new Map(hosts.map((h) => [nameKey(h.name), h]));
  const other = new Map<string, Host | null>();
  for (const h of hosts) {
    for (const alias of aliases(h)) {
      const known = other.get(alias);
      other.set(alias, known === undefined || known === h ? h : null);
    }
  }
  return (name) => {
    if (!name) return undefined;
    const key = nameKey(name);
    return exact.get(key) ?? other.get(key) ?? undefined;
  };
}

/**
 * A name in the one form both sides are compared in: lowercase, an IPv6
 * address compressed (fd00:6::6), an IPv4-mapped one as the IPv4 address it
 * carries (a dual-stack syslog server writes 10.0.0.5 as ::ffff:10.0.0.5).
 */
function nameKey(name: string): string {
  const address = name.split('%')[0]!;
  if (isIP(address) !== 6) return name.toLowerCase();
  const compressed = new URL(`http://[${address}]`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!mapped) return compressed;
  const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

function aliases(h: Host): string[] {
  const out = isIP(h.name) ? [] : [h.name.split('.')[0]!];
  const dns = h.dnsConfig;
  // Some hosts are given their FQDN as hostName: its first label is then the short name.
  const label = dns?.hostName.split('.')[0];
  if (dns && label && label.toLowerCase() !== 'localhost') {
    out.push(dns.hostName, label, ...(dns.domainName ? [`${dns.hostName}.${dns.domainName}`] : []));
  }
  const addresses = h.managementIps.map(nameKey);
  // Loopback and link-local (169.254/16, fe80::/10) addresses are every host's.
  out.push(...addresses.filter((ip) => !/^(127\.|169\.254\.|::1$|fe[89ab][0-9a-f]:)/.test(ip)));
  return out.map((a) => a.toLowerCase());
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function attachmentKey(vm: Vm, nic: VmNic): string | undefined {
  if (nic.backing.kind === 'standard' && vm.host) return `std/${vm.host}/${nic.backing.portgroup}`;
  if (nic.backing.kind === 'distributed' && nic.backing.portgroupKey) return `dvs/${nic.backing.switchUuid}/${nic.backing.portgroupKey}`;
  return undefined;
}
