package main

// RetrievePropertiesEx paging, which vcsim 0.24 ignores: with
// options.maxObjects a result holds at most that many objects, plus a token
// when more remain; ContinueRetrievePropertiesEx(token) returns the next
// page and CancelRetrievePropertiesEx(token) discards the rest. A token is
// good for one call: an unknown or used one faults InvalidArgument, as on
// vCenter. Everything else is vcsim's PropertyCollector.

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
	return &methods.CreatePropertyCollectorBody{Res: &types.CreatePropertyCollectorResponse{Returnval: ctx.Session.Put(c).Reference()}}
}

// WaitForUpdatesEx is vcsim's, registered in waits while it runs (see
// restart.go).
func (pc *propertyCollector) WaitForUpdatesEx(ctx *simulator.Context, req *types.WaitForUpdatesEx) soap.HasFault {
	waits.Lock()
	waits.m[pc] = true
	waits.Unlock()
	defer func() {
		waits.Lock()
		delete(waits.m, pc)
		waits.Unlock()
	}()
	return pc.PropertyCollector.WaitForUpdatesEx(ctx, req)
}
