package sim

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentPlayers runs many dummy players at once on one journaled
// world (run it with -race), then checks that a second world replaying the
// journal sees the same state: the journal order is the order the world applied.
func TestConcurrentPlayers(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "world.journal")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	w := newTestWorld(t, j)
	n := &recNotifier{}
	const players = 32
	var wg sync.WaitGroup
	for p := range players {
		wg.Go(func() {
			c := &recCaller{}
			name := fmt.Sprintf("Dummy_%d", p)
			start := fmt.Sprintf("testing_room_start_%d", p)
			lines := []string{
				"create " + name + " pw",
				"create " + name + " pwd",
				"yes",
				"connect " + name + " pwd",
				"dig " + start,
				"teleport " + start,
				"py pass",
			}
			for i := range 5 {
				room := fmt.Sprintf("testing_room_%d_%d", p, i)
				obj := fmt.Sprintf("testing_obj_%d_%d", p, i)
				lines = append(lines,
					"dig/tel "+room+" = exit_to_"+room+", exit_back_"+room,
					"create "+obj,
					"desc "+obj+` = "this is a test object`,
					"set "+obj+"/testattr = this is a test attribute value.",
					"look "+obj, "examine "+obj, "examine me", "look",
					"pub Hello!", "say Yo!", "emote stands looking around.",
					"exit_back_"+room, "exit_to_"+room, "north", "idle", "help",
					"teleport Limbo", "say crowded", "look", "teleport "+start,
					"dummyrunner_echo_response 1.5",
				)
			}
			for _, line := range lines {
				c.take()
				w.Execute(c, n, line)
				if len(c.msgs) == 0 && line != "pub Hello!" { // pub reaches the caller through MsgAll
					t.Errorf("%s: %q sent no message", name, line)
				}
			}
			if c.acct == nil {
				t.Errorf("%s never logged in", name)
			}
			w.Execute(c, n, "quit")
		})
	}
	// Readers race with the writers.
	for range 4 {
		wg.Go(func() {
			for i := range 200 {
				w.Stats()
				w.CharactersIn(LimboID)
				w.Contents(LimboID)
				w.Object(ObjID(i%50 + 1))
				w.AccountByName("Dummy_1")
				w.Location(3)
			}
		})
	}
	wg.Wait()

	if got := w.Stats().Accounts; got != players {
		t.Errorf("accounts = %d, want %d", got, players)
	}
	j2, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	w2 := newTestWorld(t, j2)
	if errs := w2.ReplayErrors(); len(errs) != 0 {
		t.Fatalf("ReplayErrors = %v", errs[:min(3, len(errs))])
	}
	if a, b := w.Stats(), w2.Stats(); a != b {
		t.Fatalf("Stats after replay %+v, want %+v", b, a)
	}
	for id := ObjID(1); id < ObjID(w.Stats().Objects+2); id++ {
		oa, okA := w.Object(id)
		ob, okB := w2.Object(id)
		if okA != okB || !equalObjects(oa, ob) {
			t.Fatalf("object %v: %+v vs replayed %+v", id, oa, ob)
		}
	}
}

// BenchmarkExecuteMix runs a dummyrunner-like command mix on a journaled
// world with 1000 players and objects.
func BenchmarkExecuteMix(b *testing.B) {
	j, err := OpenJournal(filepath.Join(b.TempDir(), "bench.journal"))
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	w, err := NewWorld(WorldConfig{Store: j, InsecurePasswordCost: true, NewAccountPerm: PermBuilder})
	if err != nil {
		b.Fatal(err)
	}
	n := &recNotifier{}
	callers := make([]*recCaller, 1000)
	for i := range callers {
		c := &recCaller{}
		name := fmt.Sprintf("Dummy_%d", i)
		for _, line := range []string{"create " + name + " pwd", "connect " + name + " pwd",
			"dig/tel start_" + name + " = out_" + name + ", in_" + name, "create obj_" + name} {
			w.Execute(c, n, line)
		}
		callers[i] = c
	}
	mix := []string{"look", "look obj_%s", "examine obj_%s", "say Yo!", "emote waves.", "idle",
		"set obj_%s/a = b", "in_%s", "out_%s", "north", "dummyrunner_echo_response 1.0"}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			c := &recCaller{acct: callers[i%len(callers)].acct}
			line := mix[i%len(mix)]
			if strings.Contains(line, "%s") {
				line = fmt.Sprintf(line, c.acct.Name)
			}
			w.Execute(c, n, line)
			i++
		}
	})
}
