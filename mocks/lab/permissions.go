package main

// What a real vCenter leaves out of a PropertyCollector answer and vcsim
// does not: properties the user may not read (a role without System.Read on
// that object) come in the object's missingSet with a NoPermission fault,
// not in its propSet; and an orphaned, inaccessible or invalid VM has no config (vCenter has none in its database), so no
// config.* path is answered for it at all.

import (
	"strings"

	"github.com/vmware/govmomi/vim25/types"
)

// propertyRules holds, per object, what its answers leave out. Built with
// the lab, read-only afterwards.
var propertyRules = map[types.ManagedObjectReference]propertyRule{}

type propertyRule struct {
	noPermission []string
	noConfig     bool
}

func (l *lab) ruleFor(ref types.ManagedObjectReference, noPermission []string, connectionState string) {
	rule := propertyRule{noPermission: noPermission, noConfig: connectionState == "orphaned" || connectionState == "inaccessible" || connectionState == "invalid"}
	if len(rule.noPermission) > 0 || rule.noConfig {
		propertyRules[ref] = rule
	}
}

// restrict applies the rules to one answer's objects.
func restrict(objects []types.ObjectContent) {
	for i := range objects {
		o := &objects[i]
		rule, ok := propertyRules[o.Obj]
		if !ok {
			continue
		}
		kept := o.PropSet[:0]
		for _, p := range o.PropSet {
			switch {
			case rule.noConfig && (p.Name == "config" || strings.HasPrefix(p.Name, "config.")):
			case rule.denies(p.Name):
				o.MissingSet = append(o.MissingSet, types.MissingProperty{
					Path: p.Name,
					Fault: types.LocalizedMethodFault{
						Fault:            &types.NoPermission{Object: o.Obj, PrivilegeId: "System.Read"},
						LocalizedMessage: "Permission to perform this operation was denied.",
					},
				})
			default:
				kept = append(kept, p)
			}
		}
		o.PropSet = kept
	}
}

// denies: the path, or a property inside or around it, is one the user may not read.
func (r propertyRule) denies(path string) bool {
	for _, p := range r.noPermission {
		if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(p, path+".") {
			return true
		}
	}
	return false
}
