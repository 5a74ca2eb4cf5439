package sim

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// ObjID identifies an object (room, exit, thing or character), Evennia's dbref.
// 0 means "no object" (a room's location, an unset home).
type ObjID int64

// String returns the dbref form, "#2".
func (id ObjID) String() string { return "#" + strconv.FormatInt(int64(id), 10) }

// ParseObjID parses a dbref, "#2" (the '#' is required).
func ParseObjID(s string) (ObjID, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "#")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return ObjID(n), true
}

// Reserved object ids, by Evennia convention.
const (
	// SuperuserID is reserved for the admin character; a fresh world leaves it unused.
	SuperuserID ObjID = 1
	// LimboID is Limbo, the default start and home room.
	LimboID ObjID = 2
)

// Limbo's key and default description.
const (
	LimboKey  = "Limbo"
	LimboDesc = "Welcome to the test world. This is Limbo, the room every new character starts in."
)

// Kind is what an object is.
type Kind uint8

// The object kinds. The zero Kind is invalid.
const (
	KindRoom Kind = iota + 1
	KindExit
	KindThing
	KindCharacter
)

var kindNames = [...]string{KindRoom: "room", KindExit: "exit", KindThing: "thing", KindCharacter: "character"}

// String returns "room", "exit", "thing" or "character".
func (k Kind) String() string {
	if k >= KindRoom && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Valid reports whether k is one of the defined kinds.
func (k Kind) Valid() bool { return k >= KindRoom && int(k) < len(kindNames) }

// MarshalText encodes k by name, so journal lines stay readable.
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("sim: invalid kind %d", uint8(k))
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText decodes a kind name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, name := range kindNames {
		if name != "" && name == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("sim: unknown kind %q", b)
}

// Default typeclass paths per kind (Evennia's game template).
const (
	TypeclassRoom      = "typeclasses.rooms.Room"
	TypeclassExit      = "typeclasses.exits.Exit"
	TypeclassObject    = "typeclasses.objects.Object"
	TypeclassCharacter = "typeclasses.characters.Character"
)

// DefaultTypeclass returns the typeclass given to objects of kind k created without one.
func DefaultTypeclass(k Kind) string {
	switch k {
	case KindRoom:
		return TypeclassRoom
	case KindExit:
		return TypeclassExit
	case KindCharacter:
		return TypeclassCharacter
	default:
		return TypeclassObject
	}
}

// Object is one thing in the world. Values returned by [World] methods are
// copies: changing them does not change the world.
type Object struct {
	ID ObjID
	// Key is the object's name.
	Key string
	// Aliases are other names the object answers to.
	Aliases []string
	Kind    Kind
	// Typeclass is the Python path the object was created with, kept as given.
	Typeclass string
	// Location is the room (or carrier) holding the object; 0 for rooms.
	Location ObjID
	// Destination is where an exit leads; 0 for other kinds.
	Destination ObjID
	// Home is where the object goes with "home"; 0 for none.
	Home ObjID
	// Owner is the account that created the object (or owns the character); 0 for none.
	Owner AccountID
	Desc  string
	// Attrs are the object's persistent attributes, name -> value.
	Attrs map[string]string
}

// Clone returns a deep copy of o.
func (o *Object) Clone() Object {
	c := *o
	c.Aliases = slices.Clone(o.Aliases)
	c.Attrs = maps.Clone(o.Attrs)
	return c
}

// typeName is the last component of the typeclass path ("RedButton").
func (o *Object) typeName() string {
	tc := o.Typeclass
	if tc == "" {
		tc = DefaultTypeclass(o.Kind)
	}
	if i := strings.LastIndexByte(tc, '.'); i >= 0 {
		return tc[i+1:]
	}
	return tc
}
