package main

// A host's standard networking, rendered as HostNetworkInfo. ESXi answers
// HostSystem.config.network and HostNetworkSystem.networkInfo from the same
// data; the lab renders one value and assigns it to both after every change.

import (
	"fmt"
	"sort"

	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type hostNetworkSystem struct {
	mo.HostNetworkSystem
	labLocked
	host *host
}

func vswitchKey(name string) string   { return "key-vim.host.VirtualSwitch-" + name }
func portgroupKey(name string) string { return "key-vim.host.PortGroup-" + name }
func pnicKey(device string) string    { return "key-vim.host.PhysicalNic-" + device }
func portKey(id int32) string         { return fmt.Sprintf("key-vim.host.PortGroup.Port-%d", id) }

func (h *host) vswitch(name string) *vswitch {
	for _, vs := range h.vswitches {
		if vs.name == name {
			return vs
		}
	}
	return nil
}

func (h *host) portgroup(name string) *hostPortgroup {
	for _, pg := range h.portgroups {
		if pg.spec.Name == name {
			return pg
		}
	}
	return nil
}

func (h *host) hasPnic(device string) bool {
	for _, p := range h.pnics {
		if p.Device == device {
			return true
		}
	}
	return false
}

func bridgeNics(spec types.HostVirtualSwitchSpec) []string {
	if b, ok := spec.Bridge.(*types.HostVirtualSwitchBondBridge); ok {
		return b.NicDevice
	}
	return nil
}

// computedPolicy is what ESXi enforces on a portgroup.
func (h *host) computedPolicy(pg *hostPortgroup) types.HostNetworkPolicy {
	vs := h.vswitch(pg.spec.VswitchName)
	switchPolicy := overlayPolicy(esxiDefaultPolicy(bridgeNics(vs.spec)), vs.spec.Policy)
	return overlayPolicy(switchPolicy, &pg.spec.Policy)
}

// assignPort gives an active NIC a port on its portgroup's vSwitch.
func (h *host) assignPort(nic *vnic) {
	pg := h.portgroup(nic.stdName)
	if pg == nil {
		return
	}
	vs := h.vswitch(pg.spec.VswitchName)
	nic.portID = vs.portBase + vs.nextPort
	vs.nextPort++
}

func (h *host) networkInfo() *types.HostNetworkInfo {
	ports := map[string][]types.HostPortGroupPort{}
	used := map[string]int32{}
	for _, v := range h.vms {
		for _, nic := range v.nics {
			if nic.dvPort != nil || nic.portID == 0 || !nic.active(v) {
				continue
			}
			pg := h.portgroup(nic.stdName)
			if pg == nil {
				continue
			}
			ports[pg.spec.Name] = append(ports[pg.spec.Name], types.HostPortGroupPort{
				Key:  portKey(nic.portID),
				Mac:  []string{nic.mac},
				Type: "virtualMachine",
			})
			used[pg.spec.VswitchName]++
		}
	}

	dns := h.dnsConfig
	info := &types.HostNetworkInfo{Pnic: h.pnics, Vnic: h.vnics(), DnsConfig: &dns, IpV6Enabled: boolPtr(true), AtBootIpV6Enabled: boolPtr(true)}
	for _, vs := range h.vswitches {
		var pgKeys []string
		for _, pg := range h.portgroups {
			if pg.spec.VswitchName == vs.name {
				pgKeys = append(pgKeys, portgroupKey(pg.spec.Name))
			}
		}
		var pnics []string
		for _, nic := range bridgeNics(vs.spec) {
			pnics = append(pnics, pnicKey(nic))
		}
		info.Vswitch = append(info.Vswitch, types.HostVirtualSwitch{
			Name:              vs.name,
			Key:               vswitchKey(vs.name),
			NumPorts:          vs.spec.NumPorts,
			NumPortsAvailable: vs.spec.NumPorts - used[vs.name] - int32(len(pnics)),
			Mtu:               vs.spec.Mtu,
			Portgroup:         pgKeys,
			Pnic:              pnics,
			Spec:              vs.spec,
		})
	}
	for _, pg := range h.portgroups {
		p := ports[pg.spec.Name]
		sort.Slice(p, func(i, j int) bool { return p[i].Key < p[j].Key })
		info.Portgroup = append(info.Portgroup, types.HostPortGroup{
			Key:            portgroupKey(pg.spec.Name),
			Port:           p,
			Vswitch:        vswitchKey(pg.spec.VswitchName),
			ComputedPolicy: h.computedPolicy(pg),
			Spec:           pg.spec,
		})
	}
	return info
}

// renderNetwork publishes the host's networking on both objects that show it.
// vcsim's PropertyCollector reports a change to a filter's path or below it,
// never above: clients watch config.network.vswitch and .portgroup (what the
// inventory reads), so those paths change too, as vCenter reports them.
func (h *host) renderNetwork() {
	info := h.networkInfo()
	update(h.netSys, prop("networkInfo", info))
	updateLocked(h.obj, prop("config.network", info), prop("config.network.vswitch", info.Vswitch), prop("config.network.portgroup", info.Portgroup))
}

// makePnics describes the physical NICs the scenario's vSwitches use.
func makePnics(hostName string, devices []string) []types.PhysicalNic {
	sort.Strings(devices)
	sum := hash32(hostName)
	var out []types.PhysicalNic
	for i, dev := range devices {
		out = append(out, types.PhysicalNic{
			Key:       pnicKey(dev),
			Device:    dev,
			Pci:       fmt.Sprintf("0000:%02x:00.%d", 0x1b+i/2, i%2),
			Driver:    "ixgben",
			LinkSpeed: &types.PhysicalNicLinkInfo{SpeedMb: 10000, Duplex: true},
			ValidLinkSpecification: []types.PhysicalNicLinkInfo{
				{SpeedMb: 1000, Duplex: true}, {SpeedMb: 10000, Duplex: true},
			},
			Mac:                    fmt.Sprintf("3c:fd:fe:%02x:%02x:%02x", byte(sum>>16), byte(sum>>8), byte(int(sum)+i)),
			WakeOnLanSupported:     false,
			AutoNegotiateSupported: boolPtr(true),
		})
	}
	return out
}
