package sim_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

const wait = 10 * time.Second

func startStack(t *testing.T, cfg testutil.StackConfig) *testutil.Stack {
	t.Helper()
	if cfg.Portal.MaxConnectionRate == 0 {
		cfg.Portal.MaxConnectionRate = -1
	}
	st, err := testutil.StartStack(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

// player is a logged-in telnet client.
type player struct {
	t    *testing.T
	c    *testutil.TelnetClient
	name string
}

func connect(t *testing.T, st *testutil.Stack) *testutil.TelnetClient {
	t.Helper()
	c, err := testutil.DialTelnet(st.TelnetAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Expect(regexp.MustCompile(`connect <username> <password>(?s:.*)`+testutil.PromptMark), wait); err != nil {
		t.Fatal(err)
	}
	return c
}

func (p *player) do(cmd string) string {
	p.t.Helper()
	out, err := p.c.Command(cmd, wait)
	if err != nil {
		p.t.Fatalf("%s: %q: %v", p.name, cmd, err)
	}
	return out
}

func (p *player) mustSee(cmd, want string) string {
	p.t.Helper()
	out := p.do(cmd)
	if !strings.Contains(out, want) {
		p.t.Fatalf("%s: %q answered %q, want it to contain %q", p.name, cmd, out, want)
	}
	return out
}

func login(t *testing.T, st *testutil.Stack, name string) *player {
	t.Helper()
	p := &player{t: t, c: connect(t, st), name: name}
	p.mustSee("create "+name+" secret1", "created")
	p.mustSee("connect "+name+" secret1", "Limbo")
	return p
}

func TestPlayerSession(t *testing.T) {
	t.Parallel()
	st := startStack(t, testutil.StackConfig{})
	a := login(t, st, "alice")
	b := login(t, st, "bob")
	a.mustSee("dig/tel Garden = north, south", "Garden")
	a.mustSee("look", "Garden")
	a.mustSee("south", "Limbo")
	out := a.mustSee("say hello there", `You say, "hello there"`)
	_ = out
	if _, err := b.c.Expect(regexp.MustCompile(`alice says, "hello there"`), wait); err != nil {
		t.Fatal(err)
	}
	a.mustSee("dummyrunner_echo_response 12.5", "dummyrunner_echo_response:12.5,")
	if err := a.c.Send("quit"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.c.Expect(regexp.MustCompile("Good bye"), wait); err != nil {
		t.Fatal(err)
	}
	if err := a.c.WaitClosed(wait); err != nil {
		t.Fatal(err)
	}
}

// MULTISESSION_MODE 0: a second login of the same account kicks the first.
func TestSecondLoginKicksFirst(t *testing.T) {
	t.Parallel()
	st := startStack(t, testutil.StackConfig{})
	first := login(t, st, "carol")
	second := &player{t: t, c: connect(t, st), name: "carol-2"}
	second.mustSee("connect carol secret1", "Limbo")
	if _, err := first.c.Expect(regexp.MustCompile("Logged in from elsewhere"), wait); err != nil {
		t.Fatal(err)
	}
	if err := first.c.WaitClosed(wait); err != nil {
		t.Fatal(err)
	}
	second.mustSee("look", "Limbo")
}

// The in-game reload restarts the server; everyone stays connected,
// logged in, in the same room.
func TestReloadKeepsPlayers(t *testing.T) {
	t.Parallel()
	st := startStack(t, testutil.StackConfig{})
	a := login(t, st, "dave")
	a.mustSee("dig/tel Cellar = down, up", "Cellar")
	before := st.Server()
	a.c.Send("reload")
	if _, err := a.c.Expect(regexp.MustCompile(`Server restarted`), wait); err != nil {
		t.Fatal(err)
	}
	if st.Server() == before {
		t.Fatal("the server was not replaced")
	}
	a.mustSee("look", "Cellar")
	if n := st.Portal.Handler().CountLoggedIn(false); n != 1 {
		t.Fatalf("%d logged in after reload, want 1", n)
	}
}

// A killed server (no goodbye, no sync) is replaced; commands typed while
// it was down are answered afterwards, in order.
func TestKilledServerRestartKeepsPlayers(t *testing.T) {
	t.Parallel()
	st := startStack(t, testutil.StackConfig{})
	a := login(t, st, "erin")
	if err := st.KillServer(); err != nil {
		t.Fatal(err)
	}
	if err := a.c.Send("dummyrunner_echo_response during"); err != nil {
		t.Fatal(err)
	}
	if err := a.c.Send("look"); err != nil {
		t.Fatal(err)
	}
	if err := st.StartServer(); err != nil {
		t.Fatal(err)
	}
	// The answers arrive after the restart notice, in the order sent.
	for _, want := range []string{"dummyrunner_echo_response:during,", "Limbo"} {
		out, err := a.c.ReadPrompt(wait)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, want) {
			t.Fatalf("got %q, want %q", out, want)
		}
	}
	a.mustSee("look", "Limbo")
}

// A session that connects while no server is linked gets its login screen
// once one is (bug 5.5).
func TestConnectWhileNoServerGetsLoginScreen(t *testing.T) {
	t.Parallel()
	st := startStack(t, testutil.StackConfig{NoServer: true})
	c, err := testutil.DialTelnet(st.TelnetAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Send("look"); err != nil {
		t.Fatal(err)
	}
	if err := st.StartServer(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Expect(regexp.MustCompile(`(?s)connect <username>.*connect <username>`), wait); err != nil {
		t.Fatal(err) // the login screen, then the answer to look
	}
}

// Bug 5.36: a session gone before its login screen is due gets nothing,
// and the server forgets it.
func TestDisconnectBeforeLoginScreen(t *testing.T) {
	t.Parallel()
	st := startStack(t, testutil.StackConfig{Sim: sim.Config{LoginScreenDelay: 300 * time.Millisecond}})
	c, err := testutil.DialTelnet(st.TelnetAddr())
	if err != nil {
		t.Fatal(err)
	}
	err = testutil.Await(wait, 2*time.Millisecond, func() error {
		if len(st.Server().Sessions(context.Background())) == 1 {
			return nil
		}
		return errors.New("server has no session yet")
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	err = testutil.Await(wait, 2*time.Millisecond, func() error {
		if n := len(st.Server().Sessions(context.Background())); n != 0 {
			return fmt.Errorf("server still has %d sessions", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // past the login-screen delay: a negative check needs the time to pass
	if got := st.Server().Stats().LoginScreens; got != 0 {
		t.Fatalf("login screens shown: %d, want 0", got)
	}
	if st.Portal.Handler().Stats().OutputUnknown != 0 {
		t.Fatal("the server sent output to the dead session")
	}
}

// After a sync the portal's and the server's session tables agree.
func TestSessionTablesAgreeAfterReload(t *testing.T) {
	t.Parallel()
	st := startStack(t, testutil.StackConfig{})
	var ps []*player
	for i := range 5 {
		ps = append(ps, login(t, st, fmt.Sprintf("user%d", i)))
	}
	connect(t, st) // one not logged in
	ps[0].c.Send("reload")
	if _, err := ps[0].c.Expect(regexp.MustCompile(`Server restarted`), wait); err != nil {
		t.Fatal(err)
	}
	requireTablesAgree(t, st)
}

func requireTablesAgree(t *testing.T, st *testutil.Stack) {
	t.Helper()
	err := testutil.Await(wait, 5*time.Millisecond, func() error {
		srv := map[uint64]link.SessionData{}
		for _, d := range st.Server().Sessions(context.Background()) {
			srv[d.Sessid] = d
		}
		ps := st.Portal.Handler().Sessions()
		if len(ps) != len(srv) {
			return fmt.Errorf("portal has %d sessions, server %d", len(ps), len(srv))
		}
		for _, s := range ps {
			d, ok := srv[s.Sessid()]
			if !ok {
				return fmt.Errorf("sessid %d missing on the server", s.Sessid())
			}
			pd := s.Data()
			if pd.Uid != d.Uid || pd.LoggedIn != d.LoggedIn || pd.Uname != d.Uname || pd.Puid != d.Puid {
				return fmt.Errorf("sessid %d: portal %+v, server %+v", s.Sessid(), pd, d)
			}
			if (s.State() == portal.StateLoggedIn) != d.LoggedIn {
				return fmt.Errorf("sessid %d: portal state %v, server logged in %v", s.Sessid(), s.State(), d.LoggedIn)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Many clients at once: every one logs in and is answered.
func TestManyPlayers(t *testing.T) {
	t.Parallel()
	st := startStack(t, testutil.StackConfig{})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			c, err := testutil.DialTelnet(st.TelnetAddr())
			if err != nil {
				errs <- err
				return
			}
			t.Cleanup(func() { c.Close() })
			if _, err := c.ReadPrompt(wait); err != nil {
				errs <- err
				return
			}
			name := fmt.Sprintf("many%d", i)
			for _, cmd := range []string{"create " + name + " pw123", "connect " + name + " pw123", "look"} {
				if _, err := c.Command(cmd, wait); err != nil {
					errs <- fmt.Errorf("%s %q: %w", name, cmd, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := st.Portal.Handler().CountLoggedIn(false); n != 50 {
		t.Fatalf("%d logged in, want 50", n)
	}
}
