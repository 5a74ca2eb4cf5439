package sim

import (
	"fmt"
	"strings"
	"unicode"
)

// Caller is the session that typed a command, as commands see it.
// Implementations are not safe for concurrent use; the World calls it only from inside Execute.
type Caller interface {
	// Account returns the logged-in account, or nil before login.
	Account() *Account
	// Msg sends text to this session.
	Msg(text string)
	// Login marks the session logged in as a (the session layer tells the portal and,
	// with MULTISESSION_MODE 0, disconnects other sessions of the same account).
	Login(a *Account) error
	// Quit disconnects this session with reason.
	Quit(reason string)
	// Address is the client's address as the portal reports it ("" if unknown).
	Address() string
}

// Notifier reaches sessions other than the caller.
type Notifier interface {
	// MsgCharacters sends text to the sessions puppeting any of the given characters.
	MsgCharacters(chars []ObjID, text string)
	// MsgAll sends text to every logged-in session (the public channel).
	MsgAll(text string)
	// Reload asks the server to restart itself, keeping every player connected. Shutdown stops the game.
	Reload(reason string)
	Shutdown(reason string)
}

// ignoredCommandPrefixes are stripped from a command name that is not found
// with them (Evennia's CMD_IGNORE_PREFIXES), so older scripts' "@dig" works.
const ignoredCommandPrefixes = "@&/+"

// QuitReason is what quit passes to [Caller.Quit].
const QuitReason = "Good bye! Disconnecting."

// command is one entry of a command table.
type command struct {
	key     string
	aliases []string
	usage   string // "look [<target>]"
	help    string // one sentence
	// perm is the level a caller needs; below it, the command does not
	// exist for them (Evennia leaves it out of their command set).
	perm Perm
	run  func(w *World, x *cmdCall)
}

// commandTable holds the commands available before and after login.
type commandTable struct {
	out, in         map[string]*command // key and aliases -> command
	outList, inList []*command          // in help order
}

func newCommandTable() *commandTable {
	t := &commandTable{out: map[string]*command{}, in: map[string]*command{}}
	for _, c := range unloggedCommands() {
		t.outList = append(t.outList, c)
		register(t.out, c)
	}
	for _, c := range loggedInCommands() {
		t.inList = append(t.inList, c)
		register(t.in, c)
	}
	return t
}

func register(m map[string]*command, c *command) {
	for _, name := range append([]string{c.key}, c.aliases...) {
		if _, dup := m[name]; dup {
			panic("sim: duplicate command name " + name)
		}
		m[name] = c
	}
}

// cmdCall is one command being executed.
type cmdCall struct {
	c    Caller
	n    Notifier
	acct *Account // nil before login
	perm Perm     // the account's level now (PermPlayer before login)
	char ObjID    // the account's character, 0 before login
	line string   // the whole trimmed input
	word string   // the command word as typed, switches included
	key  string   // the lower-case command name, switches removed
	// switches are the lower-case "/switch" parts of the command word.
	switches []string
	args     string // the rest of the line, trimmed
}

func (x *cmdCall) msg(text string) { x.c.Msg(text) }

func (x *cmdCall) msgf(format string, args ...any) { x.c.Msg(fmt.Sprintf(format, args...)) }

func (x *cmdCall) hasSwitch(names ...string) bool {
	for _, s := range x.switches {
		for _, n := range names {
			if s == n {
				return true
			}
		}
	}
	return false
}

// Execute runs one input line typed by c, its control characters
// removed first (playerText): nothing a player types reaches another's
// terminal or the journal as an escape sequence. Before login only the login
// commands exist; after it, the game commands and the names of the exits
// where the caller's character stands. Every non-empty line makes at least
// one message for c (usually through c.Msg; pub reaches c through
// n.MsgAll). An empty line shows the login screen before login and does
// nothing after it. Execute never calls c or n with the world locked.
func (w *World) Execute(c Caller, n Notifier, line string) {
	if commandCost > 0 {
		spend(commandCost)
	}
	text, changed := playerText(line)
	text, linked := noLinks(text)
	if changed || linked {
		w.cleaned.Add(1)
	}
	x := &cmdCall{c: c, n: n, acct: c.Account(), line: strings.TrimSpace(text)}
	if x.acct != nil {
		x.char = x.acct.Character
		x.perm = w.Perm(x.acct.ID)
	}
	x.word, x.args = splitCommandWord(x.line)
	name, sw, _ := strings.Cut(x.word, "/")
	x.key = strings.ToLower(name)
	if sw != "" {
		x.switches = strings.Split(strings.ToLower(sw), "/")
	}

	table := w.cmds.out
	if x.acct != nil {
		table = w.cmds.in
	}
	if x.line == "" {
		if x.acct == nil {
			cmdLoginLook(w, x)
		}
		return
	}
	if x.acct != nil && reconnect(w, x) {
		return
	}
	cmd := table[x.key]
	if cmd == nil && len(x.key) > 1 && strings.ContainsRune(ignoredCommandPrefixes, rune(x.key[0])) {
		cmd = table[x.key[1:]] // "@dig" is "dig", as in Evennia
	}
	if cmd != nil && cmd.perm <= x.perm {
		cmd.run(w, x)
		return
	}
	if x.acct != nil && w.tryExit(x) {
		return
	}
	x.msgf("Command '%s' is not available. Type \"help\" for help.", x.word)
}

// splitCommandWord splits line into the command word and the trimmed rest.
// The say and emote shortcuts ('text, "text, :text) need no space.
func splitCommandWord(line string) (word, args string) {
	if line == "" {
		return "", ""
	}
	switch line[0] {
	case '\'', '"', ':':
		return line[:1], strings.TrimSpace(line[1:])
	}
	i := strings.IndexFunc(line, unicode.IsSpace)
	if i < 0 {
		return line, ""
	}
	return line[:i], strings.TrimSpace(line[i:])
}

// cmdHelp lists the commands of the caller's state, or shows one.
func cmdHelp(w *World, x *cmdCall) {
	list, table := w.cmds.outList, w.cmds.out
	if x.acct != nil {
		list, table = w.cmds.inList, w.cmds.in
	}
	if topic := strings.ToLower(x.args); topic != "" {
		cmd := table[topic]
		if cmd == nil || cmd.perm > x.perm {
			x.msgf("No help found for '%s'.", x.args)
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Help for %s", cmd.key)
		if len(cmd.aliases) > 0 {
			fmt.Fprintf(&b, " (aliases: %s)", strings.Join(cmd.aliases, ", "))
		}
		fmt.Fprintf(&b, "\nUsage: %s\n%s", cmd.usage, cmd.help)
		x.msg(b.String())
		return
	}
	var b strings.Builder
	b.WriteString("Available commands:")
	for _, cmd := range list {
		if cmd.perm > x.perm {
			continue
		}
		fmt.Fprintf(&b, "\n  %s - %s", cmd.usage, cmd.help)
	}
	if x.acct != nil {
		b.WriteString("\nType the name of an exit to go through it.")
	}
	b.WriteString("\nType \"help <command>\" for more.")
	x.msg(b.String())
}

// cmdQuit disconnects the caller, logged in or not.
func cmdQuit(_ *World, x *cmdCall) {
	x.msg("Quitting. Hope to see you again, soon.")
	x.c.Quit(QuitReason)
}

// loggedInCommands are the commands of a session that has logged in, in help order.
func loggedInCommands() []*command {
	return []*command{
		{key: "look", aliases: []string{"l"}, usage: "look [<target>]",
			help: "Look at your location, or at something here, carried, an exit, me, here or #id.", run: cmdLook},
		{key: "examine", aliases: []string{"ex", "exam"}, usage: "examine [<target>]",
			help: "Show an object's details and attributes (default: here).", perm: PermBuilder, run: cmdExamine},
		{key: "inventory", aliases: []string{"i", "inv"}, usage: "inventory",
			help: "List what you carry.", run: cmdInventory},
		{key: "say", aliases: []string{"'", `"`}, usage: "say <text>",
			help: "Speak to everyone in your location.", run: cmdSay},
		{key: "emote", aliases: []string{"pose", ":"}, usage: "emote <text>",
			help: "Show everyone here what you do.", run: cmdEmote},
		{key: "pub", usage: "pub <text>",
			help: "Talk on the public channel, to everyone online.", run: cmdPub},
		{key: "home", usage: "home",
			help: "Go to your home.", run: cmdHome},
		{key: "teleport", aliases: []string{"tel"}, usage: "teleport <room name or #id>",
			help: "Move yourself to a room anywhere.", perm: PermBuilder, run: cmdTeleport},
		{key: "dig", usage: "dig[/tel] <room> [= <exit there>[, <exit back>]]",
			help: "Create a room and exits to it and back; /tel takes you there.", perm: PermBuilder, run: cmdDig},
		{key: "create", usage: "create[/drop] <name>[:<typeclass>]",
			help: "Create an object in your inventory (/drop: here).", perm: PermBuilder, run: cmdCreateObject},
		{key: "desc", aliases: []string{"describe"}, usage: "desc [<obj> =] <text>",
			help: "Describe an object (default: your location).", perm: PermBuilder, run: cmdDesc},
		{key: "set", usage: "set <obj>/<attr> [= <value>]",
			help: "Show, set or (with an empty value) delete an attribute.", perm: PermBuilder, run: cmdSet},
		{key: "perm", usage: "perm <account> [= <level>]",
			help: "Show an account's permission level (Player, Builder, Admin, Developer), or set it.", perm: PermAdmin, run: cmdPerm},
		{key: "help", aliases: []string{"h", "?"}, usage: "help [<command>]",
			help: "Show this help.", run: cmdHelp},
		{key: "idle", usage: "idle",
			help: "Do nothing (keeps the connection alive).", run: cmdIdle},
		{key: "dummyrunner_echo_response", usage: "dummyrunner_echo_response [<text>]",
			help: "Echo <text> and the server time (the dummyrunner's lag probe).", run: cmdEcho},
		{key: "py", aliases: []string{"!"}, usage: "py <code>",
			help: "Accepted for the dummyrunner; runs nothing.", run: cmdPy},
		{key: "reload", aliases: []string{"restart"}, usage: "reload [<reason>]",
			help: "Restart the server; everyone stays connected.", perm: PermDeveloper, run: cmdReload},
		{key: "shutdown", usage: "shutdown [<reason>]",
			help: "Stop the game.", perm: PermDeveloper, run: cmdShutdown},
		{key: "quit", usage: "quit",
			help: "Disconnect.", run: cmdQuit},
	}
}
