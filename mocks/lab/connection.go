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
	"fmt"
	"net/http"

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

// connectionHandler is POST /lab/connection {"host", "state"}: vCenter loses a
// host or gets it back (a reconnect, a host agent restart):
// runtime.connectionState of the host and of its VMs (except one the
// scenario made orphaned, inaccessible or invalid) changes, as
// PropertyCollector updates show it. From the next call on, what goes to the
// host itself (network writes, its logs through DiagnosticManager) faults or
// answers as that state says. vCenter's Host*Event are not posted.
func (l *lab) connectionHandler(w http.ResponseWriter, req *http.Request) {
	var body struct {
		Host  string `json:"host"`
		State string `json:"state"`
	}
	if !decodeJSON(w, req, &body) {
		return
	}
	state := types.HostSystemConnectionState(body.State)
	switch state {
	case types.HostSystemConnectionStateConnected, types.HostSystemConnectionStateDisconnected, types.HostSystemConnectionStateNotResponding:
	default:
		http.Error(w, "state must be connected, disconnected or notResponding", http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, h := range l.hosts {
		if h.obj.Name != body.Host {
			continue
		}
		updateLocked(h.obj, prop("runtime.connectionState", state))
		for _, v := range h.vms {
			switch v.obj.Runtime.ConnectionState {
			case types.VirtualMachineConnectionStateConnected, types.VirtualMachineConnectionStateDisconnected:
				update(v.obj, prop("runtime.connectionState", vmConnectionState(state)))
			}
		}
		writeJSON(w, map[string]interface{}{"host": h.obj.Name, "state": state})
		return
	}
	http.Error(w, fmt.Sprintf("no host named %q", body.Host), http.StatusNotFound)
}
