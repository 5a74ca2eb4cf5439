package sim

import (
	"fmt"
	"strings"
)

// parseObjSpec splits Evennia's "key[;alias;alias...][:typeclass]".
func parseObjSpec(s string) (key string, aliases []string, typeclass string) {
	names, tc, _ := strings.Cut(s, ":")
	typeclass = strings.TrimSpace(tc)
	for i, part := range strings.Split(names, ";") {
		part = strings.TrimSpace(part)
		switch {
		case i == 0:
			key = part
		case part != "":
			aliases = append(aliases, part)
		}
	}
	return key, aliases, typeclass
}

// cmdDig creates a room and, optionally, exits to it and back.
// Switch /tel (or /teleport) moves the caller into the new room.
func cmdDig(w *World, x *cmdCall) {
	lhs, rhs, _ := strings.Cut(x.args, "=")
	roomKey, roomAliases, roomTC := parseObjSpec(lhs)
	if roomKey == "" {
		x.msg("Usage: dig[/tel] <roomname>[;alias][:typeclass] [= <exit to there>[;alias][:typeclass]] [, <exit back here>[;alias][:typeclass]]")
		return
	}
	toSpec, backSpec, _ := strings.Cut(rhs, ",")

	w.mu.Lock()
	char, errMsg := w.charLocked(x)
	if char == nil {
		w.mu.Unlock()
		x.msg(errMsg)
		return
	}
	here := w.objects[char.Location]
	if roomTC == "" {
		roomTC = TypeclassRoom
	}
	roomID := w.newObjIDLocked(1)
	specs := []ObjectSpec{{ID: roomID, Key: roomKey, Aliases: roomAliases, Kind: KindRoom, Typeclass: roomTC, Owner: x.acct.ID}}
	lines := []string{fmt.Sprintf("Created room %s(%v) of type %s.", roomKey, roomID, roomTC)}
	addExit := func(spec string, from, to ObjID, fromKey, toKey, how string) {
		key, aliases, tc := parseObjSpec(spec)
		if key == "" {
			return
		}
		if tc == "" {
			tc = TypeclassExit
		}
		id := w.newObjIDLocked(1)
		specs = append(specs, ObjectSpec{ID: id, Key: key, Aliases: aliases, Kind: KindExit, Typeclass: tc,
			Location: from, Destination: to, Owner: x.acct.ID})
		lines = append(lines, fmt.Sprintf("Created exit %s(%v) %s %s to %s.", key, id, how, fromKey, toKey))
	}
	if here != nil {
		addExit(toSpec, here.ID, roomID, here.Key, roomKey, "from")
		addExit(backSpec, roomID, here.ID, roomKey, here.Key, "back from")
	} else if strings.TrimSpace(rhs) != "" {
		lines = append(lines, "You have no location, so no exits were created.")
	}
	if err := w.commitLocked(Record{Op: OpCreate, Objects: specs}); err != nil {
		w.mu.Unlock()
		x.msgf("Could not dig %s: %v", clip(roomKey, MaxNameLen), err)
		return
	}
	var m moved
	var moveErr error
	tel := x.hasSwitch("tel", "teleport")
	if tel {
		m, moveErr = w.moveCharLocked(x, char, w.objects[roomID])
	}
	w.mu.Unlock()

	x.msg(strings.Join(lines, "\n"))
	switch {
	case moveErr != nil:
		x.msgf("Could not move you to %s: %v", roomKey, moveErr)
	case tel:
		m.announce(x)
	}
}

// cmdCreateObject creates things in the caller's inventory (with /drop, in
// its location): create <key>[;alias][:typeclass][, <key>...].
func cmdCreateObject(w *World, x *cmdCall) {
	if x.args == "" {
		x.msg("Usage: create <objname>[;alias;alias...][:typeclass], <objname>...")
		return
	}
	w.mu.Lock()
	char, errMsg := w.charLocked(x)
	if char == nil {
		w.mu.Unlock()
		x.msg(errMsg)
		return
	}
	home := char.Location
	if home == 0 {
		home = LimboID
	}
	where := char.ID
	if x.hasSwitch("drop") && char.Location != 0 {
		where = char.Location
	}
	if n := strings.Count(x.args, ",") + 1; n > MaxObjectsPerRecord {
		w.mu.Unlock()
		x.msgf("You can create at most %d objects at once.", MaxObjectsPerRecord)
		return
	}
	var specs []ObjectSpec
	var lines []string
	for part := range strings.SplitSeq(x.args, ",") {
		key, aliases, tc := parseObjSpec(part)
		if key == "" {
			continue
		}
		if tc == "" {
			tc = TypeclassObject
		}
		s := ObjectSpec{ID: w.newObjIDLocked(1), Key: key, Aliases: aliases, Kind: KindThing, Typeclass: tc,
			Location: where, Home: home, Owner: x.acct.ID}
		specs = append(specs, s)
		o := Object{Kind: KindThing, Typeclass: tc}
		lines = append(lines, fmt.Sprintf("You create a new %s: %s.", o.typeName(), key))
	}
	var err error
	if len(specs) > 0 {
		err = w.commitLocked(Record{Op: OpCreate, Objects: specs})
	}
	w.mu.Unlock()
	switch {
	case len(specs) == 0:
		x.msg("Usage: create <objname>[;alias;alias...][:typeclass], <objname>...")
	case err != nil:
		x.msgf("Could not create: %v", err)
	default:
		x.msg(strings.Join(lines, "\n"))
	}
}

// cmdDesc sets a description: desc <obj> = <text>, or desc <text> for the caller's location.
func cmdDesc(w *World, x *cmdCall) {
	if x.args == "" {
		x.msg("Usage: desc [<obj> =] <description>")
		return
	}
	target, text := "here", x.args
	if lhs, rhs, ok := strings.Cut(x.args, "="); ok {
		target, text = strings.TrimSpace(lhs), strings.TrimSpace(rhs)
	}
	w.mu.Lock()
	reply := func() string {
		char, errMsg := w.charLocked(x)
		if char == nil {
			return errMsg
		}
		o := w.findLocked(char, target)
		if o == nil {
			return fmt.Sprintf("Could not find '%s'.", target)
		}
		if !w.controlsLocked(x, o) {
			return fmt.Sprintf("You don't have permission to edit the description of %s.", o.Key)
		}
		if err := w.commitLocked(Record{Op: OpDesc, ID: o.ID, Value: text}); err != nil {
			return fmt.Sprintf("Could not set the description: %v", err)
		}
		return fmt.Sprintf("The description was set on %s.", o.Key)
	}()
	w.mu.Unlock()
	x.msg(reply)
}

// cmdSet shows, sets or (with an empty value) deletes an attribute:
// set <obj>/<attr> [= <value>].
func cmdSet(w *World, x *cmdCall) {
	lhs, value, assign := strings.Cut(x.args, "=")
	i := strings.LastIndexByte(lhs, '/')
	if i < 0 || strings.TrimSpace(lhs[:i]) == "" || strings.TrimSpace(lhs[i+1:]) == "" {
		x.msg("Usage: set <obj>/<attr> [= <value>]")
		return
	}
	target, attr, value := strings.TrimSpace(lhs[:i]), strings.TrimSpace(lhs[i+1:]), strings.TrimSpace(value)
	w.mu.Lock()
	reply := func() string {
		char, errMsg := w.charLocked(x)
		if char == nil {
			return errMsg
		}
		o := w.findLocked(char, target)
		if o == nil {
			return fmt.Sprintf("Could not find '%s'.", target)
		}
		old, exists := o.Attrs[attr]
		if assign && !w.controlsLocked(x, o) {
			return fmt.Sprintf("You don't have permission to edit %s.", o.Key)
		}
		switch {
		case !assign && !exists, assign && value == "" && !exists:
			return fmt.Sprintf("Attribute %s/%s does not exist.", o.Key, attr)
		case !assign:
			return fmt.Sprintf("Attribute %s/%s = %s", o.Key, attr, old)
		case value == "":
			if err := w.commitLocked(Record{Op: OpDelAttr, ID: o.ID, Attr: attr}); err != nil {
				return fmt.Sprintf("Could not delete the attribute: %v", err)
			}
			return fmt.Sprintf("Deleted attribute %s/%s.", o.Key, attr)
		}
		if err := w.commitLocked(Record{Op: OpSetAttr, ID: o.ID, Attr: attr, Value: value}); err != nil {
			return fmt.Sprintf("Could not set the attribute: %v", err)
		}
		verb := "Created"
		if exists {
			verb = "Modified"
		}
		return fmt.Sprintf("%s attribute %s/%s = %s", verb, o.Key, attr, value)
	}()
	w.mu.Unlock()
	x.msg(reply)
}
