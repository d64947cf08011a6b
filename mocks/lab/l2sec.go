package main

// ESXi's L2 security for a vNIC whose guest sends from a MAC other than the
// one configured (vSphere Security guide, "MAC Address Changes"): under
// Reject, "the port that the virtual machine adapter used to send the
// request is disabled ... until the effective MAC address matches the
// initial MAC address". ESXi logs it in vmkernel.log (KB 344495:
// "L2Sec_EnforcePortCompliance: client <vm> requested mac address change to
// <mac> on port 0x..., disallowed by vswitch policy" then "client <vm> has
// policy violations on port 0x.... Port is blocked"); on a dvSwitch vCenter
// also shows the dvPort blocked and posts DvsPortBlockedEvent, and
// DvsPortUnblockedEvent when it is released.
//
// ESXi enforces compliance whenever a live port's policy or its NIC
// changes, so a change to Accept (or MAC learning) releases the port as
// surely as the guest going back to its own MAC. (KB 417819 describes a
// defect where a dvPort stayed blocked after Accept; the lab models the
// documented behaviour.)

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

const l2secBlockedDetail = "Port blocked: guest MAC address change disallowed by security policy"

// macChangeAllowed is the effective "MAC address changes" of the NIC's
// port, MAC learning counting as allowed (the port learns the MAC).
func (n *vnic) macChangeAllowed(v *vm) bool {
	if p := n.dvPort; p != nil {
		return p.macChangesAllowed() || p.macLearning()
	}
	pg := v.host.portgroup(n.stdName)
	if pg == nil {
		return true // no portgroup, no port: nothing to enforce
	}
	mc := v.host.computedPolicy(pg).Security.MacChanges
	return mc != nil && *mc
}

// enforce runs the compliance check for one NIC. requested says the guest
// has just asked for its MAC (a change, or the port coming up at power-on):
// ESXi logs every refused request, also on a port already blocked.
func (l *lab) enforce(v *vm, nic *vnic, requested bool) {
	if !nic.active(v) {
		return
	}
	violates := nic.effectiveGuestMac() != nic.mac && !nic.macChangeAllowed(v)
	blocked := &nic.stdBlocked
	if p := nic.dvPort; p != nil {
		blocked = &p.blocked
	}
	if violates && (requested || !*blocked) {
		v.host.logViolation(v, nic)
	}
	switch {
	case violates && !*blocked:
		*blocked = true
		if p := nic.dvPort; p != nil {
			p.statusDetail = l2secBlockedDetail
			l.events.post(p.blockEvent(true))
		}
	case !violates && *blocked:
		*blocked = false
		if p := nic.dvPort; p != nil {
			p.statusDetail = ""
			l.events.post(p.blockEvent(false))
		}
	}
}

// enforceHost re-checks every live standard port of the host, after a
// vSwitch or portgroup policy change.
func (l *lab) enforceHost(h *host) {
	for _, v := range h.vms {
		for _, nic := range v.nics {
			if nic.dvPort == nil {
				l.enforce(v, nic, false)
			}
		}
	}
}

// esxPortID is the port number ESXi prints in hex: the standard port's id
// (the decimal id of the HostPortGroupPort key), or for a dvPort the id of
// its port in the host's proxy switch, whose portset follows the host's
// vSwitches (see vswitch.portBase), numbered by dvPort key.
func esxPortID(v *vm, nic *vnic) int32 {
	p := nic.dvPort
	if p == nil {
		return nic.portID
	}
	index := len(v.host.vswitches)
	for i, d := range v.dc.dvSwitches {
		if d == p.pg.dvs {
			index += i
		}
	}
	key, _ := strconv.Atoi(p.key)
	return int32(index+1)<<25 + 16 + int32(key)
}

// logViolation appends ESXi's two lines, stamped now, to the host's
// vmkernel log.
func (h *host) logViolation(v *vm, nic *vnic) {
	port := fmt.Sprintf("0x%x", esxPortID(v, nic))
	world := 2097152 + hash32(v.name)%65536
	prefix := vmkernelPrefix(h.log.esx8, time.Now(), int(hash32(v.name)%48), world) + "etherswitch: L2Sec_EnforcePortCompliance:"
	h.log.append(
		prefix+"247: client "+clientName(v.name)+" requested mac address change to "+nic.effectiveGuestMac()+" on port "+port+", disallowed by vswitch policy",
		prefix+"356: client "+clientName(v.name)+" has policy violations on port "+port+". Port is blocked",
	)
}

// vmkernelPrefix is what precedes a vmkernel message: ESXi 8 logs through
// its syslog daemon ("2024-05-14T09:21:07.123Z In(182) vmkernel: cpu3:2098131)"),
// older hosts wrote the timestamp and the cpu:world only.
func vmkernelPrefix(esx8 bool, at time.Time, cpu int, world uint32) string {
	stamp := at.UTC().Format("2006-01-02T15:04:05.000Z")
	if esx8 {
		return fmt.Sprintf("%s In(182) vmkernel: cpu%d:%d)", stamp, cpu, world)
	}
	return fmt.Sprintf("%s cpu%d:%d)", stamp, cpu, world)
}

func isESX8(version string) bool {
	major, _ := strconv.Atoi(strings.SplitN(version, ".", 2)[0])
	return major >= 8
}

// dvsAtLeast: a DVS of this version or later. VMwareDVSFeatureCapability
// holds "version-specific DVS features": MAC learning needs DVS 6.6.0.
func dvsAtLeast(version string, major, minor int) bool {
	parts := strings.SplitN(version, ".", 3)
	ma, _ := strconv.Atoi(parts[0])
	mi := 0
	if len(parts) > 1 {
		mi, _ = strconv.Atoi(parts[1])
	}
	return ma > major || (ma == major && mi >= minor)
}

// blockEvent is what vCenter posts when a dvPort's block state changes.
func (p *dvPort) blockEvent(blocked bool) types.BaseEvent {
	d := p.pg.dvs
	base := types.DvsEvent{Event: types.Event{
		Datacenter: &types.DatacenterEventArgument{EntityEventArgument: types.EntityEventArgument{Name: d.dc.obj.Name}, Datacenter: d.dc.obj.Self},
		Dvs:        &types.DvsEventArgument{EntityEventArgument: types.EntityEventArgument{Name: d.name}, Dvs: d.obj.Self},
	}}
	status := p.render().State.RuntimeInfo
	if blocked {
		base.FullFormattedMessage = fmt.Sprintf("Port %s was blocked in the vSphere Distributed Switch %s in %s.", p.key, d.name, d.dc.obj.Name)
		return &types.DvsPortBlockedEvent{DvsEvent: base, PortKey: p.key, StatusDetail: p.statusDetail, RuntimeInfo: status, PrevBlockState: "unblocked"}
	}
	base.FullFormattedMessage = fmt.Sprintf("Port %s was unblocked in the vSphere Distributed Switch %s in %s.", p.key, d.name, d.dc.obj.Name)
	return &types.DvsPortUnblockedEvent{DvsEvent: base, PortKey: p.key, RuntimeInfo: status, PrevBlockState: "blocked"}
}

// clientName is the VM as ESXi names the port's client: its display name
// as the guest's .vmx has it, where the API's name escapes /, \ and % (%2f,
// %5c, %25).
func clientName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] == '%' && i+2 < len(name) {
			switch strings.ToLower(name[i+1 : i+3]) {
			case "2f":
				b.WriteByte('/')
				i += 2
				continue
			case "5c":
				b.WriteByte('\\')
				i += 2
				continue
			case "25":
				b.WriteByte('%')
				i += 2
				continue
			}
		}
		b.WriteByte(name[i])
	}
	return b.String()
}
