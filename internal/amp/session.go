package amp

import (
	"fmt"
	"slices"
)

// SessionData is the sync data of one session, the dict Evennia builds
// from settings.SESSION_SYNC_ATTRS (session.get_sync_data), with the
// fields our link's SessionData has. Times are Python's time.time()
// floats. A field Evennia leaves None (uid, uname, puid, csessid, suid
// before login) is zero here and None in Extra (see kwargs.go).
type SessionData struct {
	ProtocolKey    string  // protocol_key: "telnet", "webclient/websocket", ...
	Address        string  // address
	Suid           string  // suid
	Sessid         int64   // sessid
	Uid            int64   // uid: the account's id once logged in
	Csessid        string  // csessid: the webclient's browser session
	Uname          string  // uname: the account's name once logged in
	LoggedIn       bool    // logged_in
	Puid           int64   // puid: the puppeted object's id
	ConnTime       float64 // conn_time
	CmdLast        float64 // cmd_last
	CmdLastVisible float64 // cmd_last_visible
	CmdTotal       int64   // cmd_total
	ProtocolFlags  Dict    // protocol_flags: the negotiated client options
	ServerData     Dict    // server_data
	CmdsetStorage  string  // cmdset_storage_string

	// Keys lists the keys the dict had, or is to have (see kwargs.go);
	// nil writes every field that is not zero.
	Keys []string
	// Extra holds what the fields do not: other keys, and values of other
	// Python types.
	Extra Dict
}

// sessionFields are SESSION_SYNC_ATTRS in Evennia's order.
var sessionFields = []kwField[SessionData]{
	typedField("protocol_key", func(s *SessionData) *string { return &s.ProtocolKey }),
	typedField("address", func(s *SessionData) *string { return &s.Address }),
	typedField("suid", func(s *SessionData) *string { return &s.Suid }),
	typedField("sessid", func(s *SessionData) *int64 { return &s.Sessid }),
	typedField("uid", func(s *SessionData) *int64 { return &s.Uid }),
	typedField("csessid", func(s *SessionData) *string { return &s.Csessid }),
	typedField("uname", func(s *SessionData) *string { return &s.Uname }),
	typedField("logged_in", func(s *SessionData) *bool { return &s.LoggedIn }),
	typedField("puid", func(s *SessionData) *int64 { return &s.Puid }),
	typedField("conn_time", func(s *SessionData) *float64 { return &s.ConnTime }),
	typedField("cmd_last", func(s *SessionData) *float64 { return &s.CmdLast }),
	typedField("cmd_last_visible", func(s *SessionData) *float64 { return &s.CmdLastVisible }),
	typedField("cmd_total", func(s *SessionData) *int64 { return &s.CmdTotal }),
	dictField("protocol_flags", func(s *SessionData) *Dict { return &s.ProtocolFlags }),
	dictField("server_data", func(s *SessionData) *Dict { return &s.ServerData }),
	typedField("cmdset_storage_string", func(s *SessionData) *string { return &s.CmdsetStorage }),
}

// PortalConnSyncKeys returns the keys of the sessiondata of a PCONNSYNC,
// the fields the Portal owns (portalsessionhandler.sync); a new slice at
// each call.
func PortalConnSyncKeys() []string {
	return []string{"protocol_key", "address", "sessid", "csessid", "conn_time", "protocol_flags", "server_data"}
}

// SessionKeys returns all the keys of a full sessiondata, in Evennia's
// order; a new slice at each call.
func SessionKeys() []string {
	keys := make([]string, len(sessionFields))
	for i, f := range sessionFields {
		keys[i] = f.key
	}
	return keys
}

// sessionFromValue decodes one sessiondata dict.
func sessionFromValue(v any) (*SessionData, bool) {
	d, ok := v.(Dict)
	if !ok {
		return nil, false
	}
	s := new(SessionData)
	s.Keys, s.Extra = decodeKwargs(s, sessionFields, d)
	return s, true
}

// dict returns the sessiondata dict of s.
func (s *SessionData) dict() Dict {
	return encodeKwargs(s, sessionFields, s.Keys, s.Extra)
}

// sessionsFromValue decodes the {sessid: sessiondata} dict of PSYNC and
// SSYNC; ok is false if v has another shape.
func sessionsFromValue(v any) (map[int64]*SessionData, bool) {
	d, ok := v.(Dict)
	if !ok {
		return nil, false
	}
	if len(d) == 0 {
		return nil, true
	}
	out := make(map[int64]*SessionData, len(d))
	for _, it := range d {
		id, ok := it.Key.(int64)
		if !ok {
			return nil, false
		}
		if out[id], ok = sessionFromValue(it.Value); !ok {
			return nil, false
		}
	}
	return out, true
}

// sessionsDict returns the {sessid: sessiondata} dict of m, by sessid.
func sessionsDict(m map[int64]*SessionData) (Dict, error) {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	d := make(Dict, len(ids))
	for i, id := range ids {
		if m[id] == nil {
			return nil, fmt.Errorf("session %d: nil: %w", id, ErrPythonType)
		}
		d[i] = Item{Key: id, Value: m[id].dict()}
	}
	return d, nil
}
