package main

// Building the scenario's inventory on an empty simulator model: the
// service instance and its managers come from vcsim's VPX or ESX model;
// every datacenter, cluster, host, network, switch and VM is made here,
// directly in memory.

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// buildLab makes the inventory and returns the lab and the simulator
// service that serves it. An error is a scenario the lab cannot build.
func buildLab(sc *scenario) (*lab, *simulator.Service, error) {
	model := simulator.VPX()
	if sc.esx() {
		model = simulator.ESX() // its one host, datacenter and compute resource are adopted below
	}
	model.Datacenter, model.Portgroup, model.Host, model.Cluster, model.ClusterHost = 0, 0, 0, 0, 0
	model.Datastore, model.Machine = 0, 0
	if err := model.Create(); err != nil {
		return nil, nil, err
	}
	l := &lab{
		esx:       sc.esx(),
		hosts:     map[types.ManagedObjectReference]*host{},
		dvsByUUID: map[string]*dvSwitch{},
		macs:      &macAllocator{used: map[string]bool{}},
		taskDelay: time.Duration(sc.TaskDelayMs) * time.Millisecond,
		started:   time.Now(),
	}
	si := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance)
	l.setAbout(&si.Content.About, sc)

	pc := &propertyCollector{}
	pc.Self = si.Content.PropertyCollector
	simulator.Map.Put(pc)
	l.events = newEventManager(l, simulator.Map.Get(*si.Content.EventManager).(*simulator.EventManager))
	dm := &diagnosticManager{labLocked: labLocked{l}}
	dm.Self = *si.Content.DiagnosticManager
	simulator.Map.Put(dm)

	for i := range sc.Datacenters {
		if err := l.buildDatacenter(si, &sc.Datacenters[i], i); err != nil {
			return nil, nil, err
		}
	}
	for _, dc := range l.dcs {
		for _, h := range dc.hosts {
			h.renderNetwork()
			for _, v := range h.vms {
				v.render()
				for _, nic := range v.nics {
					// A standard port already violating is blocked, and was
					// logged before the lab started (the scenario's lines).
					nic.stdBlocked = nic.dvPort == nil && nic.active(v) && nic.effectiveGuestMac() != nic.mac && !nic.macChangeAllowed(v)
				}
			}
		}
		for _, d := range dc.dvSwitches {
			d.render()
			for _, pg := range d.portgroups {
				pg.render()
			}
		}
		l.renderMembership(dc)
	}
	return l, model.Service, nil
}

// setAbout makes the service say what it simulates: a vCenter 8.0.2, or a
// pre-6.7 one when a dvSwitch only has the legacy security policy, or the
// standalone host itself.
func (l *lab) setAbout(about *types.AboutInfo, sc *scenario) {
	if l.esx {
		h := sc.Datacenters[0].Hosts[0]
		*about = esxProduct(h.Version, h.Build)
		return
	}
	// Every vCenter has its own instanceUuid (vcsim's is one constant):
	// clients tell vCenters apart by it. It follows the inventory's names,
	// so a restarted lab is the same vCenter.
	names := []string{"vcenter"}
	for _, dc := range sc.Datacenters {
		names = append(names, dc.Name)
		for _, h := range dc.Hosts {
			names = append(names, h.Name)
		}
	}
	about.InstanceUuid = stableUUIDv4(strings.Join(names, "/"))
	for _, dc := range sc.Datacenters {
		for _, d := range dc.DvSwitches {
			if d.LegacySecurityPolicyOnly {
				return // vcsim's own About: vCenter 6.5.0
			}
		}
	}
	about.FullName = "VMware vCenter Server 8.0.2 build-22385739"
	about.Version = "8.0.2"
	about.Build = "22385739"
	about.ApiVersion = "8.0.2.0"
	about.LicenseProductVersion = "8.0"
}

func esxProduct(version, build string) types.AboutInfo {
	major := strings.Join(strings.SplitN(version, ".", 3)[:2], ".")
	return types.AboutInfo{
		Name:                  "VMware ESXi",
		FullName:              fmt.Sprintf("VMware ESXi %s build-%s", version, build),
		Vendor:                "VMware, Inc.",
		Version:               version,
		Build:                 build,
		LocaleVersion:         "INTL",
		LocaleBuild:           "000",
		OsType:                "vmnix-x86",
		ProductLineId:         "embeddedEsx",
		ApiType:               "HostAgent",
		ApiVersion:            version + ".0",
		LicenseProductName:    "VMware ESX Server",
		LicenseProductVersion: major,
	}
}

func (l *lab) buildDatacenter(si *simulator.ServiceInstance, sdc *scDatacenter, index int) error {
	dc := l.newDatacenter(si, sdc.Name)
	l.dcs = append(l.dcs, dc)

	clusters := map[string]*simulator.ClusterComputeResource{}
	for _, name := range sdc.Clusters {
		clusters[name] = l.newCluster(dc, name)
	}
	hosts := map[string]*host{}
	for i := range sdc.Hosts {
		sh := &sdc.Hosts[i]
		hosts[sh.Name] = l.newHost(dc, sh, clusters[sh.Cluster])
	}
	for i := range sdc.DvSwitches {
		l.newDVS(dc, &sdc.DvSwitches[i], hosts)
	}
	return l.buildVMs(dc, sdc, hosts, index)
}

func (l *lab) newDatacenter(si *simulator.ServiceInstance, name string) *datacenter {
	var obj *simulator.Datacenter
	if l.esx {
		// ESXi has its one datacenter already; drop vcsim's "VM Network".
		obj = simulator.Map.Get(esx.Datacenter.Self).(*simulator.Datacenter)
		net := simulator.Map.Get(obj.NetworkFolder).(*simulator.Folder)
		for _, ref := range net.ChildEntity {
			simulator.Map.Remove(ref)
		}
		net.ChildEntity, obj.Network = nil, nil
	} else {
		root := simulator.Map.Get(si.Content.RootFolder).(*simulator.Folder)
		obj = &simulator.Datacenter{}
		obj.Self.Type = "Datacenter"
		obj.Name = name
		obj.Parent = &root.Self
		simulator.Map.Put(obj)
		for _, f := range []struct {
			ref   *types.ManagedObjectReference
			name  string
			types []string
		}{
			{&obj.VmFolder, "vm", []string{"VirtualMachine", "VirtualApp", "Folder"}},
			{&obj.HostFolder, "host", []string{"ComputeResource", "Folder"}},
			{&obj.DatastoreFolder, "datastore", []string{"Datastore", "StoragePod", "Folder"}},
			{&obj.NetworkFolder, "network", []string{"Network", "DistributedVirtualSwitch", "Folder"}},
		} {
			folder := &simulator.Folder{}
			folder.Self.Type = "Folder"
			folder.Name = f.name
			folder.ChildType = f.types
			folder.Parent = &obj.Self
			simulator.Map.Put(folder)
			*f.ref = folder.Self
		}
		root.ChildEntity = append(root.ChildEntity, obj.Self)
	}
	folder := func(ref types.ManagedObjectReference) *simulator.Folder {
		return simulator.Map.Get(ref).(*simulator.Folder)
	}
	return &datacenter{
		obj:        obj,
		vmFolder:   folder(obj.VmFolder),
		hostFolder: folder(obj.HostFolder),
		dsFolder:   folder(obj.DatastoreFolder),
		netFolder:  folder(obj.NetworkFolder),
	}
}

// folderFor is the VM folder of that name under the datacenter's vm folder
// (made on first use), or the vm folder itself for "".
func (dc *datacenter) folderFor(name string) *simulator.Folder {
	if name == "" {
		return dc.vmFolder
	}
	for _, ref := range dc.vmFolder.ChildEntity {
		if f, ok := simulator.Map.Get(ref).(*simulator.Folder); ok && f.Name == name {
			return f
		}
	}
	f := &simulator.Folder{}
	f.Self.Type = "Folder"
	f.Name = name
	f.ChildType = dc.vmFolder.ChildType
	f.Parent = &dc.vmFolder.Self
	simulator.Map.Put(f)
	dc.vmFolder.ChildEntity = append(dc.vmFolder.ChildEntity, f.Self)
	return f
}

func newResourcePool(owner types.ManagedObjectReference) *simulator.ResourcePool {
	pool := simulator.NewResourcePool()
	simulator.Map.NewEntity(pool)
	pool.Parent = &owner
	pool.Owner = owner
	simulator.Map.Put(pool)
	return pool
}

func (l *lab) newCluster(dc *datacenter, name string) *simulator.ClusterComputeResource {
	c := &simulator.ClusterComputeResource{}
	c.Self.Type = "ClusterComputeResource"
	c.Name = name
	c.Parent = &dc.hostFolder.Self
	c.Summary = &types.ClusterComputeResourceSummary{UsageSummary: new(types.ClusterUsageSummary)}
	c.ConfigurationEx = &types.ClusterConfigInfoEx{
		ComputeResourceConfigInfo: types.ComputeResourceConfigInfo{
			VmSwapPlacement: string(types.VirtualMachineConfigInfoSwapPlacementTypeVmDirectory),
		},
		DrsConfig: types.ClusterDrsConfigInfo{Enabled: boolPtr(true)},
	}
	simulator.Map.Put(c)
	pool := newResourcePool(c.Self)
	c.ResourcePool = &pool.Self
	dc.hostFolder.ChildEntity = append(dc.hostFolder.ChildEntity, c.Self)
	return c
}

func (l *lab) newHost(dc *datacenter, sh *scHost, cluster *simulator.ClusterComputeResource) *host {
	h := &host{dc: dc, diagnosticLogs: *sh.DiagnosticLogs, vmkernelNics: sh.VmkernelNics}
	h.dnsConfig = types.HostDnsConfig{VirtualNicDevice: "vmk0", HostName: sh.DnsConfig.HostName, DomainName: sh.DnsConfig.DomainName}
	if l.esx {
		h.obj = simulator.Map.Get(esx.HostSystem.Self).(*simulator.HostSystem)
		cr := simulator.Map.Get(*h.obj.Parent).(*mo.ComputeResource)
		cr.Name, cr.Network = sh.Name, nil
		h.compute, h.computeObj = cr, cr
	} else {
		h.obj = simulator.NewHostSystem(esx.HostSystem)
		simulator.Map.NewEntity(h.obj)
		if cluster != nil {
			h.compute, h.computeObj = &cluster.ComputeResource, cluster
		} else {
			cr := &mo.ComputeResource{}
			cr.Self.Type = "ComputeResource"
			cr.Name = sh.Name
			cr.Parent = &dc.hostFolder.Self
			simulator.Map.Put(cr)
			pool := newResourcePool(cr.Self)
			cr.ResourcePool = &pool.Self
			dc.hostFolder.ChildEntity = append(dc.hostFolder.ChildEntity, cr.Self)
			h.compute, h.computeObj = cr, cr
		}
		h.obj.Parent = &h.compute.Self
		simulator.Map.Put(h.obj)
	}
	hs := h.obj
	l.hosts[hs.Self] = h
	dc.hosts = append(dc.hosts, h)

	h.compute.Host = append(h.compute.Host, hs.Self)
	summary := types.ComputeResourceSummary{
		NumHosts:          int32(len(h.compute.Host)),
		NumEffectiveHosts: int32(len(h.compute.Host)),
		OverallStatus:     types.ManagedEntityStatusGreen,
	}
	if _, ok := h.computeObj.(*simulator.ClusterComputeResource); ok {
		h.compute.Summary = &types.ClusterComputeResourceSummary{ComputeResourceSummary: summary, UsageSummary: new(types.ClusterUsageSummary)}
	} else {
		h.compute.Summary = &summary
	}

	hs.Name = sh.Name
	hs.Summary.Config.Name = sh.Name
	hs.Summary.Host = &hs.Self
	hs.Config.Host = hs.Self
	product := esxProduct(sh.Version, sh.Build)
	hs.Config.Product = product
	hs.Config.VirtualNicManagerInfo = h.virtualNicManagerInfo()
	hs.Summary.Config.Product = &product
	hs.Runtime.ConnectionState = types.HostSystemConnectionState(sh.ConnectionState)
	l.ruleFor(hs.Self, sh.NoPermission, "")
	uuid := stableUUIDv4("host/" + sh.Name)
	hs.Summary.Hardware.Uuid = uuid
	hs.Hardware.SystemInfo.Uuid = uuid
	hs.Network = nil
	hs.Vm = nil

	l.newLocalDatastore(dc, h)
	span := time.Duration(*sh.VmkernelLog.SpanHours * float64(time.Hour))
	h.log = newLog(sh.Name+"/vmkernel", *sh.VmkernelLog.Filler, true, isESX8(sh.Version), sh.VmkernelLog.Lines, l.started, span)
	h.hostdLog = newLog(sh.Name+"/hostd", *sh.VmkernelLog.Filler, false, false, nil, l.started, span)

	h.netSys = &hostNetworkSystem{labLocked: labLocked{l}, host: h}
	h.netSys.Self = *hs.ConfigManager.NetworkSystem
	simulator.Map.Put(h.netSys)
	l.buildHostNetworking(h, sh)
	return h
}

func (l *lab) buildHostNetworking(h *host, sh *scHost) {
	var devices []string
	for i, svs := range *sh.Vswitches {
		nics := *svs.Nics
		spec := types.HostVirtualSwitchSpec{NumPorts: svs.NumPorts, Mtu: svs.Mtu}
		if len(nics) > 0 {
			spec.Bridge = &types.HostVirtualSwitchBondBridge{
				NicDevice:                   nics,
				Beacon:                      &types.HostVirtualSwitchBeaconConfig{Interval: 1},
				LinkDiscoveryProtocolConfig: &types.LinkDiscoveryProtocolConfig{Protocol: "cdp", Operation: "listen"},
			}
		}
		if !svs.Policy.Null {
			spec.Policy = scenarioSwitchPolicy(svs.Policy.Value, nics)
		}
		h.vswitches = append(h.vswitches, &vswitch{spec: spec, name: svs.Name, portBase: int32(i+1) << 25, nextPort: 4})
		for _, nic := range nics {
			if !oneOf(nic, devices...) {
				devices = append(devices, nic)
			}
		}
	}
	h.pnics = makePnics(sh.Name, devices)
	for _, spg := range sh.Portgroups {
		h.portgroups = append(h.portgroups, &hostPortgroup{
			spec: types.HostPortGroupSpec{
				Name:        spg.Name,
				VlanId:      spg.VlanID,
				VswitchName: spg.Vswitch,
				Policy:      scenarioPortgroupPolicy(spg.Policy),
			},
			network: l.stdNetwork(h.dc, spg.Name),
		})
	}
}

// newLocalDatastore gives a host the local VMFS datastore its VMs live on,
// named as vCenter names them: datastore1, datastore1 (1), ...
func (l *lab) newLocalDatastore(dc *datacenter, h *host) {
	name := "datastore1"
	if dc.datastores > 0 {
		name = fmt.Sprintf("datastore1 (%d)", dc.datastores)
	}
	dc.datastores++
	id := stableUUIDv4("datastore/" + h.obj.Name)
	volume := strings.ReplaceAll(id, "-", "")[:8] + "-" + strings.ReplaceAll(id, "-", "")[8:16] + "-" + id[len(id)-12:]
	url := "ds:///vmfs/volumes/" + volume + "/"
	const capacity, free = int64(2) << 40, int64(1200) << 30

	ds := &simulator.Datastore{}
	ds.Self.Type = "Datastore"
	ds.Name = name
	ds.Parent = &dc.dsFolder.Self
	ds.Summary = types.DatastoreSummary{
		Name: name, Url: url, Capacity: capacity, FreeSpace: free,
		Accessible: true, MultipleHostAccess: boolPtr(false), Type: "VMFS",
	}
	ds.Info = &types.VmfsDatastoreInfo{
		DatastoreInfo: types.DatastoreInfo{Name: name, Url: url, FreeSpace: free, MaxFileSize: 64 << 40},
		Vmfs: &types.HostVmfsVolume{
			HostFileSystemVolume: types.HostFileSystemVolume{Type: "VMFS", Name: name, Capacity: capacity},
			BlockSizeMb:          1,
			MajorVersion:         6,
			Version:              "6.82",
			Uuid:                 volume,
			Local:                boolPtr(true),
		},
	}
	ds.Host = []types.DatastoreHostMount{{
		Key: h.obj.Self,
		MountInfo: types.HostMountInfo{
			Path: "/vmfs/volumes/" + volume, AccessMode: "readWrite",
			Mounted: boolPtr(true), Accessible: boolPtr(true),
		},
	}}
	simulator.Map.Put(ds)
	ds.Summary.Datastore = &ds.Self
	h.datastore = ds
	h.obj.Datastore = []types.ManagedObjectReference{ds.Self}
	dc.obj.Datastore = append(dc.obj.Datastore, ds.Self)
	dc.dsFolder.ChildEntity = append(dc.dsFolder.ChildEntity, ds.Self)
}

func (l *lab) newDVS(dc *datacenter, sd *scDvSwitch, hosts map[string]*host) {
	uuid := stableUUID(dc.obj.Name + "/" + sd.Name)
	if sd.UUID != nil {
		uuid = *sd.UUID
	}
	d := &dvSwitch{
		dc:       dc,
		name:     sd.Name,
		uuid:     uuid,
		version:  sd.Version,
		legacy:   sd.LegacySecurityPolicyOnly,
		created:  time.Date(2023, 11, 6, 14, 12, 0, 0, time.UTC),
		defaults: dvsDefaultSetting(sd.DefaultPortConfig, sd.LegacySecurityPolicyOnly),
	}
	for _, name := range sd.Hosts {
		d.hosts = append(d.hosts, hosts[name])
	}
	obj := &dvsObj{labLocked: labLocked{l}, model: d}
	obj.Self.Type = "VmwareDistributedVirtualSwitch"
	obj.Name = sd.Name
	obj.Parent = &dc.netFolder.Self
	obj.Capability = types.DVSCapability{
		DvsOperationSupported:         boolPtr(true),
		DvPortGroupOperationSupported: boolPtr(true),
		DvPortOperationSupported:      boolPtr(false),
		FeaturesSupported: &types.VMwareDVSFeatureCapability{
			DVSFeatureCapability: types.DVSFeatureCapability{
				NetworkResourceManagementSupported: true,
				NicTeamingPolicy:                   []string{"loadbalance_ip", "loadbalance_srcmac", "loadbalance_srcid", "failover_explicit", "loadbalance_loadbased"},
				MacLearningSupported:               boolPtr(!d.legacy && dvsAtLeast(d.version, 6, 6)),
			},
			VspanSupported: boolPtr(true),
			LldpSupported:  boolPtr(true),
			IpfixSupported: boolPtr(true),
		},
	}
	simulator.Map.Put(obj)
	d.obj = obj
	dc.netFolder.ChildEntity = append(dc.netFolder.ChildEntity, obj.Self)
	dc.dvSwitches = append(dc.dvSwitches, d)
	l.dvsByUUID[uuid] = d

	for i := range sd.Portgroups {
		spg := &sd.Portgroups[i]
		policy := defaultPortgroupPolicy(d.legacy)
		policy.SecurityPolicyOverrideAllowed = spg.SecurityPolicyOverrideAllowed
		if !d.legacy {
			policy.MacManagementOverrideAllowed = boolPtr(spg.MacManagementOverrideAllowed)
		}
		config := types.DVPortgroupConfigInfo{
			Name:              spg.Name,
			DefaultPortConfig: portgroupSetting(d.defaults, spg, d.legacy),
			Type:              "earlyBinding",
			Policy:            policy,
			AutoExpand:        boolPtr(true),
		}
		if spg.Nsx != nil {
			nsxSegment(&config)
		}
		pg := l.newPortgroup(d, config, int(*spg.NumPorts))
		if spg.Nsx != nil {
			pg.nsxMacChange = boolPtr(spg.Nsx.MacChange)
		}
		if sd.Hidden {
			l.hide(pg.obj.Self)
		}
	}
	if sd.Hidden {
		l.hide(obj.Self)
	}
}

// buildVMs makes the datacenter's VMs. dvPorts a scenario names are bound
// first, so that "the next free port" never takes one a later NIC asks for.
func (l *lab) buildVMs(dc *datacenter, sdc *scDatacenter, hosts map[string]*host, dcIndex int) error {
	type pending struct {
		nic *vnic
		v   *vm
		sn  *scNic
		pg  *dvPortgroup
	}
	var free, unnamed []pending
	ips := 0
	for i := range sdc.VMs {
		sv := sdc.VMs[i]
		h := hosts[sv.Host]
		v := l.newVM(dc, h, sv, i)
		folder := dc.folderFor(sv.Folder)
		v.obj.Parent = &folder.Self
		folder.ChildEntity = append(folder.ChildEntity, v.obj.Self)
		h.obj.Vm = append(h.obj.Vm, v.obj.Self)
		h.datastore.Vm = append(h.datastore.Vm, v.obj.Self)
		pool := simulator.Map.Get(*h.compute.ResourcePool).(*simulator.ResourcePool)
		pool.Vm = append(pool.Vm, v.obj.Self)

		for n := range sv.Nics {
			sn := &sv.Nics[n]
			nic := &vnic{
				key:         int32(firstNicKey + n),
				kind:        sn.Type,
				addressType: sn.AddressType,
				connected:   *sn.Connected,
				ips:         []string{fmt.Sprintf("10.%d.%d.%d", 10+dcIndex, 1+ips/250, 2+ips%250)},
			}
			ips++
			if n == 0 {
				v.ip = nic.ips[0]
			}
			if sn.Mac != nil {
				nic.mac = strings.ToLower(*sn.Mac)
				l.macs.used[nic.mac] = true
			} else {
				unnamed = append(unnamed, pending{nic: nic, v: v})
			}
			if sn.GuestMac != nil {
				nic.guestMac = strings.ToLower(*sn.GuestMac)
			}
			v.nics = append(v.nics, nic)

			pg := l.dvPortgroupNamed(dc, sn.Network)
			if pg == nil {
				nic.stdName = sn.Network
				continue
			}
			if sn.PortKey == nil {
				free = append(free, pending{nic: nic, v: v, sn: sn, pg: pg})
				continue
			}
			port := pg.port(*sn.PortKey)
			if port == nil {
				return fmt.Errorf("datacenter %q: vm %q: nics[%d]: portKey %q is not a port of dvPortgroup %q (ports %s)", dc.obj.Name, v.name, n, *sn.PortKey, pg.config.Name, portRange(pg))
			}
			if port.nic != nil {
				return fmt.Errorf("datacenter %q: vm %q: nics[%d]: dvPort %q is already used by vm %q", dc.obj.Name, v.name, n, *sn.PortKey, port.vm.name)
			}
			bindPort(port, nic, v, sn)
		}
	}
	for _, p := range free {
		bindPort(p.pg.freePort(), p.nic, p.v, p.sn)
	}
	for _, p := range unnamed {
		p.nic.mac = l.macs.generate(fmt.Sprintf("%s/%s/%d", dc.obj.Name, p.v.path(), p.nic.key))
	}
	// Ports go to active NICs in scenario order, as ESXi hands them out
	// when VMs power on.
	for _, h := range dc.hosts {
		for _, v := range h.vms {
			for _, nic := range v.nics {
				if nic.dvPort == nil && nic.active(v) {
					h.assignPort(nic)
				}
			}
		}
	}
	return nil
}

func bindPort(port *dvPort, nic *vnic, v *vm, sn *scNic) {
	port.nic, port.vm = nic, v
	nic.dvPort = port
	if sn.Port != nil {
		port.blocked = sn.Port.Blocked
		port.statusDetail = sn.Port.StatusDetail
		port.macChanges = sn.Port.MacChanges
	}
}

func portRange(pg *dvPortgroup) string {
	var keys []string
	for _, p := range pg.ports {
		keys = append(keys, p.key)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// nsxSegment makes a portgroup what NSX Manager creates on a VDS 7+ for a
// segment: "For NSX backing type, we only support ephemeral portgroup type"
// (DistributedVirtualPortgroupBackingType), with the segment's logical
// switch, path and transport zone.
func nsxSegment(config *types.DVPortgroupConfigInfo) {
	config.Type = "ephemeral"
	config.AutoExpand = nil
	config.BackingType = "nsx"
	config.LogicalSwitchUuid = stableUUIDv4("nsx/segment/" + config.Name)
	config.SegmentId = "/infra/segments/" + config.Name
	config.TransportZoneUuid = stableUUIDv4("nsx/tz/overlay")
	config.TransportZoneName = "nsx-overlay-transportzone"
}
