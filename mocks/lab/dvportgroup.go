package main

// ReconfigureDVPortgroup_Task with vCenter's semantics, where vcsim 0.24
// replaces the whole config with the spec:
//
//   - the spec is a delta: what it leaves out keeps its value, down to each
//     sub-policy of defaultPortConfig and each flag of policy;
//   - spec.configVersion must be the portgroup's current configVersion, or
//     the task fails with ConcurrentAccess and nothing changes (optimistic
//     locking between clients); success increments it.

import (
	"strconv"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func (pg *dvPortgroupObj) ReconfigureDVPortgroupTask(ctx *simulator.Context, req *types.ReconfigureDVPortgroup_Task) soap.HasFault {
	user := ctx.Session.UserName
	if f := pg.model.dvs.checkLegacySetting(req.Spec.DefaultPortConfig); f != nil {
		return &methods.ReconfigureDVPortgroup_TaskBody{Fault_: f}
	}
	task := simulator.CreateTask(pg, "reconfigureDVPortgroupTask", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		if f := pg.l.reconfigurePortgroup(pg.model, req.Spec); f != nil {
			return nil, f
		}
		pg.l.events.post(pg.model.reconfiguredEvent(user, req.Spec))
		return nil, nil
	})
	return &methods.ReconfigureDVPortgroup_TaskBody{Res: &types.ReconfigureDVPortgroup_TaskResponse{Returnval: pg.l.run(task)}}
}

func (l *lab) reconfigurePortgroup(pg *dvPortgroup, spec types.DVPortgroupConfigSpec) types.BaseMethodFault {
	d := pg.dvs
	if spec.ConfigVersion == "" {
		return &types.InvalidArgument{InvalidProperty: "spec.configVersion"}
	}
	if spec.ConfigVersion != strconv.Itoa(pg.version) {
		return &types.ConcurrentAccess{}
	}

	// Validate everything before changing anything: a failed task leaves
	// the portgroup as it was.
	config := pg.config
	rename := spec.Name != "" && spec.Name != config.Name
	if rename {
		if taken := l.networkNameTaken(d.dc, spec.Name); taken != nil {
			return &types.DuplicateName{Name: spec.Name, Object: taken.Reference()}
		}
		config.Name = spec.Name
	}
	if spec.Type != "" {
		if !oneOf(spec.Type, "earlyBinding", "lateBinding", "ephemeral") {
			return &types.InvalidArgument{InvalidProperty: "spec.type"}
		}
		config.Type = spec.Type
	}
	if spec.NumPorts < 0 {
		return &types.InvalidArgument{InvalidProperty: "spec.numPorts"}
	}
	if spec.NumPorts > 0 && int(spec.NumPorts) < len(pg.ports) {
		free := 0
		for _, p := range pg.ports[spec.NumPorts:] {
			if p.nic == nil {
				free++
			}
		}
		if free != len(pg.ports)-int(spec.NumPorts) {
			return &types.ResourceInUse{Type: "DistributedVirtualPort", Name: config.Name}
		}
	}
	if spec.DefaultPortConfig != nil {
		delta, ok := spec.DefaultPortConfig.(*types.VMwareDVSPortSetting)
		if !ok {
			return &types.InvalidArgument{InvalidProperty: "spec.defaultPortConfig"}
		}
		config.DefaultPortConfig = applySettingDelta(config.DefaultPortConfig.(*types.VMwareDVSPortSetting), delta, d.defaults, d.legacy)
	}
	if spec.Policy != nil {
		delta, ok := spec.Policy.(*types.VMwareDVSPortgroupPolicy)
		if !ok {
			return &types.InvalidArgument{InvalidProperty: "spec.policy"}
		}
		config.Policy = mergePolicy(config.Policy.(*types.VMwareDVSPortgroupPolicy), delta, d.legacy)
	}
	if spec.AutoExpand != nil {
		config.AutoExpand = spec.AutoExpand
	}
	if spec.Description != "" {
		config.Description = spec.Description
	}
	if spec.PortNameFormat != "" {
		config.PortNameFormat = spec.PortNameFormat
	}

	pg.config = config
	switch n := int(spec.NumPorts); {
	case n > len(pg.ports):
		pg.addPorts(n - len(pg.ports))
	case n > 0 && n < len(pg.ports):
		pg.ports = pg.ports[:n]
	}
	pg.version++
	for _, p := range pg.ports {
		if p.nic != nil {
			l.enforce(p.vm, p.nic, false)
		}
	}
	pg.render()
	d.render()
	if rename {
		// guest.net names the portgroup a NIC is on.
		for _, p := range pg.ports {
			if p.vm != nil {
				p.vm.render()
			}
		}
	}
	return nil
}

// reconfiguredEvent is what vCenter posts for a successful
// ReconfigureDVPortgroup: the portgroup as net, its switch and datacenter.
func (pg *dvPortgroup) reconfiguredEvent(user string, spec types.DVPortgroupConfigSpec) types.BaseEvent {
	d := pg.dvs
	return &types.DVPortgroupReconfiguredEvent{
		DVPortgroupEvent: types.DVPortgroupEvent{Event: types.Event{
			UserName:             user,
			Datacenter:           &types.DatacenterEventArgument{EntityEventArgument: types.EntityEventArgument{Name: d.dc.obj.Name}, Datacenter: d.dc.obj.Self},
			Net:                  &types.NetworkEventArgument{EntityEventArgument: types.EntityEventArgument{Name: pg.config.Name}, Network: pg.obj.Self},
			Dvs:                  &types.DvsEventArgument{EntityEventArgument: types.EntityEventArgument{Name: d.name}, Dvs: d.obj.Self},
			FullFormattedMessage: "Reconfigured dvPort group " + pg.config.Name + " in " + d.dc.obj.Name + ".",
		}},
		ConfigSpec: spec,
	}
}
