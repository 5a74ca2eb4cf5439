package sim

import "fmt"

// speaker returns the caller's character key and the other characters in its location.
func (w *World) speaker(x *cmdCall) (name string, others []ObjID, errMsg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	char, errMsg := w.charLocked(x)
	if char == nil {
		return "", nil, errMsg
	}
	if char.Location != 0 {
		others = w.contentsLocked(char.Location, KindCharacter, char.ID)
	}
	return char.Key, others, ""
}

// cmdSay speaks to the caller's location: say <text>, 'text or "text.
func cmdSay(w *World, x *cmdCall) {
	if x.args == "" {
		x.msg("Say what?")
		return
	}
	name, others, errMsg := w.speaker(x)
	if errMsg != "" {
		x.msg(errMsg)
		return
	}
	x.msgf("You say, \"%s\"", x.args)
	if len(others) > 0 {
		x.n.MsgCharacters(others, fmt.Sprintf("%s says, \"%s\"", name, x.args))
	}
}

// cmdEmote poses to the caller's location, caller included: emote <text> or :text.
func cmdEmote(w *World, x *cmdCall) {
	if x.args == "" {
		x.msg("What do you want to do?")
		return
	}
	name, others, errMsg := w.speaker(x)
	if errMsg != "" {
		x.msg(errMsg)
		return
	}
	text := name + " " + x.args
	x.msg(text)
	if len(others) > 0 {
		x.n.MsgCharacters(others, text)
	}
}

// cmdPub talks on the public channel: every logged-in session, the caller
// included, gets "[Public] <name>: <text>" through MsgAll.
func cmdPub(w *World, x *cmdCall) {
	if x.args == "" {
		x.msg("Usage: pub <message>")
		return
	}
	name := x.acct.Name
	if char, ok := w.Character(x.char); ok {
		name = char.Key
	}
	x.n.MsgAll(fmt.Sprintf("[Public] %s: %s", name, x.args))
}
