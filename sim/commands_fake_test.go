package sim

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/markup"
)

// recCaller is a [Caller] that records what the world does with it.
type recCaller struct {
	acct     *Account
	msgs     []string // as a player reads them: markup.Strip'ed (raw has them as sent)
	raw      []string
	logins   []*Account
	quits    []string
	loginErr error
	addr     string
}

func (c *recCaller) Address() string { return c.addr }

func (c *recCaller) Account() *Account { return c.acct }
func (c *recCaller) Msg(text string) {
	c.msgs = append(c.msgs, markup.Strip(text))
	c.raw = append(c.raw, text)
}
func (c *recCaller) Quit(reason string) {
	c.quits = append(c.quits, reason)
}

func (c *recCaller) Login(a *Account) error {
	if c.loginErr != nil {
		return c.loginErr
	}
	c.acct = a
	c.logins = append(c.logins, a)
	return nil
}

// take returns the messages received so far and forgets them.
func (c *recCaller) take() []string {
	m := c.msgs
	c.msgs = nil
	return m
}

// charMsg is one MsgCharacters call.
type charMsg struct {
	chars []ObjID
	text  string
}

// recNotifier is a [Notifier] that records calls; it is safe for concurrent use.
type recNotifier struct {
	mu        sync.Mutex
	toChars   []charMsg
	all       []string
	reloads   []string
	shutdowns []string
}

func (n *recNotifier) MsgCharacters(chars []ObjID, text string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.toChars = append(n.toChars, charMsg{slices.Clone(chars), text})
}

func (n *recNotifier) MsgAll(text string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.all = append(n.all, text)
}

func (n *recNotifier) Reload(reason string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.reloads = append(n.reloads, reason)
}

func (n *recNotifier) Shutdown(reason string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.shutdowns = append(n.shutdowns, reason)
}

// takeChars returns the MsgCharacters calls so far and forgets them.
func (n *recNotifier) takeChars() []charMsg {
	n.mu.Lock()
	defer n.mu.Unlock()
	m := n.toChars
	n.toChars = nil
	return m
}

// testClock is a fixed clock for worlds under test.
var testClock = time.Date(2025, 11, 25, 12, 0, 0, 123456789, time.UTC)

// newTestWorld returns a world over store (nil: memory) with cheap password hashing.
func newTestWorld(t *testing.T, store Store) *World {
	t.Helper()
	w, err := NewWorld(WorldConfig{Store: store, ServerName: "testsim", InsecurePasswordCost: true, NewAccountPerm: PermBuilder, Now: func() time.Time { return testClock }})
	if err != nil {
		t.Fatalf("NewWorld: %v", err)
	}
	return w
}

// execLine runs line for c and returns the caller's messages, joined by newlines.
func execLine(t *testing.T, w *World, c *recCaller, n *recNotifier, line string) string {
	t.Helper()
	c.take()
	w.Execute(c, n, line)
	return strings.Join(c.take(), "\n")
}

// loginAs creates account name (password "pw-"+name) and connects as it.
func loginAs(t *testing.T, w *World, n *recNotifier, name string) *recCaller {
	t.Helper()
	c := &recCaller{}
	execLine(t, w, c, n, "create "+name+" pw-"+name)
	out := execLine(t, w, c, n, "connect "+name+" pw-"+name)
	if c.acct == nil {
		t.Fatalf("connect %s: not logged in; got %q", name, out)
	}
	return c
}

// wantContains fails unless got contains every want.
func wantContains(t *testing.T, line, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%q: got %q, want it to contain %q", line, got, want)
		}
	}
}

// fixture is a world with Alice (#3) and Bob (#4) in Limbo, a Garden (#5)
// north of Limbo (exits north #6 and south #7), and a box (#8, color=red)
// that Alice carries.
type fixture struct {
	w          *World
	n          *recNotifier
	alice, bob *recCaller
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{w: newTestWorld(t, nil), n: &recNotifier{}}
	f.alice = loginAs(t, f.w, f.n, "Alice")
	f.bob = loginAs(t, f.w, f.n, "Bob")
	for _, line := range []string{"dig Garden = north, south", "create box", "set box/color = red"} {
		execLine(t, f.w, f.alice, f.n, line)
	}
	f.n.takeChars()
	return f
}
