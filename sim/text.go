package sim

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on what players write into the world. A room's look lists at
// most maxListed exits and maxListed other things, so with these no
// single look grows past about 18,000 characters of text (18 KB in ASCII,
// 72 KB if every character takes UTF-8's four bytes) however much is
// built; the markup the server adds (each exit is a link, which repeats
// its name) at most doubles the exits' share before the portal renders it.
const (
	// MaxNameLen is the longest key or alias of an object, in characters.
	MaxNameLen = 80
	// MaxAliases is the most aliases one object may have.
	MaxAliases = 10
	// MaxDescLen is the longest description, in characters.
	MaxDescLen = 2000
	// MaxAttrLen is the longest attribute value, in characters; attribute
	// names and typeclasses are names (MaxNameLen).
	MaxAttrLen = 2000
	// MaxObjectsPerRecord is the most objects one command creates.
	MaxObjectsPerRecord = 10
)

// playerText returns s as it may reach other players' terminals and the
// journal: C0 and C1 control characters (ESC, BEL, CSI, ...) but tab are
// dropped, as is DEL, and bytes that are not UTF-8 become U+FFFD (an
// 8-bit terminal would read 0x9B as CSI). What the server colours itself
// is added after this and is unaffected. The second result reports
// whether anything was dropped or replaced.
func playerText(s string) (string, bool) {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s, false // plain ASCII: the common case, no copy
	}
	var b strings.Builder
	b.Grow(len(s))
	changed := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
			changed = true
		case r < 0x20 && r != '\t', r >= 0x7f && r <= 0x9f:
			changed = true
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), changed
}

// storedText is text from a record as the world keeps it in memory:
// cleaned (playerText) and cut to max characters (clip). New records are
// within the limits already (limitsLocked); older journals may not be,
// and their worlds load and play with the cut text, everywhere it shows.
func storedText(s string, max int) string {
	t, _ := playerText(s)
	return clip(t, max)
}

// clip shortens s to at most n characters for display, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return s[:i] + "…"
}

// limitsLocked checks what rec would write against the limits above.
// New records are checked (commitLocked); replayed ones are not, so that
// a world built before the limits still loads and plays.
func (w *World) limitsLocked(rec Record) error {
	long := func(what, s string, max int) error {
		if n := utf8.RuneCountInString(s); n > max {
			return fmt.Errorf("%w: %s of %d characters (at most %d)", ErrTooLong, what, n, max)
		}
		return nil
	}
	if len(rec.Objects) > MaxObjectsPerRecord {
		return fmt.Errorf("%w: %d objects at once (at most %d)", ErrTooLong, len(rec.Objects), MaxObjectsPerRecord)
	}
	for _, o := range rec.Objects {
		if err := long("name", o.Key, MaxNameLen); err != nil {
			return err
		}
		if err := long("typeclass", o.Typeclass, MaxNameLen); err != nil {
			return err
		}
		if len(o.Aliases) > MaxAliases {
			return fmt.Errorf("%w: %d aliases (at most %d)", ErrTooLong, len(o.Aliases), MaxAliases)
		}
		for _, a := range o.Aliases {
			if err := long("alias", a, MaxNameLen); err != nil {
				return err
			}
		}
		if err := long("description", o.Desc, MaxDescLen); err != nil {
			return err
		}
	}
	switch rec.Op {
	case OpDesc:
		return long("description", rec.Value, MaxDescLen)
	case OpSetAttr, OpDelAttr:
		if err := long("attribute name", rec.Attr, MaxNameLen); err != nil {
			return err
		}
		return long("attribute value", rec.Value, MaxAttrLen)
	}
	return nil
}

// noLinks removes the link markup from what a player typed (Evennia's
// |lc, |lu, |lt and |le, even after an escaping pipe, which the markup's
// link parsing does not respect): the portal renders markup, and a
// command link in a say would run its command as whoever clicks it. The
// text between the markers stays; colour markup stays the player's to
// use, as in Evennia. The second result reports whether anything was
// removed.
func noLinks(s string) (string, bool) {
	if !strings.Contains(s, "|l") {
		return s, false
	}
	out := s
	for { // a removal can join a new marker ("|l|lcc"): until none is left
		next := linkMarkers.Replace(out)
		if next == out {
			return out, out != s
		}
		out = next
	}
}

var linkMarkers = strings.NewReplacer("|lc", "", "|lu", "", "|lt", "", "|le", "")
