package main

// Distributed switches and their portgroups and ports, and the
// DistributedVirtualSwitch methods vcsim 0.24 lacks: CreateDVPortgroup_Task
// (it only has AddDVPortgroup_Task) and a FetchDVPorts that honours its
// criteria (dvports.go).

import (
	"fmt"
	"strconv"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type dvsObj struct {
	// The mo type is the Vmware subtype so that the simulator reads and
	// updates it as the "VmwareDistributedVirtualSwitch" its moref says.
	mo.VmwareDistributedVirtualSwitch
	labLocked
	model *dvSwitch
}

type dvPortgroupObj struct {
	mo.DistributedVirtualPortgroup
	labLocked
	model *dvPortgroup
}

type dvSwitch struct {
	obj        *dvsObj
	dc         *datacenter
	name       string
	uuid       string
	version    string
	legacy     bool
	created    time.Time
	defaults   *types.VMwareDVSPortSetting
	hosts      []*host
	portgroups []*dvPortgroup
	nextKey    int
}

type dvPortgroup struct {
	obj     *dvPortgroupObj
	dvs     *dvSwitch
	config  types.DVPortgroupConfigInfo // ConfigVersion is rendered from version
	version int
	ports   []*dvPort
	// nsxMacChange is set on an NSX segment: the MAC discovery profile's
	// "MAC change", which ESXi enforces whatever vCenter shows.
	nsxMacChange *bool
}

type dvPort struct {
	key          string
	pg           *dvPortgroup
	nic          *vnic
	vm           *vm
	blocked      bool
	statusDetail string
	macChanges   *bool // port-level override, nil = the portgroup's
}

// dvsBuilds are the builds vCenter reports for each dvSwitch version.
var dvsBuilds = map[string]string{
	"6.5.0": "4564106", "6.6.0": "7175277", "7.0.0": "15843807",
	"7.0.2": "17403373", "7.0.3": "18778458", "8.0.0": "20328353", "8.0.3": "23825572",
}

func (d *dvSwitch) hasMember(h *host) bool {
	for _, m := range d.hosts {
		if m == h {
			return true
		}
	}
	return false
}

func (d *dvSwitch) productInfo() types.DistributedVirtualSwitchProductSpec {
	return types.DistributedVirtualSwitchProductSpec{Name: "DVS", Vendor: "VMware, Inc.", Version: d.version, Build: dvsBuilds[d.version]}
}

func (l *lab) dvPortgroupNamed(dc *datacenter, name string) *dvPortgroup {
	for _, dvs := range dc.dvSwitches {
		for _, pg := range dvs.portgroups {
			if pg.config.Name == name {
				return pg
			}
		}
	}
	return nil
}

// networkNameTaken tells whether a network of that name exists in the
// datacenter's network folder (vCenter's DuplicateName rule).
func (l *lab) networkNameTaken(dc *datacenter, name string) mo.Reference {
	if pg := l.dvPortgroupNamed(dc, name); pg != nil {
		return pg.obj
	}
	for _, n := range dc.networks {
		if n.name == name {
			return n.obj
		}
	}
	return nil
}

// render publishes the switch's state.
func (d *dvSwitch) render() {
	var members []types.ManagedObjectReference
	var hostConfig []types.DistributedVirtualSwitchHostMember
	for _, h := range d.hosts {
		members = append(members, h.obj.Self)
		ref := h.obj.Self
		product := d.productInfo()
		hostConfig = append(hostConfig, types.DistributedVirtualSwitchHostMember{
			Config: types.DistributedVirtualSwitchHostMemberConfigInfo{
				Host:                &ref,
				MaxProxySwitchPorts: 512,
				Backing:             &types.DistributedVirtualSwitchHostMemberPnicBacking{},
			},
			ProductInfo: &product,
			Status:      "up",
		})
	}
	var pgRefs []types.ManagedObjectReference
	var pgNames []string
	var numPorts int32
	for _, pg := range d.portgroups {
		pgRefs = append(pgRefs, pg.obj.Self)
		pgNames = append(pgNames, pg.config.Name)
		numPorts += pg.config.NumPorts
	}
	product := d.productInfo()
	config := &types.VMwareDVSConfigInfo{
		DVSConfigInfo: types.DVSConfigInfo{
			Uuid:              d.uuid,
			Name:              d.name,
			NumPorts:          numPorts,
			MaxPorts:          2147483647,
			UplinkPortPolicy:  &types.DVSNameArrayUplinkPortPolicy{UplinkPortName: []string{"Uplink 1", "Uplink 2"}},
			DefaultPortConfig: d.defaults,
			Host:              hostConfig,
			ProductInfo:       product,
			ConfigVersion:     "1",
			CreateTime:        d.created,
		},
		MaxMtu:                      1500,
		LinkDiscoveryProtocolConfig: &types.LinkDiscoveryProtocolConfig{Protocol: "cdp", Operation: "listen"},
	}
	update(d.obj,
		prop("name", d.name),
		prop("uuid", d.uuid),
		prop("config", config),
		prop("portgroup", pgRefs),
		prop("summary", types.DVSSummary{
			Name:          d.name,
			Uuid:          d.uuid,
			NumPorts:      numPorts,
			ProductInfo:   &product,
			HostMember:    members,
			PortgroupName: pgNames,
			NumHosts:      int32(len(members)),
		}),
	)
}

// render publishes the portgroup's state.
func (pg *dvPortgroup) render() {
	pg.config.ConfigVersion = strconv.Itoa(pg.version)
	pg.config.NumPorts = int32(len(pg.ports))
	keys := make([]string, 0, len(pg.ports))
	for _, p := range pg.ports {
		keys = append(keys, p.key)
	}
	pg.obj.ManagedEntity.Name = pg.config.Name
	update(pg.obj,
		prop("name", pg.config.Name),
		prop("key", pg.config.Key),
		prop("config", pg.config),
		prop("portKeys", keys),
		prop("summary", &types.NetworkSummary{Network: &pg.obj.Self, Name: pg.config.Name, Accessible: true}),
	)
}

// addPorts gives a portgroup n more ports, keyed after every existing port
// of the switch.
func (pg *dvPortgroup) addPorts(n int) {
	for i := 0; i < n; i++ {
		p := &dvPort{key: strconv.Itoa(pg.dvs.nextKey), pg: pg}
		pg.dvs.nextKey++
		pg.ports = append(pg.ports, p)
	}
}

// freePort is the first port no NIC uses; with autoExpand (vCenter's
// default since 5.1) a full portgroup grows by one port.
func (pg *dvPortgroup) freePort() *dvPort {
	for _, p := range pg.ports {
		if p.nic == nil {
			return p
		}
	}
	if pg.config.AutoExpand != nil && !*pg.config.AutoExpand {
		return nil
	}
	pg.addPorts(1)
	return pg.ports[len(pg.ports)-1]
}

func (pg *dvPortgroup) port(key string) *dvPort {
	for _, p := range pg.ports {
		if p.key == key {
			return p
		}
	}
	return nil
}

func defaultPortgroupPolicy(legacy bool) *types.VMwareDVSPortgroupPolicy {
	p := &types.VMwareDVSPortgroupPolicy{
		DVPortgroupPolicy: types.DVPortgroupPolicy{
			BlockOverrideAllowed:               true,
			PortConfigResetAtDisconnect:        true,
			NetworkResourcePoolOverrideAllowed: boolPtr(false),
			TrafficFilterOverrideAllowed:       boolPtr(false),
		},
		IpfixOverrideAllowed: boolPtr(false),
	}
	if !legacy {
		p.MacManagementOverrideAllowed = boolPtr(false)
	}
	return p
}

// newPortgroup registers a dvPortgroup with numPorts ports.
func (l *lab) newPortgroup(d *dvSwitch, config types.DVPortgroupConfigInfo, numPorts int) *dvPortgroup {
	obj := &dvPortgroupObj{labLocked: labLocked{l}}
	obj.Self.Type = "DistributedVirtualPortgroup"
	obj.Parent = &d.dc.netFolder.Self
	obj.Name = config.Name
	obj.ManagedEntity.Name = config.Name
	putChild(d.dc.netFolder, obj)
	pg := &dvPortgroup{obj: obj, dvs: d, version: 1}
	obj.model = pg
	config.Key = obj.Self.Value
	ref := d.obj.Self
	config.DistributedVirtualSwitch = &ref
	pg.config = config
	pg.addPorts(numPorts)
	d.portgroups = append(d.portgroups, pg)
	return pg
}

func (d *dvsObj) CreateDVPortgroupTask(req *types.CreateDVPortgroup_Task) soap.HasFault {
	if f := d.model.checkLegacySetting(req.Spec.DefaultPortConfig); f != nil {
		return &methods.CreateDVPortgroup_TaskBody{Fault_: f}
	}
	task := simulator.CreateTask(d, "createDVPortgroupTask", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		pg, fault := d.l.createPortgroup(d.model, req.Spec)
		if fault != nil {
			return nil, fault
		}
		return pg.obj.Self, nil
	})
	return &methods.CreateDVPortgroup_TaskBody{Res: &types.CreateDVPortgroup_TaskResponse{Returnval: d.l.run(task)}}
}

// createPortgroup applies vCenter's defaults to what the spec leaves out:
// 8 ports, static (earlyBinding), auto-expanding, settings inherited from the
// switch, no overrides allowed except blocking.
func (l *lab) createPortgroup(d *dvSwitch, spec types.DVPortgroupConfigSpec) (*dvPortgroup, types.BaseMethodFault) {
	if spec.Name == "" {
		return nil, &types.InvalidArgument{InvalidProperty: "spec.name"}
	}
	if taken := l.networkNameTaken(d.dc, spec.Name); taken != nil {
		return nil, &types.DuplicateName{Name: spec.Name, Object: taken.Reference()}
	}
	kind := orDefault(spec.Type, "earlyBinding")
	if !oneOf(kind, "earlyBinding", "lateBinding", "ephemeral") {
		return nil, &types.InvalidArgument{InvalidProperty: "spec.type"}
	}
	numPorts := int(spec.NumPorts)
	if numPorts < 0 {
		return nil, &types.InvalidArgument{InvalidProperty: "spec.numPorts"}
	}
	if numPorts == 0 && kind != "ephemeral" {
		numPorts = 8
	}
	setting := inheritAll(d.defaults)
	setting.Vlan = &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 0}
	if spec.DefaultPortConfig != nil {
		delta, ok := spec.DefaultPortConfig.(*types.VMwareDVSPortSetting)
		if !ok {
			return nil, &types.InvalidArgument{InvalidProperty: "spec.defaultPortConfig"}
		}
		setting = applySettingDelta(setting, delta, d.defaults, d.legacy)
	}
	policy := defaultPortgroupPolicy(d.legacy)
	if spec.Policy != nil {
		if _, ok := spec.Policy.(*types.VMwareDVSPortgroupPolicy); !ok {
			return nil, &types.InvalidArgument{InvalidProperty: "spec.policy"}
		}
		policy = mergePolicy(policy, spec.Policy.(*types.VMwareDVSPortgroupPolicy), d.legacy)
	}
	autoExpand := true
	if spec.AutoExpand != nil {
		autoExpand = *spec.AutoExpand
	}
	pg := l.newPortgroup(d, types.DVPortgroupConfigInfo{
		Name:              spec.Name,
		DefaultPortConfig: setting,
		Description:       spec.Description,
		Type:              kind,
		Policy:            policy,
		PortNameFormat:    spec.PortNameFormat,
		AutoExpand:        &autoExpand,
	}, numPorts)
	pg.render()
	d.render()
	l.renderMembership(d.dc)
	return pg, nil
}

// checkLegacySetting refuses a macManagementPolicy sent to a pre-6.7
// vCenter, which does not know the type and rejects the request before any
// task starts.
func (d *dvSwitch) checkLegacySetting(s types.BaseDVPortSetting) *soap.Fault {
	if v, ok := s.(*types.VMwareDVSPortSetting); ok && d.legacy && v.MacManagementPolicy != nil {
		return simulator.Fault("Unexpected element macManagementPolicy: this vCenter predates vSphere 6.7", &types.InvalidRequest{})
	}
	return nil
}

func mergePolicy(current, delta *types.VMwareDVSPortgroupPolicy, legacy bool) *types.VMwareDVSPortgroupPolicy {
	p := clone(current)
	mergeIntoPtr(p, delta)
	if legacy {
		p.MacManagementOverrideAllowed = nil
	}
	return p
}

func (pg *dvPortgroupObj) DestroyTask(req *types.Destroy_Task) soap.HasFault {
	task := simulator.CreateTask(pg, "destroyTask", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		m := pg.model
		for _, p := range m.ports {
			if p.nic != nil {
				return nil, &types.ResourceInUse{Type: "DistributedVirtualPortgroup", Name: m.config.Name}
			}
		}
		d := m.dvs
		d.portgroups = without(d.portgroups, m)
		updateLocked(d.dc.netFolder, prop("childEntity", without(d.dc.netFolder.ChildEntity, pg.Self)))
		simulator.Map.Remove(pg.Self)
		d.render()
		pg.l.renderMembership(d.dc)
		return nil, nil
	})
	return &methods.Destroy_TaskBody{Res: &types.Destroy_TaskResponse{Returnval: pg.l.run(task)}}
}

// stableUUID is a dvSwitch uuid in vCenter's format ("50 1c 2a ... -...").
func stableUUID(seed string) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(hash32(fmt.Sprintf("%s/%d", seed, i)))
	}
	b[0] = 0x50
	s := ""
	for i, x := range b {
		switch {
		case i == 8:
			s += "-"
		case i > 0:
			s += " "
		}
		s += fmt.Sprintf("%02x", x)
	}
	return s
}
