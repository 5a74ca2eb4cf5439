package reports

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"
)

// The sides a fault acts on (Fault.Side).
const (
	// SideClient is between the players and the portal.
	SideClient = "client"
	// SideLink is between the game server and the portal.
	SideLink = "link"
	// SideServer is the game server itself.
	SideServer = "server"
)

// Fault is one fault injected during a run, as the run saw it: when it
// began and was lifted, and what it did to the commands in flight.
type Fault struct {
	// Index is the fault's place in the scenario's list, from 0.
	Index int `json:"index"`
	// Kind is the fault's kind ("latency", "server-crash", ...).
	Kind string `json:"kind"`
	// Side is what it acted on: SideClient, SideLink or SideServer.
	Side string `json:"side"`
	// Detail says what it did, for people ("200ms ±50ms, both ways").
	Detail string `json:"detail,omitempty"`
	// Start is when the fault began, from Meta.Start.
	Start time.Duration `json:"start_ns"`
	// End is when it was lifted, from Meta.Start: when a crashed server's
	// successor was synced, a toxic was removed, the players armed to
	// vanish were all gone, a storm's last round was over. For a single
	// act (a reset, a cut without refusal) it is Start.
	End time.Duration `json:"end_ns"`
	// Error says why the fault could not be injected or lifted.
	Error string `json:"error,omitempty"`
	// Affected is how many connections it acted on: reset, cut, armed
	// to vanish, or shaped when it began.
	Affected int64 `json:"affected,omitempty"`
	// Caught is how many commands were in flight during the fault: sent
	// before End and answered or failed after Start.
	Caught int64 `json:"caught"`
	// Late is how many caught commands were answered after more than LateAfter.
	Late int64 `json:"late"`
	// Lost is how many caught commands were never answered (they failed).
	Lost int64 `json:"lost"`
	// LateAfter is the latency beyond which an answered command is late.
	LateAfter time.Duration `json:"late_after_ns"`
	// Settled is when the last caught command was answered, from
	// Meta.Start; 0 if none was.
	Settled time.Duration `json:"settled_ns,omitempty"`
	// Crowd is what the extra clients of a crowd (a reconnect storm,
	// slowloris clients) saw.
	Crowd *Crowd `json:"crowd,omitempty"`
}

// Recovery is how long the fault took to recover from, from its start:
// until the last command it caught was answered, or until it was lifted
// if that was later (or nothing was caught).
func (f *Fault) Recovery() time.Duration { return max(f.Settled, f.End) - f.Start }

// Crowd is what the extra clients of a crowd fault saw.
type Crowd struct {
	// Connections is how many connections the crowd tried.
	Connections int64 `json:"connections"`
	// Served is, for a storm, how many saw their login screen; for
	// slowloris clients, how many were still open at the end.
	Served int64 `json:"served"`
	// Failed counts the others by reason ("dial", "closed", "timeout").
	Failed map[string]int64 `json:"failed,omitempty"`
	// Median and Slowest are a storm's times from dialling to the login
	// screen.
	Median  time.Duration `json:"median_ns,omitempty"`
	Slowest time.Duration `json:"slowest_ns,omitempty"`
	// BytesSent is what slowloris clients sent in all.
	BytesSent int64 `json:"bytes_sent,omitempty"`
}

// mergeFaults merges the fault records of two parts of a run: a fault
// both saw (the same Index) is summed, with the earliest start and the
// latest end; the result is sorted by Index.
func mergeFaults(a, b []Fault) []Fault {
	out := slices.Clone(a)
	for _, f := range b {
		i := slices.IndexFunc(out, func(g Fault) bool { return g.Index == f.Index })
		if i < 0 {
			f.Crowd = f.Crowd.clone()
			out = append(out, f)
			continue
		}
		g := &out[i]
		g.Start, g.End, g.Settled = min(g.Start, f.Start), max(g.End, f.End), max(g.Settled, f.Settled)
		g.Affected += f.Affected
		g.Caught += f.Caught
		g.Late += f.Late
		g.Lost += f.Lost
		if f.Error != "" && !strings.Contains(g.Error, f.Error) {
			g.Error = strings.TrimPrefix(g.Error+"; "+f.Error, "; ")
		}
		g.Crowd = g.Crowd.merge(f.Crowd)
	}
	slices.SortFunc(out, func(x, y Fault) int { return cmp.Compare(x.Index, y.Index) })
	return out
}

// cloneFaults copies fault records, crowds included.
func cloneFaults(fs []Fault) []Fault {
	out := slices.Clone(fs)
	for i := range out {
		out[i].Crowd = out[i].Crowd.clone()
	}
	return out
}

func (c *Crowd) clone() *Crowd {
	if c == nil {
		return nil
	}
	d := *c
	d.Failed = maps.Clone(c.Failed)
	return &d
}

// merge returns c and o summed (the slowest of both, the median of the larger).
func (c *Crowd) merge(o *Crowd) *Crowd {
	if o == nil {
		return c
	}
	if c == nil {
		return o.clone()
	}
	if o.Served > c.Served {
		c.Median = o.Median
	}
	c.Connections += o.Connections
	c.Served += o.Served
	c.BytesSent += o.BytesSent
	c.Slowest = max(c.Slowest, o.Slowest)
	if len(o.Failed) > 0 && c.Failed == nil {
		c.Failed = map[string]int64{}
	}
	addCounts(c.Failed, o.Failed)
	return c
}
