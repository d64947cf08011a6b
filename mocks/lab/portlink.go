package main

// What vCenter posts when a vNIC's dvPort changes hands or its link changes.
// VMware's own DVS tests (vcqa dvs.vmops.createvm Pos005: a VM created on an
// early-binding portgroup, powered on, powered off and destroyed) expect, in
// that order, DvsPortConnectedEvent ("a port is connected in the distributed
// virtual switch", with its connectee), DvsPortLinkUpEvent, DvsPortLinkDownEvent
// ("a port of which link status is changed to down") and
// DvsPortDisconnectedEvent. So the connectee follows the NIC's backing (a
// static binding keeps its port through power cycles) and the link follows
// the NIC being live: the VM running and the card connected. Unticking and
// ticking "Connected" is the link going down and up on the same port; moving
// a card to another port disconnects the old one and connects the new one.

import (
	"fmt"
	"strconv"

	"github.com/vmware/govmomi/vim25/types"
)

// portEvent is the DvsEvent base vCenter gives an event about port p.
func (p *dvPort) portEvent(format string) types.DvsEvent {
	d := p.pg.dvs
	return types.DvsEvent{Event: types.Event{
		Datacenter:           &types.DatacenterEventArgument{EntityEventArgument: types.EntityEventArgument{Name: d.dc.obj.Name}, Datacenter: d.dc.obj.Self},
		Dvs:                  &types.DvsEventArgument{EntityEventArgument: types.EntityEventArgument{Name: d.name}, Dvs: d.obj.Self},
		FullFormattedMessage: fmt.Sprintf(format, p.key, d.name, d.dc.obj.Name),
	}}
}

func connectee(v *vm, nic *vnic) *types.DistributedVirtualSwitchPortConnectee {
	ref := v.obj.Self
	return &types.DistributedVirtualSwitchPortConnectee{ConnectedEntity: &ref, NicKey: strconv.Itoa(int(nic.key)), Type: "vmVnic"}
}

// nicPortChange posts the events of a NIC going from port `from` (live or
// not) to port `to` (live or not); either port may be nil (a standard
// portgroup). The ports' state must already be the new one. The caller
// holds lab.mu.
func (l *lab) nicPortChange(v *vm, nic *vnic, from *dvPort, wasUp bool, to *dvPort, isUp bool) {
	if from != nil && wasUp && (from != to || !isUp) {
		l.events.post(&types.DvsPortLinkDownEvent{DvsEvent: from.portEvent("The dvPort %s link was down in the vSphere Distributed Switch %s in %s"), PortKey: from.key, RuntimeInfo: from.render().State.RuntimeInfo})
	}
	if from != to {
		if from != nil {
			l.events.post(&types.DvsPortDisconnectedEvent{DvsEvent: from.portEvent("The dvPort %s was disconnected in the vSphere Distributed Switch %s in %s"), PortKey: from.key, Connectee: connectee(v, nic)})
		}
		if to != nil {
			l.events.post(&types.DvsPortConnectedEvent{DvsEvent: to.portEvent("The dvPort %s was connected in the vSphere Distributed Switch %s in %s"), PortKey: to.key, Connectee: connectee(v, nic)})
		}
	}
	if to != nil && isUp && (from != to || !wasUp) {
		l.events.post(&types.DvsPortLinkUpEvent{DvsEvent: to.portEvent("The dvPort %s link was up in the vSphere Distributed Switch %s in %s"), PortKey: to.key, RuntimeInfo: to.render().State.RuntimeInfo})
	}
}
