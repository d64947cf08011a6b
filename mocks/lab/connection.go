package main

// A host vCenter cannot reach (runtime.connectionState disconnected or
// notResponding) keeps its last known inventory, and vCenter shows its VMs
// disconnected, but nothing can be changed through it:
//
//   - HostNetworkSystem writes go to the host itself: HostNotConnected when
//     it is disconnected, HostNotReachable when it does not respond (both
//     HostCommunication, the RuntimeFault for "cannot talk to the host");
//   - VM tasks fail InvalidHostConnectionState ("The operation is not
//     allowed in the current connection state of the host").

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func (h *host) connected() bool {
	return h.obj.Runtime.ConnectionState == types.HostSystemConnectionStateConnected
}

// unreachable is the fault of a write through a host that is not connected.
func (h *host) unreachable() *soap.Fault {
	switch h.obj.Runtime.ConnectionState {
	case types.HostSystemConnectionStateConnected:
		return nil
	case types.HostSystemConnectionStateNotResponding:
		return simulator.Fault("Unable to communicate with the remote host, since it is not responding: "+h.obj.Name, &types.HostNotReachable{})
	default:
		return simulator.Fault("Unable to communicate with the remote host, since it is disconnected: "+h.obj.Name, &types.HostNotConnected{})
	}
}

// hostStateFault is the fault of a task on a VM of a host that is not
// connected.
func (v *vm) hostStateFault() types.BaseMethodFault {
	if v.host.connected() {
		return nil
	}
	return &types.InvalidHostConnectionState{InvalidHostState: types.InvalidHostState{Host: &v.host.obj.Self}}
}

func vmConnectionState(s types.HostSystemConnectionState) types.VirtualMachineConnectionState {
	if s == types.HostSystemConnectionStateConnected {
		return types.VirtualMachineConnectionStateConnected
	}
	return types.VirtualMachineConnectionStateDisconnected
}
