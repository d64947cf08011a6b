package main

// POST /lab/restart: what clients live through when vCenter restarts.
//
//   - For downSeconds the SDK answers 503, as vCenter's reverse proxy does
//     while vpxd starts ("503 Service Unavailable (Failed to connect to
//     endpoint: ... _serverNamespace = /sdk ...)", KB 344908 shows the form).
//   - Every request in flight, a WaitForUpdatesEx long poll above all, loses
//     its connection without an answer: the process that would answer is
//     gone.
//   - Afterwards no session survives: vCenter keeps sessions in memory, so
//     a client's cookie is unknown (NotAuthenticated), and so is everything
//     that lived in a session: PropertyCollector filters, created
//     PropertyCollectors, ContainerViews, EventHistoryCollectors
//     (ManagedObjectNotFound once the client logs in again).
//   - The inventory and its state, held in vCenter's database, survive.
//
// vcsim cannot forget its sessions, so the gate forgets them for it: a
// session cookie issued before the restart is taken off the request, which
// then reaches vcsim with no session at all.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const vpxdUnavailable = "503 Service Unavailable (Failed to connect to endpoint: [N7Vmacore4Http16LocalServiceSpecE:0x000055d4c9f0a2b0] _serverNamespace = /sdk action = Allow _port = 8085)"

type restarter struct {
	l         *lab
	mu        sync.Mutex
	downUntil time.Time
	sessions  map[string]bool        // session cookies issued since the last restart
	inflight  map[chan struct{}]bool // closed to drop the request's connection
}

func newRestarter(l *lab) *restarter {
	return &restarter{l: l, sessions: map[string]bool{}, inflight: map[chan struct{}]bool{}}
}

// detachedResponse collects a response apart from the connection, so that
// a request dropped by a restart leaves nothing half written.
type detachedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (d *detachedResponse) Header() http.Header         { return d.header }
func (d *detachedResponse) WriteHeader(status int)      { d.status = status }
func (d *detachedResponse) Write(p []byte) (int, error) { return d.body.Write(p) }

// gate serves /sdk as vCenter does around a restart.
func (r *restarter) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		if time.Now().Before(r.downUntil) {
			r.mu.Unlock()
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(vpxdUnavailable))
			return
		}
		if c, err := req.Cookie(soap.SessionCookieName); err == nil && !r.sessions[c.Value] {
			req.Header.Del("Cookie")
		}
		drop := make(chan struct{})
		r.inflight[drop] = true
		r.mu.Unlock()
		defer func() {
			r.mu.Lock()
			delete(r.inflight, drop)
			r.mu.Unlock()
		}()

		res := &detachedResponse{header: http.Header{}, status: http.StatusOK}
		done := make(chan struct{})
		var crash interface{}
		go func() {
			defer func() {
				crash = recover() // raised again below, where net/http recovers it
				close(done)
			}()
			next.ServeHTTP(res, req)
		}()
		select {
		case <-done:
			if crash != nil {
				panic(crash)
			}
		case <-drop:
			panic(http.ErrAbortHandler) // net/http closes the connection
		}
		r.mu.Lock()
		for _, c := range (&http.Response{Header: res.header}).Cookies() {
			if c.Name == soap.SessionCookieName {
				r.sessions[c.Value] = true
			}
		}
		r.mu.Unlock()
		for k, v := range res.header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.status)
		_, _ = w.Write(res.body.Bytes())
	})
}

func (r *restarter) restart(down time.Duration) {
	r.mu.Lock()
	r.downUntil = time.Now().Add(down)
	r.sessions = map[string]bool{}
	for drop := range r.inflight {
		close(drop)
	}
	r.inflight = map[chan struct{}]bool{}
	r.mu.Unlock()

	r.l.mu.Lock()
	r.l.events.dropCollectors()
	r.l.mu.Unlock()
	endSession("")
	endWaits()
}

// ServeHTTP is POST /lab/restart {"downSeconds": n}.
func (r *restarter) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var body struct {
		DownSeconds float64 `json:"downSeconds"`
	}
	if !decodeJSON(w, req, &body) {
		return
	}
	if body.DownSeconds < 0 {
		http.Error(w, "downSeconds must not be negative", http.StatusBadRequest)
		return
	}
	r.restart(time.Duration(body.DownSeconds * float64(time.Second)))
	writeJSON(w, map[string]string{"restarted": time.Now().UTC().Format(time.RFC3339Nano), "downSeconds": strconv.FormatFloat(body.DownSeconds, 'f', -1, 64)})
}

// decodeJSON reads a POSTed JSON body into v, answering the error itself.
func decodeJSON(w http.ResponseWriter, req *http.Request, v interface{}) bool {
	if req.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return false
	}
	dec := json.NewDecoder(req.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && err.Error() != "EOF" {
		http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// waits are the PropertyCollectors inside WaitForUpdatesEx, so that a
// restart can end them: their connections are already dropped, and vcsim
// would otherwise wait on for nobody.
var waits = struct {
	sync.Mutex
	m map[*propertyCollector]bool
}{m: map[*propertyCollector]bool{}}

func endWaits() {
	waits.Lock()
	defer waits.Unlock()
	for pc := range waits.m {
		pc.CancelWaitForUpdates(&types.CancelWaitForUpdates{This: pc.Self})
	}
}
