package sim

import "testing"

func TestMoveCommands(t *testing.T) {
	t.Parallel()
	garden := "Garden\nExits: south"
	runCommandCases(t, []commandCase{
		{line: "north", want: garden},
		{line: "NORTH", want: garden},
		{line: "west", want: `Command 'west' is not available. Type "help" for help.`},
		{line: "teleport", want: "Usage: teleport <room name or #id>"},
		{line: "teleport garden", want: "Teleported Alice -> Garden.\n" + garden},
		{line: "tel #5", want: "Teleported Alice -> Garden.\n" + garden},
		{line: "tel me = Garden", want: "Teleported Alice -> Garden.\n" + garden},
		{line: "tel Alice = Garden", want: "Teleported Alice -> Garden.\n" + garden},
		{line: "teleport Bob = Garden", want: "You can only teleport yourself."},
		{line: "tel Limbo", want: "Alice is already at Limbo."},
		{line: "tel #3", want: "You cannot teleport into Alice."},
		{line: "tel #8", want: "You cannot teleport into box."},
		{line: "teleport nowhere", want: "Could not find 'nowhere'."},
		{line: "home", want: "You are already home!"},
	})
}

func TestMoveAnnouncements(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice, bob := f.alice.acct.Character, f.bob.acct.Character

	execLine(t, f.w, f.alice, f.n, "north")
	if got, want := f.n.takeChars(), []charMsg{{[]ObjID{bob}, "Alice is leaving Limbo, heading for Garden."}}; !equalCharMsgs(got, want) {
		t.Errorf("north: got %v, want %v", got, want)
	}
	if got := f.w.CharactersIn(5); len(got) != 1 || got[0] != alice {
		t.Errorf("CharactersIn(Garden) = %v, want [%v]", got, alice)
	}

	got := execLine(t, f.w, f.bob, f.n, "teleport Garden")
	if want := "Teleported Bob -> Garden.\nGarden\nExits: south\nYou see: Alice"; got != want {
		t.Errorf("Bob's teleport: got %q, want %q", got, want)
	}
	if got, want := f.n.takeChars(), []charMsg{{[]ObjID{alice}, "Bob arrives to Garden from Limbo."}}; !equalCharMsgs(got, want) {
		t.Errorf("teleport: got %v, want %v", got, want)
	}

	got = execLine(t, f.w, f.alice, f.n, "home")
	if want := "There's no place like home ...\nLimbo\n" + LimboDesc + "\nExits: north"; got != want {
		t.Errorf("home: got %q, want %q", got, want)
	}
	if got, want := f.n.takeChars(), []charMsg{{[]ObjID{bob}, "Alice is leaving Garden, heading for Limbo."}}; !equalCharMsgs(got, want) {
		t.Errorf("home: got %v, want %v", got, want)
	}
	if got := f.w.Location(alice); got != LimboID {
		t.Errorf("Location(Alice) = %v, want Limbo", got)
	}
}
