package main

// PowerOnVM_Task and PowerOffVM_Task, which the lab's VMs need because they
// are not vcsim's. Power changes what ESXi gives a VM: running NICs hold a
// vSwitch port (a new standard port id at each power-on, as ESXi hands them
// out) and make their dvPort active; a powered-off VM's ports are gone, and
// with them any L2 security block. At power-on ESXi enforces compliance
// afresh: a guest that still uses another MAC where the policy rejects it
// is blocked again and logged. guest.net is left as Tools last reported it
// (stale while the VM is off). vCenter posts VmStartingEvent and
// VmPoweredOnEvent, or VmStoppingEvent and VmPoweredOffEvent.

import (
	"fmt"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func (o *virtualMachine) PowerOnVMTask(ctx *simulator.Context, req *types.PowerOnVM_Task) soap.HasFault {
	user := ctx.Session.UserName
	task := simulator.CreateTask(o, "powerOnVMTask", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		return nil, o.l.setPower(o.model, true, user)
	})
	return &methods.PowerOnVM_TaskBody{Res: &types.PowerOnVM_TaskResponse{Returnval: o.l.run(task)}}
}

func (o *virtualMachine) PowerOffVMTask(ctx *simulator.Context, req *types.PowerOffVM_Task) soap.HasFault {
	user := ctx.Session.UserName
	task := simulator.CreateTask(o, "powerOffVMTask", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		return nil, o.l.setPower(o.model, false, user)
	})
	return &methods.PowerOffVM_TaskBody{Res: &types.PowerOffVM_TaskResponse{Returnval: o.l.run(task)}}
}

// setPower powers a VM on or off as user. The caller holds lab.mu.
func (l *lab) setPower(v *vm, on bool, user string) types.BaseMethodFault {
	if f := v.hostStateFault(); f != nil {
		return f
	}
	want := types.VirtualMachinePowerStatePoweredOff
	if on {
		want = types.VirtualMachinePowerStatePoweredOn
	}
	if v.obj.Runtime.PowerState == want {
		return &types.InvalidPowerState{RequestedState: want, ExistingState: want}
	}
	h := v.host
	var boot interface{} // unset while off (a typed nil would not be)
	if on {
		now := time.Now()
		boot = &now
		l.events.post(&types.VmStartingEvent{VmEvent: v.event(user, "%s on host %s in %s is starting")})
	} else {
		l.events.post(&types.VmStoppingEvent{VmEvent: v.event(user, "%s on host %s in %s is stopping")})
	}
	v.poweredOn = on
	for _, nic := range v.nics {
		nic.portID, nic.stdBlocked = 0, false
		if p := nic.dvPort; p != nil {
			p.blocked, p.statusDetail = false, ""
			l.nicPortChange(v, nic, p, !on && nic.connected, p, on && nic.connected)
		} else if nic.active(v) {
			h.assignPort(nic)
		}
	}
	update(v.obj,
		prop("runtime.powerState", want), prop("runtime.bootTime", boot),
		prop("summary.runtime.powerState", want), prop("summary.runtime.bootTime", boot),
	)
	if on {
		l.events.post(&types.VmPoweredOnEvent{VmEvent: v.event(user, "%s on %s in %s is powered on")})
		for _, nic := range v.nics {
			l.enforce(v, nic, true)
		}
	} else {
		l.events.post(&types.VmPoweredOffEvent{VmEvent: v.event(user, "%s on %s in %s is powered off")})
	}
	v.render()
	h.renderNetwork()
	return nil
}

// event is the VmEvent vCenter posts about v; format takes the VM's, the
// host's and the datacenter's names.
func (v *vm) event(user, format string) types.VmEvent {
	return types.VmEvent{Event: types.Event{
		UserName:             user,
		Datacenter:           &types.DatacenterEventArgument{EntityEventArgument: types.EntityEventArgument{Name: v.dc.obj.Name}, Datacenter: v.dc.obj.Self},
		ComputeResource:      &types.ComputeResourceEventArgument{EntityEventArgument: types.EntityEventArgument{Name: v.host.compute.Name}, ComputeResource: v.host.compute.Self},
		Host:                 &types.HostEventArgument{EntityEventArgument: types.EntityEventArgument{Name: v.host.obj.Name}, Host: v.host.obj.Self},
		Vm:                   &types.VmEventArgument{EntityEventArgument: types.EntityEventArgument{Name: v.name}, Vm: v.obj.Self},
		FullFormattedMessage: fmt.Sprintf(format, v.name, v.host.obj.Name, v.dc.obj.Name),
	}}
}
