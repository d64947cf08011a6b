package main

// The HTTP side: /sdk is vcsim's SOAP endpoint, behind a recorder of every
// call and the restart gate (restart.go); /lab/state and /lab/calls are the
// lab's own read-outs (and /lab/collectors, sessions.go), /lab/power, /lab/guest-mac, /lab/nic-connected (admin.go),
// /lab/connection (connection.go) and /lab/restart its own actions, outside /sdk and without authentication.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
)

type call struct {
	Method string `json:"method"`
	This   string `json:"this"`
}

type callLog struct {
	mu    sync.Mutex
	calls []call
}

// record notes each SOAP request's method and _this before the simulator
// handles it.
func (c *callLog) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if method, this, ok := soapCall(body); ok {
			c.mu.Lock()
			c.calls = append(c.calls, call{Method: method, This: this})
			c.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// readBody reads a request's body and puts it back for the next handler.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// soapCall finds the method (the Body's first element) and its _this.
func soapCall(body []byte) (method, this string, ok bool) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	inBody := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return method, this, method != ""
		}
		start, isStart := tok.(xml.StartElement)
		switch {
		case !isStart:
		case !inBody:
			inBody = start.Name.Local == "Body"
		case method == "":
			method = start.Name.Local
		case start.Name.Local == "_this":
			var ref string
			if dec.DecodeElement(&ref, &start) == nil {
				this = ref
			}
			return method, this, true
		default:
			return method, this, true // _this comes first when it is there
		}
	}
}

// vcenterXML rewrites the XML Schema instance prefix of vcsim's responses
// (xmlns:XMLSchema-instance declared on each polymorphic value) to the xsi
// prefix vCenter uses, which the envelope already declares.
//
// It also compresses the answer as vCenter 8.0.3 and later do for a client
// whose request says Accept-Encoding: gzip (pyVmomi and Go's HTTP client,
// so govmomi, send it by default; earlier vCenters ignored it, see
// cloudfoundry/bosh-vsphere-cpi-release#371). vCenter's proxy streams the
// compressed answer chunked, without a Content-Length. Level 1 (BestSpeed):
// the lab shares the bench machine's two cores with the client it serves.
func vcenterXML(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := &bufferedResponse{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(buf, r)
		body := bytes.ReplaceAll(buf.body.Bytes(), []byte(` xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance"`), nil)
		body = bytes.ReplaceAll(body, []byte(`XMLSchema-instance:type=`), []byte(`xsi:type=`))
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.Header().Add("Vary", "Accept-Encoding")
		if !acceptsGzip(r) {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(buf.status)
			_, _ = w.Write(body)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(buf.status)
		gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		_, _ = gz.Write(body)
		_ = gz.Close()
	})
}

var qualityZero = regexp.MustCompile(`^\s*q\s*=\s*0(\.0*)?\s*$`)

// acceptsGzip: whether the request's Accept-Encoding lists gzip with a
// quality above zero (RFC 9110 12.5.3).
func acceptsGzip(r *http.Request) bool {
	for _, header := range r.Header.Values("Accept-Encoding") {
		for _, item := range strings.Split(header, ",") {
			parts := strings.Split(item, ";")
			if !strings.EqualFold(strings.TrimSpace(parts[0]), "gzip") {
				continue
			}
			return len(parts) < 2 || !qualityZero.MatchString(parts[1])
		}
	}
	return false
}

type bufferedResponse struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) WriteHeader(status int)      { b.status = status }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }

func (c *callLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	out := append([]call{}, c.calls...)
	c.mu.Unlock()
	writeJSON(w, out)
}

func newHandler(l *lab, svc *simulator.Service, calls *callLog) (http.Handler, error) {
	internal, err := vim25.NewClient(context.Background(), svc)
	if err != nil {
		return nil, err
	}
	svc.RegisterSDK(simulator.Map)
	mux := http.NewServeMux()
	restarts := newRestarter(l)
	mux.Handle("/sdk", calls.record(restarts.gate(endSessionsAtLogout(toLabEventManager(l.events.vcsim.Self.Value, vcenterXML(http.HandlerFunc(svc.ServeSDK)))))))
	mux.Handle("/lab/calls", getOnly(calls))
	mux.Handle("/lab/collectors", getOnly(http.HandlerFunc(collectorsHandler)))
	mux.Handle("/lab/restart", restarts)
	mux.HandleFunc("/lab/power", l.powerHandler)
	mux.HandleFunc("/lab/guest-mac", l.guestMacHandler)
	mux.HandleFunc("/lab/nic-connected", l.nicConnectedHandler)
	mux.HandleFunc("/lab/diagnostics", l.diagnosticsHandler)
	mux.HandleFunc("/lab/connection", l.connectionHandler)
	mux.Handle("/lab/state", getOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state, err := readState(r.Context(), internal)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, state)
	})))
	return mux, nil
}

func getOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// toLabEventManager sends the client's calls of the EventManager that the
// lab implements (events.go) to the lab's manager: their _this becomes
// labEventManagerRef (moref is the service content's EventManager:
// "EventManager" on vCenter, "ha-eventmgr" on ESXi). Its other methods stay
// vcsim's.
func toLabEventManager(moref string, next http.Handler) http.Handler {
	this := regexp.MustCompile(`(<(?:[\w.-]+:)?_this\b[^>]*>)\s*` + regexp.QuoteMeta(moref) + `\s*(</)`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if method, target, ok := soapCall(body); ok && target == moref && oneOf(method, "CreateCollectorForEvents", "QueryEvents", "PostEvent") {
			body = this.ReplaceAll(body, []byte("${1}"+labEventManagerRef.Value+"${2}"))
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}
