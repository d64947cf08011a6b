package main

// vCenter's view of networks: a standard portgroup name used on several
// hosts of a datacenter is ONE Network object, whose host and vm lists cover
// all of them; a dvPortgroup is a Network too. Every list that relates
// networks, hosts and VMs is derived here from the model, so that adding,
// renaming or removing a portgroup, or moving a NIC, cannot leave one of
// them stale.

import (
	"reflect"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type networkObj struct {
	mo.Network
	labLocked
}

// stdNetwork returns the datacenter's Network object named name, creating
// it (in the network folder) when no host has such a portgroup yet.
func (l *lab) stdNetwork(dc *datacenter, name string) *network {
	for _, n := range dc.networks {
		if n.name == name {
			return n
		}
	}
	obj := &networkObj{labLocked: labLocked{l}}
	obj.Self.Type = "Network"
	if l.esx {
		obj.Self.Value = "HaNetwork-" + name // what ESXi calls its networks
	}
	obj.Name = name
	obj.ManagedEntity.Name = name
	obj.Parent = &dc.netFolder.Self
	putChild(dc.netFolder, obj)
	obj.Summary = &types.NetworkSummary{Network: &obj.Self, Name: name, Accessible: true}
	n := &network{obj: obj, name: name}
	dc.networks = append(dc.networks, n)
	return n
}

// putChild registers a new entity in a folder. The folder must list it
// before it is registered: that is when ContainerViews check whether the
// new object is inside them.
func putChild(folder *simulator.Folder, obj mo.Entity) {
	if obj.Entity().Self.Value == "" {
		simulator.Map.NewEntity(obj)
	}
	updateLocked(folder, prop("childEntity", addRef(folder.ChildEntity, obj.Entity().Self)))
	simulator.Map.Put(obj)
}

// renameNetwork gives a Network object a new name (vCenter keeps the moref
// when the last host's portgroup is renamed).
func (l *lab) renameNetwork(n *network, name string) {
	n.name = name
	n.obj.ManagedEntity.Name = name
	update(n.obj, prop("name", name), prop("summary", &types.NetworkSummary{Network: &n.obj.Self, Name: name, Accessible: true}))
}

// dropUnusedNetworks removes the Network objects no host and no VM refer to
// any more, as vCenter does once the last portgroup of that name goes.
func (l *lab) dropUnusedNetworks(dc *datacenter) {
	used := map[*network]bool{}
	for _, h := range dc.hosts {
		for _, pg := range h.portgroups {
			used[pg.network] = true
		}
		for _, v := range h.vms {
			for _, nic := range v.nics {
				if nic.dvPort == nil {
					if pg := h.portgroup(nic.stdName); pg != nil {
						used[pg.network] = true
					}
				}
			}
		}
	}
	kept := dc.networks[:0:0]
	for _, n := range dc.networks {
		if used[n] {
			kept = append(kept, n)
			continue
		}
		updateLocked(dc.netFolder, prop("childEntity", without(dc.netFolder.ChildEntity, n.obj.Self)))
		simulator.Map.Remove(n.obj.Self)
	}
	dc.networks = kept
}

// nicNetwork is the Network object a NIC's backing names, nil when its
// standard portgroup no longer exists on the host.
func (v *vm) nicNetwork(nic *vnic) mo.Reference {
	if nic.dvPort != nil {
		return nic.dvPort.pg.obj
	}
	if pg := v.host.portgroup(nic.stdName); pg != nil {
		return pg.network.obj
	}
	return nil
}

// renderMembership recomputes every host/VM/network list of a datacenter
// and updates the objects whose lists changed.
func (l *lab) renderMembership(dc *datacenter) {
	netHosts := map[types.ManagedObjectReference][]types.ManagedObjectReference{}
	netVMs := map[types.ManagedObjectReference][]types.ManagedObjectReference{}
	computeNets := map[*mo.ComputeResource][]types.ManagedObjectReference{}
	computeObjs := map[*mo.ComputeResource]mo.Reference{}

	for _, h := range dc.hosts {
		var nets []types.ManagedObjectReference
		for _, pg := range h.portgroups {
			nets = addRef(nets, pg.network.obj.Self)
		}
		for _, dvs := range dc.dvSwitches {
			if dvs.hasMember(h) {
				for _, pg := range dvs.portgroups {
					nets = addRef(nets, pg.obj.Self)
				}
			}
		}
		for _, n := range nets {
			netHosts[n] = append(netHosts[n], h.obj.Self)
		}
		setIfChanged(h.obj, "network", h.obj.Network, nets, true)
		for _, n := range nets {
			computeNets[h.compute] = addRef(computeNets[h.compute], n)
		}
		computeObjs[h.compute] = h.computeObj

		for _, v := range h.vms {
			var vmNets []types.ManagedObjectReference
			for _, nic := range v.nics {
				if n := v.nicNetwork(nic); n != nil {
					vmNets = addRef(vmNets, n.Reference())
				}
			}
			for _, n := range vmNets {
				netVMs[n] = append(netVMs[n], v.obj.Self)
			}
			setIfChanged(v.obj, "network", v.obj.Network, vmNets, false)
		}
	}
	for c, nets := range computeNets {
		setIfChanged(computeObjs[c], "network", c.Network, nets, true)
	}

	var all []types.ManagedObjectReference
	for _, n := range dc.networks {
		all = append(all, n.obj.Self)
		setIfChanged(n.obj, "host", n.obj.Host, netHosts[n.obj.Self], false)
		setIfChanged(n.obj, "vm", n.obj.Vm, netVMs[n.obj.Self], false)
	}
	for _, dvs := range dc.dvSwitches {
		for _, pg := range dvs.portgroups {
			all = append(all, pg.obj.Self)
			setIfChanged(pg.obj, "host", pg.obj.Host, netHosts[pg.obj.Self], false)
			setIfChanged(pg.obj, "vm", pg.obj.Vm, netVMs[pg.obj.Self], false)
		}
	}
	setIfChanged(dc.obj, "network", dc.obj.Network, all, true)
}

// setIfChanged updates a reference list only when it differs, so that
// WaitForUpdates reports real changes only.
func setIfChanged(obj mo.Reference, name string, old, now []types.ManagedObjectReference, simulatorOwned bool) {
	if len(old) == len(now) && (len(now) == 0 || reflect.DeepEqual(old, now)) {
		return
	}
	if simulatorOwned {
		updateLocked(obj, prop(name, now))
	} else {
		update(obj, prop(name, now))
	}
}
