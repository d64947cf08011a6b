package main

// The lab's own endpoints for tests that play the world around vmfix:
//
//   - POST /lab/power {"vm", "state": "poweredOn"|"poweredOff"}: the admin
//     powers a VM on or off (what PowerOnVM_Task/PowerOffVM_Task do, with
//     their events, as the lab's user), without a SOAP client;
//   - POST /lab/guest-mac {"vm", "nic": 1-based index or label, "mac"}: the
//     guest OS of a running VM starts sending from another MAC. guest.net
//     shows it (Tools reports it), and ESXi enforces L2 security on the port
//     (l2sec.go); the configured MAC again releases the port.
//   - POST /lab/nic-connected {"vm", "nic", "connected": bool}: the admin
//     unticks or ticks a card's "Connected" (ReconfigVM_Task editing its
//     connectable.connected, with VmReconfiguredEvent); on a running VM its
//     dvPort's link goes down or up (portlink.go);
//   - POST /lab/diagnostics {"host", "allowed": bool}: the admin takes the
//     Global.Diagnostics privilege on a host away from the lab's user (or
//     gives it back), as a role edit in vCenter does: from the next call on,
//     BrowseDiagnosticLog of that host answers NoPermission.
//
// They answer 404 for an unknown VM, NIC or host, 400 for a malformed request
// and 409 when the VM cannot do it now (already in that power state, powered
// off, host not connected).

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/vim25/types"
)

type adminError struct {
	status int
	msg    string
}

func (l *lab) findVM(name string) (*vm, *adminError) {
	var found []*vm
	for _, dc := range l.dcs {
		for _, h := range dc.hosts {
			for _, v := range h.vms {
				if v.name == name {
					found = append(found, v)
				}
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, &adminError{http.StatusNotFound, fmt.Sprintf("no VM named %q", name)}
	case 1:
		return found[0], nil
	}
	return nil, &adminError{http.StatusBadRequest, fmt.Sprintf("%d VMs are named %q (one per datacenter)", len(found), name)}
}

// findNic takes "2" or 2 (1-based, as the UI numbers adapters) or a label
// ("Network adapter 2").
func (v *vm) findNic(ref interface{}) (*vnic, *adminError) {
	var index int
	switch r := ref.(type) {
	case float64:
		index = int(r)
	case string:
		if n, err := strconv.Atoi(r); err == nil {
			index = n
		} else if n, err := strconv.Atoi(strings.TrimPrefix(r, "Network adapter ")); err == nil && strings.HasPrefix(r, "Network adapter ") {
			index = n
		}
	}
	if index < 1 || index > len(v.nics) {
		return nil, &adminError{http.StatusNotFound, fmt.Sprintf("VM %q has no network adapter %v (it has %d)", v.name, ref, len(v.nics))}
	}
	return v.nics[index-1], nil
}

func (l *lab) powerHandler(w http.ResponseWriter, req *http.Request) {
	var body struct {
		VM    string `json:"vm"`
		State string `json:"state"`
	}
	if !decodeJSON(w, req, &body) {
		return
	}
	if !oneOf(body.State, "poweredOn", "poweredOff") {
		http.Error(w, `state must be "poweredOn" or "poweredOff"`, http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	v, e := l.findVM(body.VM)
	if e != nil {
		http.Error(w, e.msg, e.status)
		return
	}
	if f := l.setPower(v, body.State == "poweredOn", l.username); f != nil {
		http.Error(w, reflect.TypeOf(f).Elem().Name(), http.StatusConflict)
		return
	}
	writeJSON(w, map[string]string{"vm": v.name, "powerState": body.State})
}

func (l *lab) guestMacHandler(w http.ResponseWriter, req *http.Request) {
	var body struct {
		VM  string      `json:"vm"`
		NIC interface{} `json:"nic"`
		MAC string      `json:"mac"`
	}
	if !decodeJSON(w, req, &body) {
		return
	}
	if err := validUnicastMAC(body.MAC); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	v, e := l.findVM(body.VM)
	if e == nil {
		_, e = v.findNic(body.NIC)
	}
	if e != nil {
		http.Error(w, e.msg, e.status)
		return
	}
	if !v.poweredOn {
		http.Error(w, fmt.Sprintf("VM %q is not running: its guest cannot change a MAC", v.name), http.StatusConflict)
		return
	}
	nic, _ := v.findNic(body.NIC)
	mac := strings.ToLower(body.MAC)
	nic.guestMac = ""
	if mac != nic.mac {
		nic.guestMac = mac
	}
	l.enforce(v, nic, true)
	v.render()
	blocked := nic.stdBlocked
	if nic.dvPort != nil {
		blocked = nic.dvPort.blocked
	}
	writeJSON(w, map[string]interface{}{"vm": v.name, "nic": v.nicLabel(nic), "guestMac": nic.effectiveGuestMac(), "blocked": blocked})
}

func (l *lab) diagnosticsHandler(w http.ResponseWriter, req *http.Request) {
	var body struct {
		Host    string `json:"host"`
		Allowed *bool  `json:"allowed"`
	}
	if !decodeJSON(w, req, &body) {
		return
	}
	if body.Allowed == nil {
		http.Error(w, "allowed must be true or false", http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, h := range l.hosts {
		if h.obj.Name == body.Host {
			h.diagnosticLogs = *body.Allowed
			writeJSON(w, map[string]interface{}{"host": h.obj.Name, "allowed": h.diagnosticLogs})
			return
		}
	}
	http.Error(w, fmt.Sprintf("no host named %q", body.Host), http.StatusNotFound)
}

func (l *lab) nicConnectedHandler(w http.ResponseWriter, req *http.Request) {
	var body struct {
		VM        string      `json:"vm"`
		NIC       interface{} `json:"nic"`
		Connected *bool       `json:"connected"`
	}
	if !decodeJSON(w, req, &body) {
		return
	}
	if body.Connected == nil {
		http.Error(w, "connected must be true or false", http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	v, e := l.findVM(body.VM)
	var nic *vnic
	if e == nil {
		nic, e = v.findNic(body.NIC)
	}
	if e != nil {
		http.Error(w, e.msg, e.status)
		return
	}
	// The edit a client sends: the card as it is, with connectable.connected changed.
	var card types.BaseVirtualDevice
	for i, n := range v.nics {
		if n == nic {
			card = v.nicDevice(i, n)
		}
	}
	card.GetVirtualDevice().Connectable.Connected = *body.Connected
	spec := types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
		&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: card},
	}}
	if f := v.hostStateFault(); f != nil {
		http.Error(w, reflect.TypeOf(f).Elem().Name(), http.StatusConflict)
		return
	}
	if f := l.reconfigure(v, spec); f != nil {
		http.Error(w, reflect.TypeOf(f).Elem().Name(), http.StatusConflict)
		return
	}
	l.events.post(&types.VmReconfiguredEvent{VmEvent: v.event(l.username, "Reconfigured %s on %s in %s"), ConfigSpec: spec})
	writeJSON(w, map[string]interface{}{"vm": v.name, "nic": v.nicLabel(nic), "connected": nic.connected})
}
