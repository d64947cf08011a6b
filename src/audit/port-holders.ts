// Who held a vmkernel port when, offline, where no vCenter lists ports: the
// one home of the rule. ESXi gives a port id to a NIC when it connects and,
// once the NIC disconnects or moves, to whichever NIC connects next, so a
// line that names only a port is about the NIC that held it at that line's
// time: the latest line before it that shows the port with a client
// ("connected … portID", "enabled port … with mac", an L2Sec line naming the
// client), unless the port was disabled or that NIC shown on another port
// since. The host's listing (net-stats) is the port when its bundle was
// collected: it answers only for a time after every line about the port and
// not after the listing, and says where a NIC went only for lines before it.
import type { PortClient } from '../evidence/types.js';
import { hostKeyOf, vmNameOf, type L2SecEvent } from '../evidence/vmkernel-log.js';

/** A NIC as ESXi names its client ("web01.eth0"), or only its VM ("web01") where the line gives no more. */
const namesNic = (client: string) => /\.eth\d+$/.test(client);

export interface Holder {
  readonly vm: string;
  /** The client as ESXi names it; the VM's name alone where no line said which NIC. */
  readonly nic: string;
  /** Tied only by the host's listing, which shows the port when the bundle was collected. */
  readonly byListing: boolean;
}

interface Holding {
  readonly port: string;
  readonly client: string | null;
  readonly mac: string | null;
  /** A listing's: when it was taken; null where nothing says, and then it stands for the present. */
  readonly time: string | null;
}

export class PortHolders {
  /** Each line's holding in time order, by host and port, and by host and every VM it names. */
  readonly #byPort = new Map<string, Holding[]>();
  readonly #byVm = new Map<string, Holding[]>();
  readonly #listing = new Map<string, Holding[]>();
  readonly #listedVm = new Map<string, Holding[]>();
  readonly #clientsByMac = new Map<string, Set<string>>();

  /** `events`: the L2Sec lines; one naming its client says that client held the port then. */
  constructor(records: readonly PortClient[], events: readonly L2SecEvent[]) {
    const holdings: [string, Holding & { readonly listed: boolean }][] = records.map((r) => [
      hostKeyOf(r),
      { ...r, time: r.time ?? r.listedAt ?? null, listed: r.time === null },
    ]);
    for (const e of events) {
      const time = e.lastTime ?? e.firstTime;
      if (e.vmName && e.port && time !== null) holdings.push([hostKeyOf(e), { port: e.port, client: e.vmName, mac: null, time, listed: false }]);
    }
    for (const [hostKey, r] of holdings) {
      if (!r.mac || !r.client) continue;
      const macKey = `${hostKey}\u0000${r.mac}`;
      this.#clientsByMac.set(macKey, (this.#clientsByMac.get(macKey) ?? new Set()).add(r.client));
    }
    // Normalised ISO strings: string order is time order.
    holdings.sort(([, a], [, b]) => ((a.time ?? '') < (b.time ?? '') ? -1 : (a.time ?? '') > (b.time ?? '') ? 1 : 0));
    const add = (to: Map<string, Holding[]>, key: string, h: Holding) => {
      const list = to.get(key);
      if (list) list.push(h);
      else to.set(key, [h]);
    };
    for (const [hostKey, { listed, ...h }] of holdings) {
      add(listed ? this.#listing : this.#byPort, `${hostKey}\u0000${h.port}`, h);
      for (const vm of new Set(this.#clients(hostKey, h).map(vmNameOf))) add(listed ? this.#listedVm : this.#byVm, `${hostKey}\u0000${vm}`, h);
    }
  }

  /** The NIC on `port` at `time`; null where nothing says, or where that is not one NIC. */
  holderAt(hostKey: string, port: string, time: string | null): Holder | null {
    const lines = this.#byPort.get(`${hostKey}\u0000${port}`) ?? [];
    const listed = this.#listing.get(`${hostKey}\u0000${port}`) ?? [];
    if (time === null) return this.#one([...lines, ...listed].flatMap((h) => this.#clients(hostKey, h)), false);
    const before = lines.filter((h) => h.time! <= time).at(-1);
    if (before) {
      const holder = this.#one(this.#clients(hostKey, before), false);
      if (!holder) return null;
      const nic = this.nicOf(hostKey, port, holder.nic, before.time);
      return this.#shownElsewhere(hostKey, nic, port, before.time!, time) ? null : { ...holder, nic };
    }
    // The listing is of the port when it was taken: nothing is known of it before a line that came after
    // `time`, nor after the listing (the VM may have restarted on a new port id since).
    if (lines.length) return null;
    const current = listed.filter((h) => h.time === null || time <= h.time);
    return this.#one(current.flatMap((h) => this.#clients(hostKey, h)), true);
  }

  /**
   * The NIC an L2Sec line naming `client` on `port` is about: its client where that names a NIC, else the
   * NIC of that VM the latest "connected" line put on that port by then.
   */
  nicOf(hostKey: string, port: string, client: string, time: string | null): string {
    if (namesNic(client) || time === null) return client;
    const connected = (this.#byPort.get(`${hostKey}\u0000${port}`) ?? []).filter((h) => h.time! <= time && h.client && namesNic(h.client)).at(-1);
    return connected && vmNameOf(connected.client!) === client ? connected.client! : client;
  }

  /**
   * Why a line about `nic` on `port` at `time` no longer describes it: a later line, or the listing, shows that
   * NIC on another port. Only a named NIC: a VM's name alone does not say which of its NICs moved.
   */
  movedSince(hostKey: string, nic: string, port: string, time: string | null): string | null {
    if (!namesNic(nic) || time === null) return null;
    const vmKey = `${hostKey}\u0000${vmNameOf(nic)}`;
    // A listing taken before the line says nothing of where the NIC went after it.
    const listed = (this.#listedVm.get(vmKey) ?? []).filter((h) => (h.time === null || h.time > time) && this.#clients(hostKey, h).includes(nic));
    // Listed on this port still: two VMs of one name on the host, and the line elsewhere is the other's.
    if (listed.some((h) => h.port === port)) return null;
    const latest = (this.#byVm.get(vmKey) ?? []).filter((h) => h.time! > time && this.#clients(hostKey, h).includes(nic)).at(-1);
    if (latest) return latest.port === port ? null : `${nic} is on port ${latest.port} since ${latest.time}, not on port ${port}`;
    if (listed.length) {
      const at = listed.find((h) => h.time !== null)?.time;
      return `the host's listing${at ? ` (${at})` : ''} shows ${nic} on port ${listed.map((h) => h.port).join(', ')}, not on port ${port}`;
    }
    return null;
  }

  /** A line after `from`, up to `to`, shows the NIC (any NIC of the VM, where only the VM is known) on another port. */
  #shownElsewhere(hostKey: string, nic: string, port: string, from: string, to: string): boolean {
    const same = (client: string) => (namesNic(nic) ? client === nic || client === vmNameOf(nic) : vmNameOf(client) === nic);
    const lines = this.#byVm.get(`${hostKey}\u0000${vmNameOf(nic)}`) ?? [];
    return lines.some((h) => h.time! > from && h.time! <= to && h.port !== port && this.#clients(hostKey, h).some(same));
  }

  /** The clients a holding names: its own, or those the listing shows with its MAC; none for a disabled port. */
  #clients(hostKey: string, h: Holding): string[] {
    if (h.client) return [h.client];
    return h.mac ? [...(this.#clientsByMac.get(`${hostKey}\u0000${h.mac}`) ?? [])] : [];
  }

  #one(clients: string[], byListing: boolean): Holder | null {
    const vms = new Set(clients.map(vmNameOf));
    if (vms.size !== 1) return null;
    const nics = new Set(clients);
    const vm = [...vms][0]!;
    return { vm, nic: nics.size === 1 ? clients[0]! : vm, byListing };
  }
}
