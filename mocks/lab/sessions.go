package main

// The objects a client makes that live in its session, as on vCenter:
// created PropertyCollectors (and their filters) and EventHistoryCollectors
// ("Event collectors do not persist beyond the current client session").
// Logout ends them: an event collector no longer collects, and none of them
// shows any more. vcsim forgets a session's objects at Logout but not the
// lab's event collectors, which went on collecting for nobody.
//
// GET /lab/collectors lists those alive, so a test can tell whether a client
// destroyed what it made: [{"type", "moref", "user", "filters"}].

import (
	"net/http"
	"sort"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type sessionObject struct {
	session string
	user    string
	// filters counts a PropertyCollector's filters (nil for other objects).
	filters func() int
	// end is what the session's end does to it, beyond forgetting it.
	end func()
}

var sessionObjects = struct {
	sync.Mutex
	m map[types.ManagedObjectReference]sessionObject
}{m: map[types.ManagedObjectReference]sessionObject{}}

func trackSessionObject(ctx *simulator.Context, ref types.ManagedObjectReference, filters func() int, end func()) {
	sessionObjects.Lock()
	defer sessionObjects.Unlock()
	sessionObjects.m[ref] = sessionObject{session: ctx.Session.Key, user: ctx.Session.UserName, filters: filters, end: end}
}

func untrackSessionObject(ref types.ManagedObjectReference) {
	sessionObjects.Lock()
	defer sessionObjects.Unlock()
	delete(sessionObjects.m, ref)
}

// endSession forgets the objects of one session (key), or of every session
// (""), running what their end does outside the registry's lock.
func endSession(key string) {
	var ends []func()
	sessionObjects.Lock()
	for ref, o := range sessionObjects.m {
		if key == "" || o.session == key {
			delete(sessionObjects.m, ref)
			if o.end != nil {
				ends = append(ends, o.end)
			}
		}
	}
	sessionObjects.Unlock()
	for _, end := range ends {
		end()
	}
}

// endSessionsAtLogout ends a session's objects once its Logout has been
// answered. It sits behind the restart gate, so a cookie it sees is live.
func endSessionsAtLogout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r)
		if method, _, ok := soapCall(body); ok && method == "Logout" {
			if c, err := r.Cookie(soap.SessionCookieName); err == nil {
				endSession(c.Value)
			}
		}
	})
}

func collectorsHandler(w http.ResponseWriter, _ *http.Request) {
	type entry struct {
		Type    string `json:"type"`
		Moref   string `json:"moref"`
		User    string `json:"user"`
		Filters *int   `json:"filters,omitempty"`
	}
	out := []entry{}
	sessionObjects.Lock()
	for ref, o := range sessionObjects.m {
		e := entry{Type: ref.Type, Moref: ref.Value, User: o.user}
		if o.filters != nil {
			n := o.filters()
			e.Filters = &n
		}
		out = append(out, e)
	}
	sessionObjects.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Moref < out[j].Moref })
	writeJSON(w, out)
}
