package main

// FetchDVPorts, with DistributedVirtualSwitchPortCriteria as documented
// (including its trap: portgroupKey only counts when inside is set), and the
// ports' L2 security state.

import (
	"strconv"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func (d *dvsObj) FetchDVPorts(req *types.FetchDVPorts) soap.HasFault {
	var out []types.DistributedVirtualPort
	for _, pg := range d.model.portgroups {
		for _, p := range pg.ports {
			if p.matches(req.Criteria) {
				out = append(out, p.render())
			}
		}
	}
	return &methods.FetchDVPortsBody{Res: &types.FetchDVPortsResponse{Returnval: out}}
}

func (p *dvPort) active() bool { return p.nic != nil && p.nic.active(p.vm) }

func (p *dvPort) matches(c *types.DistributedVirtualSwitchPortCriteria) bool {
	if c == nil {
		return true
	}
	if c.Connected != nil && *c.Connected != (p.nic != nil) {
		return false
	}
	if c.Active != nil && *c.Active != p.active() {
		return false
	}
	// The lab's switches have no uplink ports and no NSX ports.
	if (c.UplinkPort != nil && *c.UplinkPort) || (c.NsxPort != nil && *c.NsxPort) {
		return false
	}
	if c.Inside != nil {
		inside := len(c.PortgroupKey) == 0 || oneOf(p.pg.config.Key, c.PortgroupKey...)
		if inside != *c.Inside {
			return false
		}
	}
	if len(c.PortKey) != 0 && !oneOf(p.key, c.PortKey...) {
		return false
	}
	if len(c.Host) != 0 {
		if p.nic == nil {
			return false
		}
		found := false
		for _, h := range c.Host {
			found = found || h == p.vm.host.obj.Self
		}
		if !found {
			return false
		}
	}
	return true
}

func (p *dvPort) render() types.DistributedVirtualPort {
	d := p.pg.dvs
	setting := p.pg.config.DefaultPortConfig.(*types.VMwareDVSPortSetting)
	status := &types.DVPortStatus{
		LinkUp:       p.active(),
		Blocked:      p.blocked,
		VlanIds:      vlanRanges(setting.Vlan),
		TrunkingMode: boolPtr(false),
		Mtu:          1500,
		StatusDetail: p.statusDetail,
	}
	out := types.DistributedVirtualPort{
		Key:          p.key,
		DvsUuid:      d.uuid,
		PortgroupKey: p.pg.config.Key,
		Config: types.DVPortConfigInfo{
			Setting:       portSetting(setting, p.ownMacChanges(), d.legacy),
			ConfigVersion: "1",
		},
		State:            &types.DVPortState{RuntimeInfo: status},
		LastStatusChange: d.created,
		HostLocalPort:    boolPtr(false),
	}
	if p.nic != nil {
		vmRef, hostRef := p.vm.obj.Self, p.vm.host.obj.Self
		out.ProxyHost = &hostRef
		out.Connectee = &types.DistributedVirtualSwitchPortConnectee{
			ConnectedEntity: &vmRef,
			NicKey:          strconv.Itoa(int(p.nic.key)),
			Type:            "vmVnic",
		}
		status.MacAddress = p.nic.mac
		status.LinkPeer = p.vm.name + "." + p.vm.nicLabel(p.nic)
	}
	return out
}

func vlanRanges(spec types.BaseVmwareDistributedVirtualSwitchVlanSpec) []types.NumericRange {
	switch v := spec.(type) {
	case *types.VmwareDistributedVirtualSwitchVlanIdSpec:
		return []types.NumericRange{{Start: v.VlanId, End: v.VlanId}}
	case *types.VmwareDistributedVirtualSwitchTrunkVlanSpec:
		return v.VlanId
	}
	return nil
}

// release disconnects the port's NIC. The port forgets its runtime state,
// and its own settings too when the portgroup resets ports at disconnect
// (portConfigResetAtDisconnect, vCenter's default).
func (p *dvPort) release() {
	p.nic, p.vm = nil, nil
	p.blocked, p.statusDetail = false, ""
	if p.pg.config.Policy.GetDVPortgroupPolicy().PortConfigResetAtDisconnect {
		p.macChanges = nil
	}
}

// macChangesAllowed is the port's effective "MAC address changes" setting.
func (p *dvPort) macChangesAllowed() bool {
	if nsx := p.pg.nsxMacChange; nsx != nil {
		return *nsx
	}
	if p.macChanges != nil && p.overrideAllowed() {
		return *p.macChanges
	}
	sec := p.pg.config.DefaultPortConfig.(*types.VMwareDVSPortSetting).SecurityPolicy
	return sec.MacChanges.Value != nil && *sec.MacChanges.Value
}

// macLearning is whether the port learns the MACs behind its vNIC (DVS
// 6.6+, the nested-hypervisor setting): then a guest MAC other than the
// vNIC's is learned, not a violation.
func (p *dvPort) macLearning() bool {
	if p.pg.nsxMacChange != nil {
		return false // an NSX segment's MAC learning is in its NSX profile, which the lab leaves off
	}
	mm := p.pg.config.DefaultPortConfig.(*types.VMwareDVSPortSetting).MacManagementPolicy
	return mm != nil && mm.MacLearningPolicy != nil && mm.MacLearningPolicy.Enabled
}

// overrideAllowed tells whether the portgroup lets a port's own "MAC address
// changes" count. The two flags of VMwareDVSPortgroupPolicy can disagree,
// since vCenter stores each as sent and does not keep them in sync
// (community.vmware PR #1508 had to start writing both for that reason).
// The API reference deprecates securityPolicyOverrideAllowed "as of vSphere
// API 6.7.1, use macManagementOverrideAllowed instead", and the port's
// security settings live in macManagementPolicy from 6.7 on, so a 6.7+
// vCenter honours macManagementOverrideAllowed alone (community.vmware reads
// its security_override from it too); a pre-6.7 vCenter
// (legacySecurityPolicyOnly) has only securityPolicyOverrideAllowed.
func (p *dvPort) overrideAllowed() bool {
	pol := p.pg.config.Policy.(*types.VMwareDVSPortgroupPolicy)
	if p.pg.dvs.legacy {
		return pol.SecurityPolicyOverrideAllowed
	}
	return pol.MacManagementOverrideAllowed != nil && *pol.MacManagementOverrideAllowed
}

// ownMacChanges is the port's own setting where it counts, nil otherwise:
// a port whose override is not allowed shows (and gets) its portgroup's.
func (p *dvPort) ownMacChanges() *bool {
	if p.overrideAllowed() {
		return p.macChanges
	}
	return nil
}
