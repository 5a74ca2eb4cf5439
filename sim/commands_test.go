package sim

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// echoTime is how the echo probe prints testClock.
var echoTime = fmt.Sprintf("%d.%06d", testClock.Unix(), testClock.Nanosecond()/1000)

// TestDummyrunnerSequence plays one dummy client of Evennia's dummyrunner
// through its login and every action, in order, against a fresh world.
func TestDummyrunnerSequence(t *testing.T) {
	t.Parallel()
	w := newTestWorld(t, nil)
	n := &recNotifier{}
	c := &recCaller{}
	steps := []struct {
		line string
		want string   // exact, if has is empty
		has  []string // substrings
	}{
		{line: "create Dummy_1 pw1", want: "A new account 'Dummy_1' was created. Welcome!\n\nYou can now log in with the command 'connect Dummy_1 <your password>'.\nDummy_1 is the game's superuser (permission Developer)."},
		{line: "yes", want: "Nothing to confirm."},
		{line: "connect Dummy_1 pw1", want: "You become Dummy_1.\nLimbo\n" + LimboDesc},
		{line: "dig testing_room_start_1", want: "Created room testing_room_start_1(#4) of type typeclasses.rooms.Room."},
		{line: "teleport testing_room_start_1", want: "Teleported Dummy_1 -> testing_room_start_1.\ntesting_room_start_1"},
		{line: "py from evennia.server.profiling.dummyrunner import DummyRunnerCmdSet;self.cmdset.add(DummyRunnerCmdSet, persistent=False)",
			want: "Nothing to do: the echo probe is built in."},
		{line: "look", want: "testing_room_start_1"},
		{line: "examine me", has: []string{"Name/key: Dummy_1(#3)", "Typeclass: Character (typeclasses.characters.Character)",
			"Owner: Dummy_1", "Location: testing_room_start_1(#4)", "Home: Limbo(#2)"}},
		{line: "idle", want: "Idle."},
		{line: "help", has: []string{"Available commands:", "dig[/tel]", "dummyrunner_echo_response"}},
		{line: "dig/tel testing_room_1 = exit_1, exit_2", want: "Created room testing_room_1(#5) of type typeclasses.rooms.Room.\n" +
			"Created exit exit_1(#6) from testing_room_start_1 to testing_room_1.\n" +
			"Created exit exit_2(#7) back from testing_room_1 to testing_room_start_1.\n" +
			"testing_room_1\nExits: exit_2"},
		{line: "create testing_obj_1", want: "You create a new Object: testing_obj_1."},
		{line: `desc testing_obj_1 = "this is a test object`, want: "The description was set on testing_obj_1."},
		{line: "set testing_obj_1/testattr = this is a test attribute value.", want: "Created attribute testing_obj_1/testattr = this is a test attribute value."},
		{line: "set testing_obj_1/testattr2 = this is a second test attribute.", want: "Created attribute testing_obj_1/testattr2 = this is a second test attribute."},
		{line: "create testing_button_1:contrib.tutorial_examples.red_button.RedButton", want: "You create a new RedButton: testing_button_1."},
		{line: "desc testing_button_1 = test red button!", want: "The description was set on testing_button_1."},
		{line: "look testing_obj_1", want: "testing_obj_1\n\"this is a test object"},
		{line: "look testing_button_1", want: "testing_button_1\ntest red button!"},
		{line: "examine testing_obj_1", has: []string{"Name/key: testing_obj_1(#8)", "Location: Dummy_1(#3)", "Home: testing_room_1(#5)",
			"Description: \"this is a test object", "Attributes:\ntestattr = this is a test attribute value.\ntestattr2 = this is a second test attribute."}},
		{line: "examine testing_button_1", has: []string{"Typeclass: RedButton (contrib.tutorial_examples.red_button.RedButton)"}},
		{line: "look exit_2", want: "exit_2\nYou see nothing special.\nIt leads to testing_room_start_1."},
		{line: "look exit_1", want: "Could not find 'exit_1'."},
		{line: "examine exit_1", want: "Could not find 'exit_1'."},
		{line: "say Yo!", want: `You say, "Yo!"`},
		{line: "emote stands looking around.", want: "Dummy_1 stands looking around."},
		{line: "exit_1", want: `Command 'exit_1' is not available. Type "help" for help.`},
		{line: "exit_2", want: "testing_room_start_1\nExits: exit_1"},
		{line: "exit_1", want: "testing_room_1\nExits: exit_2"},
		{line: "north", want: `Command 'north' is not available. Type "help" for help.`},
		{line: "south", want: `Command 'south' is not available. Type "help" for help.`},
		{line: "dummyrunner_echo_response 1764072000.25", want: "dummyrunner_echo_response:1764072000.25," + echoTime},
		{line: "inventory", want: "You are carrying:\n testing_obj_1\n testing_button_1"},
		{line: "home", want: "There's no place like home ...\nLimbo\n" + LimboDesc},
	}
	for _, s := range steps {
		got := execLine(t, w, c, n, s.line)
		if len(s.has) > 0 {
			wantContains(t, s.line, got, s.has...)
		} else if got != s.want {
			t.Errorf("%q:\n got %q\nwant %q", s.line, got, s.want)
		}
	}

	if got := execLine(t, w, c, n, "pub Hello!"); got != "" {
		t.Errorf("pub: caller got %q directly, want the message only through MsgAll", got)
	}
	if got, want := n.all, []string{"[Public] Dummy_1: Hello!"}; !slices.Equal(got, want) {
		t.Errorf("pub: MsgAll got %q, want %q", got, want)
	}
	if got, want := execLine(t, w, c, n, "quit"), "Quitting. Hope to see you again, soon."; got != want {
		t.Errorf("quit: got %q, want %q", got, want)
	}
	if got, want := c.quits, []string{QuitReason}; !slices.Equal(got, want) {
		t.Errorf("quit: Quit calls %q, want %q", got, want)
	}
	if len(n.takeChars()) != 0 {
		t.Errorf("a lone player's actions reached other characters")
	}
}

func TestExecuteLoggedOut(t *testing.T) {
	t.Parallel()
	w := newTestWorld(t, nil)
	if _, err := w.CreateAccount("Taken", "secret"); err != nil {
		t.Fatal(err)
	}
	screen := w.LoginScreen()
	tests := []struct {
		line string
		want string
		has  []string
	}{
		{line: "", want: screen},
		{line: "   ", want: screen},
		{line: "look", want: screen},
		{line: "L", want: screen},
		{line: "help", has: []string{"connect <username> <password>", "create <username> <password>", "quit"}},
		{line: "help connect", has: []string{"Help for connect", "Usage: connect <username> <password>"}},
		{line: "yes", want: "Nothing to confirm."},
		{line: "connect", want: "Usage (without <>): connect <username> <password>"},
		{line: "connect onlyname", want: "Usage (without <>): connect <username> <password>"},
		{line: "connect nobody secret", want: "Username and/or password is incorrect."},
		{line: "connect Taken wrong", want: "Username and/or password is incorrect."},
		{line: "create", want: "Usage (without <>): create <username> <password>"},
		{line: "create ab secret", has: []string{"'ab' is not a valid username"}},
		{line: "create bad!name secret", has: []string{"is not a valid username"}},
		{line: "create " + strings.Repeat("x", 31) + " secret", has: []string{"is not a valid username"}},
		{line: "create newbie pw", want: "Your password must be 3 to 72 characters long."},
		{line: "create taken other", want: "Sorry, there is already an account with the name 'taken'."},
		{line: `create "Quoted" two words`, has: []string{"A new account 'Quoted' was created."}},
		{line: "dig room", want: `Command 'dig' is not available. Type "help" for help.`},
		{line: "say hi", want: `Command 'say' is not available. Type "help" for help.`},
		{line: "dummyrunner_echo_response", want: "dummyrunner_echo_response:," + echoTime},
		{line: "dummyrunner_echo_response  42.5 ", want: "dummyrunner_echo_response:42.5," + echoTime},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c := &recCaller{}
			got := execLine(t, w, c, &recNotifier{}, tt.line)
			if len(tt.has) > 0 {
				wantContains(t, tt.line, got, tt.has...)
			} else if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if c.acct != nil {
				t.Errorf("%q logged the session in", tt.line)
			}
		})
	}
	// The quoted create kept the password's space.
	if _, err := w.Authenticate("quoted", "two words"); err != nil {
		t.Errorf("Authenticate(quoted, \"two words\"): %v", err)
	}
}

func TestConnect(t *testing.T) {
	t.Parallel()
	w := newTestWorld(t, nil)
	n := &recNotifier{}
	bob := loginAs(t, w, n, "Bob")
	n.takeChars()

	c := &recCaller{}
	execLine(t, w, c, n, "create Alice s3cret")
	got := execLine(t, w, c, n, "CONNECT alice s3cret")
	if want := "You become Alice.\nLimbo\n" + LimboDesc + "\nYou see: Bob"; got != want {
		t.Errorf("connect: got %q, want %q", got, want)
	}
	if len(c.logins) != 1 || c.logins[0].Name != "Alice" {
		t.Fatalf("Login calls = %v, want one for Alice", c.logins)
	}
	if got, want := n.takeChars(), []charMsg{{[]ObjID{bob.acct.Character}, "Alice has entered the game."}}; !equalCharMsgs(got, want) {
		t.Errorf("announcement: got %v, want %v", got, want)
	}
	// Logged in, a connect to the same account is answered again (a
	// replay after a kill); see TestConnectToTheAccountLoggedInIsAnsweredAgain.
	if got := execLine(t, w, c, n, "connect Alice s3cret"); !strings.HasPrefix(got, "You become Alice.") || len(c.logins) != 1 {
		t.Errorf("connect when logged in: got %q (%d logins), want the login's answer again", got, len(c.logins))
	}

	refused := &recCaller{loginErr: errors.New("no room at the inn")}
	if got, want := execLine(t, w, refused, n, "connect Alice s3cret"), "Could not log in: no room at the inn"; got != want {
		t.Errorf("refused login: got %q, want %q", got, want)
	}
}

func equalCharMsgs(a, b []charMsg) bool {
	return slices.EqualFunc(a, b, func(x, y charMsg) bool { return x.text == y.text && slices.Equal(x.chars, y.chars) })
}
