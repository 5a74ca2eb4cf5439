package sim

import (
	"maps"
	"slices"
	"testing"
)

func TestBuildCommands(t *testing.T) {
	t.Parallel()
	runCommandCases(t, []commandCase{
		{line: "dig", want: "Usage: dig[/tel] <roomname>[;alias][:typeclass] [= <exit to there>[;alias][:typeclass]] [, <exit back here>[;alias][:typeclass]]"},
		{line: "dig Cellar", want: "Created room Cellar(#9) of type typeclasses.rooms.Room."},
		{line: "dig Cellar;cel:my.rooms.Dark = down;d, up", want: "Created room Cellar(#9) of type my.rooms.Dark.\n" +
			"Created exit down(#10) from Limbo to Cellar.\nCreated exit up(#11) back from Cellar to Limbo."},
		{line: "dig/tel Attic = up", want: "Created room Attic(#9) of type typeclasses.rooms.Room.\n" +
			"Created exit up(#10) from Limbo to Attic.\nAttic"},
		{line: "dig/teleport Attic = , down", want: "Created room Attic(#9) of type typeclasses.rooms.Room.\n" +
			"Created exit down(#10) back from Attic to Limbo.\nAttic\nExits: down"},
		{line: "create", want: "Usage: create <objname>[;alias;alias...][:typeclass], <objname>..."},
		{line: "create ,", want: "Usage: create <objname>[;alias;alias...][:typeclass], <objname>..."},
		{line: "create ball", want: "You create a new Object: ball."},
		{line: "create ball;orb:toys.Ball, cube", want: "You create a new Ball: ball.\nYou create a new Object: cube."},
		{line: "@create ball", want: "You create a new Object: ball."},
		{line: "desc", want: "Usage: desc [<obj> =] <description>"},
		{line: "desc box = shiny", want: "The description was set on box."},
		{line: "desc A quiet place.", want: "The description was set on Limbo."},
		{line: "desc ghost = boo", want: "Could not find 'ghost'."},
		{line: "set", want: "Usage: set <obj>/<attr> [= <value>]"},
		{line: "set box", want: "Usage: set <obj>/<attr> [= <value>]"},
		{line: "set box/ = x", want: "Usage: set <obj>/<attr> [= <value>]"},
		{line: "set box/color", want: "Attribute box/color = red"},
		{line: "set box/size", want: "Attribute box/size does not exist."},
		{line: "set box/size =", want: "Attribute box/size does not exist."},
		{line: "set box/color = blue", want: "Modified attribute box/color = blue"},
		{line: "set box/color =", want: "Deleted attribute box/color."},
		{line: "set me/mood = a = b", want: "Created attribute Alice/mood = a = b"},
		{line: "set ghost/x = 1", want: "Could not find 'ghost'."},
	})
}

// TestBuildEffects checks the world after building commands, not just the replies.
func TestBuildEffects(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, line := range []string{
		"create ball;orb:toys.Ball",
		"desc orb = round",
		"set ball/weight = 3",
		"desc Cozy.",
		"create/drop rock",
		"+dig Unused",
		"dig/tel Cellar;cel = down, up",
	} {
		execLine(t, f.w, f.alice, f.n, line)
	}
	ball, ok := f.w.Object(9)
	if !ok {
		t.Fatal("ball #9 missing")
	}
	want := Object{ID: 9, Key: "ball", Aliases: []string{"orb"}, Kind: KindThing, Typeclass: "toys.Ball",
		Location: f.alice.acct.Character, Home: LimboID, Owner: f.alice.acct.ID, Desc: "round", Attrs: map[string]string{"weight": "3"}}
	if !equalObjects(ball, want) {
		t.Errorf("ball = %+v, want %+v", ball, want)
	}
	if rock, ok := f.w.Object(10); !ok || rock.Key != "rock" || rock.Location != LimboID {
		t.Errorf("dropped rock = %+v, %v; want it in Limbo", rock, ok)
	}
	if _, ok := f.w.RoomByName("Unused"); !ok {
		t.Error("+dig did not dig")
	}
	if limbo, _ := f.w.Object(LimboID); limbo.Desc != "Cozy." {
		t.Errorf("Limbo desc = %q, want %q", limbo.Desc, "Cozy.")
	}
	cellar, ok := f.w.RoomByName("CEL")
	if !ok {
		t.Fatal("RoomByName(CEL) found nothing")
	}
	if got := f.w.Location(f.alice.acct.Character); got != cellar {
		t.Errorf("Alice is in %v, want the cellar %v", got, cellar)
	}
	exits := f.w.Contents(cellar)
	if len(exits) != 2 { // the exit up, and Alice
		t.Fatalf("cellar contents = %v, want the exit up and Alice", exits)
	}
	up, _ := f.w.Object(exits[1]) // in id order: Alice #3 first
	if up.Key != "up" || up.Kind != KindExit || up.Destination != LimboID {
		t.Errorf("cellar exit = %+v, want up to Limbo", up)
	}
	// The copy is not the world's object.
	ball.Attrs["weight"] = "999"
	ball.Aliases[0] = "changed"
	if again, _ := f.w.Object(9); again.Attrs["weight"] != "3" || again.Aliases[0] != "orb" {
		t.Errorf("changing a returned Object changed the world: %+v", again)
	}
	if _, ok := f.w.Character(9); ok {
		t.Error("Character(ball) = ok, want false for a thing")
	}
	if ch, ok := f.w.Character(f.bob.acct.Character); !ok || ch.Key != "Bob" {
		t.Errorf("Character(Bob) = %+v, %v", ch, ok)
	}
}

func equalObjects(a, b Object) bool {
	return a.ID == b.ID && a.Key == b.Key && slices.Equal(a.Aliases, b.Aliases) && a.Kind == b.Kind &&
		a.Typeclass == b.Typeclass && a.Location == b.Location && a.Destination == b.Destination &&
		a.Home == b.Home && a.Owner == b.Owner && a.Desc == b.Desc && maps.Equal(a.Attrs, b.Attrs)
}

func TestParseObjSpec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		key       string
		aliases   []string
		typeclass string
	}{
		{"box", "box", nil, ""},
		{" box ; b ;; bx : a.b.C ", "box", []string{"b", "bx"}, "a.b.C"},
		{"testing_button_1:contrib.tutorial_examples.red_button.RedButton", "testing_button_1", nil, "contrib.tutorial_examples.red_button.RedButton"},
		{"", "", nil, ""},
	}
	for _, tt := range tests {
		key, aliases, tc := parseObjSpec(tt.in)
		if key != tt.key || !slices.Equal(aliases, tt.aliases) || tc != tt.typeclass {
			t.Errorf("parseObjSpec(%q) = %q, %q, %q; want %q, %q, %q", tt.in, key, aliases, tc, tt.key, tt.aliases, tt.typeclass)
		}
	}
}
