package dummyrunner

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/portalsim/portalsim/reports/render"
)

// Line renders the progress as one line.
func (p Progress) Line() string {
	return fmt.Sprintf("%5.0fs  connecting %d  connected %d  login screen %d  logging in %d  logged in %d/%d  done %d  lost %d  %6.1f actions/s  p50 %s  p99 %s  errors %d",
		p.Elapsed.Seconds(), p.Connecting, p.Connected, p.LoginScreen, p.LoggingIn, p.LoggedIn, p.Planned,
		p.Finished, p.Lost, p.ActionsPerSec, render.FormatDuration(p.P50), render.FormatDuration(p.P99), p.Errors)
}

// ShowProgress writes snap() once a second until ctx ends: on a terminal
// width columns wide (width > 0), one line rewritten in place and cut to
// fit, so it never wraps; otherwise (width 0: a file, a pipe) one plain
// line per second.
func ShowProgress(ctx context.Context, w io.Writer, width int, snap func(time.Time) Progress) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if width > 0 {
				fmt.Fprintln(w)
			}
			return
		case now := <-t.C:
			line := snap(now).Line()
			if width > 0 {
				fmt.Fprintf(w, "\r\033[K%s", fitWidth(line, width-1))
			} else {
				fmt.Fprintln(w, line)
			}
		}
	}
}

// fitWidth cuts s to at most n runes (the progress line is ASCII but for
// the µ of its durations).
func fitWidth(s string, n int) string {
	if n <= 0 {
		return ""
	}
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// Add sums two processes' progress (elapsed and planned are kept from p;
// the p50 and p99 of the sum are the larger of the two, an upper bound).
func (p Progress) Add(o Progress) Progress {
	p.Connecting += o.Connecting
	p.Connected += o.Connected
	p.LoginScreen += o.LoginScreen
	p.LoggingIn += o.LoggingIn
	p.LoggedIn += o.LoggedIn
	p.Finished += o.Finished
	p.Lost += o.Lost
	p.ActionsPerSec += o.ActionsPerSec
	p.P50 = max(p.P50, o.P50)
	p.P99 = max(p.P99, o.P99)
	p.Errors += o.Errors
	return p
}

// Open is the number of clients with a connection open: connected, at
// the login screen, logging in, logged in or logging out.
func (p Progress) Open() int64 { return p.Connected + p.LoginScreen + p.LoggingIn + p.LoggedIn }
