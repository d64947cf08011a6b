package main

// vCenter's event history, where vcsim 0.24's EventManager falls short: it
// keeps only its last 1000 events, its collectors scroll over their latest
// page only, it ignores the filter's time and user, and QueryEvents returns
// one page. The semantics here follow the HistoryCollector reference:
//
//   - a collector's items are every event matching its filter, oldest
//     first; its "scrollable view" starts at the oldest (RewindCollector's
//     position), ReadNextEvents reads towards the newest and
//     ReadPreviousEvents towards the oldest, each moving the position;
//     ResetCollector moves it to just before the latest page;
//   - latestPage holds the newest pageSize items (10 unless
//     SetCollectorPageSize says otherwise), newest first (the reference
//     calls it unordered; clients sort by key), and changes as matching
//     events are posted, so a PropertyCollector filter sees them;
//   - QueryEvents returns the newest matching events, newest first, at most
//     filter.maxCount (1000 when unset).
//
// vcsim's EventManager must stay registered under the service content's
// moref (vcsim's own code type-asserts it), so the lab's manager lives
// under labEventManagerRef and server.go routes the client's calls of it
// there. Events vcsim posts itself (login, logout) stay in vcsim's.

import (
	"fmt"
	"reflect"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var labEventManagerRef = types.ManagedObjectReference{Type: "EventManager", Value: "lab-EventManager"}

const (
	defaultPageSize = 10
	maxPageSize     = 1000
	maxCollectors   = 1000 // EventManager.maxCollector on vCenter
)

type eventManager struct {
	mo.EventManager
	labLocked
	vcsim      *simulator.EventManager // its latestEvent follows the lab's history
	history    []types.BaseEvent       // oldest first
	collectors map[*eventCollector]bool
}

type eventCollector struct {
	mo.EventHistoryCollector
	labLocked
	m        *eventManager
	spec     types.EventFilterSpec
	items    []types.BaseEvent // the matching events, oldest first
	pos      int               // the scrollable view: items[:pos] lie behind it
	pageSize int
}

func newEventManager(l *lab, vcsim *simulator.EventManager) *eventManager {
	m := &eventManager{labLocked: labLocked{l}, vcsim: vcsim, collectors: map[*eventCollector]bool{}}
	m.Self = labEventManagerRef
	m.Description = vcsim.Description
	m.MaxCollector = maxCollectors
	simulator.Map.Put(m)
	return m
}

// post records an event as vCenter does: a new key, the time now, and every
// collector whose filter matches sees it. The caller holds lab.mu.
func (m *eventManager) post(e types.BaseEvent) {
	ev := e.GetEvent()
	ev.Key = int32(len(m.history) + 1)
	if ev.ChainId == 0 {
		ev.ChainId = ev.Key
	}
	ev.CreatedTime = time.Now().UTC()
	m.history = append(m.history, e)
	for c := range m.collectors {
		if c.matches(e) {
			c.items = append(c.items, e)
			c.publish()
		}
	}
	updateLocked(m.vcsim, prop("latestEvent", e))
}

// dropCollectors forgets every collector, as a vCenter restart does.
func (m *eventManager) dropCollectors() { m.collectors = map[*eventCollector]bool{} }

func validPageSize(n int32, arg string) (int, *soap.Fault) {
	if n < 0 || n > maxPageSize {
		return 0, simulator.Fault("", &types.InvalidArgument{InvalidProperty: arg})
	}
	if n == 0 {
		return defaultPageSize, nil
	}
	return int(n), nil
}

func (m *eventManager) CreateCollectorForEvents(ctx *simulator.Context, req *types.CreateCollectorForEvents) soap.HasFault {
	body := &methods.CreateCollectorForEventsBody{}
	if len(m.collectors) >= maxCollectors {
		body.Fault_ = simulator.Fault("Too many event collectors to create", &types.InvalidState{})
		return body
	}
	c := &eventCollector{labLocked: m.labLocked, m: m, spec: req.Filter, pageSize: defaultPageSize}
	c.Self.Type = "EventHistoryCollector" // Put would name it after the Go type
	c.Filter = req.Filter
	for _, e := range m.history {
		if c.matches(e) {
			c.items = append(c.items, e)
		}
	}
	c.LatestPage = c.latestPage()
	ctx.Session.Put(c)
	m.collectors[c] = true
	trackSessionObject(ctx, c.Self, nil, func() {
		m.l.mu.Lock()
		defer m.l.mu.Unlock()
		delete(m.collectors, c)
	})
	body.Res = &types.CreateCollectorForEventsResponse{Returnval: c.Self}
	return body
}

func (m *eventManager) QueryEvents(req *types.QueryEvents) soap.HasFault {
	max := int(req.Filter.MaxCount)
	if max <= 0 {
		max = maxPageSize
	}
	c := &eventCollector{m: m, spec: req.Filter}
	var out []types.BaseEvent
	for i := len(m.history) - 1; i >= 0 && len(out) < max; i-- {
		if c.matches(m.history[i]) {
			out = append(out, m.history[i])
		}
	}
	return &methods.QueryEventsBody{Res: &types.QueryEventsResponse{Returnval: out}}
}

// PostEvent lets a client log an event of its own (vCenter requires a
// UserEvent-like event with a message; the lab takes any).
func (m *eventManager) PostEvent(ctx *simulator.Context, req *types.PostEvent) soap.HasFault {
	req.EventToPost.GetEvent().UserName = ctx.Session.UserName
	m.post(req.EventToPost)
	return &methods.PostEventBody{Res: &types.PostEventResponse{}}
}

// latestPage is the newest pageSize items, newest first.
func (c *eventCollector) latestPage() []types.BaseEvent {
	var page []types.BaseEvent
	for i := len(c.items) - 1; i >= 0 && len(page) < c.pageSize; i-- {
		page = append(page, c.items[i])
	}
	return page
}

func (c *eventCollector) publish() { update(c, prop("latestPage", c.latestPage())) }

func (c *eventCollector) ReadNextEvents(req *types.ReadNextEvents) soap.HasFault {
	if req.MaxCount <= 0 || req.MaxCount > maxPageSize {
		return &methods.ReadNextEventsBody{Fault_: simulator.Fault("", &types.InvalidArgument{InvalidProperty: "maxCount"})}
	}
	end := c.pos + int(req.MaxCount)
	if end > len(c.items) {
		end = len(c.items)
	}
	out := append([]types.BaseEvent{}, c.items[c.pos:end]...)
	c.pos = end
	return &methods.ReadNextEventsBody{Res: &types.ReadNextEventsResponse{Returnval: out}}
}

// ReadPreviousEvents returns the items just behind the view, newest first
// ("from the newest item to the oldest item").
func (c *eventCollector) ReadPreviousEvents(req *types.ReadPreviousEvents) soap.HasFault {
	if req.MaxCount <= 0 || req.MaxCount > maxPageSize {
		return &methods.ReadPreviousEventsBody{Fault_: simulator.Fault("", &types.InvalidArgument{InvalidProperty: "maxCount"})}
	}
	start := c.pos - int(req.MaxCount)
	if start < 0 {
		start = 0
	}
	var out []types.BaseEvent
	for i := c.pos - 1; i >= start; i-- {
		out = append(out, c.items[i])
	}
	c.pos = start
	return &methods.ReadPreviousEventsBody{Res: &types.ReadPreviousEventsResponse{Returnval: out}}
}

func (c *eventCollector) RewindCollector(*types.RewindCollector) soap.HasFault {
	c.pos = 0
	return &methods.RewindCollectorBody{Res: &types.RewindCollectorResponse{}}
}

func (c *eventCollector) ResetCollector(*types.ResetCollector) soap.HasFault {
	c.pos = len(c.items) - len(c.latestPage())
	return &methods.ResetCollectorBody{Res: &types.ResetCollectorResponse{}}
}

func (c *eventCollector) SetCollectorPageSize(req *types.SetCollectorPageSize) soap.HasFault {
	n, fault := validPageSize(req.MaxCount, "maxCount")
	if fault != nil {
		return &methods.SetCollectorPageSizeBody{Fault_: fault}
	}
	c.pageSize = n
	c.publish()
	return &methods.SetCollectorPageSizeBody{Res: &types.SetCollectorPageSizeResponse{}}
}

func (c *eventCollector) DestroyCollector(ctx *simulator.Context, req *types.DestroyCollector) soap.HasFault {
	delete(c.m.collectors, c)
	untrackSessionObject(c.Self)
	ctx.Session.Remove(req.This)
	return &methods.DestroyCollectorBody{Res: &types.DestroyCollectorResponse{}}
}

// matches applies the filter fields the lab's events can meet: type, entity
// (with its recursion), time range, user and chain.
func (c *eventCollector) matches(e types.BaseEvent) bool {
	s := &c.spec
	ev := e.GetEvent()
	if len(s.EventTypeId) > 0 && !isEventType(e, s.EventTypeId) {
		return false
	}
	if len(s.Type) > 0 && !isEventType(e, s.Type) {
		return false
	}
	if s.EventChainId != 0 && ev.ChainId != s.EventChainId {
		return false
	}
	if t := s.Time; t != nil {
		if (t.BeginTime != nil && ev.CreatedTime.Before(*t.BeginTime)) || (t.EndTime != nil && ev.CreatedTime.After(*t.EndTime)) {
			return false
		}
	}
	if u := s.UserName; u != nil {
		if !(u.SystemUser && ev.UserName == "") && !oneOf(ev.UserName, u.UserList...) {
			return false
		}
	}
	if s.Entity != nil {
		return entityMatches(ev, s.Entity)
	}
	return true
}

// isEventType: the event's own type, or one it extends (VmEvent matches
// every VmPoweredOnEvent), as vCenter's eventTypeId filter does.
func isEventType(e types.BaseEvent, ids []string) bool {
	for t := reflect.TypeOf(e).Elem(); ; {
		if oneOf(t.Name(), ids...) {
			return true
		}
		if t.NumField() == 0 || !t.Field(0).Anonymous || t.Field(0).Type.Kind() != reflect.Struct || t.Name() == "Event" {
			return false
		}
		t = t.Field(0).Type
	}
}

// entityMatches: self is the entity itself; children its descendants;
// all both. A folder or datacenter matches what is inside it.
func entityMatches(ev *types.Event, by *types.EventFilterSpecByEntity) bool {
	for _, ref := range eventEntities(ev) {
		self := ref == by.Entity
		switch by.Recursion {
		case types.EventFilterSpecRecursionOptionSelf:
			if self {
				return true
			}
		case types.EventFilterSpecRecursionOptionChildren:
			if !self && isAncestor(by.Entity, ref) {
				return true
			}
		default: // all
			if self || isAncestor(by.Entity, ref) {
				return true
			}
		}
	}
	return false
}

func eventEntities(ev *types.Event) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	if a := ev.Vm; a != nil {
		out = append(out, a.Vm)
	}
	if a := ev.Host; a != nil {
		out = append(out, a.Host)
	}
	if a := ev.Net; a != nil {
		out = append(out, a.Network)
	}
	if a := ev.Dvs; a != nil {
		out = append(out, a.Dvs)
	}
	if a := ev.ComputeResource; a != nil {
		out = append(out, a.ComputeResource)
	}
	if a := ev.Datacenter; a != nil {
		out = append(out, a.Datacenter)
	}
	return out
}

// isAncestor walks ref's parents (a VM's parent is its folder, a host's its
// compute resource) up to the root folder.
func isAncestor(ancestor, ref types.ManagedObjectReference) bool {
	for i := 0; i < 64; i++ { // the inventory is shallow; a cycle would be a lab bug
		obj, ok := simulator.Map.Get(ref).(mo.Entity)
		if !ok || obj.Entity().Parent == nil {
			return false
		}
		ref = *obj.Entity().Parent
		if ref == ancestor {
			return true
		}
	}
	panic(fmt.Sprintf("inventory cycle at %v", ref))
}
