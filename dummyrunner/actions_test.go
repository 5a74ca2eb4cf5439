package dummyrunner

import (
	"slices"
	"strings"
	"testing"
)

func newScript() *script {
	return &script{name: "Dummy_ab_3", password: "secret-3", startRoom: "testing_room_start_ab_3", prefix: "ab_3"}
}

// TestBuiltinActionsMatchEvennia compares each action with the c_* function
// of Evennia's dummyrunner_settings.py, for a player with nothing stored
// and for one with objects and exits.
func TestBuiltinActionsMatchEvennia(t *testing.T) {
	t.Parallel()
	withExits := func() *script {
		s := newScript()
		s.exits = []string{"exit_a", "exit_b"}
		return s
	}
	withBoth := func() *script {
		s := withExits()
		s.objs = []string{"obj_a", "obj_b"}
		return s
	}
	tests := []struct {
		name   string
		action string
		s      *script
		want   []string
	}{
		{"login", "login", newScript(), []string{
			"create Dummy_ab_3 secret-3",
			"yes",
			"connect Dummy_ab_3 secret-3",
			"dig testing_room_start_ab_3",
			"teleport testing_room_start_ab_3",
			"py from evennia.server.profiling.dummyrunner import DummyRunnerCmdSet;self.cmdset.add(DummyRunnerCmdSet, persistent=False)",
		}},
		{"login_nodig", "login_nodig", newScript(), []string{"create Dummy_ab_3 secret-3", "connect Dummy_ab_3 secret-3"}},
		{"logout", "logout", newScript(), []string{"quit"}},
		{"looks: nothing stored", "looks", newScript(), []string{"look"}},
		{"looks: exits", "looks", withExits(), []string{"look exit_a", "look exit_b"}},
		{"looks: objects before exits", "looks", withBoth(), []string{"look obj_a", "look obj_b"}},
		{"examines: nothing stored", "examines", newScript(), []string{"examine me"}},
		{"examines: exits", "examines", withExits(), []string{"examine exit_a", "examine exit_b"}},
		{"examines: objects before exits", "examines", withBoth(), []string{"examine obj_a", "examine obj_b"}},
		{"idles", "idles", newScript(), []string{"idle", "idle"}},
		{"help", "help", newScript(), []string{"help", "dummyrunner_echo_response"}},
		{"socialize", "socialize", newScript(), []string{"pub Hello!", "say Yo!", "emote stands looking around."}},
		{"moves: no exits", "moves", newScript(), []string{"look"}},
		{"moves: every exit", "moves", withBoth(), []string{"exit_a", "exit_b"}},
		{"moves_n", "moves_n", newScript(), []string{"north"}},
		{"moves_s", "moves_s", newScript(), []string{"south"}},
		{"measure_lag", "measure_lag", newScript(), []string{"dummyrunner_echo_response " + TimestampMark}},
		{"creates_button", "creates_button", newScript(), []string{
			"create testing_button_ab_3_1:contrib.tutorial_examples.red_button.RedButton",
			"desc testing_button_ab_3_1 = test red button!",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := commandsFor(WeightedAction{Action: tt.action}, tt.s)
			if !slices.Equal(got, tt.want) {
				t.Errorf("commands =\n  %q\nwant\n  %q", got, tt.want)
			}
		})
	}
}

func TestActionNames(t *testing.T) {
	t.Parallel()
	want := []string{
		"creates_button", "creates_obj", "digs", "examines", "help", "idles", "login", "login_nodig",
		"logout", "looks", "measure_lag", "moves", "moves_n", "moves_s", "socialize",
	}
	if got := ActionNames(); !slices.Equal(got, want) {
		t.Errorf("ActionNames() = %v, want %v", got, want)
	}
}

func TestDigsStoresTwoExits(t *testing.T) {
	t.Parallel()
	s := newScript()
	got := builtinActions["digs"](s)
	want := []string{"dig/tel testing_room_ab_3_1 = exit_ab_3_2, exit_ab_3_3"}
	if !slices.Equal(got, want) {
		t.Errorf("first dig = %q, want %q", got, want)
	}
	if want := []string{"exit_ab_3_2", "exit_ab_3_3"}; !slices.Equal(s.exits, want) {
		t.Errorf("exits after one dig = %q, want %q", s.exits, want)
	}
	got = builtinActions["digs"](s)
	want = []string{"dig/tel testing_room_ab_3_4 = exit_ab_3_5, exit_ab_3_6"}
	if !slices.Equal(got, want) {
		t.Errorf("second dig = %q, want %q", got, want)
	}
	if len(s.exits) != 4 || len(s.objs) != 0 {
		t.Errorf("after two digs: exits %q, objs %q; want 4 exits, no objects", s.exits, s.objs)
	}
	// moves then walks every stored exit, in order, and its list is a copy.
	moves := builtinActions["moves"](s)
	if !slices.Equal(moves, s.exits) {
		t.Errorf("moves = %q, want the exits %q", moves, s.exits)
	}
	moves[0] = "changed"
	if s.exits[0] == "changed" {
		t.Error("moves returned the script's own exit list")
	}
}

func TestCreatesObjStoresTheObject(t *testing.T) {
	t.Parallel()
	s := newScript()
	got := builtinActions["creates_obj"](s)
	want := []string{
		"create testing_obj_ab_3_1",
		`desc testing_obj_ab_3_1 = "this is a test object`,
		"set testing_obj_ab_3_1/testattr = this is a test attribute value.",
		"set testing_obj_ab_3_1/testattr2 = this is a second test attribute.",
	}
	if !slices.Equal(got, want) {
		t.Errorf("creates_obj =\n  %q\nwant\n  %q", got, want)
	}
	if want := []string{"testing_obj_ab_3_1"}; !slices.Equal(s.objs, want) {
		t.Errorf("objs = %q, want %q", s.objs, want)
	}
	// Looks and examines now go to the object, not to the exits.
	s.exits = []string{"exit_x"}
	if got := builtinActions["looks"](s); !slices.Equal(got, []string{"look testing_obj_ab_3_1"}) {
		t.Errorf("looks after creates_obj = %q", got)
	}
	if got := builtinActions["examines"](s); !slices.Equal(got, []string{"examine testing_obj_ab_3_1"}) {
		t.Errorf("examines after creates_obj = %q", got)
	}
}

// TestNamesAreUniquePerPlayer checks that two players of one run never
// create the same name (their prefixes differ) and that a player's own
// counter never repeats.
func TestNamesAreUniquePerPlayer(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, "clients: 2\nduration: 1s\nseed: 5")
	r, err := NewRunner(pl, Options{Target: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for id := range 2 {
		p := newPlayer(r, id)
		for range 5 {
			for _, a := range []string{"digs", "creates_obj"} {
				for _, c := range commandsFor(WeightedAction{Action: a}, &p.sc) {
					if strings.HasPrefix(c, "dig/tel ") || strings.HasPrefix(c, "create ") {
						if prev, dup := seen[c]; dup {
							t.Errorf("player %d repeats %q of player %d", id, c, prev)
						}
						seen[c] = id
					}
				}
			}
		}
		if !strings.Contains(p.sc.name, r.prefix) || p.sc.password == "" {
			t.Errorf("player %d: name %q, password %q; want the run's prefix %q in the name and a password", id, p.sc.name, p.sc.password, r.prefix)
		}
	}
	if len(seen) != 20 {
		t.Errorf("%d distinct creating commands, want 20", len(seen))
	}
}
