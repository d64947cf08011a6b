package main

// RetrievePropertiesEx paging, which vcsim 0.24 ignores: with
// options.maxObjects a result holds at most that many objects, plus a token
// when more remain; ContinueRetrievePropertiesEx(token) returns the next
// page and CancelRetrievePropertiesEx(token) discards the rest. A token is
// good for one call: an unknown or used one faults InvalidArgument, as on
// vCenter. WaitForUpdatesEx gets what vcsim leaves out too (data versions,
// maxObjectUpdates). Everything else is vcsim's PropertyCollector.

import (
	"strconv"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// propertyCollector replaces the simulator's. Each session gets its own
// (the simulator makes a zero value of the registered type per session, so
// the zero value must work), and so do collectors a client creates.
type propertyCollector struct {
	simulator.PropertyCollector

	mu     sync.Mutex
	next   int
	paging map[string]page

	updates updateVersions
	follow  follower
}

// updateVersions is a collector's WaitForUpdatesEx state: the last data
// version it answered with, and the rest of a truncated answer.
type updateVersions struct {
	seq     int
	version string
	rest    []types.PropertyFilterUpdate
}

// page is what a token stands for: the objects not yet returned.
type page struct {
	objects    []types.ObjectContent
	maxObjects int
}

func (pc *propertyCollector) RetrievePropertiesEx(ctx *simulator.Context, req *types.RetrievePropertiesEx) soap.HasFault {
	if ctx.Session == nil {
		// vcsim answers with a NotAuthenticated per property; vCenter
		// refuses the call.
		return &methods.RetrievePropertiesExBody{Fault_: simulator.Fault("The session is not authenticated.", &types.NotAuthenticated{NoPermission: types.NoPermission{Object: req.This, PrivilegeId: "System.View"}})}
	}
	if req.Options.MaxObjects < 0 {
		return &methods.RetrievePropertiesExBody{Fault_: simulator.Fault("maxObjects must be positive", &types.InvalidArgument{InvalidProperty: "options.maxObjects"})}
	}
	max := int(req.Options.MaxObjects) // 0: unset, no maximum
	res := pc.PropertyCollector.RetrievePropertiesEx(ctx, req)
	body := res.(*methods.RetrievePropertiesExBody)
	if body.Fault_ != nil || body.Res.Returnval == nil {
		return body
	}
	body.Res.Returnval.Objects = restrict(body.Res.Returnval.Objects)
	if len(body.Res.Returnval.Objects) == 0 {
		body.Res.Returnval = nil // vCenter returns no result at all when nothing matched
		return body
	}
	body.Res.Returnval = pc.cut(page{objects: body.Res.Returnval.Objects, maxObjects: max})
	return body
}

// cut returns the first page of p, keeping the rest under a new token.
func (pc *propertyCollector) cut(p page) *types.RetrieveResult {
	if p.maxObjects == 0 || len(p.objects) <= p.maxObjects {
		return &types.RetrieveResult{Objects: p.objects}
	}
	pc.mu.Lock()
	pc.next++
	token := strconv.Itoa(pc.next)
	if pc.paging == nil {
		pc.paging = map[string]page{}
	}
	pc.paging[token] = page{objects: p.objects[p.maxObjects:], maxObjects: p.maxObjects}
	pc.mu.Unlock()
	return &types.RetrieveResult{Objects: p.objects[:p.maxObjects], Token: token}
}

// take removes and returns the page a token stands for.
func (pc *propertyCollector) take(token string) (page, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	p, ok := pc.paging[token]
	delete(pc.paging, token)
	return p, ok
}

func (pc *propertyCollector) ContinueRetrievePropertiesEx(req *types.ContinueRetrievePropertiesEx) soap.HasFault {
	p, ok := pc.take(req.Token)
	if !ok {
		return &methods.ContinueRetrievePropertiesExBody{Fault_: simulator.Fault("unknown or used token", &types.InvalidArgument{InvalidProperty: "token"})}
	}
	return &methods.ContinueRetrievePropertiesExBody{Res: &types.ContinueRetrievePropertiesExResponse{Returnval: *pc.cut(p)}}
}

func (pc *propertyCollector) CancelRetrievePropertiesEx(req *types.CancelRetrievePropertiesEx) soap.HasFault {
	if _, ok := pc.take(req.Token); !ok {
		return &methods.CancelRetrievePropertiesExBody{Fault_: simulator.Fault("unknown or used token", &types.InvalidArgument{InvalidProperty: "token"})}
	}
	return &methods.CancelRetrievePropertiesExBody{Res: &types.CancelRetrievePropertiesExResponse{}}
}

// CreatePropertyCollector makes collectors of this type, so that they page
// too.
func (pc *propertyCollector) CreatePropertyCollector(ctx *simulator.Context, req *types.CreatePropertyCollector) soap.HasFault {
	c := &propertyCollector{}
	c.Self.Type = "PropertyCollector" // Put would name it after the Go type
	ref := ctx.Session.Put(c).Reference()
	// At a session's end it stops hearing of changes (vcsim forgets it only at Logout, not at a restart).
	trackSessionObject(ctx, ref, func() int { return len(c.Filter) }, func() { simulator.Map.RemoveHandler(c) })
	return &methods.CreatePropertyCollectorBody{Res: &types.CreatePropertyCollectorResponse{Returnval: ref}}
}

func (pc *propertyCollector) DestroyPropertyCollector(ctx *simulator.Context, req *types.DestroyPropertyCollector) soap.HasFault {
	pc.CancelWaitForUpdates(nil)
	untrackSessionObject(pc.Self)
	return pc.PropertyCollector.DestroyPropertyCollector(ctx, req)
}

// WaitForUpdatesEx is the lab's (follow.go; registered in waits while it
// runs, see restart.go), with these of vCenter's rules besides:
//
//   - data versions: each answer carries a new one, and a call must give
//     the last ("" starts over). Any other version faults
//     InvalidCollectorVersion, as an out-of-date one does on vCenter: a
//     client that lost an answer cannot ask for it again with its old
//     version, since vcsim keeps no history to answer from;
//   - options.maxObjectUpdates: an answer holds at most that many object
//     updates; a larger one is truncated (truncated = true) and the rest
//     comes with the next call, which must give that truncated version.
func (pc *propertyCollector) WaitForUpdatesEx(ctx *simulator.Context, req *types.WaitForUpdatesEx) soap.HasFault {
	max := 0
	if req.Options != nil && req.Options.MaxObjectUpdates > 0 {
		max = int(req.Options.MaxObjectUpdates)
	}
	pc.mu.Lock()
	if req.Version == "" {
		pc.updates.rest = nil
	} else if req.Version != pc.updates.version {
		pc.mu.Unlock()
		return &methods.WaitForUpdatesExBody{Fault_: simulator.Fault("The collector version is out of date or invalid", &types.InvalidCollectorVersion{})}
	}
	if rest := pc.updates.rest; len(rest) > 0 {
		set := pc.answer(rest, max)
		pc.mu.Unlock()
		return &methods.WaitForUpdatesExBody{Res: &types.WaitForUpdatesExResponse{Returnval: set}}
	}
	pc.mu.Unlock()

	waits.Lock()
	waits.m[pc] = true
	waits.Unlock()
	defer func() {
		waits.Lock()
		delete(waits.m, pc)
		waits.Unlock()
	}()
	filters, fault := pc.wait(ctx, req)
	body := &methods.WaitForUpdatesExBody{}
	switch {
	case fault != nil:
		body.Fault_ = fault
	case filters == nil:
		body.Res = &types.WaitForUpdatesExResponse{}
	default:
		pc.mu.Lock()
		body.Res = &types.WaitForUpdatesExResponse{Returnval: pc.answer(filters, max)}
		pc.mu.Unlock()
	}
	return body
}

// answer cuts what is to be sent at max object updates (0: no limit),
// keeping the rest, and gives the answer its new version. The caller holds
// pc.mu.
func (pc *propertyCollector) answer(filters []types.PropertyFilterUpdate, max int) *types.UpdateSet {
	var sent, rest []types.PropertyFilterUpdate
	n := 0
	for _, f := range filters {
		switch {
		case max == 0 || n+len(f.ObjectSet) <= max:
			sent = append(sent, f)
			n += len(f.ObjectSet)
		case n < max:
			head := f
			head.ObjectSet = f.ObjectSet[:max-n]
			tail := f
			tail.ObjectSet = f.ObjectSet[max-n:]
			sent = append(sent, head)
			rest = append(rest, tail)
			n = max
		default:
			rest = append(rest, f)
		}
	}
	pc.updates.seq++
	pc.updates.version = strconv.Itoa(pc.updates.seq)
	pc.updates.rest = rest
	return &types.UpdateSet{Version: pc.updates.version, FilterSet: sent, Truncated: boolPtr(len(rest) > 0)}
}
