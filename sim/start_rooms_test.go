package sim

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newStartRoomsWorld(t *testing.T, store Store, rooms int) *World {
	t.Helper()
	w, err := NewWorld(WorldConfig{Store: store, InsecurePasswordCost: true, StartRooms: rooms, Now: func() time.Time { return testClock }})
	if err != nil {
		t.Fatalf("NewWorld: %v", err)
	}
	return w
}

// startKeys creates n accounts and returns the key of each one's start room and home.
func startKeys(t *testing.T, w *World, first, n int) (locs, homes []string) {
	t.Helper()
	for i := first; i < first+n; i++ {
		a, err := w.CreateAccount(fmt.Sprintf("Player_%d", i), "secret-pw")
		if err != nil {
			t.Fatal(err)
		}
		ch, _ := w.Character(a.Character)
		loc, _ := w.Object(ch.Location)
		home, _ := w.Object(ch.Home)
		locs, homes = append(locs, loc.Key), append(homes, home.Key)
	}
	return locs, homes
}

// By default (0 and 1) every new character starts in Limbo, as in Evennia.
func TestStartRoomsDefaultIsLimbo(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1} {
		w := newStartRoomsWorld(t, nil, n)
		locs, homes := startKeys(t, w, 0, 4)
		for i := range locs {
			if locs[i] != LimboKey || homes[i] != LimboKey {
				t.Errorf("StartRooms %d: character %d starts in %q, home %q; want Limbo", n, i, locs[i], homes[i])
			}
		}
		if got := w.Stats().Rooms; got != 1 {
			t.Errorf("StartRooms %d: %d rooms, want Limbo alone", n, got)
		}
	}
}

// With n start rooms, new characters are dealt round-robin over Limbo and
// n-1 rooms created as they are needed, each their character's home with
// an exit back to Limbo; a world opened again from its journal keeps the
// rooms and deals on where it stopped.
func TestStartRoomsRoundRobin(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "world.journal")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	w := newStartRoomsWorld(t, j, 3)
	locs, homes := startKeys(t, w, 0, 5)
	want := []string{LimboKey, "Start Room 2", "Start Room 3", LimboKey, "Start Room 2"}
	for i := range want {
		if locs[i] != want[i] || homes[i] != want[i] {
			t.Errorf("character %d starts in %q, home %q; want %q", i, locs[i], homes[i], want[i])
		}
	}
	if got := w.Stats().Rooms; got != 3 {
		t.Errorf("%d rooms, want 3", got)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	j, err = OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	again := newStartRoomsWorld(t, j, 3)
	defer again.Close()
	if errs := again.ReplayErrors(); len(errs) > 0 {
		t.Fatalf("replay: %v", errs)
	}
	locs, _ = startKeys(t, again, 5, 2)
	if locs[0] != "Start Room 3" || locs[1] != LimboKey {
		t.Errorf("after reopening, characters start in %q, want Start Room 3 then Limbo", locs)
	}
	if got := again.Stats().Rooms; got != 3 {
		t.Errorf("after reopening: %d rooms, want the same 3", got)
	}
}

// A character in a start room hears only the logins of its room, and can
// walk to Limbo.
func TestStartRoomsSeparateAnnouncements(t *testing.T) {
	t.Parallel()
	w := newStartRoomsWorld(t, nil, 2)
	n := &recNotifier{}
	a := loginAs(t, w, n, "Alice") // Limbo
	b := loginAs(t, w, n, "Bob")   // Start Room 2
	n.takeChars()
	c := loginAs(t, w, n, "Carol") // Limbo: Alice hears it, Bob does not
	msgs := n.takeChars()
	if len(msgs) != 1 || len(msgs[0].chars) != 1 || msgs[0].chars[0] != a.acct.Character {
		t.Fatalf("Carol's login told %+v, want Alice alone", msgs)
	}
	if c.acct == nil || b.acct == nil {
		t.Fatal("not logged in")
	}
	if got := execLine(t, w, b, n, "limbo"); !strings.Contains(got, LimboKey) {
		t.Errorf("Bob walking out: %q, want Limbo", got)
	}
}

func TestStartRoomsValidated(t *testing.T) {
	t.Parallel()
	for _, n := range []int{-1, MaxStartRooms + 1} {
		if _, err := NewWorld(WorldConfig{InsecurePasswordCost: true, StartRooms: n}); err == nil {
			t.Errorf("StartRooms %d accepted", n)
		}
	}
}
