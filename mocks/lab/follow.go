package main

// WaitForUpdatesEx, the lab's own. vcsim 0.24's reads every filter's whole
// scope again for each change it hears of: a full RetrievePropertiesEx per
// update, about 0.7 s at 10,000 VMs, three or four times for one guest MAC
// change (the VM, the event collector's page, the EventManager's latest
// event). vCenter sends the changed properties of the changed objects, and
// so does the lab:
//
//   - the first call on a collector (version "") reports every object of
//     every filter (enter, with all the filter's properties), and so does
//     the next call for a filter created since;
//   - afterwards the changes the lab (or vcsim) makes are queued as they
//     happen; a call reports, for each filter, the objects it covers (the
//     objects of its spec, or the view of a ContainerView it traverses)
//     that changed: enter for one it had not reported, leave for one gone
//     or out of its view, modify with each watched path a change touched
//     (at, above or below it), with the path's whole value read afresh,
//     as clients get it with partialUpdates false;
//   - it waits for changes up to options.maxWaitSeconds (none: answers
//     nothing), returns at once with 0, and CancelWaitForUpdates ends the
//     wait with RequestCanceled.
//
// A spec of another shape (other traversals) is answered by reading its
// whole scope, as vcsim does. Data versions and truncation are answer()'s
// (collector.go).

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// burst is how long a wait lets changes gather once the first has come, so
// that one action's changes (a VM, its port, the event) arrive together.
const burst = 50 * time.Millisecond

// follower is a collector's state between calls: the changes heard of and
// not yet reported, and the objects each filter has reported.
type follower struct {
	mu      sync.Mutex
	pending []types.ObjectUpdate
	wake    chan struct{}
	cancel  context.CancelFunc
	known   map[types.ManagedObjectReference]map[types.ManagedObjectReference]bool
}

func (f *follower) hear(u types.ObjectUpdate) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, u)
	if f.wake != nil {
		close(f.wake)
		f.wake = nil
	}
}

// PutObject, UpdateObject and RemoveObject make the collector a registry
// handler: the simulator calls them for every change, with the changed
// object's lock (often the lab's) held, so they only queue.
func (pc *propertyCollector) PutObject(o mo.Reference) {
	pc.follow.hear(types.ObjectUpdate{Obj: o.Reference(), Kind: types.ObjectUpdateKindEnter})
}

func (pc *propertyCollector) UpdateObject(o mo.Reference, changes []types.PropertyChange) {
	pc.follow.hear(types.ObjectUpdate{Obj: o.Reference(), Kind: types.ObjectUpdateKindModify, ChangeSet: changes})
}

func (pc *propertyCollector) RemoveObject(ref types.ManagedObjectReference) {
	pc.follow.hear(types.ObjectUpdate{Obj: ref, Kind: types.ObjectUpdateKindLeave})
}

func (pc *propertyCollector) CancelWaitForUpdates(*types.CancelWaitForUpdates) soap.HasFault {
	pc.follow.mu.Lock()
	if pc.follow.cancel != nil {
		pc.follow.cancel()
	}
	pc.follow.mu.Unlock()
	return &methods.CancelWaitForUpdatesBody{Res: &types.CancelWaitForUpdatesResponse{}}
}

// wait answers a WaitForUpdatesEx whose version checked out: the filter
// updates to send, nil for none (maxWaitSeconds passed), or a fault.
func (pc *propertyCollector) wait(ctx *simulator.Context, req *types.WaitForUpdatesEx) ([]types.PropertyFilterUpdate, *soap.Fault) {
	if req.Version == "" {
		pc.follow.mu.Lock()
		pc.follow.known, pc.follow.pending = nil, nil
		pc.follow.mu.Unlock()
	}
	simulator.Map.AddHandler(pc)

	wait, cancel := context.WithCancel(context.Background())
	once := false
	if req.Options != nil && req.Options.MaxWaitSeconds != nil {
		once = *req.Options.MaxWaitSeconds == 0
		if *req.Options.MaxWaitSeconds > 0 {
			cancel()
			wait, cancel = context.WithTimeout(context.Background(), time.Duration(*req.Options.MaxWaitSeconds)*time.Second)
		}
	}
	defer cancel()
	pc.follow.mu.Lock()
	pc.follow.cancel = cancel
	pc.follow.mu.Unlock()

	for {
		pc.follow.mu.Lock()
		wake := make(chan struct{})
		pc.follow.wake = wake
		pc.follow.mu.Unlock()
		if updates := pc.changes(ctx); len(updates) > 0 {
			return updates, nil
		}
		if once {
			return nil, nil
		}
		select {
		case <-wait.Done():
			if wait.Err() == context.Canceled {
				return nil, simulator.Fault("", &types.RequestCanceled{})
			}
			return nil, nil
		case <-wake:
			time.Sleep(burst)
		}
	}
}

// changes takes the queued changes and turns them into what each filter
// reports.
func (pc *propertyCollector) changes(ctx *simulator.Context) []types.PropertyFilterUpdate {
	pc.follow.mu.Lock()
	heard := coalesce(pc.follow.pending)
	pc.follow.pending = nil
	if pc.follow.known == nil {
		pc.follow.known = map[types.ManagedObjectReference]map[types.ManagedObjectReference]bool{}
	}
	known := pc.follow.known
	pc.follow.mu.Unlock()

	var out []types.PropertyFilterUpdate
	for _, ref := range pc.Filter {
		filter, ok := ctx.Session.Get(ref).(*simulator.PropertyFilter)
		if !ok {
			continue
		}
		seen := known[ref]
		var objects []types.ObjectUpdate
		if seen == nil {
			seen = map[types.ManagedObjectReference]bool{}
			known[ref] = seen
			for _, o := range pc.read(ctx, filter.Spec.PropSet, filter.Spec.ObjectSet) {
				seen[o.Obj] = true
				objects = append(objects, entered(o))
			}
		} else {
			objects = pc.filterChanges(ctx, filter.Spec, seen, heard)
		}
		if len(objects) > 0 {
			out = append(out, types.PropertyFilterUpdate{Filter: ref, ObjectSet: objects})
		}
	}
	return out
}

func (pc *propertyCollector) filterChanges(ctx *simulator.Context, spec types.PropertyFilterSpec, seen map[types.ManagedObjectReference]bool, heard []types.ObjectUpdate) []types.ObjectUpdate {
	scope, simple := scopeOf(ctx, spec)
	if !simple {
		scope = map[types.ManagedObjectReference]bool{}
		for _, o := range pc.read(ctx, spec.PropSet, spec.ObjectSet) {
			scope[o.Obj] = true
		}
	}
	var out []types.ObjectUpdate
	for _, u := range heard {
		switch {
		case u.Kind == types.ObjectUpdateKindLeave || !scope[u.Obj]:
			if seen[u.Obj] {
				delete(seen, u.Obj)
				out = append(out, types.ObjectUpdate{Obj: u.Obj, Kind: types.ObjectUpdateKindLeave})
			}
		case !seen[u.Obj]:
			for _, o := range pc.read(ctx, spec.PropSet, []types.ObjectSpec{{Obj: u.Obj}}) {
				seen[u.Obj] = true
				out = append(out, entered(o))
			}
		default:
			if paths := touched(spec.PropSet, u.ChangeSet); len(paths) > 0 {
				if m, ok := pc.modified(ctx, spec.PropSet, u.Obj, paths); ok {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// modified reads the touched paths of one object afresh.
func (pc *propertyCollector) modified(ctx *simulator.Context, props []types.PropertySpec, obj types.ManagedObjectReference, paths map[string]bool) (types.ObjectUpdate, bool) {
	u := types.ObjectUpdate{Obj: obj, Kind: types.ObjectUpdateKindModify}
	for _, o := range pc.read(ctx, props, []types.ObjectSpec{{Obj: obj}}) {
		found := map[string]bool{}
		for _, p := range o.PropSet {
			if paths[p.Name] {
				found[p.Name] = true
				u.ChangeSet = append(u.ChangeSet, types.PropertyChange{Name: p.Name, Op: types.PropertyChangeOpAssign, Val: p.Val})
			}
		}
		for path := range paths {
			// Watched by a spec of the object's type, and unset now.
			if !found[path] && watches(props, o, path) {
				u.ChangeSet = append(u.ChangeSet, types.PropertyChange{Name: path, Op: types.PropertyChangeOpAssign})
			}
		}
	}
	return u, len(u.ChangeSet) > 0
}

// read is a RetrievePropertiesEx of the given objects (or spec) with vcsim's own collector.
func (pc *propertyCollector) read(ctx *simulator.Context, props []types.PropertySpec, objects []types.ObjectSpec) []types.ObjectContent {
	res := pc.PropertyCollector.RetrievePropertiesEx(ctx, &types.RetrievePropertiesEx{
		SpecSet: []types.PropertyFilterSpec{{PropSet: props, ObjectSet: objects}},
	})
	body, ok := res.(*methods.RetrievePropertiesExBody)
	if !ok || body.Res == nil || body.Res.Returnval == nil {
		return nil // gone meanwhile
	}
	return body.Res.Returnval.Objects
}

// scopeOf is the objects a spec covers, for the shapes clients use: objects
// named, and a ContainerView's view through a traversal of "view".
func scopeOf(ctx *simulator.Context, spec types.PropertyFilterSpec) (map[types.ManagedObjectReference]bool, bool) {
	scope := map[types.ManagedObjectReference]bool{}
	for _, o := range spec.ObjectSet {
		if o.Skip == nil || !*o.Skip {
			scope[o.Obj] = true
		}
		if len(o.SelectSet) == 0 {
			continue
		}
		ts, ok := o.SelectSet[0].(*types.TraversalSpec)
		view, isView := ctx.Session.Get(o.Obj).(*simulator.ContainerView)
		if len(o.SelectSet) != 1 || !ok || ts.Path != "view" || len(ts.SelectSet) != 0 || !isView {
			return nil, false
		}
		for _, ref := range view.View {
			scope[ref] = true
		}
	}
	return scope, true
}

// touched is the watched paths a change reaches: the path itself, one
// above it (a whole "config" assigned) or below it.
func touched(props []types.PropertySpec, changes []types.PropertyChange) map[string]bool {
	out := map[string]bool{}
	for _, p := range props {
		for _, path := range p.PathSet {
			for _, c := range changes {
				if c.Name == path || strings.HasPrefix(c.Name, path+".") || strings.HasPrefix(path, c.Name+".") {
					out[path] = true
				}
			}
		}
	}
	return out
}

// watches tells whether some spec for the object's type lists the path
// (the read returned the object, so one spec matched its type).
func watches(props []types.PropertySpec, o types.ObjectContent, path string) bool {
	for _, p := range props {
		if !strings.HasSuffix(o.Obj.Type, p.Type) { // ComputeResource specs cover ClusterComputeResources too
			continue
		}
		for _, name := range p.PathSet {
			if name == path {
				return true
			}
		}
	}
	return false
}

func entered(o types.ObjectContent) types.ObjectUpdate {
	u := types.ObjectUpdate{Obj: o.Obj, Kind: types.ObjectUpdateKindEnter}
	for _, p := range o.PropSet {
		u.ChangeSet = append(u.ChangeSet, types.PropertyChange{Name: p.Name, Op: types.PropertyChangeOpAssign, Val: p.Val})
	}
	return u
}

// coalesce merges the changes heard of each object, in the order first
// heard: what an object went through since the last call is one update.
func coalesce(heard []types.ObjectUpdate) []types.ObjectUpdate {
	index := map[types.ManagedObjectReference]int{}
	var out []types.ObjectUpdate
	for _, u := range heard {
		i, ok := index[u.Obj]
		if !ok {
			index[u.Obj] = len(out)
			out = append(out, u)
			continue
		}
		switch {
		case u.Kind == types.ObjectUpdateKindModify && out[i].Kind != types.ObjectUpdateKindLeave:
			out[i].ChangeSet = append(out[i].ChangeSet, u.ChangeSet...)
		default:
			out[i] = u
		}
	}
	return out
}
