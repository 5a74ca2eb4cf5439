package sim

// Regressions from a second reader's attack on the hostile-player
// defences (R1-R10): each failed on the first version of them.

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// R1: -superuser may name only an account that exists: naming one to
// be created would give the game to whoever typed that create first,
// and on an empty world the first account rule would still apply.
func TestSuperuserMustExist(t *testing.T) {
	t.Parallel()
	store := NewMemoryStore()
	w, _ := newGameWorld(t, store)
	n := &recNotifier{}
	loginFrom(t, w, n, "admin", "10.0.0.1:1")
	if _, err := NewWorld(WorldConfig{Store: store, InsecurePasswordCost: true, Superuser: "root"}); err == nil {
		t.Error("-superuser root without an account root was accepted")
	}
	if _, err := NewWorld(WorldConfig{InsecurePasswordCost: true, Superuser: "root"}); err == nil {
		t.Error("-superuser root on an empty world was accepted")
	}
	loginFrom(t, w, n, "root", "10.0.0.2:1")
	w2, err := NewWorld(WorldConfig{Store: store, InsecurePasswordCost: true, Superuser: "ROOT"})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := w2.AccountByName("root"); r.Perm != PermDeveloper || w2.Superuser() != r.ID {
		t.Errorf("-superuser ROOT: root is %v, superuser %d", r.Perm, w2.Superuser())
	}
}

// legacyHash is what the previous portalsim wrote (PBKDF2-SHA256, 4096).
func legacyHash(t *testing.T, password string) string {
	salt := []byte("0123456789abcdef")
	key, err := pbkdf2.Key(sha256.New, password, salt, 4096, sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	return legacyHashSchemeIn + "4096$" + passwordB64.EncodeToString(salt) + "$" + passwordB64.EncodeToString(key)
}

// R2a: a world from before bcrypt answered a wrong password for an
// existing account in ~1 ms (PBKDF2-4096), for a name without one in a
// bcrypt time (~75 ms): which names exist showed at once. Now every wrong
// answer costs a hash at the world's cost, and a right one rehashes.
func TestLegacyAccountsCostAHashAtTheWorldsCost(t *testing.T) {
	t.Parallel()
	store := NewMemoryStore()
	_ = store.Append(Record{Op: OpAccount, Account: 1, Name: "oldtimer", Hash: legacyHash(t, "secret"), Perm: PermPlayer,
		Objects: []ObjectSpec{{ID: 100, Key: "oldtimer", Kind: KindCharacter, Location: LimboID, Home: LimboID, Owner: 1}}})
	w, err := NewWorld(WorldConfig{Store: store, PasswordCost: 5, InsecurePasswordCost: true})
	if err != nil {
		t.Fatal(err)
	}
	if errs := w.ReplayErrors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	var costs []int
	w.checkPassword = func(e, p string) (bool, error) { costs = append(costs, passwordCost(e)); return CheckPassword(e, p) }
	if _, err := w.Authenticate("oldtimer", "wrong"); err == nil {
		t.Fatal("a wrong password logged in")
	}
	if len(costs) != 2 || costs[0] != 0 || costs[1] != 5 {
		t.Errorf("a wrong password for a PBKDF2 account checked hashes of costs %v, want the PBKDF2 one and one at the world's 5", costs)
	}
	if _, err := w.Authenticate("oldtimer", "secret"); err != nil || w.Rehashed() != 1 {
		t.Errorf("the right password: %v; rehashed %d, want 1", err, w.Rehashed())
	}
}

// R2b: the same with bcrypt: accounts hashed at another cost than the
// world's (a world first run with -load-test or -insecure-password-cost,
// or -password-cost changed) answer in another time than unknown names.
// And no login ever upgrades a hash: legacy and cost-4 hashes stay forever.
func TestOtherCostAccountsCostTheWorldsAndAreRehashed(t *testing.T) {
	t.Parallel()
	store := NewMemoryStore()
	w0, err := NewWorld(WorldConfig{Store: store, InsecurePasswordCost: true}) // cost 4
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w0.CreateAccount("alice", "password"); err != nil {
		t.Fatal(err)
	}
	w, err := NewWorld(WorldConfig{Store: store, PasswordCost: 6, InsecurePasswordCost: true})
	if err != nil {
		t.Fatal(err)
	}
	var costs []int // the highest cost checked by each Authenticate
	w.checkPassword = func(e, p string) (bool, error) {
		costs[len(costs)-1] = max(costs[len(costs)-1], passwordCost(e))
		return CheckPassword(e, p)
	}
	for _, name := range []string{"alice", "nobody"} {
		costs = append(costs, 0)
		_, _ = w.Authenticate(name, "wrong")
	}
	if costs[0] != 6 || costs[1] != 6 {
		t.Errorf("a wrong password costs up to bcrypt %d for an account, %d for no account; want 6 for both", costs[0], costs[1])
	}
	costs = append(costs, 0)
	_, _ = w.Authenticate("alice", "password")
	if a, _ := w.AccountByName("alice"); passwordCost(a.hash) != 6 || w.Rehashed() != 1 {
		t.Errorf("after a successful login alice's hash is cost %d (rehashed %d), world cost 6", passwordCost(a.hash), w.Rehashed())
	}
	w3, err := NewWorld(WorldConfig{Store: store, PasswordCost: 6, InsecurePasswordCost: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w3.Authenticate("alice", "password"); err != nil || w3.Rehashed() != 0 {
		t.Errorf("the rehash did not survive the journal: %v, rehashed again %d", err, w3.Rehashed())
	}
}

// R3: the throttles key IPv6 clients by the full /128: one host with an
// ordinary /64 creates accounts and guesses passwords without limit (and
// each costs the event loop a bcrypt hash).
func TestThrottleKeysIPv6By64(t *testing.T) {
	t.Parallel()
	w, _ := newGameWorld(t, nil)
	n := &recNotifier{}
	made := 0
	for i := range 6 {
		c := &recCaller{addr: fmt.Sprintf("2001:db8:1:2::%x", i+1)}
		if strings.HasPrefix(execLine(t, w, c, n, fmt.Sprintf("create user%d password", i)), "A new account") {
			made++
		}
	}
	if made > DefaultCreationThrottle.Limit {
		t.Errorf("one IPv6 /64 created %d accounts, throttle is %v", made, DefaultCreationThrottle)
	}
}

// R4: an old world's long names are clipped in look only. Move
// announcements (to every other player in the room), teleport, desc,
// set and examine print them whole.
func TestOldLongNamesAreCutEverywhere(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 5900)
	old := NewMemoryStore()
	_ = old.Append(Record{Op: OpCreate, Objects: []ObjectSpec{
		{ID: 1000, Key: huge, Kind: KindRoom},
		{ID: 1001, Key: "in", Kind: KindExit, Location: LimboID, Destination: 1000},
		{ID: 1002, Key: "out", Kind: KindExit, Location: 1000, Destination: LimboID},
	}})
	w := newTestWorld(t, old) // Builders
	n := &recNotifier{}
	alice := loginAs(t, w, n, "alice")
	loginAs(t, w, n, "bob")
	n.takeChars()
	const bound = 2 * MaxDescLen
	check := func(what, s string) {
		if utf8.RuneCountInString(s) > bound {
			t.Errorf("%s: %d characters", what, utf8.RuneCountInString(s))
		}
	}
	execLine(t, w, alice, n, "in")
	execLine(t, w, alice, n, "out")
	for _, m := range n.takeChars() {
		check("announcement to bob", m.text)
	}
	check("teleport", execLine(t, w, alice, n, "teleport #1000"))
	check("desc", execLine(t, w, alice, n, "desc here = x"))
	check("examine", execLine(t, w, alice, n, "examine here"))
}

// R5: the typeclass is a name without a limit: one create stores and
// echoes a 5,000-character one (dig too, "of type ..."), and examine
// prints it; the journal takes it whole.
func TestTypeclassHasALimit(t *testing.T) {
	t.Parallel()
	w := newTestWorld(t, nil)
	n := &recNotifier{}
	c := loginAs(t, w, n, "builder")
	tc := strings.Repeat("T", 5000) // fits the portal's 6,000-character line
	out := execLine(t, w, c, n, "create rock:"+tc)
	if !strings.Contains(out, "at most") {
		t.Errorf("create with a 5,000-character typeclass: %d characters answered, not refused", len(out))
	}
	out = execLine(t, w, c, n, "dig Hall:"+tc)
	if !strings.Contains(out, "at most") {
		t.Errorf("dig with a 5,000-character typeclass: %d characters answered, not refused", len(out))
	}
}

// R6: no bound on the objects of one create: one line within the
// portal's 6,000-character MaxCharLimit makes ~3,000 objects, so "200
// build commands" is 600,000 objects in Limbo (~180 MB, and every look
// or say there walks them all).
func TestOneCreateMakesTenObjectsAtMost(t *testing.T) {
	t.Parallel()
	w := newTestWorld(t, nil)
	n := &recNotifier{}
	c := loginAs(t, w, n, "builder")
	before := w.Stats().Objects
	line := "create/drop " + strings.TrimSuffix(strings.Repeat("a,", 2990), ",")
	if len(line) > 6000 {
		t.Fatal("line over the portal's limit")
	}
	execLine(t, w, c, n, line)
	if made := w.Stats().Objects - before; made > 100 {
		t.Errorf("one create line made %d objects", made)
	}
}

// R7: the look bound is in characters; with 4-byte characters at the
// limits a Limbo look stays within the 72 KB the README states.
func TestLookBytesWithWideNames(t *testing.T) {
	t.Parallel()
	w := newTestWorld(t, nil)
	n := &recNotifier{}
	c := loginAs(t, w, n, "builder")
	wide := strings.Repeat("\U0001F600", MaxNameLen)
	for range 100 {
		execLine(t, w, c, n, "dig "+wide+" = "+wide)
		execLine(t, w, c, n, "create/drop "+wide)
	}
	if look := execLine(t, w, c, n, "look"); len(look) > 75_000 {
		t.Errorf("Limbo's look is %d bytes", len(look))
	}
}

// R8: replay cleans an attribute's name when it is set but not when it
// is deleted: an old journal's set+delete of an escaped name leaves the
// attribute alive after the upgrade. A key of only controls replays as
// an empty key, which validation forbids.
func TestReplayCleansAlike(t *testing.T) {
	t.Parallel()
	old := NewMemoryStore()
	_ = old.Append(Record{Op: OpCreate, Objects: []ObjectSpec{{ID: 50, Key: "box", Kind: KindThing, Location: LimboID},
		{ID: 51, Key: "\x1b\x07", Kind: KindThing, Location: LimboID}}})
	_ = old.Append(Record{Op: OpSetAttr, ID: 50, Attr: "a\x1bb", Value: "v"})
	_ = old.Append(Record{Op: OpDelAttr, ID: 50, Attr: "a\x1bb"})
	w := newTestWorld(t, old)
	if o, _ := w.Object(50); len(o.Attrs) != 0 {
		t.Errorf("deleted attribute is back after replay: %q", o.Attrs)
	}
	if o, _ := w.Object(51); strings.TrimSpace(o.Key) == "" {
		t.Errorf("object 51 replayed with an empty key")
	}
}

// R9: a journal that exists already (every world from before this
// change, with its password hashes) keeps its mode: 0644 stays 0644.
func TestOldJournalIsMadePrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "world.jsonl")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	st, _ := os.Stat(path)
	if st.Mode().Perm()&0o077 != 0 {
		t.Errorf("existing journal left at %v", st.Mode().Perm())
	}
}

// R10: a Player cannot read any object anywhere by #id (Evennia searches
// dbrefs only for Builders), and perm on the superuser says it did nothing.
func TestPlayersLookHereAndTheSuperuserStays(t *testing.T) {
	t.Parallel()
	w, err := NewWorld(WorldConfig{InsecurePasswordCost: true})
	if err != nil {
		t.Fatal(err)
	}
	n := &recNotifier{}
	admin := loginFrom(t, w, n, "admin", "10.0.0.1:1")
	execLine(t, w, admin, n, "dig Vault")
	id, _ := w.RoomByName("Vault")
	execLine(t, w, admin, n, fmt.Sprintf("desc #%d = the combination is 1234", id))
	player := loginFrom(t, w, n, "player", "10.0.0.2:1")
	if got := execLine(t, w, player, n, fmt.Sprintf("look #%d", id)); strings.Contains(got, "1234") {
		t.Errorf("a Player in Limbo reads the Vault: %q", got)
	}
	if got := execLine(t, w, admin, n, fmt.Sprintf("look #%d", id)); !strings.Contains(got, "1234") {
		t.Errorf("the superuser cannot look at #%d: %q", id, got)
	}
	other := loginFrom(t, w, n, "dev", "10.0.0.3:1")
	execLine(t, w, admin, n, "perm dev = Developer")
	if got := execLine(t, w, other, n, "perm admin = Player"); got != "admin is the game's superuser: its permission cannot change." || w.Perm(admin.acct.ID) != PermDeveloper {
		t.Errorf("a Developer's perm on the superuser: %q, now %v", got, w.Perm(admin.acct.ID))
	}
}

// A connect replayed after a kill (its SLOGIN got out, its answer did
// not) finds the session logged in as that account: it is answered as
// the login was. A connect to another account stays not available.
func TestConnectToTheAccountLoggedInIsAnsweredAgain(t *testing.T) {
	t.Parallel()
	w := newTestWorld(t, nil)
	n := &recNotifier{}
	c := loginAs(t, w, n, "racer")
	loginAs(t, w, n, "other")
	wantContains(t, "connect again", execLine(t, w, c, n, "connect racer pw-racer"), "You become racer.", "Limbo")
	if got := execLine(t, w, c, n, "connect racer wrong"); got != "Username and/or password is incorrect." {
		t.Errorf("connect again, wrong password: %q", got)
	}
	if got := execLine(t, w, c, n, "connect other pw-other"); got != `Command 'connect' is not available. Type "help" for help.` {
		t.Errorf("connect to another account: %q", got)
	}
	if c.acct.Name != "racer" || len(c.logins) != 1 {
		t.Errorf("the session logged in %d times, as %s", len(c.logins), c.acct.Name)
	}
}
