package sim

import (
	"fmt"
	"strings"
)

// moved is the outcome of moving the caller's character: who to tell, and
// what the caller sees on arrival.
type moved struct {
	who, fromKey, toKey string
	left, met           []ObjID // characters in the old and the new room
	look                string
}

// moveCharLocked moves char to dest, journals it, and prepares the announcements.
func (w *World) moveCharLocked(x *cmdCall, char *Object, dest *Object) (moved, error) {
	from := char.Location
	if err := w.commitLocked(Record{Op: OpMove, ID: char.ID, To: dest.ID}); err != nil {
		return moved{}, err
	}
	m := moved{who: char.Key, toKey: dest.Key}
	if r := w.objects[from]; r != nil {
		m.fromKey = r.Key
		m.left = w.contentsLocked(from, KindCharacter, char.ID)
	}
	m.met = w.contentsLocked(dest.ID, KindCharacter, char.ID)
	m.look = w.lookLocked(x, "")
	return m, nil
}

// announce tells the rooms about the move and shows the caller its new place.
func (m moved) announce(x *cmdCall) {
	if len(m.left) > 0 {
		if m.fromKey != "" {
			x.n.MsgCharacters(m.left, fmt.Sprintf("%s is leaving %s, heading for %s.", m.who, m.fromKey, m.toKey))
		}
	}
	if len(m.met) > 0 {
		if m.fromKey != "" {
			x.n.MsgCharacters(m.met, fmt.Sprintf("%s arrives to %s from %s.", m.who, m.toKey, m.fromKey))
		} else {
			x.n.MsgCharacters(m.met, fmt.Sprintf("%s arrives to %s.", m.who, m.toKey))
		}
	}
	x.msg(m.look)
}

// moveCaller moves the caller's character to the object chosen by pick
// (called with the world locked; it returns the destination or a message),
// sends before to the caller first, then announces. It reports whether pick found a destination.
func (w *World) moveCaller(x *cmdCall, pick func(char *Object) (dest *Object, before, errMsg string)) bool {
	w.mu.Lock()
	char, errMsg := w.charLocked(x)
	if char == nil {
		w.mu.Unlock()
		x.msg(errMsg)
		return true
	}
	dest, before, errMsg := pick(char)
	if dest == nil {
		w.mu.Unlock()
		if errMsg == "" {
			return false
		}
		x.msg(errMsg)
		return true
	}
	m, err := w.moveCharLocked(x, char, dest)
	w.mu.Unlock()
	if err != nil {
		x.msgf("You cannot go there: %v", err)
		return true
	}
	if before != "" {
		x.msg(before)
	}
	m.announce(x)
	return true
}

// tryExit moves the caller through the exit named by the line (or its first
// word) in the caller's location. It reports false if there is no such exit.
func (w *World) tryExit(x *cmdCall) bool {
	return w.moveCaller(x, func(char *Object) (*Object, string, string) {
		if char.Location == 0 {
			return nil, "", ""
		}
		for _, name := range []string{x.line, x.word} {
			for _, id := range w.inLocked(char.Location, name) {
				if ex := w.objects[id]; ex.Kind == KindExit {
					dest := w.objects[ex.Destination]
					if dest == nil {
						return nil, "", fmt.Sprintf("The exit %s leads nowhere.", ex.Key)
					}
					return dest, "", ""
				}
			}
		}
		return nil, "", ""
	})
}

// cmdTeleport moves the caller to a room named anywhere, or to any #id.
func cmdTeleport(w *World, x *cmdCall) {
	target := x.args
	if who, to, ok := strings.Cut(target, "="); ok {
		target = strings.TrimSpace(to)
		if who = strings.TrimSpace(who); who != "" && !strings.EqualFold(who, "me") && !strings.EqualFold(who, "self") &&
			(x.acct == nil || !strings.EqualFold(who, x.acct.Name)) {
			x.msg("You can only teleport yourself.")
			return
		}
	}
	if target == "" {
		x.msg("Usage: teleport <room name or #id>")
		return
	}
	w.moveCaller(x, func(char *Object) (*Object, string, string) {
		var dest *Object
		if id, ok := ParseObjID(target); ok {
			dest = w.objects[id]
		} else if ids := w.rooms[strings.ToLower(target)]; len(ids) > 0 {
			dest = w.objects[ids[0]]
		} else if strings.EqualFold(target, "here") {
			dest = w.objects[char.Location]
		}
		switch {
		case dest == nil:
			return nil, "", fmt.Sprintf("Could not find '%s'.", target)
		case dest.ID == char.Location:
			return nil, "", fmt.Sprintf("%s is already at %s.", char.Key, dest.Key)
		case dest.ID == char.ID || w.insideLocked(dest.ID, char.ID):
			return nil, "", fmt.Sprintf("You cannot teleport into %s.", dest.Key)
		}
		return dest, fmt.Sprintf("Teleported %s -> %s.", char.Key, dest.Key), ""
	})
}

// cmdHome moves the caller to its character's home.
func cmdHome(w *World, x *cmdCall) {
	w.moveCaller(x, func(char *Object) (*Object, string, string) {
		home := w.objects[char.Home]
		switch {
		case home == nil:
			return nil, "", "You have no home!"
		case home.ID == char.Location:
			return nil, "", "You are already home!"
		}
		return home, "There's no place like home ...", ""
	})
}

// insideLocked reports whether obj is (at any depth) inside container.
func (w *World) insideLocked(obj, container ObjID) bool {
	for o := w.objects[obj]; o != nil && o.Location != 0; o = w.objects[o.Location] {
		if o.Location == container {
			return true
		}
	}
	return false
}
