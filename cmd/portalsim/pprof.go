package main

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"

	"github.com/portalsim/portalsim/internal/loopback"
)

// servePprof serves Go's profiling endpoints (/debug/pprof/) on addr,
// when addr is set, until stop is called: `go tool pprof
// http://ADDR/debug/pprof/profile` then shows where a loaded portal, game
// server or load generator spends its time.
// Unless allowRemote, addr must be a loopback address: the endpoints
// have no authentication, and /debug/pprof/cmdline shows the command line.
func servePprof(addr string, allowRemote bool, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	if !allowRemote {
		if err := loopback.Check(addr); err != nil {
			return nil, usagef("-pprof %v; add -allow-remote-link to serve the profiler beyond this machine", err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usagef("-pprof %q: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Info("pprof.listening", "addr", ln.Addr().String())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := http.Serve(ln, mux); err != nil && !errors.Is(err, net.ErrClosed) {
			log.Warn("pprof.stopped", "err", err)
		}
	}()
	return func() { ln.Close(); <-done }, nil
}
