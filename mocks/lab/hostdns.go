package main

// What a host calls itself and where it answers: HostDnsConfig and its
// vmkernel NICs (config.network.dnsConfig, config.network.vnic). Every ESXi
// host has both; vCenter's name for the host is whatever it was added by.

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

// defaultVmkernelIps: vmk0 answers at the address a host was added by, else
// at one of its own in 198.18.0.0/15 (the benchmarking range: never a real
// host's), 4,095 hosts a datacenter.
func defaultVmkernelIps(name string, dc, index int) []string {
	if net.ParseIP(name) != nil {
		return []string{name}
	}
	n := 198<<24 | 18<<16 + dc<<12 + index + 1
	return []string{fmt.Sprintf("%d.%d.%d.%d", n>>24&0xff, n>>16&0xff, n>>8&0xff, n&0xff)}
}

// vnics renders the host's vmkernel NICs as ESXi lists them: vmk0 on the
// management network, one a given address.
func (h *host) vnics() []types.HostVirtualNic {
	var out []types.HostVirtualNic
	for i, ip := range h.vmkernelIps {
		device := fmt.Sprintf("vmk%d", i)
		sum := fnv.New32a()
		sum.Write([]byte(h.obj.Name + "/" + device))
		id := sum.Sum32()
		mac := fmt.Sprintf("00:50:56:%02x:%02x:%02x", 0x40|(id>>16)&0x3f, (id>>8)&0xff, id&0xff)
		out = append(out, types.HostVirtualNic{
			Device:    device,
			Key:       "key-vim.host.VirtualNic-" + device,
			Portgroup: "Management Network",
			Spec: types.HostVirtualNicSpec{
				Ip:                  &types.HostIpConfig{IpAddress: ip, SubnetMask: "255.255.255.0"},
				Mac:                 mac,
				Portgroup:           "Management Network",
				Mtu:                 1500,
				NetStackInstanceKey: "defaultTcpipStack",
			},
		})
	}
	return out
}
