package sync_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
)

// Environment knobs for longer soaks of the randomized spec; the defaults
// keep it within the suite's time budget.
const (
	raceRoundsEnv = "PORTALSIM_SYNC_RACE_ROUNDS"
	raceStepsEnv  = "PORTALSIM_SYNC_RACE_STEPS"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

var _ = Describe("Randomized interleavings of connects, logins, quits, kills, reloads and link cuts", Label("sync", "race"), func() {
	DescribeTable("settle with agreeing tables, every client not closed by the test connected and answering look",
		func(ctx SpecContext, cuts bool) {
			rounds, steps := envInt(raceRoundsEnv, 10), envInt(raceStepsEnv, 40)
			seed := reportSeed()
			for r := range rounds {
				runRaceRound(ctx, seed, r, steps, cuts)
			}
		},
		Entry("kills, restarts and reloads", SpecTimeout(3*time.Minute), false),
		Entry("kills, restarts, reloads and link cuts (bug 5.20)", SpecTimeout(3*time.Minute), true),
	)
})

// racePlayer is one client of a round. Its actions run in order on its
// own goroutine, concurrently with the other players' and the stack's faults.
type racePlayer struct {
	id   int
	name string
	acts chan func() error
	done chan struct{}

	loggedIn atomic.Bool // it saw "You become"
	closed   atomic.Bool // the test quit or dropped it

	// Owned by the worker goroutine until done is closed.
	c   *testutil.TelnetClient
	err error
	n   int
}

// raceRound is one randomized run against a fresh stack.
type raceRound struct {
	st      *testutil.ProxiedStack
	cs      *clients
	rng     *rand.Rand
	header  string
	players []*racePlayer
	down    int  // steps until the killed server is started again; 0: it runs
	cuts    bool // whether to cut the link too

	mu  sync.Mutex
	ops []string
}

const racePlayersMax = 16

func runRaceRound(ctx SpecContext, seed int64, round, steps int, cuts bool) {
	GinkgoHelper()
	r := &raceRound{
		st:     startStack(testutil.ProxiedStackConfig{}),
		cs:     newClients(),
		rng:    rand.New(rand.NewPCG(uint64(seed), uint64(round))),
		header: fmt.Sprintf("seed %d (replay: ginkgo --seed %d), round %d", seed, seed, round),
		cuts:   cuts,
	}
	By(r.header)
	for i := range steps {
		r.step(i)
	}
	r.settle(ctx)
	r.verify(ctx)
	r.mu.Lock()
	AddReportEntry(fmt.Sprintf("round %d", round), fmt.Sprintf("%d players, %d operations", len(r.players), len(r.ops)))
	r.mu.Unlock()
	r.cs.closeAll()
	r.st.Close()
}

// where describes the round for a failure: the seed and the operations so far.
func (r *raceRound) where() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.header + "\noperations:\n  " + strings.Join(r.ops, "\n  ")
}

func (r *raceRound) log(format string, args ...any) {
	r.mu.Lock()
	r.ops = append(r.ops, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// pick returns a random player that the test has not closed, or nil.
func (r *raceRound) pick(loggedIn bool) *racePlayer {
	var open []*racePlayer
	for _, p := range r.players {
		if !p.closed.Load() && (!loggedIn || p.loggedIn.Load()) {
			open = append(open, p)
		}
	}
	if len(open) == 0 {
		return nil
	}
	return open[r.rng.IntN(len(open))]
}

func (r *raceRound) step(i int) {
	GinkgoHelper()
	st := r.st
	ops := 100
	if !r.cuts {
		ops = 86 // the link cuts are the last 14
	}
	switch op := r.rng.IntN(ops); {
	case op < 25 && len(r.players) < racePlayersMax:
		r.connect(i)
	case op < 45:
		if p := r.pick(false); p != nil {
			r.log("%d: player %d logs in", i, p.id)
			p.acts <- func() error { return r.login(p) }
		}
	case op < 57:
		if p := r.pick(false); p != nil {
			r.log("%d: player %d looks", i, p.id)
			p.acts <- func() error { return r.look(p, "look") }
		}
	case op < 62:
		if p := r.pick(false); p != nil {
			r.log("%d: player %d quits", i, p.id)
			p.closed.Store(true)
			p.acts <- func() error {
				if err := p.c.Send("quit"); err != nil {
					return err
				}
				return p.c.WaitClosed(wait)
			}
		}
	case op < 67:
		if p := r.pick(false); p != nil {
			r.log("%d: player %d drops its connection", i, p.id)
			p.closed.Store(true)
			p.acts <- func() error { return p.c.Close() }
		}
	case op < 74:
		if r.down == 0 {
			r.down = 1 + r.rng.IntN(3)
			r.log("%d: kill the server for %d steps", i, r.down)
			Expect(st.KillServer()).To(Succeed(), r.where)
			return // the countdown starts at the next step
		}
	case op < 80:
		if srv := st.Server(); srv != nil && r.down == 0 {
			r.log("%d: Server.Reload", i)
			srv.Reload(link.ModeReload, "")
		}
	case op < 86:
		if p := r.pick(true); p != nil {
			r.log("%d: player %d reloads in game", i, p.id)
			p.acts <- func() error { return r.look(p, "reload") }
		}
	case op < 94:
		r.log("%d: cut the link", i)
		st.CutLink()
	default:
		d := time.Duration(5+r.rng.IntN(40)) * time.Millisecond
		r.log("%d: cut the link and refuse redials for %v", i, d)
		st.Proxy.Refuse(true)
		st.CutLink()
		time.Sleep(d) // the outage itself, not a wait for a condition
		st.Proxy.Refuse(false)
	}
	if r.down > 0 {
		if r.down--; r.down == 0 {
			r.log("%d: start the server", i)
			Expect(st.StartServer()).To(Succeed(), r.where)
		}
	}
	time.Sleep(time.Duration(r.rng.IntN(15)) * time.Millisecond) // randomized spacing of the steps
}

// connect adds a player; its worker dials and waits for the login screen.
func (r *raceRound) connect(i int) {
	GinkgoHelper()
	p := &racePlayer{id: len(r.players), acts: make(chan func() error, 256), done: make(chan struct{})}
	p.name = fmt.Sprintf("racer%d", p.id)
	_, err := r.st.World.CreateAccount(p.name, "pw-"+p.name)
	Expect(err).NotTo(HaveOccurred(), r.where)
	r.players = append(r.players, p)
	r.log("%d: player %d connects", i, p.id)
	p.acts <- func() error {
		c, err := r.cs.dial(r.st.TelnetAddr())
		if err != nil {
			return err
		}
		p.c = c
		_, err = c.Expect(loginScreen, wait)
		return err
	}
	go func() {
		defer GinkgoRecover()
		defer close(p.done)
		for act := range p.acts {
			if p.err != nil {
				continue
			}
			if err := act(); err != nil {
				p.err = fmt.Errorf("player %d: %w", p.id, err)
			}
		}
	}()
}

func (r *raceRound) login(p *racePlayer) error {
	if p.closed.Load() || p.loggedIn.Load() {
		return nil
	}
	p.n++
	tag := fmt.Sprintf("p%d-%d", p.id, p.n)
	if err := p.c.Send("connect " + p.name + " pw-" + p.name); err != nil {
		return err
	}
	if err := p.c.Send(echo(tag)); err != nil {
		return err
	}
	want := regexp.MustCompile(`(?s)You become ` + p.name + `\b.*` + echoAnswer(tag).String())
	if _, err := p.c.Expect(want, wait); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	p.loggedIn.Store(true)
	return nil
}

// look sends cmd (look, or an in-game reload) and checks that the
// session is still in the state the test believes.
func (r *raceRound) look(p *racePlayer, cmd string) error {
	if p.closed.Load() {
		return nil
	}
	p.n++
	out, err := answer(p.c, cmd, fmt.Sprintf("p%d-%d", p.id, p.n))
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	switch {
	case cmd == "reload" && !strings.Contains(out, "Server restart initiated"):
		return fmt.Errorf("reload answered %q", out)
	case cmd == "look" && p.loggedIn.Load() && !strings.Contains(out, "Limbo"):
		return fmt.Errorf("look of a logged-in player answered %q", out)
	case cmd == "look" && !p.loggedIn.Load() && !strings.Contains(out, "connect <username>"):
		return fmt.Errorf("look before login answered %q", out)
	}
	return nil
}

// settle ends the faults, waits for every player's actions and for the server.
func (r *raceRound) settle(ctx SpecContext) {
	GinkgoHelper()
	By("settling")
	if r.down > 0 {
		r.down = 0
		r.log("settle: start the server")
		Expect(r.st.StartServer()).To(Succeed(), r.where)
	}
	for _, p := range r.players {
		close(p.acts)
	}
	for _, p := range r.players {
		Eventually(ctx, p.done).WithTimeout(2*wait).Should(BeClosed(), r.where)
		Expect(p.err).NotTo(HaveOccurred(), r.where)
	}
	Eventually(ctx, r.st.Portal.ServerConnected).WithTimeout(wait).Should(BeTrue(), r.where)
}

func (r *raceRound) verify(ctx SpecContext) {
	GinkgoHelper()
	By("every client not closed by the test is still connected and answers look")
	var open, loggedIn int
	for _, p := range r.players {
		if p.closed.Load() {
			continue
		}
		open++
		if p.loggedIn.Load() {
			loggedIn++
		}
		Expect(p.c.Closed()).To(BeFalse(), func() string { return fmt.Sprintf("player %d was disconnected\n%s", p.id, r.where()) })
		Expect(r.look(p, "look")).To(Succeed(), r.where)
	}
	h := r.st.Portal.Handler()
	Eventually(ctx, func() int { return h.CountLoggedIn(true) }).WithTimeout(wait).Should(Equal(open), r.where)
	Expect(h.CountLoggedIn(false)).To(Equal(loggedIn), r.where)
	Expect(h.Stats().SyncCleaned).To(BeZero(), r.where)
	Eventually(ctx, func() error { return r.st.TablesAgree(ctx) }).WithTimeout(wait).WithPolling(poll).Should(Succeed(), r.where)
}
