package dummyrunner

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// Plan is a scenario compiled for a run: the scenario with its defaults
// filled and every value checked, and what a run reads built once: the
// profiles and their cumulative weights, the transports' shares, the
// login script, the accounts, the completion and the response checks of
// every action, the thresholds. [Scenario.Compile] makes one.
//
// Nothing changes a Plan once it is made, so a Plan may drive any number
// of runs, one after the other or at once. To run a changed scenario
// (fewer clients, another seed), change the [Scenario] and compile it
// again.
type Plan struct {
	sc Scenario // defaults filled; a copy that no caller holds

	// The profiles by the names the scenario uses (Profiles, and
	// Session.Profile); the plan's own, loaded by Compile.
	profiles    map[string]*Profile
	profileList []string  // the names of Profiles, sorted
	profileCum  []float64 // their cumulative normalized weights
	// The transports with their cumulative shares, sorted by name.
	transportList []string
	transportCum  []float64
	thresholds    []reports.Threshold
	loginRe       *regexp.Regexp                    // login_success
	accounts      []account                         // the rows of Accounts.File
	login         []loginStep                       // the compiled login script
	screen        *regexp.Regexp                    // the login script's screen; nil: the completion mode's rule
	completion    *completion                       // the scenario's completion
	actionComps   map[*Completion]*completion       // the profile actions' own completions
	checks        *checkSet                         // the scenario's own: events, actions without checks
	actionChecks  map[*Profile]map[string]*checkSet // the actions with checks of their own, by profile
}

// Compile checks the scenario and builds its [Plan]. It works on a copy
// of s, whose defaults it fills: s itself is not changed, and changing
// it afterwards changes nothing in the plan. dir resolves the relative
// paths of the file (profile files, the accounts file), as the directory
// of the scenario file; "" leaves them relative to the working directory.
//
// Every number is checked against its bounds (see MaxClients and the
// other limits); Compile loads the profiles, parses the thresholds, and
// reports every problem at once, each named by the path of its field
// ("stages[1].target", indices from 0), wrapping ErrInvalidScenario.
func (s *Scenario) Compile(dir string) (*Plan, error) {
	pl := &Plan{sc: *s.Clone()}
	sc := &pl.sc
	thinkSet := sc.Session.Think != 0
	sc.defaults()
	var p problems
	switch sc.Model {
	case ModelClosed:
		sc.checkClosed(&p)
	case ModelOpen:
		sc.checkStages(&p)
	default:
		p.add("model", "%q: want %q or %q", sc.Model, ModelClosed, ModelOpen)
	}
	sc.checkSessions(&p, thinkSet)
	sc.checkEvents(&p)
	pl.checkSettings(&p)
	var err error
	if pl.loginRe, err = regexp.Compile(sc.LoginSuccess); err != nil {
		p.add("login_success", "%v", err)
	}
	pl.compileLogin(&p)
	pl.loadAccounts(&p, dir)
	before := len(p.errs)
	total := pl.loadProfiles(&p, dir)
	pl.compileCompletions()
	pl.compileChecks(&p)
	pl.checkThresholds(&p, len(p.errs) == before)
	p.errs = append(p.errs, sc.checkFaults()...)
	if len(p.errs) > 0 {
		return nil, fmt.Errorf("%w %q: %w", ErrInvalidScenario, sc.Name, errors.Join(p.errs...))
	}
	pl.profileCum = make([]float64, len(pl.profileList))
	acc := 0.0
	for i, name := range pl.profileList {
		acc += sc.Profiles[name] / total
		pl.profileCum[i] = acc
	}
	pl.profileCum[len(pl.profileCum)-1] = 1
	return pl, nil
}

// Scenario returns the scenario the plan was compiled from, with its
// defaults filled (and the accounts file's path made absolute): a copy,
// so changing it changes nothing in the plan. Compiled again (with the
// same dir), it makes the same plan: "run -procs" gives it to its
// children so.
func (pl *Plan) Scenario() *Scenario { return pl.sc.Clone() }

// PlannedDuration is how long the load lasts: the closed model's
// duration, or the sum of the open model's stages.
func (pl *Plan) PlannedDuration() time.Duration { return pl.sc.PlannedDuration() }

// Sessions is how many players the plan runs in all (see
// [Scenario.Sessions]).
func (pl *Plan) Sessions() int { return pl.sc.Sessions() }

// Thresholds returns the parsed thresholds, in the file's order.
func (pl *Plan) Thresholds() []reports.Threshold { return slices.Clone(pl.thresholds) }

// checkSettings checks the protocol, completion, pacing, timeouts and
// health limits.
func (pl *Plan) checkSettings(p *problems) {
	s := &pl.sc
	if s.Target != "" {
		p.address("target", s.Target)
	}
	pl.compileTransports(p)
	pl.completion = s.Completion.compile(p, "completion", true)
	if s.Names != NamesUnique && s.Names != NamesSeed {
		p.add("names", "%q: want %q or %q", s.Names, NamesUnique, NamesSeed)
	}
	pc := s.Pacing
	p.duration("pacing.timestep", pc.Timestep, MinTimeout, MaxTimeout)
	p.number("pacing.chance_of_action", pc.ChanceOfAction, 0, 1, false)
	p.number("pacing.chance_of_login", pc.ChanceOfLogin, 0, 1, false)
	p.count("pacing.login_concurrency", pc.LoginConcurrency, 1, MaxClients)
	p.duration("command_timeout", s.CommandTimeout, MinTimeout, MaxTimeout)
	p.duration("connect_timeout", s.ConnectTimeout, MinTimeout, MaxTimeout)
	p.duration("logout_grace", s.LogoutGrace, MinTimeout, MaxTimeout)
	p.duration("health.max_timer_lateness", s.Health.MaxTimerLateness, MinTimeout, MaxTimeout)
	p.number("health.max_cpu", s.Health.MaxCPU, 0, 1, true)
	p.number("health.max_background_cpu", s.Health.MaxBackgroundCPU, 0, 1, true)
}

// checkThresholds parses the thresholds and, when every profile loaded
// (else the actions are not all known), checks the actions they name.
func (pl *Plan) checkThresholds(p *problems, profilesLoaded bool) {
	pl.thresholds = make([]reports.Threshold, 0, len(pl.sc.Thresholds))
	known := pl.Actions()
	for i, expr := range pl.sc.Thresholds {
		field := fmt.Sprintf("thresholds[%d]", i)
		th, err := reports.ParseThreshold(expr)
		if err != nil {
			p.add(field, "%v", err)
			continue
		}
		if err := th.CheckAction(known); err != nil && profilesLoaded {
			p.add(field, "%v", err)
		} else if a := th.Action(); th.OnChecks() && pl.neverChecked(a) {
			p.add(field, "%q: the %s action is never checked (a login script has its own fail patterns; a logout's answer is a goodbye)", th.Expr, a)
		} else if th.OnChecks() && profilesLoaded {
			if prof := pl.uncheckedIn(a); prof != "" {
				p.add(field, "%q: the %s action has no checks in profile %q, so the threshold could never pass (the built-in sets are off for %s, which try every name they remember): add checks to its entry in the profile file (checks: {builtin: [sim]}, or fail/require patterns) or fail/require patterns to the scenario's checks", th.Expr, a, prof, strings.Join(slices.Sorted(maps.Keys(blindActions)), ", "))
			}
		}
		pl.thresholds = append(pl.thresholds, th)
	}
}

// compileCompletions compiles the completions of the profiles' actions
// that have their own (their problems were reported when the profile
// loaded).
func (pl *Plan) compileCompletions() {
	pl.actionComps = map[*Completion]*completion{}
	for _, prof := range pl.profiles {
		for _, a := range prof.Actions {
			if c := a.Completion; c != nil && c.Mode != "" {
				pl.actionComps[c] = c.compile(&problems{}, "", false)
			}
		}
	}
}

// completionOf is how the commands of an action complete: its own
// completion (c, from its profile entry) or the scenario's.
func (pl *Plan) completionOf(c *Completion) *completion {
	if own, ok := pl.actionComps[c]; ok && own != nil {
		return own
	}
	return pl.completion
}

// compileChecks compiles the scenario's checks and those of the profile
// actions that have their own (their problems were reported when the
// profile loaded). The built-in actions that try every name they
// remember (see blindActions) have the built-in sets off unless their
// entry sets checks.
func (pl *Plan) compileChecks(p *problems) {
	pl.checks = compileChecks(p, "checks", &pl.sc.Checks, nil)
	pl.actionChecks = map[*Profile]map[string]*checkSet{}
	for _, name := range slices.Sorted(maps.Keys(pl.profiles)) {
		prof := pl.profiles[name]
		for i, a := range prof.Actions {
			if a.Checks == nil && blindActions[a.Action] && len(a.Commands) == 0 {
				a.Checks = &Checks{Builtin: []string{CheckSetNone}}
			}
			if a.Checks == nil {
				continue
			}
			if pl.actionChecks[prof] == nil {
				pl.actionChecks[prof] = map[string]*checkSet{}
			}
			field := fmt.Sprintf("%s.actions[%d].checks", fieldKey("profiles", name), i)
			pl.actionChecks[prof][a.Action] = compileChecks(p, field, &pl.sc.Checks, a.Checks)
		}
	}
}

// checksFor returns the compiled checks of an action of prof: its own,
// or the scenario's; nil checks nothing.
func (pl *Plan) checksFor(prof *Profile, action string) *checkSet {
	if c, ok := pl.actionChecks[prof][action]; ok {
		return c
	}
	return pl.checks
}

// uncheckedIn names a profile in which action (not "" or "*") is done
// but checks nothing, or returns "".
func (pl *Plan) uncheckedIn(action string) string {
	if action == "" || action == "*" {
		return ""
	}
	for _, name := range pl.profileList {
		prof := pl.profiles[name]
		if prof == nil {
			continue
		}
		for _, a := range prof.Actions {
			if a.Action == action && pl.checksFor(prof, action) == nil {
				return name
			}
		}
	}
	return ""
}

// neverChecked reports whether action is only ever a login or logout
// action of the scenario's profiles, whose commands are not checked.
func (pl *Plan) neverChecked(action string) bool {
	if action == "" || action == "*" {
		return false
	}
	found := false
	for _, prof := range pl.profiles {
		if prof.Login != action && prof.Logout != action {
			for _, a := range prof.Actions {
				if a.Action == action {
					return false
				}
			}
			continue
		}
		found = true
	}
	return found
}

// loadProfiles loads the profile files (relative to dir) and the
// profiles the scenario names, checks their weights and returns the
// weights' sum.
func (pl *Plan) loadProfiles(p *problems, dir string) float64 {
	s := &pl.sc
	pl.profiles = map[string]*Profile{}
	for i, f := range s.ProfileFiles {
		if !filepath.IsAbs(f) && dir != "" {
			f = filepath.Join(dir, f)
		}
		prof, err := LoadProfile(f)
		if err != nil {
			p.add(fmt.Sprintf("profile_files[%d]", i), "%v", err)
			continue
		}
		pl.profiles[prof.Name] = prof
	}
	pl.profileList = slices.Sorted(maps.Keys(s.Profiles))
	total := 0.0
	for _, name := range pl.profileList {
		w := s.Profiles[name]
		p.number(fieldKey("profiles", name), w, 0, MaxWeight, true)
		total += w
		if _, ok := pl.profiles[name]; ok {
			continue
		}
		prof, err := LoadProfile(name)
		if err != nil {
			p.add(fieldKey("profiles", name), "%v", err)
			continue
		}
		pl.profiles[name] = prof
	}
	if sp := s.Session.Profile; sp != "" {
		if _, ok := pl.profiles[sp]; !ok {
			f := sp
			if strings.ContainsAny(f, "/.") && !filepath.IsAbs(f) && dir != "" {
				f = filepath.Join(dir, f) // a file, relative to the scenario like profile_files
			}
			if prof, err := LoadProfile(f); err != nil {
				p.add("session.profile", "%v", err)
			} else {
				// Under the name the sessions look it up by: a file's
				// profile is not called by its path.
				pl.profiles[sp] = prof
			}
		}
	}
	return total
}

// Actions returns the names of the actions the plan's players can
// measure, sorted: those of the profiles it uses (their login and logout
// actions too), "login" with a login script or setup commands, and
// "event" when it has events. Thresholds may name only these (or "*").
func (pl *Plan) Actions() []string {
	var names []string
	add := func(p *Profile) {
		if p == nil {
			return
		}
		names = append(names, p.Login, p.Logout)
		for _, a := range p.Actions {
			names = append(names, a.Action)
		}
	}
	s := &pl.sc
	if len(pl.login) > 0 || len(s.Completion.Setup) > 0 {
		names = append(names, ActionLogin)
	}
	if s.Model == ModelOpen && s.Session.Profile != "" {
		add(pl.profiles[s.Session.Profile])
	} else {
		for _, name := range pl.profileList {
			add(pl.profiles[name])
		}
	}
	if len(s.Events) > 0 {
		names = append(names, "event")
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// profileFor picks a player's profile from a uniform draw r in [0, 1).
func (pl *Plan) profileFor(r float64) *Profile {
	if pl.sc.Session.Profile != "" && pl.sc.Model == ModelOpen {
		return pl.profiles[pl.sc.Session.Profile]
	}
	i, _ := slices.BinarySearch(pl.profileCum, r)
	return pl.profiles[pl.profileList[min(i, len(pl.profileList)-1)]]
}
