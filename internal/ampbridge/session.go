package ampbridge

import (
	"math"
	"time"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

// owner says which side's value of a session field wins (see [Store]).
type owner uint8

const (
	// ownerPortal fields are the protocol side, set by the portal
	// (Evennia's PCONNSYNC carries them): a value the portal sends wins.
	ownerPortal owner = iota + 1
	// ownerServer fields are the account side, set by the Server: the
	// Server's value wins, and the portal's is taken only while the
	// Server has never given one.
	ownerServer
)

// field is one key of Evennia's session dict that our link models: how
// its value reads from and goes into an amp.SessionData, and how it maps
// to and from link.SessionData.
type field struct {
	key   string
	owner owner
	// amp gives the typed field's Python value and whether it is set
	// (not zero); setAMP takes a Python value if it has the field's type.
	amp    func(*amp.SessionData) (any, bool)
	setAMP func(*amp.SessionData, any) bool
	// toLink puts a Python value into d if it has a counterpart (a value
	// of another type leaves d as it is: the [Store] keeps it for
	// Evennia) and returns how many values of the field's type it left
	// out because the link cannot carry them (a server_data or a flag
	// holding a NaN, an int past 2^53, ...); fromLink gives d's value as
	// Python's (None for the zero value of a field Evennia leaves None).
	toLink   func(d *link.SessionData, v any) int
	fromLink func(d *link.SessionData) any
}

// fields are Evennia's SESSION_SYNC_ATTRS, in its order.
var fields = []field{
	sameField("protocol_key", ownerPortal, false,
		func(s *amp.SessionData) *string { return &s.ProtocolKey }, func(d *link.SessionData) *string { return &d.ProtocolKey }),
	sameField("address", ownerPortal, true,
		func(s *amp.SessionData) *string { return &s.Address }, func(d *link.SessionData) *string { return &d.Address }),
	sameField("suid", ownerServer, true,
		func(s *amp.SessionData) *string { return &s.Suid }, func(d *link.SessionData) *string { return &d.Suid }),
	sessidField(),
	sameField("uid", ownerServer, true,
		func(s *amp.SessionData) *int64 { return &s.Uid }, func(d *link.SessionData) *int64 { return &d.Uid }),
	sameField("csessid", ownerPortal, true,
		func(s *amp.SessionData) *string { return &s.Csessid }, func(d *link.SessionData) *string { return &d.Csessid }),
	sameField("uname", ownerServer, true,
		func(s *amp.SessionData) *string { return &s.Uname }, func(d *link.SessionData) *string { return &d.Uname }),
	sameField("logged_in", ownerServer, false,
		func(s *amp.SessionData) *bool { return &s.LoggedIn }, func(d *link.SessionData) *bool { return &d.LoggedIn }),
	sameField("puid", ownerServer, true,
		func(s *amp.SessionData) *int64 { return &s.Puid }, func(d *link.SessionData) *int64 { return &d.Puid }),
	timeField("conn_time", ownerPortal,
		func(s *amp.SessionData) *float64 { return &s.ConnTime }, func(d *link.SessionData) *time.Time { return &d.ConnTime }),
	timeField("cmd_last", ownerServer,
		func(s *amp.SessionData) *float64 { return &s.CmdLast }, func(d *link.SessionData) *time.Time { return &d.CmdLast }),
	timeField("cmd_last_visible", ownerServer,
		func(s *amp.SessionData) *float64 { return &s.CmdLastVisible }, func(d *link.SessionData) *time.Time { return &d.CmdLastVisible }),
	sameField("cmd_total", ownerServer, false,
		func(s *amp.SessionData) *int64 { return &s.CmdTotal }, func(d *link.SessionData) *int64 { return &d.CmdTotal }),
	flagsField(),
	dictField("server_data", ownerServer,
		func(s *amp.SessionData) *amp.Dict { return &s.ServerData }, func(d *link.SessionData) *map[string]any { return &d.ServerData }),
	sameField("cmdset_storage_string", ownerServer, false,
		func(s *amp.SessionData) *string { return &s.CmdsetStorage }, func(d *link.SessionData) *string { return &d.CmdsetStorage }),
}

// Keys of Evennia's session dict with a special role.
const (
	keyProtocolFlags = "protocol_flags"
	keyCmdsetStorage = "cmdset_storage_string"
)

// fieldOf returns the field of key, or nil if our link does not model it.
func fieldOf(key string) *field {
	for i := range fields {
		if fields[i].key == key {
			return &fields[i]
		}
	}
	return nil
}

// typedAMP returns the amp and setAMP functions of a comparable field.
func typedAMP[V comparable](at func(*amp.SessionData) *V) (func(*amp.SessionData) (any, bool), func(*amp.SessionData, any) bool) {
	var zero V
	get := func(s *amp.SessionData) (any, bool) { v := *at(s); return v, v != zero }
	set := func(s *amp.SessionData, v any) bool {
		x, ok := v.(V)
		if ok {
			*at(s) = x
		}
		return ok
	}
	return get, set
}

// orNone returns v, or None for the zero value if nullable.
func orNone[V comparable](v V, nullable bool) any {
	var zero V
	if nullable && v == zero {
		return nil
	}
	return v
}

// sameField is a field of one type on both sides (a string, an int, a
// bool): a value of another type from Evennia leaves the link's as it
// is; a nullable one's zero value goes back to Evennia as None.
func sameField[V comparable](key string, o owner, nullable bool, at func(*amp.SessionData) *V, lk func(*link.SessionData) *V) field {
	get, set := typedAMP(at)
	return field{key: key, owner: o, amp: get, setAMP: set,
		toLink: func(d *link.SessionData, v any) int {
			if x, ok := v.(V); ok {
				*lk(d) = x
			}
			return 0
		},
		fromLink: func(d *link.SessionData) any { return orNone(*lk(d), nullable) },
	}
}

func sessidField() field {
	get, set := typedAMP(func(s *amp.SessionData) *int64 { return &s.Sessid })
	return field{key: "sessid", owner: ownerPortal, amp: get, setAMP: set,
		toLink: func(d *link.SessionData, v any) int {
			if n, ok := v.(int64); ok && n > 0 {
				d.Sessid = uint64(n)
			}
			return 0
		},
		fromLink: func(d *link.SessionData) any {
			if d.Sessid > math.MaxInt64 {
				return nil
			}
			return int64(d.Sessid)
		},
	}
}

func timeField(key string, o owner, at func(*amp.SessionData) *float64, lk func(*link.SessionData) *time.Time) field {
	get, set := typedAMP(at)
	return field{key: key, owner: o, amp: get, setAMP: set,
		toLink: func(d *link.SessionData, v any) int {
			switch x := v.(type) {
			case float64:
				*lk(d) = timeToLink(x)
			case int64:
				*lk(d) = timeToLink(float64(x))
			}
			return 0
		},
		fromLink: func(d *link.SessionData) any { return timeToPython(*lk(d)) },
	}
}

func dictAMP(at func(*amp.SessionData) *amp.Dict) (func(*amp.SessionData) (any, bool), func(*amp.SessionData, any) bool) {
	get := func(s *amp.SessionData) (any, bool) { d := *at(s); return d, d != nil }
	set := func(s *amp.SessionData, v any) bool {
		d, ok := v.(amp.Dict)
		if ok {
			*at(s) = d
		}
		return ok
	}
	return get, set
}

func dictField(key string, o owner, at func(*amp.SessionData) *amp.Dict, lk func(*link.SessionData) *map[string]any) field {
	get, set := dictAMP(at)
	return field{key: key, owner: o, amp: get, setAMP: set,
		toLink: func(d *link.SessionData, v any) int {
			x, ok := v.(amp.Dict)
			if !ok {
				return 0
			}
			m, err := dictToLink(x)
			if err != nil {
				return 1 // kept for Evennia by the store
			}
			*lk(d) = m
			return 0
		},
		fromLink: func(d *link.SessionData) any {
			x, err := dictToPython(*lk(d))
			if err != nil {
				return nil
			}
			return orEmpty(x)
		},
	}
}

// orEmpty returns d, or an empty dict for nil: Evennia's dicts of a
// session are never None.
func orEmpty(d amp.Dict) amp.Dict {
	if d == nil {
		return amp.Dict{}
	}
	return d
}

// flagsField is protocol_flags: converted flag by flag (flags.go); the
// [Store] merges it flag by flag.
func flagsField() field {
	get, set := dictAMP(func(s *amp.SessionData) *amp.Dict { return &s.ProtocolFlags })
	return field{key: keyProtocolFlags, owner: ownerPortal, amp: get, setAMP: set,
		toLink: func(d *link.SessionData, v any) int {
			x, ok := v.(amp.Dict)
			if !ok {
				return 0
			}
			d.ProtocolFlags = make(map[string]any, len(x))
			lost := 0
			for _, it := range x {
				k, ok := it.Key.(string)
				if !ok {
					lost++ // no counterpart: kept for Evennia by the store
					continue
				}
				lv, err := flagToLink(k, it.Value)
				if err != nil {
					lost++ // the same
					continue
				}
				d.ProtocolFlags[k] = lv
			}
			return lost
		},
		fromLink: func(d *link.SessionData) any {
			x, err := flagsToPython(d.ProtocolFlags)
			if err != nil {
				return nil
			}
			return orEmpty(x)
		},
	}
}

// pyValues returns the keys and the Python values of an amp.SessionData,
// as amp writes them: a key's value is its typed field's if set, else
// Extra's, else the field's zero.
func pyValues(s *amp.SessionData) ([]string, map[string]any) {
	keys := s.Keys
	if keys == nil {
		for _, f := range fields {
			if _, set := f.amp(s); set {
				keys = append(keys, f.key)
			}
		}
		for _, it := range s.Extra {
			if k, ok := it.Key.(string); ok && fieldOf(k) == nil {
				keys = append(keys, k)
			}
		}
	}
	vals := make(map[string]any, len(keys))
	extra := newDictIndex(s.Extra) // a peer's dict: no lookup along it per key
	for _, k := range keys {
		f := fieldOf(k)
		if f != nil {
			if v, set := f.amp(s); set {
				vals[k] = v
				continue
			}
		}
		if v, ok := extra.get(k); ok {
			vals[k] = v
			continue
		}
		if f != nil {
			vals[k], _ = f.amp(s)
		}
	}
	return keys, vals
}

// ampSession returns the amp.SessionData of keys with vals: each value
// in its typed field if it has the field's type, else in Extra.
func ampSession(keys []string, vals map[string]any) *amp.SessionData {
	s := &amp.SessionData{Keys: keys}
	for _, k := range keys {
		v := vals[k]
		if f := fieldOf(k); f != nil && f.setAMP(s, v) {
			continue
		}
		s.Extra = append(s.Extra, amp.Item{Key: k, Value: v})
	}
	return s
}
