package main

// What a host calls itself and where it answers: HostDnsConfig, its
// vmkernel NICs (config.network.vnic) and which of them serve what
// (config.virtualNicManagerInfo: the management vmk is the host's address).
// Every ESXi host has all three; vCenter's name for the host is whatever it
// was added by.

import (
	"fmt"
	"hash/fnv"
	"net"
	"strings"

	"github.com/vmware/govmomi/vim25/types"
)

// defaultDnsConfig: a host added by its FQDN is called so; one added by IP
// address has ESXi's name when none was set (localhost.localdomain).
func defaultDnsConfig(name string) *scDnsConfig {
	if net.ParseIP(name) != nil {
		return &scDnsConfig{HostName: "localhost", DomainName: "localdomain"}
	}
	label, domain, _ := strings.Cut(name, ".")
	return &scDnsConfig{HostName: label, DomainName: domain}
}

// defaultVmkernelNics: vmk0, for management, answers at the address a host
// was added by, else at one of its own in 198.18.0.0/15 (the benchmarking
// range: never a real host's).
func defaultVmkernelNics(name string, dc, index int) []scVmkernelNic {
	ip := net.ParseIP(name)
	switch {
	case ip != nil && ip.To4() == nil:
		return []scVmkernelNic{{IpV6Address: []string{name}}}
	case ip != nil:
		return []scVmkernelNic{{IpAddress: name}}
	}
	// Counted across the range's last two octets (.1 to .254 each), not one octet a datacenter: the
	// bench's datacenter holds 500 hosts.
	n := dc*4096 + index
	return []scVmkernelNic{{IpAddress: fmt.Sprintf("198.%d.%d.%d", 18+n/(256*254), n/254%256, n%254+1)}}
}

// applyDefaults: the default TCP/IP stack; vmk0 alone serves management, as ESXi installs it.
func (v *scVmkernelNic) applyDefaults(index int) {
	if v.NetStackInstanceKey == "" {
		v.NetStackInstanceKey = string(types.HostNetStackInstanceSystemStackKeyDefaultTcpipStack)
	}
	if v.NicType == nil {
		v.NicType = []string{}
		if index == 0 {
			v.NicType = []string{string(types.HostVirtualNicManagerNicTypeManagement)}
		}
	}
}

// nicTypeStacks: the services ESXi lists in virtualNicManagerInfo, and the
// stack other than the default one a vmk serving it may be on.
var nicTypeStacks = map[string]string{
	"faultToleranceLogging": "", "management": "", "vSphereReplication": "", "vSphereReplicationNFC": "",
	"vsan": "", "vsanWitness": "", "vmotion": "vmotion", "vSphereProvisioning": "vSphereProvisioning",
}

func (v *scVmkernelNic) validate(where string) error {
	if v.IpAddress != "" && (net.ParseIP(v.IpAddress) == nil || net.ParseIP(v.IpAddress).To4() == nil) {
		return fmt.Errorf("%s: ipAddress %q is not an IPv4 address", where, v.IpAddress)
	}
	for _, ip := range v.IpV6Address {
		if net.ParseIP(ip) == nil || strings.IndexByte(ip, ':') < 0 {
			return fmt.Errorf("%s: ipV6Address %q is not an IPv6 address", where, ip)
		}
	}
	stack := v.NetStackInstanceKey
	if stack != "defaultTcpipStack" && stack != "vmotion" && stack != "vSphereProvisioning" {
		return fmt.Errorf("%s: netStackInstanceKey %q is none of defaultTcpipStack, vmotion, vSphereProvisioning", where, stack)
	}
	for _, t := range v.NicType {
		own, known := nicTypeStacks[t]
		if !known {
			return fmt.Errorf("%s: nicType %q is not a service ESXi lists", where, t)
		}
		// ESXi tags a vmk on the vMotion or provisioning stack for that service only.
		if stack != "defaultTcpipStack" && stack != own {
			return fmt.Errorf("%s: a vmk on the %s stack cannot serve %s", where, stack, t)
		}
	}
	return nil
}

// vnics renders the host's vmkernel NICs as ESXi lists them, vmk0 first.
func (h *host) vnics() []types.HostVirtualNic {
	var out []types.HostVirtualNic
	for i, v := range h.vmkernelNics {
		device := fmt.Sprintf("vmk%d", i)
		sum := fnv.New32a()
		sum.Write([]byte(h.obj.Name + "/" + device))
		id := sum.Sum32()
		mac := fmt.Sprintf("00:50:56:%02x:%02x:%02x", 0x40|(id>>16)&0x3f, (id>>8)&0xff, id&0xff)
		portgroup := "Management Network"
		if i > 0 {
			portgroup = device
		}
		ipConfig := &types.HostIpConfig{IpAddress: v.IpAddress}
		if v.IpAddress != "" {
			ipConfig.SubnetMask = "255.255.255.0"
		}
		if len(v.IpV6Address) > 0 {
			ipConfig.IpV6Config = &types.HostIpConfigIpV6AddressConfiguration{AutoConfigurationEnabled: boolPtr(false), DhcpV6Enabled: boolPtr(false)}
			for _, ip := range v.IpV6Address {
				ipConfig.IpV6Config.IpV6Address = append(ipConfig.IpV6Config.IpV6Address, types.HostIpConfigIpV6Address{IpAddress: ip, PrefixLength: 64, Origin: "manual", DadState: "preferred"})
			}
		}
		out = append(out, types.HostVirtualNic{
			Device:    device,
			Key:       "key-vim.host.VirtualNic-" + device,
			Portgroup: portgroup,
			Spec: types.HostVirtualNicSpec{
				Ip:                  ipConfig,
				Mac:                 mac,
				Portgroup:           portgroup,
				Mtu:                 1500,
				NetStackInstanceKey: v.NetStackInstanceKey,
			},
		})
	}
	return out
}

// virtualNicManagerInfo lists, as ESXi does, every service with the vmks
// that may serve it (candidateVnic, each under the key "<nicType>.<vnic key>")
// and those that do (selectedVnic).
func (h *host) virtualNicManagerInfo() *types.HostVirtualNicManagerInfo {
	vnics := h.vnics()
	info := &types.HostVirtualNicManagerInfo{}
	for _, nicType := range []string{"faultToleranceLogging", "management", "vSphereProvisioning", "vSphereReplication", "vSphereReplicationNFC", "vmotion", "vsan", "vsanWitness"} {
		config := types.VirtualNicManagerNetConfig{NicType: nicType, MultiSelectAllowed: true}
		for i, vnic := range vnics {
			stack := vnic.Spec.NetStackInstanceKey
			if stack != "defaultTcpipStack" && stack != nicTypeStacks[nicType] {
				continue
			}
			vnic.Key = nicType + "." + vnic.Key
			config.CandidateVnic = append(config.CandidateVnic, vnic)
			for _, t := range h.vmkernelNics[i].NicType {
				if t == nicType {
					config.SelectedVnic = append(config.SelectedVnic, vnic.Key)
				}
			}
		}
		info.NetConfig = append(info.NetConfig, config)
	}
	return info
}
