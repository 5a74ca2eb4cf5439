package sim

import (
	"fmt"
	"slices"
	"strings"
)

// maxListed caps the names one listing shows; a crowded Limbo must not make
// every look a wall of text.
const maxListed = 100

// defaultObjectDesc is shown for an object without a description.
const defaultObjectDesc = "You see nothing special."

// charLocked returns the caller's character, or the message to show if there is none.
func (w *World) charLocked(x *cmdCall) (*Object, string) {
	if o := w.objects[x.char]; o != nil && o.Kind == KindCharacter {
		return o, ""
	}
	return nil, "You have no character to act with."
}

// findLocked resolves a target name from char's point of view: me/self,
// here, #id (anywhere), then what char carries, then what is in its location
// (characters, things and exits). Names match keys and aliases,
// case-insensitively; the oldest of several matches wins.
func (w *World) findLocked(char *Object, name string) *Object {
	name = strings.TrimSpace(name)
	switch strings.ToLower(name) {
	case "me", "self":
		return char
	case "here":
		return w.objects[char.Location]
	}
	if id, ok := ParseObjID(name); ok {
		return w.objects[id]
	}
	if ids := w.inLocked(char.ID, name); len(ids) > 0 {
		return w.objects[ids[0]]
	}
	if char.Location != 0 {
		if ids := w.inLocked(char.Location, name); len(ids) > 0 {
			return w.objects[ids[0]]
		}
	}
	return nil
}

// othersIn returns the characters in room other than except.
func (w *World) othersIn(room, except ObjID) []ObjID {
	if room == 0 {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.contentsLocked(room, KindCharacter, except)
}

// cmdLook shows the caller's location or a target.
func cmdLook(w *World, x *cmdCall) {
	w.mu.Lock()
	text := w.lookLocked(x, x.args)
	w.mu.Unlock()
	x.msg(text)
}

func (w *World) lookLocked(x *cmdCall, target string) string {
	char, errMsg := w.charLocked(x)
	if char == nil {
		return errMsg
	}
	if target == "" {
		room := w.objects[char.Location]
		if room == nil {
			return "You have no location to look at!"
		}
		return w.appearanceLocked(room, char.ID)
	}
	var o *Object
	if _, byID := ParseObjID(strings.TrimSpace(target)); !byID || x.perm >= PermBuilder {
		o = w.findLocked(char, target) // #id reaches anywhere: Builders only, as in Evennia
	}
	if o == nil {
		return fmt.Sprintf("Could not find '%s'.", target)
	}
	return w.appearanceLocked(o, char.ID)
}

// appearanceLocked is what looking at o shows to viewer.
func (w *World) appearanceLocked(o *Object, viewer ObjID) string {
	var b strings.Builder
	if o.Kind == KindRoom {
		b.WriteString("|c" + o.Key + "|n") // a room's name in Evennia's colour (the portal renders it)
	} else {
		b.WriteString(o.Key)
	}
	switch {
	case o.Desc != "":
		b.WriteString("\n" + o.Desc)
	case o.Kind != KindRoom:
		b.WriteString("\n" + defaultObjectDesc)
	}
	if o.Kind == KindExit {
		if dest := w.objects[o.Destination]; dest != nil {
			b.WriteString("\nIt leads to " + dest.Key + ".")
		}
	}
	if o.Kind != KindRoom {
		return b.String()
	}
	var exits, seen nameList
	for _, c := range w.contents[o.ID] {
		switch {
		case c.Kind == KindExit:
			exits.add("|lc" + c.Key + "|lt" + c.Key + "|le") // a link that takes it, in a web page or an MXP client
		case c.ID != viewer:
			seen.add(c.Key)
		}
	}
	if exits.n > 0 {
		b.WriteString("\nExits: " + exits.String())
	}
	if seen.n > 0 {
		b.WriteString("\nYou see: " + seen.String())
	}
	return b.String()
}

// nameList collects names for a listing, keeping at most maxListed of them.
type nameList struct {
	names []string
	n     int // names added
}

func (l *nameList) add(name string) {
	if l.n < maxListed {
		l.names = append(l.names, name)
	}
	l.n++
}

// String joins the names with ", ", then says how many more there were.
func (l *nameList) String() string {
	s := strings.Join(l.names, ", ")
	if more := l.n - len(l.names); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// cmdExamine shows an object's technical details and attributes.
func cmdExamine(w *World, x *cmdCall) {
	w.mu.Lock()
	text := w.examineLocked(x)
	w.mu.Unlock()
	x.msg(text)
}

func (w *World) examineLocked(x *cmdCall) string {
	char, errMsg := w.charLocked(x)
	if char == nil {
		return errMsg
	}
	target := x.args
	if target == "" {
		target = "here"
	}
	o := w.findLocked(char, target)
	if o == nil {
		return fmt.Sprintf("Could not find '%s'.", target)
	}
	ref := func(id ObjID) string {
		if r := w.objects[id]; r != nil {
			return r.Key + "(" + id.String() + ")"
		}
		return "None"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Name/key: %s(%v)", o.Key, o.ID)
	if len(o.Aliases) > 0 {
		fmt.Fprintf(&b, "\nAliases: %s", strings.Join(o.Aliases, ", "))
	}
	fmt.Fprintf(&b, "\nTypeclass: %s (%s)", o.typeName(), o.Typeclass)
	fmt.Fprintf(&b, "\nKind: %v", o.Kind)
	if a := w.accounts[o.Owner]; a != nil {
		fmt.Fprintf(&b, "\nOwner: %s", a.Name)
	}
	fmt.Fprintf(&b, "\nLocation: %s", ref(o.Location))
	if o.Kind == KindExit {
		fmt.Fprintf(&b, "\nDestination: %s", ref(o.Destination))
	}
	if o.Home != 0 {
		fmt.Fprintf(&b, "\nHome: %s", ref(o.Home))
	}
	desc := o.Desc
	if desc == "" {
		desc = "(none)"
	}
	fmt.Fprintf(&b, "\nDescription: %s", desc)
	var exits, contents nameList
	for _, c := range w.contents[o.ID] {
		if c.Kind == KindExit {
			exits.add(ref(c.ID))
		} else {
			contents.add(ref(c.ID))
		}
	}
	if exits.n > 0 {
		b.WriteString("\nExits: " + exits.String())
	}
	if contents.n > 0 {
		b.WriteString("\nContents: " + contents.String())
	}
	if len(o.Attrs) > 0 {
		b.WriteString("\nAttributes:")
		keys := make([]string, 0, len(o.Attrs))
		for k := range o.Attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "\n%s = %s", k, o.Attrs[k])
		}
	}
	return b.String()
}

// cmdInventory lists what the caller carries.
func cmdInventory(w *World, x *cmdCall) {
	w.mu.Lock()
	text := func() string {
		char, errMsg := w.charLocked(x)
		if char == nil {
			return errMsg
		}
		objs := w.contents[char.ID]
		if len(objs) == 0 {
			return "You are not carrying anything."
		}
		var b strings.Builder
		b.WriteString("You are carrying:")
		for i, o := range objs {
			if i == maxListed {
				fmt.Fprintf(&b, "\n and %d more", len(objs)-maxListed)
				break
			}
			b.WriteString("\n " + o.Key)
		}
		return b.String()
	}()
	w.mu.Unlock()
	x.msg(text)
}
