package main

// VirtualMachine.Destroy_Task, which the lab's VMs need because they are not
// vcsim's: someone deletes a VM between a plan and its apply, or between a
// change and its rollback. As vCenter does it: refused while the VM runs
// (InvalidPowerState), its dvPorts freed, gone from its host, datastore,
// pool, folder and networks, then VmRemovedEvent. Its moref is never
// reused, so a later call about it is ManagedObjectNotFound.

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func (o *virtualMachine) DestroyTask(ctx *simulator.Context, req *types.Destroy_Task) soap.HasFault {
	user := ctx.Session.UserName
	task := simulator.CreateTask(o, "destroy", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		return nil, o.l.destroyVM(o.model, user)
	})
	return &methods.Destroy_TaskBody{Res: &types.Destroy_TaskResponse{Returnval: o.l.run(task)}}
}

// destroyVM deletes a powered-off VM. The caller holds lab.mu.
func (l *lab) destroyVM(v *vm, user string) types.BaseMethodFault {
	if v.poweredOn {
		return &types.InvalidPowerState{RequestedState: types.VirtualMachinePowerStatePoweredOff, ExistingState: types.VirtualMachinePowerStatePoweredOn}
	}
	removed := &types.VmRemovedEvent{VmEvent: v.event(user, "Removed %s on %s from %s")}
	for _, nic := range v.nics {
		if p := nic.dvPort; p != nil {
			p.release()
			l.nicPortChange(v, nic, p, false, nil, false)
		}
	}
	h, self := v.host, v.obj.Self
	h.vms = without(h.vms, v)
	updateLocked(h.obj, prop("vm", without(h.obj.Vm, self)))
	updateLocked(h.datastore, prop("vm", without(h.datastore.Vm, self)))
	pool := simulator.Map.Get(*h.compute.ResourcePool).(*simulator.ResourcePool)
	updateLocked(pool, prop("vm", without(pool.Vm, self)))
	updateLocked(v.dc.vmFolder, prop("childEntity", without(v.dc.vmFolder.ChildEntity, self)))
	simulator.Map.Remove(self)
	h.renderNetwork()
	l.renderMembership(v.dc)
	l.events.post(removed)
	return nil
}
