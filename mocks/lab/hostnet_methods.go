package main

// HostNetworkSystem methods with ESXi's semantics, which vcsim 0.24 lacks
// (UpdatePortGroup, UpdateVirtualSwitch) or gets wrong (AddPortGroup's
// DuplicateName for a name another host already has).
//
// UpdatePortGroup and UpdateVirtualSwitch REPLACE the whole spec: an unset
// policy field means "inherit" and an omitted vlanId means 0, so a client
// that sends a partial spec visibly resets what it left out. That is the
// trap real clients fall into and the lab must reproduce it.
//
// vCenter posts no event for these edits (vim25 has no event type for a
// standard portgroup or vSwitch change), so the lab posts none. A policy
// change makes ESXi enforce L2 security on the host's live ports again
// (l2sec.go).

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func (s *hostNetworkSystem) UpdatePortGroup(req *types.UpdatePortGroup) soap.HasFault {
	body := &methods.UpdatePortGroupBody{}
	h := s.host
	if f := h.unreachable(); f != nil {
		body.Fault_ = f
		return body
	}
	l := s.l
	pg := h.portgroup(req.PgName)
	if pg == nil {
		body.Fault_ = simulator.Fault("portgroup "+req.PgName+" not found", &types.NotFound{})
		return body
	}
	spec := req.Portgrp
	if spec.VswitchName != pg.spec.VswitchName {
		if h.vswitch(spec.VswitchName) == nil {
			body.Fault_ = simulator.Fault("vswitch "+spec.VswitchName+" not found", &types.NotFound{})
		} else {
			body.Fault_ = simulator.Fault("a portgroup cannot move to another vSwitch", &types.InvalidArgument{InvalidProperty: "portgrp.vswitchName"})
		}
		return body
	}
	if f := s.checkPortgroupSpec(spec, "portgrp"); f != nil {
		body.Fault_ = f
		return body
	}
	if spec.Name != pg.spec.Name && h.portgroup(spec.Name) != nil {
		body.Fault_ = simulator.Fault("", &types.AlreadyExists{Name: spec.Name})
		return body
	}
	if f := l.checkNetworkName(h.dc, spec.Name); f != nil {
		body.Fault_ = f
		return body
	}

	old := pg.spec.Name
	spec.Policy = normalizePortgroupPolicy(spec.Policy)
	pg.spec = spec
	if spec.Name != old {
		l.renameHostPortgroup(h, pg, old)
	}
	l.enforceHost(h)
	h.renderNetwork()
	l.renderMembership(h.dc)
	body.Res = &types.UpdatePortGroupResponse{}
	return body
}

// renameHostPortgroup moves a renamed portgroup, and the VMs of the host on
// it, to the Network of the new name. The Network object follows the rename
// (same moref) when no other host still has a portgroup of the old name.
func (l *lab) renameHostPortgroup(h *host, pg *hostPortgroup, old string) {
	for _, v := range h.vms {
		for _, nic := range v.nics {
			if nic.dvPort == nil && nic.stdName == old {
				nic.stdName = pg.spec.Name
			}
		}
	}
	oldNet := pg.network
	shared := false
	for _, other := range h.dc.hosts {
		if other != h && other.portgroup(old) != nil {
			shared = true
		}
	}
	exists := false
	for _, n := range h.dc.networks {
		if n.name == pg.spec.Name {
			exists = true
		}
	}
	if !shared && !exists {
		l.renameNetwork(oldNet, pg.spec.Name)
	} else {
		pg.network = l.stdNetwork(h.dc, pg.spec.Name)
		l.dropUnusedNetworks(h.dc)
	}
	for _, v := range h.vms {
		v.render()
	}
}

func (s *hostNetworkSystem) AddPortGroup(req *types.AddPortGroup) soap.HasFault {
	body := &methods.AddPortGroupBody{}
	h := s.host
	if f := h.unreachable(); f != nil {
		body.Fault_ = f
		return body
	}
	spec := req.Portgrp
	if f := s.checkPortgroupSpec(spec, "portgrp"); f != nil {
		body.Fault_ = f
		return body
	}
	if h.portgroup(spec.Name) != nil {
		body.Fault_ = simulator.Fault("", &types.AlreadyExists{Name: spec.Name})
		return body
	}
	if h.vswitch(spec.VswitchName) == nil {
		body.Fault_ = simulator.Fault("vswitch "+spec.VswitchName+" not found", &types.NotFound{})
		return body
	}
	if f := s.l.checkNetworkName(h.dc, spec.Name); f != nil {
		body.Fault_ = f
		return body
	}
	spec.Policy = normalizePortgroupPolicy(spec.Policy)
	// vCenter semantics: a name another host of the datacenter already has
	// joins that Network object.
	h.portgroups = append(h.portgroups, &hostPortgroup{spec: spec, network: s.l.stdNetwork(h.dc, spec.Name)})
	h.renderNetwork()
	s.l.renderMembership(h.dc)
	body.Res = &types.AddPortGroupResponse{}
	return body
}

func (s *hostNetworkSystem) RemovePortGroup(req *types.RemovePortGroup) soap.HasFault {
	body := &methods.RemovePortGroupBody{}
	h := s.host
	if f := h.unreachable(); f != nil {
		body.Fault_ = f
		return body
	}
	pg := h.portgroup(req.PgName)
	if pg == nil {
		body.Fault_ = simulator.Fault("portgroup "+req.PgName+" not found", &types.NotFound{})
		return body
	}
	for _, v := range h.vms {
		for _, nic := range v.nics {
			if nic.dvPort == nil && nic.stdName == req.PgName && nic.active(v) {
				body.Fault_ = simulator.Fault("portgroup "+req.PgName+" has active ports", &types.ResourceInUse{Type: "Network", Name: req.PgName})
				return body
			}
		}
	}
	h.portgroups = without(h.portgroups, pg)
	s.l.dropUnusedNetworks(h.dc)
	h.renderNetwork()
	s.l.renderMembership(h.dc)
	body.Res = &types.RemovePortGroupResponse{}
	return body
}

func (s *hostNetworkSystem) UpdateVirtualSwitch(req *types.UpdateVirtualSwitch) soap.HasFault {
	body := &methods.UpdateVirtualSwitchBody{}
	h := s.host
	if f := h.unreachable(); f != nil {
		body.Fault_ = f
		return body
	}
	vs := h.vswitch(req.VswitchName)
	if vs == nil {
		body.Fault_ = simulator.Fault("vswitch "+req.VswitchName+" not found", &types.NotFound{})
		return body
	}
	spec := req.Spec
	if spec.NumPorts < 1 || spec.NumPorts > 4088 {
		body.Fault_ = simulator.Fault("numPorts must be 1-4088", &types.InvalidArgument{InvalidProperty: "spec.numPorts"})
		return body
	}
	if spec.Mtu == 0 {
		spec.Mtu = 1500 // omitted: the default, as a full replacement implies
	}
	if spec.Mtu < 1280 || spec.Mtu > 9000 {
		body.Fault_ = simulator.Fault("mtu must be 1280-9000", &types.InvalidArgument{InvalidProperty: "spec.mtu"})
		return body
	}
	nics := bridgeNics(spec)
	for _, nic := range nics {
		if !h.hasPnic(nic) {
			body.Fault_ = simulator.Fault("physical nic "+nic+" not found", &types.NotFound{})
			return body
		}
		for _, other := range h.vswitches {
			if other != vs && oneOf(nic, bridgeNics(other.spec)...) {
				body.Fault_ = simulator.Fault(nic+" is an uplink of "+other.name, &types.ResourceInUse{Type: "PhysicalNic", Name: nic})
				return body
			}
		}
	}
	if p := spec.Policy; p != nil && p.NicTeaming != nil && !nicOrderWithin(p.NicTeaming.NicOrder, nics) {
		body.Fault_ = simulator.Fault("teaming names a nic that is not an uplink", &types.InvalidArgument{InvalidProperty: "spec.policy.nicTeaming.nicOrder"})
		return body
	}
	vs.spec = spec
	s.l.enforceHost(h)
	h.renderNetwork()
	body.Res = &types.UpdateVirtualSwitchResponse{}
	return body
}

// checkPortgroupSpec validates what ESXi validates in a HostPortGroupSpec.
func (s *hostNetworkSystem) checkPortgroupSpec(spec types.HostPortGroupSpec, arg string) *soap.Fault {
	if spec.Name == "" {
		return simulator.Fault("", &types.InvalidArgument{InvalidProperty: arg + ".name"})
	}
	if spec.VlanId < 0 || spec.VlanId > 4095 {
		return simulator.Fault("vlanId must be 0-4095", &types.InvalidArgument{InvalidProperty: arg + ".vlanId"})
	}
	if vs := s.host.vswitch(spec.VswitchName); vs != nil && spec.Policy.NicTeaming != nil &&
		!nicOrderWithin(spec.Policy.NicTeaming.NicOrder, bridgeNics(vs.spec)) {
		return simulator.Fault("teaming names a nic that is not an uplink", &types.InvalidArgument{InvalidProperty: arg + ".policy.nicTeaming.nicOrder"})
	}
	return nil
}

// checkNetworkName refuses a standard portgroup name that a dvPortgroup of
// the datacenter has: vCenter keeps one name per network folder.
func (l *lab) checkNetworkName(dc *datacenter, name string) *soap.Fault {
	if pg := l.dvPortgroupNamed(dc, name); pg != nil {
		return simulator.Fault("", &types.DuplicateName{Name: name, Object: pg.obj.Self})
	}
	return nil
}

func nicOrderWithin(order *types.HostNicOrderPolicy, nics []string) bool {
	if order == nil {
		return true
	}
	for _, nic := range append(append([]string{}, order.ActiveNic...), order.StandbyNic...) {
		if !oneOf(nic, nics...) {
			return false
		}
	}
	return true
}
