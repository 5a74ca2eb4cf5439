package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
)

// EchoAction is the action of the bench's players: one echo probe per
// command, its answer the completion.
const EchoAction = "echo"

// Login is how the players of a target log in: the login screen to wait
// for and the steps of the dummyrunner's login script.
type Login struct {
	// Name names it (-login of an external target).
	Name string
	// Screen is a regexp of the login screen.
	Screen string
	// Steps are the login script's steps.
	Steps []dummyrunner.LoginStep
}

// echoPy installs the echo command on an Evennia character: Evennia's own
// dummyrunner does it so (its README; Developer permission, from
// --dummyrunner-mixin).
const echoPy = "py from evennia.server.profiling.dummyrunner import DummyRunnerCmdSet;self.cmdset.add(DummyRunnerCmdSet, persistent=False)"

// Logins are the login scripts by name: the floor's, portalsim's game
// server's and stock Evennia's (with --dummyrunner-mixin: accounts
// created over telnet, the echo command installed by py).
var Logins = map[string]Login{
	"floor": {Name: "floor", Screen: `floor echo`, Steps: []dummyrunner.LoginStep{
		{Send: "connect {name} {password}", Expect: `^connect {name} `},
	}},
	"portalsim": {Name: "portalsim", Screen: `connect <username>`, Steps: []dummyrunner.LoginStep{
		{Send: "create {name} {password}", Expect: `was created`},
		{Send: "connect {name} {password}", Expect: `You become`},
	}},
	"evennia": {Name: "evennia", Screen: `connect <username>`, Steps: []dummyrunner.LoginStep{
		{Send: "create {name} {password}", Expect: `intended`},
		{Send: "y", Expect: `was created`},
		{Send: "connect {name} {password}", Expect: `You become`},
		{Send: echoPy, Expect: `DummyRunnerCmdSet`},
		// The echo command answers: installed. (Evennia's answer has a
		// space after the colon: "dummyrunner_echo_response: login,<t>".)
		{Send: dummyrunner.EchoCommand + " login", Expect: dummyrunner.EchoCommand + `: ?login,`},
	}},
}

// LoginNames lists the logins, for flags' help.
func LoginNames() []string { return []string{"floor", "portalsim", "evennia"} }

// Load is the offered load, the same for every target.
type Load struct {
	// Players is how many players, all logged in before the window.
	Players int
	// Rate is each player's echo probes per second (the closed model's
	// timestep is 1/Rate, every tick an action).
	Rate float64
	// Duration is the whole run of each target, logins included.
	Duration time.Duration
	// Seed drives the dummyrunner's random choices.
	Seed int64
	// Ramp spreads the players' connects over this long (0: all at once).
	Ramp time.Duration
}

// check reports the load's problems, named by flag.
func (l Load) check() error {
	var bad []string
	if l.Players < 1 || l.Players > dummyrunner.MaxClients {
		bad = append(bad, fmt.Sprintf("-players %d: want 1 to %d", l.Players, dummyrunner.MaxClients))
	}
	if !(l.Rate > 0) || l.Rate > 1000 {
		bad = append(bad, fmt.Sprintf("-rate %v: want above 0, at most 1000 per second", l.Rate))
	}
	if l.Duration < 2*time.Second {
		bad = append(bad, fmt.Sprintf("-duration %v: want at least 2s", l.Duration))
	}
	if l.Ramp < 0 || l.Ramp >= l.Duration {
		bad = append(bad, fmt.Sprintf("-ramp %v: want 0 up to less than -duration", l.Ramp))
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(bad, "; "))
	}
	return nil
}

// timestep is the closed model's timestep for the rate: 1/rate, at
// least the dummyrunner's smallest.
func (l Load) timestep() time.Duration {
	return max(time.Duration(float64(time.Second)/l.Rate), dummyrunner.MinTimeout)
}

// settle is how long after the last login the window opens: two
// probes of every player, at least a second.
func (l Load) settle() time.Duration { return max(2*l.timestep(), time.Second) }

// echoProfile is the bench's one profile: every action one echo probe,
// completed by its answer.
const echoProfile = `name: bench_echo
actions:
  - action: ` + EchoAction + `
    weight: 1
    commands: ['` + dummyrunner.EchoCommand + ` {timestamp}']
`

// plan writes the scenario of a target (its name and login) to dir and
// compiles it, its players shared among transports by mix, ws the
// websocket door (when mix uses it).
func (l Load) plan(dir, target string, login Login, mix Mix, ws string) (*dummyrunner.Plan, error) {
	if err := os.WriteFile(filepath.Join(dir, "bench_echo.yaml"), []byte(echoProfile), 0o600); err != nil {
		return nil, err
	}
	sc := &dummyrunner.Scenario{
		Name:         "bench-" + target,
		Description:  fmt.Sprintf("portalsim bench: %d players x %g echo probes/s against %s", l.Players, l.Rate, target),
		Model:        dummyrunner.ModelClosed,
		Clients:      l.Players,
		Duration:     l.Duration,
		RampUp:       l.Ramp,
		Seed:         l.Seed,
		Transports:   mix,
		Websocket:    dummyrunner.WebsocketSettings{URL: ws},
		Profiles:     map[string]float64{"bench_echo": 1},
		ProfileFiles: []string{"bench_echo.yaml"},
		Pacing: dummyrunner.Pacing{Timestep: l.timestep(), ChanceOfAction: 1, ChanceOfLogin: 1,
			LoginConcurrency: l.Players},
		Completion:     dummyrunner.Completion{Mode: dummyrunner.CompletionRegex, Pattern: regexp.QuoteMeta(dummyrunner.EchoCommand + ":")},
		Login:          dummyrunner.LoginScript{Screen: login.Screen, Timeout: time.Minute, Steps: login.Steps},
		TCPQuickAck:    true,
		CommandTimeout: 30 * time.Second,
		ConnectTimeout: time.Minute,
		// A busy game (stock Evennia announcing every login to everyone
		// in Limbo) answers quit late: a player still logging out is lost.
		LogoutGrace: 30 * time.Second,
	}
	return sc.Compile(dir)
}
