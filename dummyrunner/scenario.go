package dummyrunner

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/portalsim/portalsim/reports"
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

// Completion rules: how a client knows a command's output is complete.
const (
	// CompletionPrompt waits for the end-of-output marker (telnet GA or EOR).
	CompletionPrompt = "prompt"
	// CompletionEcho sends an echo probe after each command and waits for
	// its answer, for servers that mark nothing.
	CompletionEcho = "echo"
)

// Scenario is a whole load test, as written in a scenario file.
type Scenario struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	// Target is the host:port of a telnet MUD; empty means the embedded portal.
	Target string `yaml:"target,omitempty"`
	// Protocol is "telnet" (websocket comes with the protocols issue).
	Protocol string `yaml:"protocol,omitempty"`
	Seed     int64  `yaml:"seed"`
	Model    string `yaml:"model"`

	// Clients is the number of players (closed model); RampUp spreads their connects.
	Clients int           `yaml:"clients,omitempty"`
	RampUp  time.Duration `yaml:"ramp_up,omitempty"`
	// Duration is how long the closed model runs (the open model runs its stages).
	Duration time.Duration `yaml:"duration,omitempty"`

	// Stages ramp the open model's arrival rate (sessions per second), like k6's ramping-arrival-rate.
	Stages []Stage `yaml:"stages,omitempty"`
	// Session is what one open-model session does.
	Session SessionSpec `yaml:"session,omitempty"`
	// MaxSessions caps concurrent open-model sessions; arrivals beyond it are dropped and counted.
	MaxSessions int `yaml:"max_sessions,omitempty"`

	// Profiles maps profile names (built in, or defined in ProfileFiles) to their share of the players.
	Profiles     map[string]float64 `yaml:"profiles"`
	ProfileFiles []string           `yaml:"profile_files,omitempty"`
	Pacing       Pacing             `yaml:"pacing,omitempty"`

	// Completion is CompletionPrompt (default) or CompletionEcho.
	Completion string `yaml:"completion,omitempty"`
	// LoginSuccess is a regexp the output of the login command must match.
	LoginSuccess string `yaml:"login_success,omitempty"`
	// CommandTimeout fails a command with no complete output in this time; the client is then dropped.
	CommandTimeout time.Duration `yaml:"command_timeout,omitempty"`
	// ConnectTimeout bounds the TCP connect and the wait for the login screen.
	ConnectTimeout time.Duration `yaml:"connect_timeout,omitempty"`
	// LogoutGrace is how long players get to log out when the run ends.
	LogoutGrace time.Duration `yaml:"logout_grace,omitempty"`
	// Thresholds must all hold for the run to pass (see reports.ParseThreshold).
	Thresholds []string `yaml:"thresholds,omitempty"`
	// Events are commands one logged-in player sends at a set time, to
	// make things happen under load: "reload" restarts the game server.
	Events []Event `yaml:"events,omitempty"`
	// Health sets when the generator declares its own run invalid.
	Health Health `yaml:"health,omitempty"`

	dir         string
	profiles    map[string]*Profile
	profileCum  []float64
	profileList []string
	thresholds  []reports.Threshold
	loginRe     *regexp.Regexp
}

// Event is a command sent once, At this long after the start, by
// whichever logged-in player is free first. It is measured like any
// command, as the action "event".
type Event struct {
	At      time.Duration `yaml:"at"`
	Command string        `yaml:"command"`
}

// Stage is one leg of the open model's arrival rate: it moves linearly
// from the previous stage's target to Target over Duration.
type Stage struct {
	Duration time.Duration `yaml:"duration"`
	Target   float64       `yaml:"target"`
}

// SessionSpec is the life of one open-model session.
type SessionSpec struct {
	// Profile is the profile sessions follow; empty: chosen by the Profiles weights.
	Profile string `yaml:"profile,omitempty"`
	// Actions is how many actions a session performs after logging in.
	Actions int `yaml:"actions,omitempty"`
	// Think is the intended time between commands.
	Think time.Duration `yaml:"think,omitempty"`
}

// Pacing is Evennia's dummyrunner pacing (closed model).
type Pacing struct {
	Timestep         time.Duration `yaml:"timestep,omitempty"`
	ChanceOfAction   float64       `yaml:"chance_of_action,omitempty"`
	ChanceOfLogin    float64       `yaml:"chance_of_login,omitempty"`
	LoginConcurrency int           `yaml:"login_concurrency,omitempty"`
}

// Health limits for the generator itself.
type Health struct {
	// MaxTimerLateness: a p99 timer lateness above this invalidates the run.
	MaxTimerLateness time.Duration `yaml:"max_timer_lateness,omitempty"`
	// MaxCPU: a mean process CPU use above this fraction of all cores invalidates the run.
	MaxCPU float64 `yaml:"max_cpu,omitempty"`
}

// DefaultScenario returns the built-in default scenario.
func DefaultScenario() *Scenario {
	s, err := ParseScenario(defaultScenario, "")
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return s
}

// LoadScenario reads and validates a scenario file. Profile files are
// resolved relative to it.
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseScenario(b, filepath.Dir(path))
}

// ParseScenario parses and validates a scenario; dir resolves relative profile files.
func ParseScenario(b []byte, dir string) (*Scenario, error) {
	var s Scenario
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidScenario, err)
	}
	s.dir = dir
	if err := s.Compile(); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *Scenario) defaults() {
	if s.Name == "" {
		s.Name = "unnamed"
	}
	if s.Protocol == "" {
		s.Protocol = "telnet"
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
	if s.Session.Think == 0 {
		s.Session.Think = time.Duration(float64(p.Timestep) / p.ChanceOfAction)
	}
	if s.MaxSessions == 0 {
		s.MaxSessions = 10_000
	}
	if s.Completion == "" {
		s.Completion = CompletionPrompt
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
}

// Compile fills defaults, loads the profiles, parses thresholds and
// reports every problem at once.
func (s *Scenario) Compile() error {
	s.defaults()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch s.Model {
	case ModelClosed:
		if s.Clients <= 0 {
			bad("clients must be positive for the closed model")
		}
		if s.Duration <= 0 {
			bad("duration must be positive for the closed model")
		}
	case ModelOpen:
		if len(s.Stages) == 0 {
			bad("the open model needs stages")
		}
		for i, st := range s.Stages {
			if st.Duration <= 0 || st.Target < 0 {
				bad("stage %d: duration must be positive and target not negative", i+1)
			}
		}
	default:
		bad("model %q: want %q or %q", s.Model, ModelClosed, ModelOpen)
	}
	for i, ev := range s.Events {
		if ev.At < 0 || ev.Command == "" || (s.PlannedDuration() > 0 && ev.At >= s.PlannedDuration()) {
			bad("event %d: needs a command and a time within the run", i+1)
		}
	}
	if s.Protocol != "telnet" {
		bad("protocol %q: only telnet is supported so far", s.Protocol)
	}
	if s.Completion != CompletionPrompt && s.Completion != CompletionEcho {
		bad("completion %q: want %q or %q", s.Completion, CompletionPrompt, CompletionEcho)
	}
	if p := s.Pacing; p.ChanceOfAction < 0 || p.ChanceOfAction > 1 || p.ChanceOfLogin < 0 || p.ChanceOfLogin > 1 {
		bad("pacing chances must be between 0 and 1")
	}
	var err error
	if s.loginRe, err = regexp.Compile(s.LoginSuccess); err != nil {
		bad("login_success: %v", err)
	}
	if s.thresholds, err = reports.ParseThresholds(s.Thresholds); err != nil {
		bad("thresholds: %v", err)
	}
	s.profiles = map[string]*Profile{}
	for _, f := range s.ProfileFiles {
		if !filepath.IsAbs(f) && s.dir != "" {
			f = filepath.Join(s.dir, f)
		}
		p, err := LoadProfile(f)
		if err != nil {
			bad("profile file: %v", err)
			continue
		}
		s.profiles[p.Name] = p
	}
	s.profileList = s.profileList[:0]
	for name := range s.Profiles {
		s.profileList = append(s.profileList, name)
	}
	slices.Sort(s.profileList)
	total := 0.0
	for _, name := range s.profileList {
		w := s.Profiles[name]
		if w <= 0 {
			bad("profile %q: weight must be positive", name)
		}
		total += w
		if _, ok := s.profiles[name]; ok {
			continue
		}
		p, err := LoadProfile(name)
		if err != nil {
			bad("%v", err)
			continue
		}
		s.profiles[name] = p
	}
	if s.Session.Profile != "" {
		if _, ok := s.profiles[s.Session.Profile]; !ok {
			if p, err := LoadProfile(s.Session.Profile); err != nil {
				bad("session profile: %v", err)
			} else {
				s.profiles[p.Name] = p
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w %q: %w", ErrInvalidScenario, s.Name, errors.Join(errs...))
	}
	s.profileCum = make([]float64, len(s.profileList))
	acc := 0.0
	for i, name := range s.profileList {
		acc += s.Profiles[name] / total
		s.profileCum[i] = acc
	}
	s.profileCum[len(s.profileCum)-1] = 1
	return nil
}

// profileFor picks a player's profile from a uniform draw r in [0, 1).
func (s *Scenario) profileFor(r float64) *Profile {
	if s.Session.Profile != "" && s.Model == ModelOpen {
		return s.profiles[s.Session.Profile]
	}
	i, _ := slices.BinarySearch(s.profileCum, r)
	return s.profiles[s.profileList[min(i, len(s.profileList)-1)]]
}

// PlannedDuration is how long the load lasts: Duration, or the sum of the stages.
func (s *Scenario) PlannedDuration() time.Duration {
	if s.Model == ModelOpen {
		var d time.Duration
		for _, st := range s.Stages {
			d += st.Duration
		}
		return d
	}
	return s.Duration
}

// Sessions is how many players the scenario runs in all: Clients in the
// closed model, the number of scheduled arrivals in the open model.
func (s *Scenario) Sessions() int {
	if s.Model == ModelOpen {
		return len(arrivalTimes(s.Stages))
	}
	return s.Clients
}

// ParsedThresholds returns the parsed thresholds.
func (s *Scenario) ParsedThresholds() []reports.Threshold { return s.thresholds }
