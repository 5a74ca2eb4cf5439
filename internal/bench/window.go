package bench

import (
	"sync"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/reports"
)

// window is a dummyrunner Observer that finds the steady window and
// measures the echo probes in it. It says when every player has logged
// in, or was lost before it could (allIn); the bench then opens the window at a time of its choosing
// (after reading the targets' CPU) and closes it at the run's planned
// end. Commands count by when they completed, so the results the
// aggregator hands over late still land in the right window.
type window struct {
	players int
	allIn   chan struct{} // closed when every player has logged in or was lost before

	mu         sync.Mutex // guards the fields below
	loggedIn   int
	settled    map[int]bool // players logged in (true) or lost before (false)
	start, end time.Time    // the window; end zero while open
	latency    *reports.Histogram
	answered   int64
	failed     int64 // echo probes that failed in the window
	// byTransport splits the window's figures by the players' transport.
	byTransport map[string]*transportWindow
}

// transportWindow is one transport's share of the window.
type transportWindow struct {
	loggedIn         int
	answered, failed int64
	latency          *reports.Histogram
}

// transportLocked returns name's share, creating it; w.mu must be held.
func (w *window) transportLocked(name string) *transportWindow {
	t := w.byTransport[name]
	if t == nil {
		t = &transportWindow{latency: reports.NewHistogram()}
		w.byTransport[name] = t
	}
	return t
}

var _ dummyrunner.Observer = (*window)(nil)

func newWindow(players int) *window {
	return &window{players: players, allIn: make(chan struct{}), latency: reports.NewHistogram(), settled: map[int]bool{},
		byTransport: map[string]*transportWindow{}}
}

// Result implements dummyrunner.Observer.
func (w *window) Result(r dummyrunner.Result) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch r.Kind {
	case dummyrunner.KindState:
		if r.State == dummyrunner.StateLoggedIn {
			w.loggedIn++
			w.transportLocked(r.Transport).loggedIn++
			w.settleLocked(r.Client, true)
		}
	case dummyrunner.KindLost:
		if _, ok := w.settled[r.Client]; !ok { // lost before logging in: it never will
			w.settleLocked(r.Client, false)
		}
	case dummyrunner.KindCommand:
		if r.Action != EchoAction || !w.inLocked(r.At) {
			return
		}
		t := w.transportLocked(r.Transport)
		if r.Reason != "" {
			w.failed++
			t.failed++
			return
		}
		w.answered++
		w.latency.Record(r.Latency)
		t.answered++
		t.latency.Record(r.Latency)
	}
}

// settleLocked records that client logged in (in) or was lost before,
// and closes allIn when every player has settled, one at least logged
// in: the window measures the players that got in, and the loss of the
// others is reported. w.mu must be held.
func (w *window) settleLocked(client int, in bool) {
	if _, ok := w.settled[client]; ok {
		return
	}
	w.settled[client] = in
	if len(w.settled) == w.players && w.loggedIn > 0 {
		close(w.allIn)
	}
}

// Health implements dummyrunner.Observer.
func (w *window) Health(dummyrunner.HealthSample) {}

// inLocked says whether t is in the window; w.mu must be held.
func (w *window) inLocked(t time.Time) bool {
	if w.start.IsZero() || t.Before(w.start) {
		return false
	}
	return w.end.IsZero() || t.Before(w.end)
}

// open starts the window at t.
func (w *window) open(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.start = t
}

// close ends the window at t.
func (w *window) close(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.end = t
}

// windowStats are what the window measured.
type windowStats struct {
	start, end       time.Time
	answered, failed int64
	latency          *reports.Histogram
	loggedIn         int
	byTransport      map[string]transportStats
}

// transportStats are one transport's share of windowStats.
type transportStats struct {
	answered, failed int64
	latency          *reports.Histogram
	loggedIn         int
}

// stats returns what the window measured so far.
func (w *window) stats() windowStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	by := make(map[string]transportStats, len(w.byTransport))
	for name, t := range w.byTransport {
		by[name] = transportStats{answered: t.answered, failed: t.failed, latency: t.latency.Clone(), loggedIn: t.loggedIn}
	}
	return windowStats{start: w.start, end: w.end, answered: w.answered, failed: w.failed, latency: w.latency.Clone(), loggedIn: w.loggedIn,
		byTransport: by}
}
