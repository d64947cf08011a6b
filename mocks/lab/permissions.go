package main

// What a real vCenter leaves out of a PropertyCollector answer and vcsim
// does not: properties the user may not read (a role without System.Read on
// that object) come in the object's missingSet with a NoPermission fault,
// not in its propSet; an orphaned, inaccessible or invalid VM has no config (vCenter has none in its database), so no
// config.* path is answered for it at all; and an object the user holds no
// role on (no System.View) is not in the user's ContainerView at all, while a
// VM it can see still names it (a NIC's backing gives its switch's uuid and
// portgroup key). The lab leaves such objects out of RetrievePropertiesEx
// answers only, not out of WaitForUpdatesEx.

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
	hidden       bool
}

// hide makes an object one the lab's user holds no role on.
func (l *lab) hide(ref types.ManagedObjectReference) {
	propertyRules[ref] = propertyRule{hidden: true}
}

func (l *lab) ruleFor(ref types.ManagedObjectReference, noPermission []string, connectionState string) {
	rule := propertyRule{noPermission: noPermission, noConfig: connectionState == "orphaned" || connectionState == "inaccessible" || connectionState == "invalid"}
	if len(rule.noPermission) > 0 || rule.noConfig {
		propertyRules[ref] = rule
	}
}

// restrict applies the rules to one answer's objects: what is left of them.
func restrict(objects []types.ObjectContent) []types.ObjectContent {
	shown := objects[:0]
	for _, o := range objects {
		rule, ok := propertyRules[o.Obj]
		if rule.hidden {
			continue
		}
		if ok {
			rule.apply(&o)
		}
		shown = append(shown, o)
	}
	return shown
}

// apply moves what the user may not read from the object's propSet to its missingSet.
func (r propertyRule) apply(o *types.ObjectContent) {
	kept := o.PropSet[:0]
	for _, p := range o.PropSet {
		switch {
		case r.noConfig && (p.Name == "config" || strings.HasPrefix(p.Name, "config.")):
		case r.denies(p.Name):
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

// denies: the path, or a property inside or around it, is one the user may not read.
func (r propertyRule) denies(path string) bool {
	for _, p := range r.noPermission {
		if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(p, path+".") {
			return true
		}
	}
	return false
}
