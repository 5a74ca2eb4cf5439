package sim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/markup"
)

// newGameWorld is a world set up as `portalsim serve` sets one up: new
// accounts are Players, and the throttles are Evennia's.
func newGameWorld(t *testing.T, store Store) (*World, *time.Time) {
	t.Helper()
	now := testClock
	w, err := NewWorld(WorldConfig{Store: store, InsecurePasswordCost: true, Now: func() time.Time { return now },
		CreationThrottle: DefaultCreationThrottle, LoginThrottle: DefaultLoginThrottle})
	if err != nil {
		t.Fatal(err)
	}
	return w, &now
}

// loginFrom creates and connects account name from addr.
func loginFrom(t *testing.T, w *World, n *recNotifier, name, addr string) *recCaller {
	t.Helper()
	c := &recCaller{addr: addr}
	execLine(t, w, c, n, "create "+name+" pw-"+name)
	if out := execLine(t, w, c, n, "connect "+name+" pw-"+name); c.acct == nil {
		t.Fatalf("connect %s: not logged in; got %q", name, out)
	}
	return c
}

func TestFirstAccountIsTheSuperuser(t *testing.T) {
	t.Parallel()
	w, _ := newGameWorld(t, nil)
	n := &recNotifier{}
	admin := loginFrom(t, w, n, "admin", "127.0.0.1:1")
	mallory := loginFrom(t, w, n, "mallory", "127.0.0.2:1")
	if got := w.Perm(admin.acct.ID); got != PermDeveloper {
		t.Errorf("first account's permission = %v, want Developer", got)
	}
	if got := w.Perm(mallory.acct.ID); got != PermPlayer {
		t.Errorf("second account's permission = %v, want Player", got)
	}
	// A fresh account cannot stop or restart the game, nor build.
	for _, line := range []string{"shutdown", "reload", "restart now", "@shutdown", "dig Hole", "create rock",
		"desc here = mine", "set here/x = 1", "teleport Limbo", "examine me", "perm admin = Player"} {
		word, _, _ := strings.Cut(line, " ")
		want := "Command '" + word + "' is not available. Type \"help\" for help."
		if got := execLine(t, w, mallory, n, line); got != want {
			t.Errorf("Player %q: got %q, want %q", line, got, want)
		}
	}
	if len(n.shutdowns)+len(n.reloads) != 0 {
		t.Fatalf("a Player's commands reached the game: shutdowns %q, reloads %q", n.shutdowns, n.reloads)
	}
	if help := execLine(t, w, mallory, n, "help"); strings.Contains(help, "shutdown") || strings.Contains(help, "dig") {
		t.Errorf("a Player's help lists commands it cannot use:\n%s", help)
	}
	if got := execLine(t, w, mallory, n, "help shutdown"); got != "No help found for 'shutdown'." {
		t.Errorf("help shutdown = %q", got)
	}
	// The superuser can, and grants.
	if got := execLine(t, w, admin, n, "perm mallory = Builder"); got != "mallory now has permission Builder." {
		t.Fatalf("perm = %q", got)
	}
	wantContains(t, "dig as a Builder", execLine(t, w, mallory, n, "dig Hole"), "Created room Hole")
	if got := execLine(t, w, mallory, n, "shutdown"); !strings.HasPrefix(got, "Command 'shutdown' is not available") {
		t.Errorf("a Builder's shutdown = %q", got)
	}
	execLine(t, w, admin, n, "shutdown Bye")
	if len(n.shutdowns) != 1 {
		t.Errorf("the superuser's shutdown did not reach the game: %q", n.shutdowns)
	}
}

func TestBuildersChangeOnlyWhatTheyOwn(t *testing.T) {
	t.Parallel()
	w, _ := newGameWorld(t, nil)
	n := &recNotifier{}
	admin := loginFrom(t, w, n, "admin", "127.0.0.1:1")
	bob := loginFrom(t, w, n, "bob", "127.0.0.2:1")
	carol := loginFrom(t, w, n, "carol", "127.0.0.3:1")
	execLine(t, w, admin, n, "perm bob = Builder")
	execLine(t, w, admin, n, "perm carol = Admin")
	execLine(t, w, bob, n, "create/drop rock")
	for line, want := range map[string]string{
		"desc here = Bob's Limbo now":  "You don't have permission to edit the description of Limbo.",
		"set here/owner = bob":         "You don't have permission to edit Limbo.",
		"desc rock = A grey rock.":     "The description was set on rock.",
		"set rock/weight = 3":          "Created attribute rock/weight = 3",
		"perm carol = Player":          "Command 'perm' is not available. Type \"help\" for help.",
		"desc admin = Admin is a fool": "You don't have permission to edit the description of admin.",
	} {
		if got := execLine(t, w, bob, n, line); got != want {
			t.Errorf("Builder %q: got %q, want %q", line, got, want)
		}
	}
	// An Admin changes what others own, grants up to Admin, not Developer,
	// and cannot touch the superuser.
	steps := []struct{ line, want string }{
		{"desc rock = Carol's rock", "The description was set on rock."},
		{"perm bob = Admin", "bob now has permission Admin."},
		{"perm bob = Developer", "You may not set bob's permission to Developer."},
		{"perm bob = Player", "You may not set bob's permission to Player."}, // bob is an Admin now, like carol
		{"perm admin = Player", "admin is the game's superuser: its permission cannot change."},
		{"perm carol = Developer", "You cannot change your own permission."},
		{"perm nobody = Builder", "No account called 'nobody'."},
		{"perm bob = Wizard", "Unknown permission 'Wizard': use Player, Builder, Admin or Developer."},
		{"perm bob", "bob has permission Admin."},
		{"desc here = Carol's Limbo", "The description was set on Limbo."},
	}
	for _, s := range steps {
		if got := execLine(t, w, carol, n, s.line); got != s.want {
			t.Errorf("Admin %q: got %q, want %q", s.line, got, s.want)
		}
	}
}

// Permissions survive the journal, and -superuser names one for a world
// whose first account predates permissions.
func TestPermissionsReplayAndSuperuserFlag(t *testing.T) {
	t.Parallel()
	store := NewMemoryStore()
	w, _ := newGameWorld(t, store)
	n := &recNotifier{}
	admin := loginFrom(t, w, n, "admin", "127.0.0.1:1")
	loginFrom(t, w, n, "bob", "127.0.0.2:1")
	execLine(t, w, admin, n, "perm bob = Builder")
	// An account record from before permissions: no perm field.
	if err := store.Append(Record{Op: OpAccount, Account: 3, Name: "old", Hash: "x",
		Objects: []ObjectSpec{{ID: 100, Key: "old", Kind: KindCharacter, Location: LimboID}}}); err != nil {
		t.Fatal(err)
	}
	w2, err := NewWorld(WorldConfig{Store: store, InsecurePasswordCost: true, Superuser: "OLD"})
	if err != nil {
		t.Fatal(err)
	}
	if errs := w2.ReplayErrors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	for name, want := range map[string]Perm{"admin": PermDeveloper, "bob": PermBuilder, "old": PermDeveloper} {
		a, _ := w2.AccountByName(name)
		if a == nil || a.Perm != want {
			t.Errorf("after replay, %s = %+v, want %v", name, a, want)
		}
	}
	// The flag wins over a later perm record.
	if err := w2.SetPerm(3, PermPlayer); err != nil {
		t.Fatal(err)
	}
	if got := w2.Perm(3); got != PermDeveloper {
		t.Errorf("the -superuser account after perm = Player: %v, want Developer", got)
	}
	if _, err := NewWorld(WorldConfig{NewAccountPerm: 7}); !errors.Is(err, ErrBadPerm) {
		t.Errorf("NewAccountPerm 7: err = %v, want ErrBadPerm", err)
	}
}

// What a player types never reaches another player's terminal, or the
// journal, as an escape sequence; tabs and non-ASCII text do.
func TestNoTerminalEscapesBetweenPlayers(t *testing.T) {
	t.Parallel()
	store := NewMemoryStore()
	w := newTestWorld(t, store)
	n := &recNotifier{}
	alice := loginAs(t, w, n, "alice")
	loginAs(t, w, n, "bob")
	n.takeChars()
	const attack = "\x1b[2J\x1b]0;pwned-title\x07hi\tthere \u00e9\xc2\x9b31m\x9b0m\x7f\x00"
	execLine(t, w, alice, n, "say "+attack)
	execLine(t, w, alice, n, "emote "+attack)
	execLine(t, w, alice, n, "pub "+attack)
	execLine(t, w, alice, n, "create/drop evil\x1b[31m;al\x1bias")
	execLine(t, w, alice, n, "desc evil = \x1b]8;;http://x\x07link")
	execLine(t, w, alice, n, "set evil/\x1bk = \x1b[5mv")
	execLine(t, w, alice, n, "dig/tel Red\x1b[41mRoom = in\x1b, out\x07")
	var seen []string
	for _, m := range n.takeChars() {
		seen = append(seen, m.text)
	}
	seen = append(seen, n.all...)
	if len(seen) < 3 {
		t.Fatalf("bob got %d messages, want say, emote and pub at least: %q", len(seen), seen)
	}
	for _, text := range seen {
		if i := strings.IndexFunc(text, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' || r >= 0x7f && r <= 0x9f }); i >= 0 {
			t.Errorf("another player got control character %U in %q", []rune(text[i:])[0], text)
		}
		if strings.Contains(text, "pwned") && !strings.Contains(text, "hi\tthere \u00e931m\ufffd0m") {
			t.Errorf("message %q lost the text around the escapes", text)
		}
	}
	for _, rec := range store.recs {
		for _, s := range recordTexts(rec) {
			if strings.ContainsAny(s, "\x1b\x07\u009b") || strings.Contains(s, "\x9b") {
				t.Errorf("journal record %s holds an escape: %q", rec.Op, s)
			}
		}
	}
	if w.Cleaned() < 7 {
		t.Errorf("Cleaned() = %d, want every line with escapes counted", w.Cleaned())
	}
	// A journal written before the cleaning loads clean.
	old := NewMemoryStore()
	_ = old.Append(Record{Op: OpCreate, Objects: []ObjectSpec{{ID: 50, Key: "bad\x1b[2Jname", Aliases: []string{"a\x07"}, Kind: KindThing, Location: LimboID, Desc: "d\x1b]0;t\x07"}}})
	w2 := newTestWorld(t, old)
	o, ok := w2.Object(50)
	if !ok || o.Key != "bad[2Jname" || o.Aliases[0] != "a" || o.Desc != "d]0;t" {
		t.Errorf("replayed object = %+v, want its escapes gone", o)
	}
}

// recordTexts returns the player-written strings of rec.
func recordTexts(rec Record) []string {
	out := []string{rec.Name, rec.Attr, rec.Value}
	for _, o := range rec.Objects {
		out = append(out, o.Key, o.Desc, o.Typeclass)
		out = append(out, o.Aliases...)
	}
	return out
}

// The Limbo lockout of issue 10: 100 digs and 100 creates with 5.9 KB
// names made every look over 1 MiB. Such names are refused now, and a
// world that already holds them shows a look of bounded size.
func TestLimboLockoutCannotBeBuilt(t *testing.T) {
	t.Parallel()
	w := newTestWorld(t, nil)
	n := &recNotifier{}
	c := loginAs(t, w, n, "builder")
	huge := strings.Repeat("x", 5900)
	if got := execLine(t, w, c, n, "dig "+huge); !strings.Contains(got, "at most 80") {
		t.Errorf("dig with a 5,900-character name: %q, want it refused", clip(got, 200))
	}
	if got := execLine(t, w, c, n, "create/drop "+huge); !strings.Contains(got, "at most 80") {
		t.Errorf("create with a 5,900-character name: %q, want it refused", clip(got, 200))
	}
	if got := execLine(t, w, c, n, "desc here = "+strings.Repeat("d", MaxDescLen+1)); !strings.Contains(got, "at most 2000") {
		t.Errorf("desc past the limit: %q", clip(got, 200))
	}
	longest := strings.Repeat("n", MaxNameLen)
	for range 200 {
		execLine(t, w, c, n, "dig "+longest+" = "+longest)
		execLine(t, w, c, n, "create/drop "+longest)
	}
	if look := execLine(t, w, c, n, "look"); len(look) > 32<<10 {
		t.Errorf("Limbo's look after 400 builds at the limits is %d bytes", len(look))
	}

	// A world built before the limits.
	old := NewMemoryStore()
	for i := range 200 {
		_ = old.Append(Record{Op: OpCreate, Objects: []ObjectSpec{
			{ID: ObjID(1000 + 2*i), Key: huge, Kind: KindRoom},
			{ID: ObjID(1001 + 2*i), Key: huge, Kind: KindExit, Location: LimboID, Destination: ObjID(1000 + 2*i)},
		}})
		_ = old.Append(Record{Op: OpCreate, Objects: []ObjectSpec{{ID: ObjID(5000 + i), Key: huge, Kind: KindThing, Location: LimboID}}})
	}
	w2 := newTestWorld(t, old)
	if errs := w2.ReplayErrors(); len(errs) > 0 {
		t.Fatalf("an old world with long names does not load: %v", errs[0])
	}
	c2 := loginAs(t, w2, n, "player")
	if look := execLine(t, w2, c2, n, "look"); len(look) > 32<<10 {
		t.Errorf("Limbo's look in the old world is %d bytes", len(look))
	}
	if got := execLine(t, w2, c2, n, "look #1000"); utf8Len(got) > MaxNameLen+10 {
		t.Errorf("look at an old long-named room: %d characters", utf8Len(got))
	}
}

func utf8Len(s string) int { return len([]rune(s)) }

func TestAccountThrottles(t *testing.T) {
	t.Parallel()
	w, now := newGameWorld(t, nil)
	n := &recNotifier{}
	c := &recCaller{addr: "127.0.0.7:4000"}
	for i, want := range []string{"A new account 'one'", "A new account 'two'", "You are creating too many accounts."} {
		got := execLine(t, w, c, n, "create "+[]string{"one", "two", "three"}[i]+" password")
		if !strings.HasPrefix(got, want) {
			t.Errorf("create %d from one address: %q, want %q...", i+1, got, want)
		}
	}
	other := &recCaller{addr: "127.0.0.8:4000"}
	wantContains(t, "create from another address", execLine(t, w, other, n, "create three password"), "A new account 'three'")
	*now = now.Add(DefaultCreationThrottle.Window)
	wantContains(t, "create after the window", execLine(t, w, c, n, "create four password"), "A new account 'four'")

	for i := range DefaultLoginThrottle.Limit {
		if got := execLine(t, w, c, n, "connect one wrong"); got != "Username and/or password is incorrect." {
			t.Errorf("bad login %d: %q", i+1, got)
		}
	}
	// From then on even the right password is refused, as in Evennia,
	// and without a hash: the throttle is checked first.
	checks := 0
	w.checkPassword = func(e, p string) (bool, error) { checks++; return CheckPassword(e, p) }
	if got := execLine(t, w, c, n, "connect one password"); got != "Too many login failures; please try again in a few minutes." {
		t.Errorf("login after 5 failures: %q", got)
	}
	if checks != 0 || c.acct != nil {
		t.Errorf("a throttled login checked %d hashes, logged in %v", checks, c.acct != nil)
	}
	wantContains(t, "login from another address", execLine(t, w, other, n, "connect one password"), "You become one.")
	if cr, lo := w.Throttled(); cr != 1 || lo != 1 {
		t.Errorf("Throttled() = %d creations, %d logins; want 1, 1", cr, lo)
	}
	*now = now.Add(DefaultLoginThrottle.Window)
	wantContains(t, "login after the window", execLine(t, w, c, n, "connect two password"), "You become two.")
}

// A wrong name costs a hash at the world's cost, like a wrong password:
// the time taken does not tell which accounts exist.
func TestWrongNameCostsAHash(t *testing.T) {
	t.Parallel()
	w, err := NewWorld(WorldConfig{PasswordCost: 5, InsecurePasswordCost: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.CreateAccount("alice", "password"); err != nil {
		t.Fatal(err)
	}
	var costs []int
	w.checkPassword = func(e, p string) (bool, error) {
		costs = append(costs, passwordCost(e))
		return CheckPassword(e, p)
	}
	for _, name := range []string{"alice", "nobody"} {
		if _, err := w.Authenticate(name, "wrong"); !errors.Is(err, ErrLoginFailed) {
			t.Errorf("Authenticate(%s, wrong) = %v", name, err)
		}
	}
	if len(costs) != 2 || costs[0] != 5 || costs[1] != 5 {
		t.Errorf("hash checks of a wrong password and a wrong name: costs %v, want [5 5]", costs)
	}
}

func TestJournalIsPrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "world.jsonl")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := st.Mode().Perm(); mode&0o077 != 0 {
		t.Errorf("journal mode %v: others can read its password hashes", mode)
	}
}

func TestParseThrottle(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Throttle{"2/10m": {2, 10 * time.Minute}, "off": {}, "0": {}, " 5/5m0s ": {5, 5 * time.Minute}} {
		if got, err := ParseThrottle(in); err != nil || got != want {
			t.Errorf("ParseThrottle(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2", "2/", "/10m", "-1/1m", "2/-1m", "x/1m", "2/0s"} {
		if _, err := ParseThrottle(in); err == nil {
			t.Errorf("ParseThrottle(%q) accepted", in)
		}
	}
}

// Link markup a player types is shown as typed, never made a link: a
// command link in a say would run its command as whoever clicks it.
// Colour markup stays the player's; the server's own links (exits) work.
func TestPlayerLinksNeutralised(t *testing.T) {
	for in, want := range map[string]string{
		"say |lcquit|ltclick me|le":  "say quitclick me",
		"say |rred|n and ||lc plain": "say |rred|n and | plain",
		"say |l|lcc|lt|le":           "say ",
		"say no links here":          "say no links here",
		"say trailing |":             "say trailing |",
		"say |LC is not a link":      "say |LC is not a link",
	} {
		got, _ := noLinks(in)
		if got != want {
			t.Errorf("noLinks(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(markup.HTML(got), "<a ") {
			t.Errorf("%q: still a link after noLinks: %s", in, markup.HTML(got))
		}
	}
}

// A room's look names the room in colour and its exits as links, in markup
// the portal renders.
func TestLookMarkup(t *testing.T) {
	f := newFixture(t)
	f.alice.raw = nil
	execLine(t, f.w, f.alice, f.n, "look")
	raw := strings.Join(f.alice.raw, "\n")
	for _, want := range []string{"|cLimbo|n", "Exits: |lcnorth|ltnorth|le"} {
		if !strings.Contains(raw, want) {
			t.Errorf("look sends %q, want %q in it", raw, want)
		}
	}
}
