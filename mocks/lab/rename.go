package main

// ManagedEntity.Rename_Task on the lab's VMs (vcsim's own works on vcsim's
// VMs only), as vCenter does it for a VM: running or not; an empty name or
// one over 80 characters faults InvalidName, one another VM of the folder
// has DuplicateName; '/', '\' and a '%' that starts no escape are stored
// escaped (%2f, %5c, %25), as ManagedEntity.name keeps them; name,
// config.name and summary.config.name change, the files keep their old
// names; then VmRenamedEvent with oldName and newName.

import (
	"regexp"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const maxVMNameLength = 80

func (o *virtualMachine) RenameTask(ctx *simulator.Context, req *types.Rename_Task) soap.HasFault {
	user := ctx.Session.UserName
	task := simulator.CreateTask(o, "rename", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		return nil, o.l.renameVM(o.model, req.NewName, user)
	})
	return &methods.Rename_TaskBody{Res: &types.Rename_TaskResponse{Returnval: o.l.run(task)}}
}

var escapeStart = regexp.MustCompile(`^%[0-9a-fA-F]{2}`)

// escapeEntityName escapes a name as vCenter stores ManagedEntity.name.
func escapeEntityName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '/':
			b.WriteString("%2f")
		case c == '\\':
			b.WriteString("%5c")
		case c == '%' && !escapeStart.MatchString(name[i:]):
			b.WriteString("%25")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// renameVM renames a VM. The caller holds lab.mu.
func (l *lab) renameVM(v *vm, newName, user string) types.BaseMethodFault {
	name := escapeEntityName(newName)
	if strings.TrimSpace(newName) == "" || len([]rune(newName)) > maxVMNameLength {
		return &types.InvalidName{Name: newName, Entity: &v.obj.Self}
	}
	for _, h := range v.dc.hosts {
		for _, other := range h.vms {
			if other != v && other.folder == v.folder && other.name == name {
				return &types.DuplicateName{Name: newName, Object: other.obj.Self}
			}
		}
	}
	old := v.name
	if old == name {
		return nil
	}
	v.name = name
	update(v.obj, prop("name", name), prop("config.name", name), prop("summary.config.name", name))
	renamed := &types.VmRenamedEvent{VmEvent: v.event(user, "%s on %s in %s"), OldName: old, NewName: name}
	renamed.FullFormattedMessage = "Renamed " + name + " from " + old + " to " + name + " in " + v.dc.obj.Name
	l.events.post(renamed)
	return nil
}
