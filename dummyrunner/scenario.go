package dummyrunner

import (
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed default.yaml
var defaultScenario []byte

// Workload models.
const (
	// ModelClosed: a fixed number of players, each paced like Evennia's dummyrunner.
	ModelClosed = "closed"
	// ModelOpen: sessions arrive at a rate (ramping stages), do a fixed
	// script and leave; latency is also measured from the intended send time.
	ModelOpen = "open"
)

// How player names and passwords are made (Scenario.Names).
const (
	// NamesUnique mixes a per-run nonce into the seed's name prefix, so a
	// second run against a server that keeps its accounts does not
	// collide with the first. The report records the nonce; the
	// password is secret, drawn from crypto/rand in each process.
	NamesUnique = "unique"
	// NamesSeed derives names and passwords from the seed alone: the same
	// in every run with that seed.
	NamesSeed = "seed"
)

// Scenario is a whole load test, as written in a scenario file. Every
// number has bounds (the doc of each field says which, and the limits are
// the Max and Min constants); a field left out or 0 takes its default,
// and Compile refuses a file with any number outside its bounds, naming
// the field.
//
// A Scenario is the file's structure and nothing else: change its fields
// freely (a flag or a spec overriding the file), then [Scenario.Compile]
// it into the [Plan] a run reads.
type Scenario struct {
	// Name names the scenario in the report; reports of different names do not merge.
	Name string `yaml:"name"`
	// Description says what the scenario is for, in the report.
	Description string `yaml:"description,omitempty"`
	// Target is the host:port of a telnet MUD (a port from 1 to 65535);
	// empty means the embedded portal.
	Target string `yaml:"target,omitempty"`
	// Protocol is one transport for every player (see TransportNames):
	// the older spelling of Transports with one entry, still accepted.
	// With Transports it must be left out, or name their only transport.
	Protocol string `yaml:"protocol,omitempty"`
	// Transports maps transports (TransportTelnet, TransportWebsocket,
	// TransportTLS) to their share of the players: a weight above 0, at
	// most MaxWeight (default: telnet 1, or Protocol 1). Players are
	// spread by the weights in the order of their ids, the same in every
	// run (see transportFor).
	Transports map[string]float64 `yaml:"transports,omitempty"`
	// Websocket configures the websocket transport.
	Websocket WebsocketSettings `yaml:"websocket,omitempty"`
	// TLS configures the tls transport.
	TLS TLSSettings `yaml:"tls,omitempty"`
	// SSH configures the ssh transport.
	SSH SSHSettings `yaml:"ssh,omitempty"`
	// Seed drives every random choice (any integer): the same seed sends the same commands.
	Seed int64 `yaml:"seed"`
	// Model is ModelClosed (default) or ModelOpen.
	Model string `yaml:"model"`

	// Clients is the number of players of the closed model: 1 to MaxClients.
	Clients int `yaml:"clients,omitempty"`
	// RampUp spreads the closed model's connects: 0 (all at once) up to the Duration.
	RampUp time.Duration `yaml:"ramp_up,omitempty"`
	// Duration is how long the closed model runs, MinTimeout to
	// MaxDuration (the open model runs its stages).
	Duration time.Duration `yaml:"duration,omitempty"`

	// Stages ramp the open model's arrival rate (sessions per second),
	// like k6's ramping-arrival-rate: 1 to MaxStages of them, lasting at
	// most MaxDuration together and scheduling at most MaxArrivals sessions.
	Stages []Stage `yaml:"stages,omitempty"`
	// Session is what one open-model session does.
	Session SessionSpec `yaml:"session,omitempty"`
	// MaxSessions caps concurrent open-model sessions, 1 to MaxClients
	// (default 10,000); arrivals beyond it are dropped and counted.
	MaxSessions int `yaml:"max_sessions,omitempty"`

	// Profiles maps profile names (built in, or defined in ProfileFiles)
	// to their share of the players: a weight above 0, at most MaxWeight
	// (default: looker 1).
	Profiles map[string]float64 `yaml:"profiles"`
	// ProfileFiles are profile files (see Profile), relative to the scenario file.
	ProfileFiles []string `yaml:"profile_files,omitempty"`
	// Pacing is the closed model's pacing.
	Pacing Pacing `yaml:"pacing,omitempty"`

	// Completion is how a client knows a command's output is complete
	// (see [Completion]); a profile's action may set its own. Default
	// CompletionPrompt.
	Completion Completion `yaml:"completion,omitempty"`
	// LoginSuccess is a regexp the output of the login command must match
	// (not used with a Login script, whose steps say what success is).
	LoginSuccess string `yaml:"login_success,omitempty"`
	// Login, if it has steps, is the login script: it replaces the
	// profiles' login action (see [LoginScript]).
	Login LoginScript `yaml:"login,omitempty"`
	// Names is how player names and passwords are made: NamesUnique
	// (default) or NamesSeed.
	Names string `yaml:"names,omitempty"`
	// Accounts, if its file is set, are pre-created accounts: player i
	// logs in as the file's row i (see [Accounts]).
	Accounts Accounts `yaml:"accounts,omitempty"`
	// TCPQuickAck re-arms Linux's TCP_QUICKACK after every read on the
	// telnet and tls transports, so the client's delayed ACKs do not
	// hold back a server's second write behind Nagle's algorithm (a 40ms
	// artifact). TCP_NODELAY is always set.
	TCPQuickAck bool `yaml:"tcp_quickack,omitempty"`
	// CommandTimeout fails a command with no complete output in this
	// time; the client is then dropped. MinTimeout to MaxTimeout, default 30s.
	CommandTimeout time.Duration `yaml:"command_timeout,omitempty"`
	// ConnectTimeout bounds the TCP connect and the wait for the login
	// screen. MinTimeout to MaxTimeout, default 30s.
	ConnectTimeout time.Duration `yaml:"connect_timeout,omitempty"`
	// LogoutGrace is how long players get to log out when the run ends.
	// MinTimeout to MaxTimeout, default 5s.
	LogoutGrace time.Duration `yaml:"logout_grace,omitempty"`
	// Checks are the response checks of every command but the login and
	// logout actions' (see Checks); a profile action's checks add to them.
	// Left out: the built-in sets of every game (CheckSetNames).
	Checks Checks `yaml:"checks,omitempty"`
	// Thresholds must all hold for the run to pass (see reports.ParseThreshold).
	Thresholds []string `yaml:"thresholds,omitempty"`
	// Events are commands one logged-in player sends at a set time, to
	// make things happen under load: "reload" restarts the game server.
	// At most MaxEvents.
	Events []Event `yaml:"events,omitempty"`
	// Faults are faults injected on a schedule (see Fault).
	Faults []Fault `yaml:"faults,omitempty"`
	// Health sets when the generator declares its own run invalid.
	Health Health `yaml:"health,omitempty"`
}

// Event is a command sent once, At this long after the start, by
// whichever logged-in player is free first. It is measured like any
// command, as the action "event".
type Event struct {
	// At is when the event happens, from 0 to before the end of the run.
	At time.Duration `yaml:"at"`
	// Command is the command sent: one line, not empty.
	Command string `yaml:"command"`
}

// Stage is one leg of the open model's arrival rate: it moves linearly
// from the previous stage's target to Target over Duration.
type Stage struct {
	// Duration is how long the stage lasts: MinTimeout to MaxDuration.
	Duration time.Duration `yaml:"duration"`
	// Target is the arrival rate at the end of the stage, in sessions per
	// second: a finite number from 0 to MaxArrivalRate.
	Target float64 `yaml:"target"`
}

// SessionSpec is the life of one open-model session.
type SessionSpec struct {
	// Profile is the profile sessions follow; empty: chosen by the Profiles weights.
	Profile string `yaml:"profile,omitempty"`
	// Actions is how many actions a session performs after logging in:
	// 1 to MaxSessionActions, default 10.
	Actions int `yaml:"actions,omitempty"`
	// Think is the intended time between commands: MinTimeout to
	// MaxTimeout, default the closed model's mean (timestep /
	// chance_of_action).
	Think time.Duration `yaml:"think,omitempty"`
}

// Pacing is Evennia's dummyrunner pacing (closed model).
type Pacing struct {
	// Timestep is the time between a player's ticks (TIMESTEP): MinTimeout
	// to MaxTimeout, default 1s.
	Timestep time.Duration `yaml:"timestep,omitempty"`
	// ChanceOfAction is the chance a tick sends a command
	// (CHANCE_OF_ACTION): from 0 to 1, default 0.5.
	ChanceOfAction float64 `yaml:"chance_of_action,omitempty"`
	// ChanceOfLogin is the chance a tick logs in past the concurrency
	// limit (CHANCE_OF_LOGIN): from 0 to 1, default 0.01.
	ChanceOfLogin float64 `yaml:"chance_of_login,omitempty"`
	// LoginConcurrency is how many players may log in at once: 1 to
	// MaxClients, default 10.
	LoginConcurrency int `yaml:"login_concurrency,omitempty"`
}

// Health limits for the generator itself.
type Health struct {
	// MaxTimerLateness: a p99 timer lateness above this invalidates the
	// run. MinTimeout to MaxTimeout, default 250ms.
	MaxTimerLateness time.Duration `yaml:"max_timer_lateness,omitempty"`
	// MaxCPU: a mean process CPU use above this fraction of all cores
	// invalidates the run. Above 0, at most 1, default 0.95.
	MaxCPU float64 `yaml:"max_cpu,omitempty"`
	// MaxBackgroundCPU: a mean CPU use by other processes (the machine's
	// load less the run's own, see reports.Load) above this fraction of
	// all cores marks the run as measured on a busy machine
	// (reports.Meta.BusyReasons). Above 0, at most 1, default 0.25.
	MaxBackgroundCPU float64 `yaml:"max_background_cpu,omitempty"`
}

// DefaultScenario returns the built-in default scenario, as written (see
// [Scenario.Compile] for its defaults filled).
func DefaultScenario() *Scenario {
	s, err := ParseScenario(defaultScenario)
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return s
}

// LoadScenario reads a scenario file: its structure, checked against the
// fields a scenario has, not yet its values (see [Scenario.Compile], with
// the file's directory to resolve its relative paths).
func LoadScenario(path string) (*Scenario, error) {
	b, err := readFileLimited(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidScenario, err)
	}
	return ParseScenario(b)
}

// ParseScenario decodes a scenario of at most MaxFileSize bytes,
// refusing a field a scenario does not have (each problem with its line).
// It fills no default and checks no value: [Scenario.Compile] does.
func ParseScenario(b []byte) (*Scenario, error) {
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%w: %d bytes: at most %d", ErrInvalidScenario, len(b), MaxFileSize)
	}
	var s Scenario
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidScenario, errors.Join(fieldErrors(b, err)...))
	}
	return &s, nil
}

// Clone returns a deep copy of s: changing one changes nothing in the other.
func (s *Scenario) Clone() *Scenario {
	c := *s
	c.Transports = maps.Clone(s.Transports)
	c.Profiles = maps.Clone(s.Profiles)
	c.ProfileFiles = slices.Clone(s.ProfileFiles)
	c.Stages = slices.Clone(s.Stages)
	c.Completion.Setup = slices.Clone(s.Completion.Setup)
	c.Login.Fail = slices.Clone(s.Login.Fail)
	c.Login.Steps = slices.Clone(s.Login.Steps)
	for i := range c.Login.Steps {
		c.Login.Steps[i].Fail = slices.Clone(c.Login.Steps[i].Fail)
	}
	c.Checks = s.Checks.clone()
	c.Thresholds = slices.Clone(s.Thresholds)
	c.Events = slices.Clone(s.Events)
	// A fault's unexported fields are the decoder's notes, never changed.
	c.Faults = slices.Clone(s.Faults)
	return &c
}

func (s *Scenario) defaults() {
	if s.Name == "" {
		s.Name = "unnamed"
	}
	if len(s.Transports) == 0 {
		proto := s.Protocol
		if proto == "" {
			proto = TransportTelnet
		}
		s.Transports = map[string]float64{proto: 1}
	}
	if s.TLS.Verify == "" {
		s.TLS.Verify = VerifyAuto
	}
	if s.Websocket.Subprotocol == "" {
		s.Websocket.Subprotocol = SubprotocolV1
	}
	if s.Model == "" {
		s.Model = ModelClosed
	}
	if len(s.Profiles) == 0 {
		s.Profiles = map[string]float64{"looker": 1}
	}
	p := &s.Pacing
	if p.Timestep == 0 {
		p.Timestep = time.Second
	}
	if p.ChanceOfAction == 0 {
		p.ChanceOfAction = 0.5
	}
	if p.ChanceOfLogin == 0 {
		p.ChanceOfLogin = 0.01
	}
	if p.LoginConcurrency == 0 {
		p.LoginConcurrency = 10
	}
	if s.Session.Actions == 0 {
		s.Session.Actions = 10
	}
	if s.Session.Think == 0 && p.Timestep > 0 && p.ChanceOfAction > 0 && p.ChanceOfAction <= 1 {
		// The closed model's mean time between commands, at most MaxTimeout.
		s.Session.Think = time.Duration(min(float64(p.Timestep)/p.ChanceOfAction, float64(MaxTimeout)))
	}
	if s.MaxSessions == 0 {
		s.MaxSessions = 10_000
	}
	if s.Completion.Mode == "" {
		s.Completion.Mode = CompletionPrompt
	}
	if s.Names == "" {
		s.Names = NamesUnique
	}
	if s.LoginSuccess == "" {
		s.LoginSuccess = `(?i)you become|welcome back|you are now logged in|logged in as`
	}
	if s.CommandTimeout == 0 {
		s.CommandTimeout = 30 * time.Second
	}
	if s.ConnectTimeout == 0 {
		s.ConnectTimeout = 30 * time.Second
	}
	if s.LogoutGrace == 0 {
		s.LogoutGrace = 5 * time.Second
	}
	if s.Health.MaxTimerLateness == 0 {
		s.Health.MaxTimerLateness = 250 * time.Millisecond
	}
	if s.Health.MaxCPU == 0 {
		s.Health.MaxCPU = 0.95
	}
	if s.Health.MaxBackgroundCPU == 0 {
		s.Health.MaxBackgroundCPU = DefaultMaxBackgroundCPU
	}
}

// checkClosed checks the closed model's players and duration.
func (s *Scenario) checkClosed(p *problems) {
	p.count("clients", s.Clients, 1, MaxClients)
	p.duration("duration", s.Duration, MinTimeout, MaxDuration)
	switch {
	case s.RampUp < 0:
		p.add("ramp_up", "%v is negative", s.RampUp)
	case s.RampUp > s.Duration && s.Duration > 0:
		p.add("ramp_up", "%v is longer than the duration %v: the last players would start after the end", s.RampUp, s.Duration)
	}
}

// checkStages checks the open model's stages and bounds the sessions they
// schedule.
func (s *Scenario) checkStages(p *problems) {
	p.count("clients", s.Clients, 0, MaxClients) // not used by the open model
	p.duration("duration", s.Duration, 0, MaxDuration)
	switch n := len(s.Stages); {
	case n == 0:
		p.add("stages", "the open model needs at least one stage")
		return
	case n > MaxStages:
		p.add("stages", "%d stages: at most %d", n, MaxStages)
		return
	}
	before := len(p.errs)
	for i, st := range s.Stages {
		p.duration(fmt.Sprintf("stages[%d].duration", i), st.Duration, MinTimeout, MaxDuration)
		p.number(fmt.Sprintf("stages[%d].target", i), st.Target, 0, MaxArrivalRate, false)
	}
	if len(p.errs) > before {
		return
	}
	if d := s.PlannedDuration(); d > MaxDuration {
		p.add("stages", "last %v together: at most %v", d, fmtDuration(MaxDuration))
	}
	switch n := arrivalCount(s.Stages); {
	case n > MaxArrivals:
		p.add("stages", "schedule %.0f sessions: at most %d (lower the targets or shorten the stages)", n, MaxArrivals)
	case n < 1:
		p.add("stages", "schedule no session: raise a target")
	}
}

// checkSessions checks what bounds the open model's sessions; a think
// time derived from the pacing (thinkSet false) is checked there.
func (s *Scenario) checkSessions(p *problems, thinkSet bool) {
	p.count("session.actions", s.Session.Actions, 1, MaxSessionActions)
	if thinkSet {
		p.duration("session.think", s.Session.Think, MinTimeout, MaxTimeout)
	}
	p.count("max_sessions", s.MaxSessions, 1, MaxClients)
}

// checkEvents checks that every event has a command and a time within the run.
func (s *Scenario) checkEvents(p *problems) {
	if n := len(s.Events); n > MaxEvents {
		p.add("events", "%d events: at most %d", n, MaxEvents)
		return
	}
	planned := s.PlannedDuration()
	for i, ev := range s.Events {
		p.command(fmt.Sprintf("events[%d].command", i), ev.Command)
		if ev.At < 0 || (planned > 0 && ev.At >= planned) {
			p.add(fmt.Sprintf("events[%d].at", i), "%v is not within the run (0s to %v)", ev.At, planned)
		}
	}
}

// fieldKey is the path of a map entry: "profiles.looker" (just the key
// at the top), or with the key quoted when it is not a plain name (so
// that no control character of a file reaches a terminal).
func fieldKey(parent, key string) string {
	plain := key != ""
	for _, c := range key {
		if !(c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			plain = false
		}
	}
	switch {
	case !plain:
		return fmt.Sprintf("%s[%q]", parent, key)
	case parent == "":
		return key
	}
	return parent + "." + key
}

// PlannedDuration is how long the load lasts: Duration, or the sum of the stages.
func (s *Scenario) PlannedDuration() time.Duration {
	if s.Model == ModelOpen {
		var d time.Duration
		for _, st := range s.Stages {
			switch {
			case st.Duration <= 0:
			case d > math.MaxInt64-st.Duration:
				d = math.MaxInt64 // no overflow, even for an invalid file
			default:
				d += st.Duration
			}
		}
		return d
	}
	return s.Duration
}

// Sessions is how many players the scenario runs in all: Clients in the
// closed model, the number of scheduled arrivals in the open model
// (computed, not listed: at most MaxArrivals in a valid scenario).
func (s *Scenario) Sessions() int {
	if s.Model == ModelOpen {
		n := arrivalCount(s.Stages)
		if !(n <= MaxArrivals) { // NaN too: only an invalid scenario gets here
			return MaxArrivals + 1
		}
		return int(n)
	}
	return s.Clients
}
