package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/dummyrunner/livemetrics"
	"github.com/portalsim/portalsim/internal/loopback"
)

// liveMetrics is a run's Prometheus endpoint (-metrics) and what feeds
// it: in one process, the Recorder that Execute shows every result; with
// -procs, the latest Snapshots the children send, merged at each scrape.
type liveMetrics struct {
	recorder *livemetrics.Recorder // one process; nil with -procs
	procs    *livemetrics.Procs    // -procs; nil in one process
	stop     func()
}

// checkMetricsAddr checks -metrics: a host:port, on loopback unless
// public.
func checkMetricsAddr(addr string, public bool) error {
	if addr == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return usagef("-metrics %q: want host:port, e.g. 127.0.0.1:9464 (port 0 picks a free one): %v", addr, err)
	}
	if !public {
		if err := loopback.Check(addr); err != nil {
			return usagef("-metrics %v; add -metrics-public to serve the metrics beyond this machine", err)
		}
	}
	return nil
}

// startMetrics serves the live metrics of the run at addr, when addr is
// set, until stop: at /metrics, in Prometheus' exposition format. Unless
// public, addr must be a loopback address: the endpoint has no
// authentication, and it names the run's target. Port 0 picks a free
// port; the address is printed on stderr either way.
func startMetrics(addr string, public bool, procs int, info livemetrics.RunInfo, log *slog.Logger, stderr io.Writer) (*liveMetrics, error) {
	if addr == "" {
		return &liveMetrics{stop: func() {}}, nil
	}
	if err := checkMetricsAddr(addr, public); err != nil {
		return nil, err
	}
	lm := &liveMetrics{}
	var src livemetrics.Source
	if procs > 1 {
		lm.procs = livemetrics.NewProcs(procs)
		src = lm.procs
	} else {
		lm.recorder = livemetrics.NewRecorder()
		src = lm.recorder
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usagef("-metrics %q: %v", addr, err)
	}
	srv := &http.Server{Handler: livemetrics.Handler(livemetrics.NewCollector(info, src)), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stderr, "portalsim run: metrics at http://%s/metrics\n", ln.Addr())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics.stopped", "err", err)
		}
	}()
	lm.stop = func() { _ = srv.Close(); <-done }
	return lm, nil
}

// observer is what Execute shows the results of a run in this process:
// the Recorder, or nil without -metrics (or with -procs).
func (lm *liveMetrics) observer() dummyrunner.Observer {
	if lm.recorder == nil {
		return nil
	}
	return lm.recorder
}
