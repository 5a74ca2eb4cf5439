package sim

import (
	"errors"
	"strings"
)

// LoginScreen returns the connection screen: shown when a session connects
// and by look (or an empty line) before login.
func (w *World) LoginScreen() string {
	return "==============================================================\n" +
		" Welcome to " + w.serverName + "!\n" +
		"\n" +
		" If you have an existing account, connect to it by typing:\n" +
		"      connect <username> <password>\n" +
		" If you need to create an account, type (without the <>'s):\n" +
		"      create <username> <password>\n" +
		"\n" +
		" Enter help for more info. look will re-show this screen.\n" +
		" Enter quit to disconnect.\n" +
		"=============================================================="
}

// unloggedCommands are the commands of a session that has not logged in.
func unloggedCommands() []*command {
	return []*command{
		{key: "connect", aliases: []string{"conn", "con", "co"}, usage: "connect <username> <password>",
			help: "Log in to an existing account.", run: cmdAccountConnect},
		{key: "create", aliases: []string{"cre", "cr"}, usage: "create <username> <password>",
			help: "Create a new account (3-30 letters, digits, _ or -; password of 3 characters or more).", run: cmdAccountCreate},
		{key: "look", aliases: []string{"l"}, usage: "look",
			help: "Show the connection screen again.", run: cmdLoginLook},
		{key: "help", aliases: []string{"h", "?"}, usage: "help [<command>]",
			help: "Show this help.", run: cmdHelp},
		{key: "quit", aliases: []string{"qu", "q"}, usage: "quit",
			help: "Disconnect.", run: cmdQuit},
		{key: "yes", aliases: []string{"y"}, usage: "yes",
			help: "Confirm a question (there is none to confirm here).", run: cmdYes},
		{key: "dummyrunner_echo_response", usage: "dummyrunner_echo_response [<text>]",
			help: "Echo <text> and the server time (the dummyrunner's lag probe).", run: cmdEcho},
	}
}

func cmdLoginLook(w *World, x *cmdCall) { x.msg(w.LoginScreen()) }

func cmdYes(_ *World, x *cmdCall) { x.msg("Nothing to confirm.") }

// parseLoginArgs splits "<name> <password>" the way Evennia does: the name
// may be in double quotes; the password is the rest of the line.
func parseLoginArgs(args string) (name, password string, ok bool) {
	args = strings.TrimSpace(args)
	if rest, quoted := strings.CutPrefix(args, `"`); quoted {
		n, p, closed := strings.Cut(rest, `"`)
		if !closed {
			return "", "", false
		}
		name, password = strings.TrimSpace(n), strings.TrimSpace(p)
	} else {
		n, p, _ := strings.Cut(args, " ")
		name, password = n, strings.TrimSpace(p)
	}
	return name, password, name != "" && password != ""
}

// cmdAccountCreate creates an account; like Evennia it does not log in.
func cmdAccountCreate(w *World, x *cmdCall) {
	name, password, ok := parseLoginArgs(x.args)
	if !ok {
		x.msg("Usage (without <>): create <username> <password>")
		return
	}
	addr := x.c.Address()
	if w.creations.full(addr, w.now()) {
		x.msg("You are creating too many accounts. Please log into an existing account.")
		return
	}
	a, err := w.CreateAccount(name, password)
	switch {
	case errors.Is(err, ErrNameTaken):
		x.msgf("Sorry, there is already an account with the name '%s'.", name)
	case errors.Is(err, ErrBadName):
		x.msgf("Sorry, '%s' is not a valid username: use %d-%d letters, digits, _ or -.", name, MinAccountNameLen, MaxAccountNameLen)
	case errors.Is(err, ErrBadPassword):
		x.msgf("Your password must be %d to %d characters long.", MinPasswordLen, MaxPasswordLen)
	case err != nil:
		x.msgf("Could not create the account: %v", err)
	default:
		w.creations.add(addr, w.now())
		x.msgf("A new account '%s' was created. Welcome!\n\nYou can now log in with the command 'connect %s <your password>'.", a.Name, a.Name)
		if a.Perm == PermDeveloper {
			x.msgf("%s is the game's superuser (permission Developer).", a.Name)
		}
	}
}

// reconnect answers a connect to the account the session is logged in
// as, as the login did, and reports whether the line was one. That is
// what a connect replayed by the portal finds when a server was killed
// after its SLOGIN got out and before its answer did: answering it anew
// makes the replay give the player the answer that was lost, instead
// of "not available". A connect to another account is not available, as
// in Evennia.
func reconnect(w *World, x *cmdCall) bool {
	if c := w.cmds.out[x.key]; c == nil || c.key != "connect" {
		return false
	}
	name, password, ok := parseLoginArgs(x.args)
	if !ok || !strings.EqualFold(name, x.acct.Name) {
		return false
	}
	if _, err := w.Authenticate(name, password); err != nil {
		x.msg("Username and/or password is incorrect.")
		return true
	}
	if char, ok := w.Character(x.char); ok {
		x.msgf("You become %s.", char.Key)
	}
	x.args = ""
	cmdLook(w, x)
	return true
}

// cmdAccountConnect logs in and puppets the account's character.
func cmdAccountConnect(w *World, x *cmdCall) {
	name, password, ok := parseLoginArgs(x.args)
	if !ok {
		x.msg("Usage (without <>): connect <username> <password>")
		return
	}
	addr := x.c.Address()
	if w.failedLogins.full(addr, w.now()) {
		x.msg("Too many login failures; please try again in a few minutes.")
		return
	}
	a, err := w.Authenticate(name, password)
	if err != nil {
		w.failedLogins.add(addr, w.now())
		x.msg("Username and/or password is incorrect.")
		return
	}
	if err := x.c.Login(a); err != nil {
		x.msgf("Could not log in: %v", err)
		return
	}
	x.acct, x.char, x.perm, x.args = a, a.Character, w.Perm(a.ID), ""
	arrive(w, x)
}

// Arrive greets c, logged in by the portal rather than by a connect (a
// browser that comes back logged in, SSH with a password), as a connect
// would: its character, the room told, a look.
func (w *World) Arrive(c Caller, n Notifier) {
	a := c.Account()
	if a == nil {
		return
	}
	x := &cmdCall{c: c, n: n, acct: a, char: a.Character, perm: w.Perm(a.ID)}
	arrive(w, x)
}

// arrive puts x's character in the game after a login.
func arrive(w *World, x *cmdCall) {
	char, ok := w.Character(x.char)
	if !ok {
		x.msgf("You are logged in as %s, but the account has no character.", x.acct.Name)
		return
	}
	x.msgf("You become %s.", char.Key)
	if others := w.othersIn(char.Location, char.ID); len(others) > 0 {
		x.n.MsgCharacters(others, char.Key+" has entered the game.")
	}
	cmdLook(w, x)
}
