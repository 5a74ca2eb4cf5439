package dummyrunner

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/portalsim/portalsim/internal/faults"
	"github.com/portalsim/portalsim/reports"
)

// The kinds of faults a scenario can inject (Fault.Kind).
const (
	// FaultLatency delays bytes by latency ± jitter (side client or link).
	FaultLatency = "latency"
	// FaultBandwidth limits each connection to bytes_per_second (client or link).
	FaultBandwidth = "bandwidth"
	// FaultFragment writes bytes size at a time, 1 by default: telnet
	// sequences and UTF-8 characters arrive split (client or link).
	FaultFragment = "fragment"
	// FaultHalfOpen forwards nothing, not even a close, for its window or
	// for good: connections open at both ends and silent (client or link).
	FaultHalfOpen = "half-open"
	// FaultReset ends connections with a TCP RST (client or link).
	FaultReset = "reset"
	// FaultCut closes connections with a FIN and, for its window,
	// refuses new ones (client or link).
	FaultCut = "cut"
	// FaultVanish closes players' connections right after (or, with
	// partial, in the middle of) their next command; it lasts until the
	// last of them is gone (client).
	FaultVanish = "vanish"
	// FaultStorm makes a crowd of extra clients connect at once, see
	// their login screen and go, round after round (client).
	FaultStorm = "reconnect-storm"
	// FaultSlowloris makes a crowd of extra clients hold connections
	// open with one byte every so often (client).
	FaultSlowloris = "slowloris"
	// FaultServerCrash kills the game server as SIGKILL would and, after
	// its window, starts a new one.
	FaultServerCrash = "server-crash"
	// FaultServerStall freezes the game server for its window.
	FaultServerStall = "server-stall"
	// FaultServerReload reloads the game server, as the in-game reload does.
	FaultServerReload = "server-reload"
)

// Directions of a fault (Fault.Direction), relative to the portal.
const (
	// DirectionBoth is both ways (the default).
	DirectionBoth = "both"
	// DirectionToPortal is what the players type (client side) or what
	// the game server sends (link side).
	DirectionToPortal = "to-portal"
	// DirectionFromPortal is what the players see (client side) or what
	// the portal sends the game server (link side).
	DirectionFromPortal = "from-portal"
)

// AfterLogins makes a fault's At count from the moment every player has
// logged in (Fault.After).
const AfterLogins = "logins"

// Bounds of a fault schedule.
const (
	// MaxFaults bounds the number of faults of a scenario.
	MaxFaults = 100
	// MaxStormRounds bounds a reconnect storm's rounds.
	MaxStormRounds = 100
	// MinFaultTime is the shortest window or interval of a fault:
	// anything shorter is a typo ("5ns" for "5s").
	MinFaultTime = time.Millisecond
	// MaxFaultTime bounds a slowloris interval and a server's downtime.
	MaxFaultTime = time.Hour
	// LateAfter is the latency beyond which an answered command counts
	// as late in a fault's record of the report.
	LateAfter = time.Second
)

// Fault is one fault of a scenario's schedule: what happens, at what
// time after the start, for how long. Each kind uses some of the fields
// (see the Fault* kinds); a field a kind does not use is refused.
type Fault struct {
	// At is when the fault begins, from the start of the run (or, with
	// After, from every player logged in): from 0 to before the end of the run.
	At time.Duration `yaml:"at"`
	// After is "" (At counts from the start) or AfterLogins: At counts
	// from the moment every player has logged in and finished its login
	// action (Evennia's also digs a room and goes there), or was lost
	// trying (closed model), so the fault hits a full house in its steady
	// state however long the logins take. Such a fault does not happen if
	// that moment plus At comes after the end of the run.
	After string `yaml:"after,omitempty"`
	// For is how long it lasts. Left out: until the end of the run
	// (latency, bandwidth, fragment, half-open, slowloris), no refusal
	// (cut), a restart at once (server-crash); server-stall needs it.
	// At+For must not pass the end of the run.
	For time.Duration `yaml:"for,omitempty"`
	// Kind is one of the Fault* kinds.
	Kind string `yaml:"kind"`
	// Side is what the fault acts on: "client" (between the players and
	// the portal, the default) or "link" (between the game server and
	// the portal); the server-* kinds act on the game server and take none.
	Side string `yaml:"side,omitempty"`
	// Direction is DirectionBoth (default), DirectionToPortal or
	// DirectionFromPortal (latency, bandwidth, fragment).
	Direction string `yaml:"direction,omitempty"`
	// Latency and Jitter are the added delay, 0 to 1m; at least one is
	// above 0 (latency).
	Latency time.Duration `yaml:"latency,omitempty"`
	Jitter  time.Duration `yaml:"jitter,omitempty"`
	// BytesPerSecond is the limit per connection and direction, 1 to
	// 1 GiB/s (bandwidth).
	BytesPerSecond int64 `yaml:"bytes_per_second,omitempty"`
	// Size is the largest write, 1 (default) to 65,536 bytes (fragment).
	Size int `yaml:"size,omitempty"`
	// Fraction is the share of the players' connections hit, above 0, at
	// most 1 (default): client-side latency, bandwidth, fragment,
	// half-open, reset, vanish.
	Fraction float64 `yaml:"fraction,omitempty"`
	// Partial makes vanishing players go in the middle of their command
	// instead of right after it (vanish).
	Partial bool `yaml:"partial,omitempty"`
	// Clients is the size of the crowd, 1 to 10,000 (reconnect-storm,
	// slowloris).
	Clients int `yaml:"clients,omitempty"`
	// Rounds is how many times a storm's crowd connects, 1 (default) to
	// MaxStormRounds (reconnect-storm).
	Rounds int `yaml:"rounds,omitempty"`
	// Every is the time between two bytes of a slowloris client,
	// MinFaultTime to MaxFaultTime, default 10s (slowloris).
	Every time.Duration `yaml:"every,omitempty"`

	given map[string]bool // the fields the file gave (nil when built in Go)
	// unknown lists the file's fields that are not a Fault's.
	unknown []string
}

// faultFields are the YAML names of a Fault's fields.
var faultFields = []string{"at", "after", "for", "kind", "side", "direction", "latency", "jitter", "bytes_per_second",
	"size", "fraction", "partial", "clients", "rounds", "every"}

// UnmarshalYAML decodes a fault, noting which fields the file gave and
// which it gave that a fault does not have (reported by Compile with the
// fault's index, among the scenario's other problems).
func (f *Fault) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a fault is a mapping of its fields, like {at: 10s, kind: server-crash}", node.Line)
	}
	given := map[string]bool{}
	var unknown []string
	for i := 0; i+1 < len(node.Content); i += 2 {
		k := node.Content[i].Value
		given[k] = true
		if !slices.Contains(faultFields, k) {
			unknown = append(unknown, k)
		}
	}
	type plain Fault
	if err := node.Decode((*plain)(f)); err != nil {
		return err
	}
	f.given, f.unknown = given, unknown
	return nil
}

// faultKind says what a kind of fault takes.
type faultKind struct {
	sides  []string // the sides it may act on, the default first; nil: the game server
	fields []string // the fields it uses besides at, kind and side
	window bool     // For is required
}

var faultKinds = map[string]faultKind{
	FaultLatency:      {sides: bothSides, fields: []string{"for", "direction", "latency", "jitter", "fraction"}},
	FaultBandwidth:    {sides: bothSides, fields: []string{"for", "direction", "bytes_per_second", "fraction"}},
	FaultFragment:     {sides: bothSides, fields: []string{"for", "direction", "size", "fraction"}},
	FaultHalfOpen:     {sides: bothSides, fields: []string{"for", "fraction"}},
	FaultReset:        {sides: bothSides, fields: []string{"fraction"}},
	FaultCut:          {sides: bothSides, fields: []string{"for"}},
	FaultVanish:       {sides: clientSide, fields: []string{"fraction", "partial"}},
	FaultStorm:        {sides: clientSide, fields: []string{"clients", "rounds"}},
	FaultSlowloris:    {sides: clientSide, fields: []string{"for", "clients", "every"}},
	FaultServerCrash:  {fields: []string{"for"}},
	FaultServerStall:  {fields: []string{"for"}, window: true},
	FaultServerReload: {},
}

var (
	bothSides  = []string{reports.SideClient, reports.SideLink}
	clientSide = []string{reports.SideClient}
)

// faultKindNames lists the kinds, sorted, for error messages.
func faultKindNames() string {
	names := make([]string, 0, len(faultKinds))
	for k := range faultKinds {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// has reports whether the fault gives field: in the file, or as a
// non-zero value when built in Go.
func (f *Fault) has(field string) bool {
	if f.given != nil {
		return f.given[field]
	}
	switch field {
	case "for":
		return f.For != 0
	case "after":
		return f.After != ""
	case "side":
		return f.Side != ""
	case "direction":
		return f.Direction != ""
	case "latency":
		return f.Latency != 0
	case "jitter":
		return f.Jitter != 0
	case "bytes_per_second":
		return f.BytesPerSecond != 0
	case "size":
		return f.Size != 0
	case "fraction":
		return f.Fraction != 0
	case "partial":
		return f.Partial
	case "clients":
		return f.Clients != 0
	case "rounds":
		return f.Rounds != 0
	case "every":
		return f.Every != 0
	}
	return true // at, kind
}

// sideOf is the side the fault acts on, its default filled in.
func (f *Fault) sideOf() string {
	k := faultKinds[f.Kind]
	switch {
	case k.sides == nil:
		return reports.SideServer
	case f.Side == "":
		return k.sides[0]
	}
	return f.Side
}

// backstage reports whether the fault needs the embedded game: it acts
// on the link or the game server.
func (f *Fault) backstage() bool { return f.sideOf() != reports.SideClient }

// checkFaults returns every problem of the
// schedule, each named by its field ("faults[2].latency: ...").
func (s *Scenario) checkFaults() []error {
	var errs []error
	if len(s.Faults) > MaxFaults {
		errs = append(errs, fmt.Errorf("faults: %d of them, at most %d", len(s.Faults), MaxFaults))
	}
	planned := s.PlannedDuration()
	for i := range s.Faults {
		errs = append(errs, s.Faults[i].check(fmt.Sprintf("faults[%d]", i), planned, s.Target, s.Model)...)
	}
	return append(errs, serverOverlaps(s.Faults)...)
}

// check returns f's problems; path names it.
func (f *Fault) check(path string, planned time.Duration, target, model string) []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		p := path
		if field != "" {
			p += "." + field
		}
		errs = append(errs, fmt.Errorf("%s: %s", p, fmt.Sprintf(format, args...)))
	}
	for _, u := range f.unknown {
		bad("", "unknown field %q (a fault has %s)", u, strings.Join(faultFields, ", "))
	}
	kind, ok := faultKinds[f.Kind]
	if !ok {
		if f.Kind == "" {
			bad("kind", "missing: want one of %s", faultKindNames())
		} else {
			bad("kind", "%q is not a fault: want one of %s", f.Kind, faultKindNames())
		}
		return errs
	}
	for _, field := range faultFields[4:] { // after at, after, for, kind: side and the kind's own
		if field == "side" || !f.has(field) || slices.Contains(kind.fields, field) {
			continue
		}
		bad(field, "not used by kind %s (it takes %s)", f.Kind, fieldList(kind))
	}
	if f.has("for") && !slices.Contains(kind.fields, "for") {
		bad("for", "not used by kind %s: it is a single act (it takes %s)", f.Kind, fieldList(kind))
	}
	switch {
	case f.has("after") && f.After != AfterLogins:
		bad("after", "%q: want %s, or leave it out for the start of the run", f.After, AfterLogins)
	case f.After == AfterLogins && model == ModelOpen:
		bad("after", "the open model has no moment when every player is in: leave it out")
	}
	f.checkSide(kind, target, bad)
	f.checkTimes(kind, planned, bad)
	f.checkValues(bad)
	return errs
}

// fieldList names the fields a kind takes.
func fieldList(k faultKind) string {
	fs := append([]string{"at", "kind"}, k.fields...)
	if k.sides != nil {
		fs = append(fs, "side")
	}
	return strings.Join(fs, ", ")
}

func (f *Fault) checkSide(kind faultKind, target string, bad func(field, format string, args ...any)) {
	switch {
	case kind.sides == nil && f.has("side"):
		bad("side", "not used by kind %s: it acts on the game server", f.Kind)
	case kind.sides != nil && f.has("side") && !slices.Contains(kind.sides, f.Side):
		bad("side", "%q: kind %s acts on %s", f.Side, f.Kind, strings.Join(kind.sides, " or "))
	}
	if f.sideOf() == reports.SideLink && f.has("fraction") {
		bad("fraction", "the link is one connection: leave fraction out")
	}
	if f.backstage() && target != "" {
		what := "the link between the game server and the portal"
		if f.sideOf() == reports.SideServer {
			what = "the game server"
		}
		bad("", "kind %s acts on %s, which only the embedded game has: remove the target (-target) or this fault", f.Kind, what)
	}
}

func (f *Fault) checkTimes(kind faultKind, planned time.Duration, bad func(field, format string, args ...any)) {
	if f.At < 0 || (planned > 0 && f.At >= planned) {
		bad("at", "%v: want 0 to before the end of the run (%v)", f.At, planned)
	}
	switch {
	case kind.window && !f.has("for"):
		bad("for", "missing: kind %s needs a window (for: 3s)", f.Kind)
	case f.has("for") && f.For < MinFaultTime:
		bad("for", "%v: want at least %v (leave it out for %s)", f.For, MinFaultTime, untilWhat(f.Kind))
	case f.has("for") && planned > 0 && f.At >= 0 && f.At+f.For > planned:
		bad("for", "%v from %v passes the end of the run (%v)", f.For, f.At, planned)
	case f.has("for") && f.sideOf() == reports.SideServer && f.For > MaxFaultTime:
		bad("for", "%v: want at most %v", f.For, MaxFaultTime)
	}
}

// untilWhat says what leaving For out means for a kind.
func untilWhat(kind string) string {
	switch kind {
	case FaultCut:
		return "no refusal after the cut"
	case FaultServerCrash:
		return "a restart at once"
	}
	return "until the end of the run"
}

func (f *Fault) checkValues(bad func(field, format string, args ...any)) {
	inRange := func(field string, v, lo, hi float64, show string) {
		if f.has(field) && (math.IsNaN(v) || v < lo || v > hi) {
			bad(field, "%s: want %v to %v", show, lo, hi)
		}
	}
	durRange := func(field string, v, lo, hi time.Duration) {
		if f.has(field) && (v < lo || v > hi) {
			bad(field, "%v: want %v to %v", v, lo, hi)
		}
	}
	durRange("latency", f.Latency, 0, faults.MaxDelay)
	durRange("jitter", f.Jitter, 0, faults.MaxDelay)
	if f.Kind == FaultLatency && f.Latency == 0 && f.Jitter == 0 {
		bad("latency", "missing or 0: kind latency needs a latency or a jitter above 0")
	}
	if f.Kind == FaultBandwidth && !f.has("bytes_per_second") {
		bad("bytes_per_second", "missing: kind bandwidth needs a limit")
	}
	inRange("bytes_per_second", float64(f.BytesPerSecond), 1, faults.MaxBytesPerSecond, fmt.Sprint(f.BytesPerSecond))
	inRange("size", float64(f.Size), 1, faults.MaxFragment, fmt.Sprint(f.Size))
	if f.has("fraction") && (math.IsNaN(f.Fraction) || f.Fraction <= 0 || f.Fraction > 1) {
		bad("fraction", "%v: want above 0, at most 1", f.Fraction)
	}
	if (f.Kind == FaultStorm || f.Kind == FaultSlowloris) && !f.has("clients") {
		bad("clients", "missing: kind %s needs a crowd (clients: 100)", f.Kind)
	}
	inRange("clients", float64(f.Clients), 1, faults.MaxCrowd, fmt.Sprint(f.Clients))
	inRange("rounds", float64(f.Rounds), 1, MaxStormRounds, fmt.Sprint(f.Rounds))
	durRange("every", f.Every, MinFaultTime, MaxFaultTime)
	if f.has("direction") && !slices.Contains([]string{DirectionBoth, DirectionToPortal, DirectionFromPortal}, f.Direction) {
		bad("direction", "%q: want %s, %s or %s", f.Direction, DirectionBoth, DirectionToPortal, DirectionFromPortal)
	}
}

// The values of a fault with the defaults of the fields left out; the
// fields themselves keep what was given, so Compile can run again.
func (f *Fault) size() int            { return cmp.Or(f.Size, 1) }
func (f *Fault) fraction() float64    { return cmp.Or(f.Fraction, 1) }
func (f *Fault) rounds() int          { return cmp.Or(f.Rounds, 1) }
func (f *Fault) every() time.Duration { return cmp.Or(f.Every, 10*time.Second) }
func (f *Fault) direction() string    { return cmp.Or(f.Direction, DirectionBoth) }

// serverOverlaps refuses server faults that overlap: the game server
// takes one fault at a time.
func serverOverlaps(fs []Fault) []error {
	var errs []error
	for i := range fs {
		for j := range i {
			a, b := &fs[j], &fs[i]
			if _, ok := faultKinds[a.Kind]; !ok || a.sideOf() != reports.SideServer {
				continue
			}
			if _, ok := faultKinds[b.Kind]; !ok || b.sideOf() != reports.SideServer || a.After != b.After {
				continue // times from different moments cannot be compared
			}
			if a.At <= b.At+b.For && b.At <= a.At+a.For {
				errs = append(errs, fmt.Errorf("faults[%d]: %s at %v overlaps faults[%d] (%s at %v for %v): one server fault at a time",
					i, b.Kind, b.At, j, a.Kind, a.At, a.For))
			}
		}
	}
	return errs
}

// stream is the proxy direction of a fault's Direction.
func (f *Fault) stream() faults.Stream {
	switch f.direction() {
	case DirectionToPortal:
		return faults.Upstream
	case DirectionFromPortal:
		return faults.Downstream
	}
	return faults.Both
}

// toxic is what a shaping fault puts in place on its proxy.
func (f *Fault) toxic() faults.Toxic {
	t := faults.Toxic{Stream: f.stream(), Fraction: f.fraction()}
	switch f.Kind {
	case FaultLatency:
		t.Latency, t.Jitter = f.Latency, f.Jitter
	case FaultBandwidth:
		t.BytesPerSecond = f.BytesPerSecond
	case FaultFragment:
		t.Fragment = f.size()
	case FaultHalfOpen:
		t.Hold = true
	}
	return t
}

// detail says what the fault does, for the report.
func (f *Fault) detail() string {
	var parts []string
	switch f.Kind {
	case FaultLatency:
		d := f.Latency.String()
		if f.Jitter > 0 {
			d += " ±" + f.Jitter.String()
		}
		parts = append(parts, d)
	case FaultBandwidth:
		parts = append(parts, fmt.Sprintf("%d B/s", f.BytesPerSecond))
	case FaultFragment:
		parts = append(parts, fmt.Sprintf("%d-byte writes", f.size()))
	case FaultVanish:
		parts = append(parts, map[bool]string{false: "after a command", true: "mid-command"}[f.Partial])
	case FaultStorm:
		parts = append(parts, fmt.Sprintf("%d clients × %d rounds", f.Clients, f.rounds()))
	case FaultSlowloris:
		parts = append(parts, fmt.Sprintf("%d clients, a byte every %v", f.Clients, f.every()))
	}
	switch f.Kind {
	case FaultLatency, FaultBandwidth, FaultFragment:
		parts = append(parts, map[string]string{DirectionBoth: "both ways", DirectionToPortal: "to the portal", DirectionFromPortal: "from the portal"}[f.direction()])
	}
	if f.After == AfterLogins {
		parts = append(parts, fmt.Sprintf("%v after the logins", f.At))
	}
	if fr := f.fraction(); fr < 1 {
		parts = append(parts, fmt.Sprintf("%g%% of connections", 100*fr))
	}
	if f.For > 0 {
		parts = append(parts, "for "+f.For.String())
	}
	return strings.Join(parts, ", ")
}

// NeedsLinkProxy reports whether a fault of the schedule acts on the
// link: the embedded game must then put a proxy on it (see Backstage).
func (s *Scenario) NeedsLinkProxy() bool {
	for i := range s.Faults {
		if s.Faults[i].sideOf() == reports.SideLink {
			return true
		}
	}
	return false
}

// FaultConnections says what the schedule adds to the connections of a
// run of players: proxied is how many pass through the client-side fault
// proxy (each then holds two more sockets in this process: the proxy's
// ends), crowd the extra clients of its storms and slowloris crowds, all
// together at most.
func (s *Scenario) FaultConnections(players int) (proxied, crowd int) {
	for i := range s.Faults {
		f := &s.Faults[i]
		switch {
		case f.Kind == FaultStorm || f.Kind == FaultSlowloris:
			crowd += f.Clients
		case f.sideOf() == reports.SideClient:
			proxied = players
		}
	}
	return proxied, crowd
}
