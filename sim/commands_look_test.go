package sim

import (
	"strings"
	"testing"
)

// commandCase is one line typed by Alice in a fresh fixture.
type commandCase struct {
	line string
	want string   // exact, if has is empty
	has  []string // substrings
}

func runCommandCases(t *testing.T, tests []commandCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			got := execLine(t, f.w, f.alice, f.n, tt.line)
			if len(tt.has) > 0 {
				wantContains(t, tt.line, got, tt.has...)
			} else if got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestLookExamineInventory(t *testing.T) {
	t.Parallel()
	limbo := "Limbo\n" + LimboDesc + "\nExits: north\nYou see: Bob"
	runCommandCases(t, []commandCase{
		{line: "look", want: limbo},
		{line: "l", want: limbo},
		{line: "LOOK here", want: limbo},
		{line: "look #2", want: limbo},
		{line: "look me", want: "Alice\nYou see nothing special."},
		{line: "look box", want: "box\nYou see nothing special."},
		{line: "look BOX", want: "box\nYou see nothing special."},
		{line: "look bob", want: "Bob\nYou see nothing special."},
		{line: "look north", want: "north\nYou see nothing special.\nIt leads to Garden."},
		{line: "look south", want: "Could not find 'south'."},
		{line: "look #5", want: "Garden\nExits: south"},
		{line: "look #999", want: "Could not find '#999'."},
		{line: "look nothing", want: "Could not find 'nothing'."},
		{line: "examine", has: []string{"Name/key: Limbo(#2)", "Typeclass: Room (typeclasses.rooms.Room)", "Kind: room",
			"Location: None", "Description: " + LimboDesc, "Exits: north(#6)", "Contents: Alice(#3), Bob(#4)"}},
		{line: "ex box", has: []string{"Name/key: box(#8)", "Typeclass: Object (typeclasses.objects.Object)", "Kind: thing",
			"Owner: Alice", "Location: Alice(#3)", "Home: Limbo(#2)", "Description: (none)", "Attributes:\ncolor = red"}},
		{line: "exam north", has: []string{"Name/key: north(#6)", "Destination: Garden(#5)", "Typeclass: Exit (typeclasses.exits.Exit)"}},
		{line: "examine me", has: []string{"Name/key: Alice(#3)", "Contents: box(#8)"}},
		{line: "examine ghost", want: "Could not find 'ghost'."},
		{line: "inventory", want: "You are carrying:\n box"},
		{line: "i", want: "You are carrying:\n box"},
	})
}

func TestInventoryEmpty(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if got, want := execLine(t, f.w, f.bob, f.n, "inv"), "You are not carrying anything."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestListNamesCaps(t *testing.T) {
	t.Parallel()
	var l nameList
	for range maxListed + 3 {
		l.add("x")
	}
	got := l.String()
	if want := "x, x and 3 more"; len(got) < len(want) || got[len(got)-len(want):] != want {
		t.Errorf("nameList of %d names = ...%q, want it to end with %q", maxListed+3, got[max(0, len(got)-20):], want)
	}
	if got, want := strings.Count(got, "x"), maxListed; got != want {
		t.Errorf("nameList shows %d names, want %d", got, want)
	}
}

func TestHelpAndMisc(t *testing.T) {
	t.Parallel()
	runCommandCases(t, []commandCase{
		{line: "help", has: []string{"Available commands:", "look [<target>]", "Type the name of an exit to go through it."}},
		{line: "HELP Dig", has: []string{"Help for dig", "Usage: dig[/tel]"}},
		{line: "help ex", has: []string{"Help for examine (aliases: ex, exam)"}},
		{line: "help nonsense", want: "No help found for 'nonsense'."},
		{line: "idle", want: "Idle."},
		{line: "py print(1)", want: "Nothing to do: the echo probe is built in."},
		{line: "dummyrunner_echo_response 12.5", want: "dummyrunner_echo_response:12.5," + echoTime},
		{line: "frobnicate now", want: `Command 'frobnicate' is not available. Type "help" for help.`},
		{line: "look/foo", want: "Limbo\n" + LimboDesc + "\nExits: north\nYou see: Bob"},
		{line: "yes", want: `Command 'yes' is not available. Type "help" for help.`},
		{line: "connect Bob pw-Bob", want: `Command 'connect' is not available. Type "help" for help.`},
	})
}

func TestEmptyLineLoggedIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if got := execLine(t, f.w, f.alice, f.n, "  "); got != "" {
		t.Errorf("empty line: got %q, want nothing", got)
	}
}
