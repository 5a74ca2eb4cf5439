package dummyrunner

import (
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The bounds of a scenario's and a profile's numbers. A file outside them
// is refused by [Scenario.Compile] (and [ParseProfile]) with the field's
// name, before anything runs: a number that is not finite, negative where
// it cannot be, or so large that the run would exhaust memory or never
// end is a mistake in the file, not a load test.
const (
	// MaxFileSize is the largest scenario or profile file read, in bytes.
	MaxFileSize = 1 << 20
	// MaxClients bounds clients, max_sessions and login_concurrency.
	MaxClients = 1_000_000
	// MaxDuration bounds duration, ramp_up and the stages together: a
	// run's report keeps one timeline entry per second.
	MaxDuration = 24 * time.Hour
	// MaxStages bounds the number of stages of the open model.
	MaxStages = 1000
	// MaxArrivalRate bounds a stage's target, in sessions per second.
	MaxArrivalRate = 100_000
	// MaxArrivals bounds the sessions the open model's stages schedule
	// (the integral of their rate).
	MaxArrivals = 10_000_000
	// MaxSessionActions bounds session.actions.
	MaxSessionActions = 1_000_000
	// MaxEvents bounds the number of events.
	MaxEvents = 10_000
	// MinTimeout is the shortest duration, stage, timeout, timestep, think
	// time or lateness limit: anything shorter is a typo ("30ns" for "30s").
	MinTimeout = time.Millisecond
	// MaxTimeout bounds the timeouts, the timestep, the think time and the
	// lateness limit: the latency histograms end at an hour.
	MaxTimeout = time.Hour
	// MaxWeight bounds a profile's share of the players and an action's
	// weight.
	MaxWeight = 1e6
)

// problems collects the problems of a file, each prefixed with the path
// of its field ("stages[1].target", "pacing.chance_of_action").
type problems struct{ errs []error }

// add records a problem of field; an empty field is the whole file.
func (p *problems) add(field, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	p.errs = append(p.errs, problem(msg))
}

// number checks that v is a finite number in [lo, hi] (in (lo, hi] when
// loOpen).
func (p *problems) number(field string, v, lo, hi float64, loOpen bool) {
	want := fmt.Sprintf("%s to %s", fmtFloat(lo), fmtFloat(hi))
	if loOpen {
		want = fmt.Sprintf("above %s, at most %s", fmtFloat(lo), fmtFloat(hi))
	}
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		p.add(field, "%v is not a finite number: want %s", v, want)
	case loOpen && v == 0 && lo == 0:
		p.add(field, "missing or 0: want %s", want)
	case v < lo || (loOpen && v == lo) || v > hi:
		p.add(field, "%s is out of range: want %s", fmtFloat(v), want)
	}
}

// count checks that v is an integer in [lo, hi].
func (p *problems) count(field string, v, lo, hi int) {
	if v == 0 && lo > 0 {
		p.add(field, "missing or 0: want %d to %d", lo, hi)
	} else if v < lo || v > hi {
		p.add(field, "%d is out of range: want %d to %d", v, lo, hi)
	}
}

// duration checks that d is in [lo, hi].
func (p *problems) duration(field string, d, lo, hi time.Duration) {
	switch {
	case d == 0 && lo > 0:
		p.add(field, "missing or 0: want %v to %v", fmtDuration(lo), fmtDuration(hi))
	case d < lo || d > hi:
		p.add(field, "%v is out of range: want %v to %v", d, fmtDuration(lo), fmtDuration(hi))
	}
}

// command checks that a command is one line of text: a line break or
// another control character would send more (or other) than the one
// command whose answer is measured.
func (p *problems) command(field, cmd string) {
	if cmd == "" {
		p.add(field, "is missing")
		return
	}
	if i := strings.IndexFunc(cmd, func(r rune) bool { return r != '\t' && unicode.IsControl(r) }); i >= 0 {
		p.add(field, "%q has a control character at %d: one line per command", cmd, i)
	}
}

// address checks that a target is host:port with a port from 1 to 65535.
func (p *problems) address(field, addr string) {
	_, port, err := net.SplitHostPort(addr)
	n, perr := strconv.Atoi(port)
	if err != nil || perr != nil || n < 1 || n > 65535 {
		p.add(field, "%q: want host:port with a port from 1 to 65535", addr)
	}
}

// problem is one problem of a file, already prefixed with its field.
type problem string

func (e problem) Error() string { return string(e) }

// fmtFloat formats a bound or a value without exponent for ordinary sizes.
func fmtFloat(v float64) string {
	if math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// fmtDuration formats a bound: "1h", "24h", "1ms" rather than "1h0m0s".
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// readFileLimited reads the named file, refusing one larger than
// MaxFileSize without reading more than that (a scenario that names
// /dev/zero as a profile file must not exhaust memory).
func readFileLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only: a close error loses nothing
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, MaxFileSize)
	}
	return b, nil
}
