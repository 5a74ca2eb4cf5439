package reports

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Transport phases: the connection phases only some transports go
// through, between PhaseConnect and PhaseNegotiation.
const (
	// PhaseTLSHandshake is the TLS handshake done (TLS transports).
	PhaseTLSHandshake = "tls_handshake"
	// PhaseUpgrade is the HTTP upgrade to a websocket done.
	PhaseUpgrade = "ws_upgrade"
	// PhaseSSHAuth is the SSH handshake and authentication done (an SSH
	// transport, not there yet).
	PhaseSSHAuth = "ssh_auth"
)

// PhaseOrder returns the names of phases in the order a client reaches
// them: PhaseConnect, the transport phases, the rest of PhaseNames, then
// any other name sorted. Each of PhaseNames is listed; a transport phase
// only when phases has it.
func PhaseOrder(phases map[string]*Phase) []string {
	names := []string{PhaseConnect}
	for _, n := range []string{PhaseTLSHandshake, PhaseUpgrade, PhaseSSHAuth} {
		if _, ok := phases[n]; ok {
			names = append(names, n)
		}
	}
	names = append(names, PhaseNames[1:]...)
	for _, n := range slices.Sorted(maps.Keys(phases)) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// Transport is the part of a run that came in through one transport
// ("telnet", "websocket", "tls"): its clients, commands and connection
// phases (a share of the report's totals) and what its connections moved.
type Transport struct {
	// Target is where the transport's clients connected (host:port, or a
	// websocket URL).
	Target string `json:"target,omitempty"`
	// Clients counts the transport's clients (Planned is not split: 0).
	Clients Clients `json:"clients"`
	// Actions holds the transport's commands by action kind.
	Actions map[string]*Action `json:"actions"`
	// Phases holds the transport's connection phases by name.
	Phases map[string]*Phase `json:"phases"`
	// Wire is what the transport's connections moved, and what reading it
	// cost the generator.
	Wire Wire `json:"wire"`
}

// Wire is what connections moved on the wire and what reading it cost
// the generator: the transports' share of its health figures.
type Wire struct {
	// Connections is the number of connections counted.
	Connections int64 `json:"connections"`
	// BytesIn and BytesOut are what the clients read and wrote: the
	// stream for telnet (inside TLS for tls), message payloads for a
	// websocket.
	BytesIn  int64 `json:"bytes_in"`
	BytesOut int64 `json:"bytes_out"`
	// Messages is the number of reads (telnet, tls) or messages
	// (websocket) that carried data.
	Messages int64 `json:"messages"`
	// Malformed is the number of messages the clients could not read
	// (dropped).
	Malformed int64 `json:"malformed"`
	// OOB is the number of out-of-band messages the clients received
	// (GMCP over telnet or a websocket, v1's commands other than text and
	// prompt), counted apart from the text.
	OOB int64 `json:"oob,omitempty"`
	// Decode is the time the clients spent turning what they read into
	// text and prompts (telnet decoding; JSON and HTML for a websocket),
	// not counting TLS decryption, which happens inside the read.
	Decode time.Duration `json:"decode_ns"`
}

// Add adds o to w.
func (w *Wire) Add(o Wire) {
	w.Connections += o.Connections
	w.BytesIn += o.BytesIn
	w.BytesOut += o.BytesOut
	w.Messages += o.Messages
	w.Malformed += o.Malformed
	w.OOB += o.OOB
	w.Decode += o.Decode
}

// newTransport returns a Transport with its maps allocated.
func newTransport() *Transport {
	t := &Transport{}
	t.normalize()
	return t
}

func (t *Transport) normalize() {
	if t.Clients.Lost == nil {
		t.Clients.Lost = map[string]int64{}
	}
	if t.Actions == nil {
		t.Actions = map[string]*Action{}
	}
	for name, a := range t.Actions {
		if a == nil {
			a = newAction()
			t.Actions[name] = a
		}
		a.normalize()
	}
	if t.Phases == nil {
		t.Phases = map[string]*Phase{}
	}
	for name, p := range t.Phases {
		if p == nil {
			p = newPhase()
			t.Phases[name] = p
		}
		p.normalize()
	}
}

// Action returns the transport's action called name, creating it.
func (t *Transport) Action(name string) *Action {
	a := t.Actions[name]
	if a == nil {
		a = newAction()
		t.Actions[name] = a
	}
	return a
}

// Phase returns the transport's phase called name, creating it.
func (t *Transport) Phase(name string) *Phase {
	p := t.Phases[name]
	if p == nil {
		p = newPhase()
		t.Phases[name] = p
	}
	return p
}

// Totals returns the sum of the transport's actions.
func (t *Transport) Totals() Action {
	tot := newAction()
	for _, a := range t.Actions {
		tot.merge(a)
	}
	return *tot
}

// merge adds o to t.
func (t *Transport) merge(o *Transport) {
	if o == nil {
		return
	}
	t.normalize()
	if t.Target == "" {
		t.Target = o.Target
	}
	t.Clients.Started += o.Clients.Started
	t.Clients.LoggedIn += o.Clients.LoggedIn
	t.Clients.Finished += o.Clients.Finished
	addCounts(t.Clients.Lost, o.Clients.Lost)
	for name, a := range o.Actions {
		t.Action(name).merge(a)
	}
	for name, p := range o.Phases {
		t.Phase(name).merge(p)
	}
	t.Wire.Add(o.Wire)
}

func (t *Transport) clone() *Transport {
	c := newTransport()
	c.merge(t)
	return c
}

// Transport returns the part of the run of the named transport, creating it.
func (r *Report) Transport(name string) *Transport {
	if r.Transports == nil {
		r.Transports = map[string]*Transport{}
	}
	t := r.Transports[name]
	if t == nil {
		t = newTransport()
		r.Transports[name] = t
	}
	return t
}

// TransportNames returns the names of the report's transports, sorted.
func (r *Report) TransportNames() []string {
	return slices.Sorted(maps.Keys(r.Transports))
}

// validateTransports checks the transports' counters (see Validate).
func (r *Report) validateTransports(bad func(format string, args ...any)) {
	for _, name := range r.TransportNames() {
		t := r.Transports[name]
		if t == nil {
			continue
		}
		c := t.Clients
		if c.Started < 0 || c.LoggedIn < 0 || c.Finished < 0 {
			bad("transport %q: negative client count", name)
		}
		if reason, ok := negativeCount(c.Lost); ok {
			bad("transport %q: clients lost for %q: negative count %d", name, reason, c.Lost[reason])
		}
		for _, an := range slices.Sorted(maps.Keys(t.Actions)) {
			a := t.Actions[an]
			if a == nil {
				continue
			}
			if a.Sent < 0 || a.Answered < 0 {
				bad("transport %q: action %q: negative count", name, an)
			}
			if reason, ok := negativeCount(a.Failed); ok {
				bad("transport %q: action %q: failed for %q: negative count", name, an, reason)
			}
			if !a.Accounted() {
				bad("transport %q: action %q: %d sent but %d answered and %d failed", name, an, a.Sent, a.Answered, a.FailedTotal())
			}
			a.validateChecks(fmt.Sprintf("%s (transport %s)", an, name), bad)
		}
		for _, pn := range slices.Sorted(maps.Keys(t.Phases)) {
			if p := t.Phases[pn]; p != nil && p.Reached < 0 {
				bad("transport %q: phase %q: negative reached count", name, pn)
			}
		}
		w := t.Wire
		if w.Connections < 0 || w.BytesIn < 0 || w.BytesOut < 0 || w.Messages < 0 || w.Malformed < 0 || w.OOB < 0 || w.Decode < 0 {
			bad("transport %q: negative wire figure", name)
		}
	}
}

// wireText is one transport's wire figures for the generator's health
// line: per connection bytes, and the decode time per message.
func wireText(w Wire) string {
	perMsg := time.Duration(0)
	if w.Messages > 0 {
		perMsg = w.Decode / time.Duration(w.Messages)
	}
	s := fmt.Sprintf("%d conns, %s in / %s out, %d messages, decode %s (%s per message)",
		w.Connections, fmtBytes(w.BytesIn), fmtBytes(w.BytesOut), w.Messages, FormatDuration(w.Decode), fmtSmall(perMsg))
	if w.OOB > 0 {
		s += fmt.Sprintf(", %d out-of-band", w.OOB)
	}
	if w.Malformed > 0 {
		s += fmt.Sprintf(", %d malformed", w.Malformed)
	}
	return s
}

// fmtSmall prints a duration that may be below a microsecond, in ns then.
func fmtSmall(d time.Duration) string {
	if d > 0 && d < time.Microsecond {
		return fmt.Sprintf("%dns", d.Nanoseconds())
	}
	return FormatDuration(d)
}

// fmtBytes prints a byte count in B, KiB, MiB or GiB.
func fmtBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
}
