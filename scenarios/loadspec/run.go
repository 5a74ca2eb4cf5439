package loadspec

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
	embeddedstack "github.com/portalsim/portalsim/internal/embedded"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/sim"
)

// Option changes a run.
type Option func(*config)

type config struct {
	target   string
	override func(*dummyrunner.Scenario)
	inspect  func(*testutil.Stack)
}

// WithTarget runs against a portal at addr instead of an embedded one.
func WithTarget(addr string) Option { return func(c *config) { c.target = addr } }

// WithScenario changes the scenario as read from its file, before it is
// compiled (fewer clients, a shorter duration, ...): the values f sets
// are checked like the file's.
func WithScenario(f func(*dummyrunner.Scenario)) Option { return func(c *config) { c.override = f } }

// WithStack calls f with the embedded portal and game server once the run
// has ended, before they are shut down: to look at what the portal kept.
func WithStack(f func(*testutil.Stack)) Option { return func(c *config) { c.inspect = f } }

// Run runs a scenario, given as a file path or as inline YAML (anything
// containing a newline), against an embedded portal and game server set
// up like Evennia's dummyrunner settings (no connect throttle, no command
// rate limit), or against WithTarget. The scenario's faults behind the
// portal act on the embedded game (which then has a proxy on its link).
// It returns the report with the scenario's thresholds checked.
func Run(ctx context.Context, scenario string, opts ...Option) (*reports.Report, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	var sc *dummyrunner.Scenario
	var dir string
	var err error
	if strings.Contains(scenario, "\n") {
		sc, err = dummyrunner.ParseScenario([]byte(scenario))
	} else {
		sc, err = dummyrunner.LoadScenario(scenario)
		dir = filepath.Dir(scenario)
	}
	if err != nil {
		return nil, err
	}
	if cfg.override != nil {
		cfg.override(sc)
	}
	plan, err := sc.Compile(dir)
	if err != nil {
		return nil, err
	}
	sc = plan.Scenario() // with its defaults
	ropts := dummyrunner.Options{Target: cfg.target}
	embedded := ropts.Target == ""
	var st *testutil.Stack
	if embedded {
		st, err = testutil.StartStack(testutil.StackConfig{
			Portal:    embeddedstack.LoadTestPortal(nil), // as "portalsim run"
			Sim:       sim.Config{LoginScreenDelay: sim.DefaultLoginScreenDelay},
			LinkProxy: sc.NeedsLinkProxy(),
		})
		if err != nil {
			return nil, fmt.Errorf("start embedded portal: %w", err)
		}
		defer st.Close()
		ropts.Target, ropts.Backstage = st.TelnetAddr(), st.Stack
		ropts.WebsocketURL, ropts.TLSTarget, ropts.SSHTarget = st.WebsocketURL(), st.TLSAddr(), st.SSHAddr()
	}
	meta := reports.Meta{Scenario: sc.Name, Description: sc.Description, Seed: sc.Seed, Version: "loadspec",
		Protocol: plan.TransportLabel(), Model: sc.Model, Machine: reports.CurrentMachine(), Procs: 1}
	rep, err := dummyrunner.Execute(ctx, plan, ropts, meta, embedded, nil)
	if cfg.inspect != nil && st != nil {
		cfg.inspect(st)
	}
	return rep, err
}

// MustRun is Run for specs: it fails the spec on an error.
func MustRun(ctx context.Context, scenario string, opts ...Option) *reports.Report {
	rep, err := Run(ctx, scenario, opts...)
	if err != nil {
		panic(fmt.Sprintf("loadspec: run %s: %v", firstLine(scenario), err))
	}
	return rep
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// durationString prints a limit in a failure message.
func durationString(d time.Duration) string { return reports.FormatDuration(d) }
