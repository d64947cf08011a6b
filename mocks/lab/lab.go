package main

// The lab keeps its own model of the scenario's networking (what a real
// vCenter keeps in its database) and renders the managed objects that
// clients read from it after every change. Rendering from one model is what
// keeps the many views of the same fact consistent: HostSystem.config.network
// and HostNetworkSystem.networkInfo, Network.vm and VirtualMachine.network,
// a dvPort's connectee and the NIC's backing.

import (
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type lab struct {
	// mu is the lock of every managed object the lab implements (see
	// labLocked): the simulator takes it around each call to one of them and
	// around each PropertyCollector read of one, so a method sees and leaves
	// the model consistent, and a reader never sees half a change.
	mu sync.Mutex

	esx       bool
	dcs       []*datacenter
	hosts     map[types.ManagedObjectReference]*host
	dvsByUUID map[string]*dvSwitch
	macs      *macAllocator
	taskDelay time.Duration
	events    *eventManager
	started   time.Time // when the lab came up: the end of the filler logs
	// username is the lab's one user: the admin acting through /lab.
	username string
}

// run starts a task: at once, or (taskDelayMs) after it has sat queued for a
// while, holding the lab's lock as a method call would. Either way the
// caller answers with the task's reference.
func (l *lab) run(task *simulator.Task) types.ManagedObjectReference {
	if l.taskDelay == 0 {
		return task.Run()
	}
	go func() {
		time.Sleep(l.taskDelay)
		l.mu.Lock()
		defer l.mu.Unlock()
		task.Run()
	}()
	return task.Self
}

// labLocked is embedded (never first: the simulator finds an object's mo
// type in its first field) by the lab's managed objects so that the
// simulator's per-object locking takes the lab's single mutex instead.
type labLocked struct{ l *lab }

func (o labLocked) Lock()   { o.l.mu.Lock() }
func (o labLocked) Unlock() { o.l.mu.Unlock() }

type datacenter struct {
	obj        *simulator.Datacenter
	vmFolder   *simulator.Folder
	hostFolder *simulator.Folder
	dsFolder   *simulator.Folder
	netFolder  *simulator.Folder
	hosts      []*host
	networks   []*network // standard networks, in creation order
	dvSwitches []*dvSwitch
	datastores int // local datastores made so far, for their names
}

type host struct {
	obj            *simulator.HostSystem
	dc             *datacenter
	compute        *mo.ComputeResource // the host's ComputeResource, or its cluster's
	computeObj     mo.Reference        // the registered object compute is part of
	netSys         *hostNetworkSystem
	vswitches      []*vswitch
	portgroups     []*hostPortgroup
	pnics          []types.PhysicalNic
	datastore      *simulator.Datastore
	log            *diagnosticLog // vmkernel
	hostdLog       *diagnosticLog
	diagnosticLogs bool
	dnsConfig      types.HostDnsConfig
	vmkernelNics   []scVmkernelNic
	vms            []*vm
}

type vswitch struct {
	spec types.HostVirtualSwitchSpec
	name string
	// portBase is the switch's port ID range, as ESXi numbers them: each
	// portset's IDs start at its index+1 shifted left by 25 (0x2000000 for
	// the first vSwitch, 0x4000000 for the second, ...).
	portBase int32
	nextPort int32
}

type hostPortgroup struct {
	spec    types.HostPortGroupSpec
	network *network
}

type network struct {
	obj  *networkObj
	name string
}

type vm struct {
	obj       *virtualMachine
	dc        *datacenter
	host      *host
	name      string
	folder    string // "" for the datacenter's vm folder
	poweredOn bool
	tools     string // guest.toolsStatus
	guestID   string // config.guestId: vmkernel* for a nested ESXi
	nics      []*vnic
	ip        string // first guest IP, for guest.ipAddress
}

// vnic is one virtual ethernet card. Exactly one of stdName and dvPort is
// the backing.
type vnic struct {
	key         int32
	kind        string // vmxnet3, e1000, e1000e
	addressType string
	mac         string
	// guestMac is the MAC the guest OS uses; empty when it uses mac.
	guestMac  string
	ips       []string
	connected bool
	stdName   string
	dvPort    *dvPort
	portID    int32 // standard vSwitch port while the NIC is active, else 0
	// stdBlocked is ESXi's L2 security block of the standard port, which
	// the API does not show (a dvPort's is dvPort.blocked).
	stdBlocked bool
}

// active tells whether the NIC holds a vSwitch port: ESXi gives ports to the
// connected NICs of running VMs only.
func (n *vnic) active(v *vm) bool { return v.poweredOn && n.connected }

// effectiveGuestMac is what the guest sends from.
func (n *vnic) effectiveGuestMac() string {
	if n.guestMac != "" {
		return n.guestMac
	}
	return n.mac
}

// prop builds a property change for simulator.Map.Update.
func prop(name string, val interface{}) types.PropertyChange {
	return types.PropertyChange{Name: name, Op: types.PropertyChangeOpAssign, Val: val}
}

// update assigns properties of an object the lab owns (the caller holds
// lab.mu) and tells PropertyCollector listeners, as vCenter's change
// notifications do.
func update(obj mo.Reference, changes ...types.PropertyChange) {
	simulator.Map.Update(obj, changes)
}

// updateLocked does the same for a simulator-owned object (host, compute
// resource, datacenter, folder), under that object's own lock.
func updateLocked(obj mo.Reference, changes ...types.PropertyChange) {
	simulator.Map.WithLock(obj, func() { simulator.Map.Update(obj, changes) })
}

func addRef(list []types.ManagedObjectReference, ref types.ManagedObjectReference) []types.ManagedObjectReference {
	for _, r := range list {
		if r == ref {
			return list
		}
	}
	return append(append([]types.ManagedObjectReference{}, list...), ref)
}

// without returns a new slice: list may be a property value the simulator
// still holds, which must not change under it.
func without[T comparable](list []T, x T) []T {
	out := make([]T, 0, len(list))
	for _, e := range list {
		if e != x {
			out = append(out, e)
		}
	}
	return out
}
