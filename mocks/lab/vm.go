package main

// Virtual machines, built directly in memory (CreateVM_Task writes files
// and is far too slow for 10,000 VMs) and rendered from the model: device
// list, network list, guest NIC info.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type virtualMachine struct {
	mo.VirtualMachine
	labLocked
	model *vm
}

const (
	firstNicKey   = 4000
	pciController = 100
)

// sharedDevices are the devices every VM has and nobody changes: IDE, PS/2,
// PCI and SIO controllers, keyboard, mouse, video card, VMCI. Renders
// never modify devices in place, so all VMs can share them.
var sharedDevices = esx.VirtualDevice

// guestFullName is what vCenter shows for the guest OS type.
func guestFullName(guestID string) string {
	if strings.HasPrefix(guestID, "vmkernel") {
		return "VMware ESXi (nested)"
	}
	return "Ubuntu Linux (64-bit)"
}

func (v *vm) nicLabel(nic *vnic) string {
	return fmt.Sprintf("eth%d", nic.key-firstNicKey)
}

func (v *vm) nic(key int32) *vnic {
	for _, n := range v.nics {
		if n.key == key {
			return n
		}
	}
	return nil
}

// toolsRunning follows the scenario's toolsStatus, even for a VM that is
// off: a scenario may describe the stale guest view of a stopped VM.
func (v *vm) toolsRunning() bool {
	return v.tools == "toolsOk" || v.tools == "toolsOld"
}

// render publishes the VM's devices and guest view of them.
func (v *vm) render() {
	devices := append([]types.BaseVirtualDevice{}, sharedDevices...)
	devices = append(devices, v.diskDevices()...)
	for i, nic := range v.nics {
		devices = append(devices, v.nicDevice(i, nic))
	}
	guest := v.guestInfo()
	update(v.obj,
		prop("config.hardware.device", devices),
		prop("guest", guest),
		// vcsim's PropertyCollector reports a change to a filter's path or
		// below it, not above: a filter on guest.net (what clients watch)
		// needs its own change, as vCenter sends.
		prop("guest.net", guest.Net),
		prop("summary.guest", &types.VirtualMachineGuestSummary{
			GuestId:             v.guestID,
			GuestFullName:       guestFullName(v.guestID),
			ToolsStatus:         guest.ToolsStatus,
			ToolsVersionStatus2: guest.ToolsVersionStatus2,
			ToolsRunningStatus:  guest.ToolsRunningStatus,
			HostName:            guest.HostName,
			IpAddress:           guest.IpAddress,
		}),
	)
}

func (v *vm) nicDevice(i int, nic *vnic) types.BaseVirtualDevice {
	var backing types.BaseVirtualDeviceBackingInfo
	summary := nic.stdName
	if p := nic.dvPort; p != nil {
		backing = &types.VirtualEthernetCardDistributedVirtualPortBackingInfo{
			Port: types.DistributedVirtualSwitchPortConnection{
				SwitchUuid:   p.pg.dvs.uuid,
				PortgroupKey: p.pg.config.Key,
				PortKey:      p.key,
			},
		}
		summary = "DVSwitch: " + p.pg.dvs.uuid
	} else {
		b := &types.VirtualEthernetCardNetworkBackingInfo{
			VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: nic.stdName},
		}
		if n := v.nicNetwork(nic); n != nil {
			ref := n.Reference()
			b.Network = &ref
		}
		backing = b
	}
	card := types.VirtualEthernetCard{
		VirtualDevice: types.VirtualDevice{
			Key:        nic.key,
			DeviceInfo: &types.Description{Label: fmt.Sprintf("Network adapter %d", i+1), Summary: summary},
			Backing:    backing,
			Connectable: &types.VirtualDeviceConnectInfo{
				StartConnected:    nic.connected,
				AllowGuestControl: true,
				Connected:         nic.active(v),
				Status:            "ok",
			},
			SlotInfo:      &types.VirtualDevicePciBusSlotInfo{PciSlotNumber: int32(160 + 32*i)},
			ControllerKey: pciController,
			UnitNumber:    int32Ptr(int32(7 + i)),
		},
		AddressType:      nic.addressType,
		MacAddress:       nic.mac,
		WakeOnLanEnabled: boolPtr(true),
	}
	switch nic.kind {
	case "e1000":
		return &types.VirtualE1000{VirtualEthernetCard: card}
	case "e1000e":
		return &types.VirtualE1000e{VirtualEthernetCard: card}
	default:
		card.UptCompatibilityEnabled = boolPtr(true)
		return &types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: card}}
	}
}

func (v *vm) diskDevices() []types.BaseVirtualDevice {
	ds := v.host.datastore
	return []types.BaseVirtualDevice{
		&types.ParaVirtualSCSIController{VirtualSCSIController: types.VirtualSCSIController{
			VirtualController: types.VirtualController{
				VirtualDevice: types.VirtualDevice{
					Key:           1000,
					DeviceInfo:    &types.Description{Label: "SCSI controller 0", Summary: "VMware paravirtual SCSI"},
					ControllerKey: pciController,
					UnitNumber:    int32Ptr(3),
				},
				Device: []int32{2000},
			},
			SharedBus:          "noSharing",
			ScsiCtlrUnitNumber: 7,
		}},
		&types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{
				Key:        2000,
				DeviceInfo: &types.Description{Label: "Hard disk 1", Summary: "41,943,040 KB"},
				Backing: &types.VirtualDiskFlatVer2BackingInfo{
					VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{
						FileName:  fmt.Sprintf("[%s] %s/%s.vmdk", ds.Name, v.name, v.name),
						Datastore: &ds.Self,
					},
					DiskMode:        "persistent",
					ThinProvisioned: boolPtr(true),
				},
				ControllerKey: 1000,
				UnitNumber:    int32Ptr(0),
			},
			CapacityInKB:    41943040,
			CapacityInBytes: 41943040 * 1024,
		},
	}
}

// guestInfo is what VMware Tools reports; without running Tools there is
// no guest NIC information at all.
func (v *vm) guestInfo() *types.GuestInfo {
	g := &types.GuestInfo{
		ToolsStatus:         types.VirtualMachineToolsStatus(v.tools),
		ToolsRunningStatus:  "guestToolsNotRunning",
		ToolsVersionStatus2: "guestToolsCurrent",
		ToolsVersion:        "12352",
		GuestState:          "notRunning",
	}
	switch v.tools {
	case "toolsNotInstalled":
		g.ToolsVersionStatus2 = "guestToolsNotInstalled"
		g.ToolsVersion = "0"
	case "toolsOld":
		g.ToolsVersionStatus2 = "guestToolsSupportedOld"
		g.ToolsVersion = "11333"
	}
	if !v.toolsRunning() {
		return g
	}
	g.ToolsRunningStatus = "guestToolsRunning"
	if v.poweredOn {
		g.GuestState = "running"
	}
	g.GuestId = v.guestID
	g.GuestFamily = "linuxGuest"
	g.GuestFullName = guestFullName(v.guestID)
	g.HostName = v.name
	g.IpAddress = v.ip
	for _, nic := range v.nics {
		name := nic.stdName
		if nic.dvPort != nil {
			name = nic.dvPort.pg.config.Name
		}
		g.Net = append(g.Net, types.GuestNicInfo{
			Network:        name,
			IpAddress:      nic.ips,
			MacAddress:     nic.effectiveGuestMac(),
			Connected:      nic.active(v),
			DeviceConfigId: nic.key,
		})
	}
	return g
}

// newVM registers a VM (its NICs are bound to networks by the caller).
func (l *lab) newVM(dc *datacenter, h *host, sv scVM, index int) *vm {
	obj := &virtualMachine{labLocked: labLocked{l}}
	obj.Self.Type = "VirtualMachine"
	if l.esx {
		obj.Self.Value = strconv.Itoa(index + 1) // ESXi numbers its VMs
	}
	v := &vm{obj: obj, dc: dc, host: h, name: sv.Name, folder: sv.Folder, poweredOn: sv.PowerState == "poweredOn", tools: sv.ToolsStatus, guestID: sv.GuestId}
	obj.model = v

	now := time.Now()
	hostRef, dsRef := h.obj.Self, h.datastore.Self
	uuid, instanceUUID := stableUUIDv4(dc.obj.Name+"/"+v.path()), stableUUIDv4("instance/"+dc.obj.Name+"/"+v.path())
	vmx := fmt.Sprintf("[%s] %s/%s.vmx", h.datastore.Name, sv.Name, sv.Name)

	obj.Name = sv.Name
	obj.Parent = &dc.vmFolder.Self
	obj.ResourcePool = h.compute.ResourcePool
	obj.Datastore = []types.ManagedObjectReference{dsRef}
	obj.Runtime = types.VirtualMachineRuntimeInfo{
		Host:            &hostRef,
		ConnectionState: vmConnectionState(h.obj.Runtime.ConnectionState),
		PowerState:      types.VirtualMachinePowerState(sv.PowerState),
	}
	if sv.ConnectionState != "" {
		obj.Runtime.ConnectionState = types.VirtualMachineConnectionState(sv.ConnectionState)
	}
	if v.poweredOn {
		// Running since before its host's log begins: the scenario's lines about its ports are about this run.
		boot := h.log.began(l.started).Add(-time.Hour)
		obj.Runtime.BootTime = &boot
	}
	obj.Config = &types.VirtualMachineConfigInfo{
		Name:          sv.Name,
		GuestFullName: guestFullName(sv.GuestId),
		GuestId:       sv.GuestId,
		Version:       "vmx-19",
		Uuid:          uuid,
		InstanceUuid:  instanceUUID,
		ChangeVersion: now.UTC().Format(time.RFC3339Nano),
		Files:         types.VirtualMachineFileInfo{VmPathName: vmx},
		Hardware:      types.VirtualHardware{NumCPU: 2, NumCoresPerSocket: 1, MemoryMB: 4096},
	}
	obj.Summary = types.VirtualMachineSummary{
		Runtime: obj.Runtime,
		Config: types.VirtualMachineConfigSummary{
			Name:             sv.Name,
			VmPathName:       vmx,
			MemorySizeMB:     4096,
			NumCpu:           2,
			NumEthernetCards: int32(len(sv.Nics)),
			NumVirtualDisks:  1,
			Uuid:             uuid,
			InstanceUuid:     instanceUUID,
			GuestId:          sv.GuestId,
			GuestFullName:    guestFullName(sv.GuestId),
		},
		OverallStatus: types.ManagedEntityStatusGreen,
	}
	simulator.Map.Put(obj)
	l.ruleFor(obj.Self, sv.NoPermission, sv.ConnectionState)
	if sv.Hidden {
		l.hide(obj.Self)
	}
	obj.Summary.Vm = &obj.Self
	h.vms = append(h.vms, v)
	return v
}

// path is the VM's folder and name: what is unique in a datacenter.
func (v *vm) path() string {
	if v.folder == "" {
		return v.name
	}
	return v.folder + "/" + v.name
}

// stableUUIDv4 is a uuid derived from seed, so a scenario always gives its
// VMs the same identity.
func stableUUIDv4(seed string) string {
	var b [16]byte
	for i := 0; i < 16; i += 4 {
		x := hash32(fmt.Sprintf("%s#%d", seed, i))
		b[i], b[i+1], b[i+2], b[i+3] = byte(x>>24), byte(x>>16), byte(x>>8), byte(x)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
