package main

// ReconfigVM_Task for what vmfix changes on a VM: edits of its ethernet
// cards (MAC address and its type, backing, connection state). vcsim 0.24
// removes and re-adds an edited card, never validates a manual MAC, cannot
// find a DVS it did not create, and leaves the Network and dvPortgroup vm
// lists, the dvPort connectee and the host's portgroup ports stale; the lab
// applies an edit in place and re-renders every view of it. Any other
// change faults NotSupported rather than being silently ignored.

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func (o *virtualMachine) ReconfigVMTask(ctx *simulator.Context, req *types.ReconfigVM_Task) soap.HasFault {
	user := ctx.Session.UserName
	task := simulator.CreateTask(o, "reconfigVMTask", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		v := o.model
		if f := v.hostStateFault(); f != nil {
			return nil, f
		}
		if f := o.l.reconfigure(v, req.Spec); f != nil {
			return nil, f
		}
		o.l.events.post(&types.VmReconfiguredEvent{VmEvent: v.event(user, "Reconfigured %s on %s in %s"), ConfigSpec: req.Spec})
		return nil, nil
	})
	return &methods.ReconfigVM_TaskBody{Res: &types.ReconfigVM_TaskResponse{Returnval: o.l.run(task)}}
}

// nicEdit is a validated edit: the NIC as it will be. A nil port with
// wantPG set means "any free port of that dvPortgroup".
type nicEdit struct {
	nic    *vnic
	next   vnic
	wantPG *dvPortgroup
}

func (l *lab) reconfigure(v *vm, spec types.VirtualMachineConfigSpec) types.BaseMethodFault {
	rest := spec
	rest.DeviceChange = nil
	if !reflect.DeepEqual(rest, types.VirtualMachineConfigSpec{}) {
		return &types.NotSupported{}
	}
	// vCenter applies a reconfiguration whole or not at all: validate every
	// edit before applying any.
	var edits []nicEdit
	for i, change := range spec.DeviceChange {
		e, fault := l.planNicEdit(v, int32(i), change.GetVirtualDeviceConfigSpec())
		if fault != nil {
			return fault
		}
		edits = append(edits, e)
	}
	h := v.host
	for _, e := range edits {
		nic, next := e.nic, e.next
		from, wasUp := nic.dvPort, nic.active(v)
		if e.wantPG != nil {
			if next.dvPort = e.wantPG.freePort(); next.dvPort == nil {
				return &types.InvalidDeviceBacking{} // a full portgroup without autoExpand
			}
		}
		if nic.dvPort != next.dvPort {
			if nic.dvPort != nil {
				nic.dvPort.release()
			}
			if next.dvPort != nil {
				next.dvPort.nic, next.dvPort.vm = nic, v
			}
		}
		wasActiveOn := ""
		if nic.dvPort == nil && nic.active(v) {
			wasActiveOn = nic.stdName
		}
		*nic = next
		switch {
		case nic.dvPort != nil || !nic.active(v):
			nic.portID = 0
		case nic.stdName != wasActiveOn:
			h.assignPort(nic) // a new port, as when ESXi reconnects a vNIC
		}
		l.nicPortChange(v, nic, from, wasUp, nic.dvPort, nic.active(v))
		l.enforce(v, nic, false)
	}
	v.render()
	h.renderNetwork()
	l.renderMembership(v.dc)
	return nil
}

func (l *lab) planNicEdit(v *vm, index int32, ds *types.VirtualDeviceConfigSpec) (nicEdit, types.BaseMethodFault) {
	invalid := &types.InvalidDeviceSpec{DeviceIndex: index}
	if ds.Operation != types.VirtualDeviceConfigSpecOperationEdit {
		return nicEdit{}, &types.NotSupported{}
	}
	card, ok := ds.Device.(types.BaseVirtualEthernetCard)
	if !ok {
		return nicEdit{}, &types.NotSupported{}
	}
	e := card.GetVirtualEthernetCard()
	nic := v.nic(e.Key)
	if nic == nil || nicKind(card) != nic.kind {
		return nicEdit{}, invalid // no such card, or an edit that changes the adapter type
	}
	edit := nicEdit{nic: nic, next: *nic}
	next := &edit.next

	addressType := strings.ToLower(e.AddressType)
	switch addressType {
	case "":
		if nic.addressType == "manual" && e.MacAddress != "" {
			addressType = "manual"
		}
	case "manual", "generated", "assigned":
	default:
		return nicEdit{}, &types.InvalidArgument{InvalidProperty: "spec.deviceChange.device.addressType"}
	}
	switch addressType {
	case "manual":
		if err := validUnicastMAC(e.MacAddress); err != nil {
			return nicEdit{}, &types.InvalidArgument{InvalidProperty: "spec.deviceChange.device.macAddress"}
		}
		next.addressType, next.mac = "manual", strings.ToLower(e.MacAddress)
	case "generated", "assigned":
		// The server owns non-manual MACs: it keeps the one it gave, or
		// gives a new one when the card leaves manual addressing.
		if nic.addressType == "manual" {
			next.mac = l.macs.generate(fmt.Sprintf("%s/%d/reassigned", v.name, nic.key))
		}
		next.addressType = addressType
	}
	if c := e.Connectable; c != nil {
		next.connected = c.Connected
		if !v.poweredOn {
			next.connected = c.StartConnected
		}
	}

	switch b := e.Backing.(type) {
	case nil:
	case *types.VirtualEthernetCardNetworkBackingInfo:
		name := b.DeviceName
		if name == "" && b.Network != nil {
			for _, pg := range v.host.portgroups {
				if pg.network.obj.Self == *b.Network {
					name = pg.spec.Name
				}
			}
		}
		if v.host.portgroup(name) == nil {
			return nicEdit{}, &types.InvalidDeviceBacking{InvalidDeviceSpec: *invalid}
		}
		next.stdName, next.dvPort = name, nil
	case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
		port, pg, fault := l.planDvPort(v, nic, b.Port, invalid)
		if fault != nil {
			return nicEdit{}, fault
		}
		next.stdName = ""
		next.dvPort, edit.wantPG = port, pg
	default:
		return nicEdit{}, &types.NotSupported{}
	}
	return edit, nil
}

// planDvPort resolves a dvPort backing: the port asked for, the NIC's
// current port when it stays in the portgroup, or (pg returned) any free one.
func (l *lab) planDvPort(v *vm, nic *vnic, conn types.DistributedVirtualSwitchPortConnection, invalid *types.InvalidDeviceSpec) (*dvPort, *dvPortgroup, types.BaseMethodFault) {
	bad := &types.InvalidDeviceBacking{InvalidDeviceSpec: *invalid}
	d := l.dvsByUUID[conn.SwitchUuid]
	if d == nil || !d.hasMember(v.host) {
		return nil, nil, bad
	}
	var pg *dvPortgroup
	for _, p := range d.portgroups {
		if p.config.Key == conn.PortgroupKey {
			pg = p
		}
	}
	if pg == nil {
		return nil, nil, bad
	}
	if conn.PortKey != "" {
		port := pg.port(conn.PortKey)
		if port == nil {
			return nil, nil, bad
		}
		if port.nic != nil && port.nic != nic {
			return nil, nil, &types.ResourceInUse{Type: "DistributedVirtualPort", Name: conn.PortKey}
		}
		return port, nil, nil
	}
	if nic.dvPort != nil && nic.dvPort.pg == pg {
		return nic.dvPort, nil, nil
	}
	return nil, pg, nil
}

func nicKind(card types.BaseVirtualEthernetCard) string {
	switch card.(type) {
	case *types.VirtualE1000:
		return "e1000"
	case *types.VirtualE1000e:
		return "e1000e"
	case *types.VirtualVmxnet3:
		return "vmxnet3"
	}
	return ""
}
