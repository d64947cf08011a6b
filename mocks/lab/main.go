// Command vmfix-lab is the simulator lab: a vCenter (or a standalone ESXi
// host) built from a scenario file on govmomi's vcsim, served over TLS, with
// the vSphere semantics vmfix depends on that vcsim lacks. See
// mocks/scenarios/README.md for the scenario format.
//
//	vmfix-lab --scenario FILE [--listen 127.0.0.1:0] [--username U] [--ca-out FILE]
//
// The password comes from VMFIX_LAB_PASSWORD (default "VMware1!"). When the
// lab is ready it prints one JSON line on stdout; SIGTERM or SIGINT stops it.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
)

const (
	exitFailure  = 1
	exitScenario = 2
)

type ready struct {
	URL        string     `json:"url"`
	Thumbprint string     `json:"thumbprint"`
	SHA1       string     `json:"sha1"`
	Username   string     `json:"username"`
	CAFile     *string    `json:"caFile"`
	About      readyAbout `json:"about"`
}

type readyAbout struct {
	APIType    string `json:"apiType"`
	APIVersion string `json:"apiVersion"`
}

func main() {
	os.Exit(run())
}

func run() int {
	flags := flag.NewFlagSet("vmfix-lab", flag.ContinueOnError)
	scenarioPath := flags.String("scenario", "", "scenario JSON file (required)")
	listen := flags.String("listen", "127.0.0.1:0", "address to listen on")
	username := flags.String("username", "administrator@vsphere.local", "the one user that may log in")
	caOut := flags.String("ca-out", "", "write the lab's CA certificate (PEM) to this file")
	if err := flags.Parse(os.Args[1:]); err != nil {
		return exitScenario
	}
	if *scenarioPath == "" {
		fmt.Fprintln(os.Stderr, "vmfix-lab: --scenario is required")
		return exitScenario
	}
	password := os.Getenv("VMFIX_LAB_PASSWORD")
	if password == "" {
		password = "VMware1!"
	}
	log.SetPrefix("vmfix-lab: ")

	sc, err := loadScenario(*scenarioPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmfix-lab: scenario", err)
		return exitScenario
	}
	l, svc, err := buildLab(sc)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmfix-lab: scenario", *scenarioPath+":", err)
		return exitScenario
	}

	cert, err := newLabCert()
	if err != nil {
		return fail(err)
	}
	var caFile *string
	if *caOut != "" {
		if err := os.WriteFile(*caOut, cert.caPEM, 0o644); err != nil {
			return fail(err)
		}
		caFile = caOut
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail(err)
	}
	// vcsim's SessionManager accepts exactly the user of Service.Listen.
	svc.Listen = &url.URL{Scheme: "https", Host: ln.Addr().String(), Path: vim25.Path, User: url.UserPassword(*username, password)}
	calls := &callLog{}
	l.username = *username
	handler, err := newHandler(l, svc, calls)
	if err != nil {
		return fail(err)
	}
	srv := &http.Server{
		Handler:   handler,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert.server}, MinVersion: tls.VersionTLS12},
		ErrorLog:  log.New(io.Discard, "", 0), // clients that reject the certificate are expected
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeTLS(ln, "", "") }()

	about := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content.About
	line, _ := json.Marshal(ready{
		URL:        (&url.URL{Scheme: "https", Host: ln.Addr().String(), Path: vim25.Path}).String(),
		Thumbprint: cert.sha256,
		SHA1:       cert.sha1,
		Username:   *username,
		CAFile:     caFile,
		About:      readyAbout{APIType: about.ApiType, APIVersion: about.ApiVersion},
	})
	fmt.Println(string(line))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-stop:
	case err := <-served:
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx) // a pending WaitForUpdatesEx may hold out; exit anyway
	return 0
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "vmfix-lab:", err)
	return exitFailure
}
