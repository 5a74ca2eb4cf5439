package sim

import (
	"fmt"
	"strings"
)

// commitLocked validates rec, appends it to the store and applies it. Nothing
// changes if validation or the store fails.
func (w *World) commitLocked(rec Record) error {
	if err := w.validateLocked(rec); err != nil {
		return err
	}
	if err := w.limitsLocked(rec); err != nil {
		return err
	}
	if err := w.store.Append(rec); err != nil {
		return fmt.Errorf("sim: save %s: %w", rec.Op, err)
	}
	w.applyLocked(rec)
	return nil
}

// newObjIDLocked reserves n consecutive object ids and returns the first.
func (w *World) newObjIDLocked(n int) ObjID {
	id := w.nextObj
	w.nextObj += ObjID(n)
	return id
}

// validateLocked reports why rec cannot be applied to the current world.
// Errors wrap [ErrBadRecord].
func (w *World) validateLocked(rec Record) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrBadRecord, rec.Op, fmt.Sprintf(format, args...))
	}
	obj := func() (*Object, error) {
		o := w.objects[rec.ID]
		if o == nil {
			return nil, bad("no object %v", rec.ID)
		}
		return o, nil
	}
	switch rec.Op {
	case OpAccount:
		if rec.Account <= 0 || w.accounts[rec.Account] != nil {
			return bad("account id %d unusable", rec.Account)
		}
		if err := validateAccountName(rec.Name); err != nil {
			return bad("%v", err)
		}
		if _, taken := w.accountNames[strings.ToLower(rec.Name)]; taken {
			return bad("account name %q taken", rec.Name)
		}
		if rec.Hash == "" {
			return bad("no password hash")
		}
		if len(rec.Objects) != 1 || rec.Objects[0].Kind != KindCharacter {
			return bad("want exactly one character")
		}
		if !rec.Perm.Valid() {
			return bad("permission %v", rec.Perm)
		}
		return w.validateSpecsLocked(rec.Objects, bad)
	case OpPassword:
		if w.accounts[rec.Account] == nil {
			return bad("no account %d", rec.Account)
		}
		if rec.Hash == "" {
			return bad("no password hash")
		}
		return nil
	case OpPerm:
		if w.accounts[rec.Account] == nil {
			return bad("no account %d", rec.Account)
		}
		if !rec.Perm.Valid() {
			return bad("permission %v", rec.Perm)
		}
		return nil
	case OpCreate:
		if len(rec.Objects) == 0 {
			return bad("no objects")
		}
		return w.validateSpecsLocked(rec.Objects, bad)
	case OpMove:
		o, err := obj()
		if err != nil {
			return err
		}
		if rec.To == 0 {
			return nil // to nowhere
		}
		if w.objects[rec.To] == nil {
			return bad("no destination %v", rec.To)
		}
		if o.Kind == KindRoom {
			return bad("rooms do not move")
		}
		for at := rec.To; at != 0; at = w.objects[at].Location {
			if at == o.ID {
				return bad("%v would contain itself", o.ID)
			}
		}
		return nil
	case OpDesc:
		_, err := obj()
		return err
	case OpSetAttr, OpDelAttr:
		if _, err := obj(); err != nil {
			return err
		}
		if strings.TrimSpace(rec.Attr) == "" {
			return bad("empty attribute name")
		}
		return nil
	default:
		return bad("unknown operation")
	}
}

// validateSpecsLocked checks objects to be created in order: fresh ids, a
// key, a kind, and references to objects that exist or come earlier.
func (w *World) validateSpecsLocked(specs []ObjectSpec, bad func(string, ...any) error) error {
	fresh := make(map[ObjID]bool, len(specs))
	exists := func(id ObjID) bool { return w.objects[id] != nil || fresh[id] }
	for _, s := range specs {
		switch {
		case s.ID <= 0 || exists(s.ID):
			return bad("object id %v unusable", s.ID)
		case strings.TrimSpace(s.Key) == "":
			return bad("object %v has no key", s.ID)
		case !s.Kind.Valid():
			return bad("object %v has an invalid kind", s.ID)
		case s.Kind == KindRoom && s.Location != 0:
			return bad("room %v has a location", s.ID)
		case s.Location != 0 && !exists(s.Location):
			return bad("object %v: no location %v", s.ID, s.Location)
		case s.Kind == KindExit && !exists(s.Destination):
			return bad("exit %v: no destination %v", s.ID, s.Destination)
		case s.Home != 0 && !exists(s.Home):
			return bad("object %v: no home %v", s.ID, s.Home)
		}
		fresh[s.ID] = true
	}
	return nil
}

// applyLocked changes the world as rec says; rec must have passed validateLocked.
func (w *World) applyLocked(rec Record) {
	switch rec.Op {
	case OpAccount:
		a := &Account{ID: rec.Account, Name: rec.Name, Character: rec.Objects[0].ID, Created: rec.Time, Perm: rec.Perm, hash: rec.Hash}
		if len(w.accounts) == 0 && a.Perm == PermDeveloper {
			w.superuserID = a.ID // the first account of an empty world
		}
		w.accounts[a.ID] = a
		w.accountNames[strings.ToLower(a.Name)] = a.ID
		if a.ID >= w.nextAcct {
			w.nextAcct = a.ID + 1
		}
		w.createLocked(rec.Objects)
	case OpPassword:
		w.accounts[rec.Account].hash = rec.Hash
	case OpPerm:
		if rec.Account != w.superuserID { // the superuser stays one
			w.accounts[rec.Account].Perm = rec.Perm
		}
	case OpCreate:
		w.createLocked(rec.Objects)
	case OpMove:
		w.moveLocked(w.objects[rec.ID], rec.To)
	case OpDesc:
		w.objects[rec.ID].Desc = storedText(rec.Value, MaxDescLen)
	case OpSetAttr:
		o := w.objects[rec.ID]
		if o.Attrs == nil {
			o.Attrs = make(map[string]string)
		}
		o.Attrs[storedText(rec.Attr, MaxNameLen)] = storedText(rec.Value, MaxAttrLen)
	case OpDelAttr:
		delete(w.objects[rec.ID].Attrs, storedText(rec.Attr, MaxNameLen))
	}
}

func (w *World) createLocked(specs []ObjectSpec) {
	for _, s := range specs {
		tc := s.Typeclass
		if tc == "" {
			tc = DefaultTypeclass(s.Kind)
		}
		// Cleaned and cut again (storedText): a journal written before
		// the cleaning and the limits may hold escapes and 5 KB names.
		key := storedText(s.Key, MaxNameLen)
		if strings.TrimSpace(key) == "" {
			key = s.ID.String() // it was nothing but control characters
		}
		var aliases []string
		for _, a := range s.Aliases[:min(len(s.Aliases), MaxAliases)] {
			aliases = append(aliases, storedText(a, MaxNameLen))
		}
		w.addObjectLocked(&Object{
			ID: s.ID, Key: key, Aliases: aliases, Kind: s.Kind, Typeclass: storedText(tc, MaxNameLen),
			Location: s.Location, Destination: s.Destination, Home: s.Home, Owner: s.Owner, Desc: storedText(s.Desc, MaxDescLen),
		})
	}
}
