package sim

import (
	"strings"
	"testing"
)

// FuzzExecute types fuzzed lines as a logged-out session, then as a
// Builder and a Player in one room. Whatever is typed: no panic; every
// non-empty line answers its caller; nothing another player receives
// holds a control character but tab and newline; and the journal replays
// into a world of the same size without errors.
func FuzzExecute(f *testing.F) {
	for _, seed := range []string{
		"look", "create x pw\nconnect x pw", "say \x1b[2Jhi", "dig/tel A;b:c = d;e, f", "create/drop a, b;c:d",
		"desc here = \xff\xfe", "set me/a = b", "set me/ =", "teleport #1", "examine #-1", "perm bob = Admin",
		":waves", "'hi", "\"hi", "@dig x", "&x", "home", "north", "help dig", "shutdown now", "reload",
		"connect \"a b\" c", "create \"unterminated", strings.Repeat("a;", 40), "inventory\x00", "pub \u009b31m",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, script string) {
		store := NewMemoryStore()
		w, err := NewWorld(WorldConfig{Store: store, InsecurePasswordCost: true})
		if err != nil {
			t.Fatal(err)
		}
		n := &recNotifier{}
		anon := &recCaller{addr: "127.0.0.1:1"}
		builder := loginAs(t, w, n, "builder") // the superuser, in fact
		player := loginAs(t, w, n, "player")
		execLine(t, w, builder, n, "perm player = Player")
		lines := strings.Split(script, "\n")
		if len(lines) > 20 {
			lines = lines[:20]
		}
		for _, line := range lines {
			for _, c := range []*recCaller{anon, builder, player} {
				c.take()
				before := len(n.all)
				w.Execute(c, n, line)
				if strings.TrimSpace(storedText(line, len(line)+1)) != "" && len(c.msgs) == 0 && len(n.all) == before && len(c.quits) == 0 {
					t.Fatalf("%q got no answer", line)
				}
			}
		}
		for _, m := range n.takeChars() {
			checkNoControls(t, m.text)
		}
		for _, text := range n.all {
			checkNoControls(t, text)
		}
		w2, err := NewWorld(WorldConfig{Store: store, InsecurePasswordCost: true})
		if err != nil {
			t.Fatal(err)
		}
		if errs := w2.ReplayErrors(); len(errs) > 0 {
			t.Fatalf("replay: %v", errs)
		}
		if a, b := w.Stats(), w2.Stats(); a != b {
			t.Fatalf("replayed world %+v, want %+v", b, a)
		}
	})
}

func checkNoControls(t *testing.T, text string) {
	t.Helper()
	for _, r := range text {
		if r < 0x20 && r != '\t' && r != '\n' || r >= 0x7f && r <= 0x9f {
			t.Fatalf("another player got %U in %q", r, text)
		}
	}
}
