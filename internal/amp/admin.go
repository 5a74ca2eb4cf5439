package amp

import "fmt"

// Admin is the payload of AdminPortal2Server and AdminServer2Portal:
// one [Operation] and its kwargs (evennia/server/portal/amp_server.py
// and evennia/server/amp_client.py say which operation has which).
type Admin struct {
	// Sessid is the session operated on; 0 (Evennia's DUMMYSESSION) for
	// operations on none or all.
	Sessid int64
	// Op is the operation (the one-character str "operation").
	Op Operation
	// Session is the sessiondata of PCONN, PCONNSYNC and SLOGIN: one
	// session's dict (SLOGIN's has only logged_in and uid).
	Session *SessionData
	// Sessions is the sessiondata of PSYNC (the Portal's answer) and
	// SSYNC: every session's dict by sessid (written in sessid order).
	Sessions map[int64]*SessionData
	// Reason explains SDISCONN and SDISCONNALL.
	Reason string
	// Partial, on SSYNC, is Evennia's clean=False: the Portal keeps the
	// sessions Sessions does not name. (Evennia reads a missing clean as
	// True: the zero value here is the safe one.)
	Partial bool
	// ServerPID is the Server's process id, on its PSYNC (spid).
	ServerPID int64
	// ServerInfo is the Server's info_dict, on its PSYNC: what `evennia
	// status` shows.
	ServerInfo Dict
	// RestartMode is server_restart_mode: "reload", "reset" or
	// "shutdown", on SRELOAD, SRESET and SSHUTD from the Portal and on its
	// PSYNC answer (where Evennia sends None after a cold start: that None
	// is in Extra).
	RestartMode string
	// PortalStartTime is the Portal's start time (time.time()), on its
	// PSYNC answer.
	PortalStartTime float64
	// ProtocolPath and Config are SCONN's protocol factory and its
	// options.
	ProtocolPath string
	Config       Dict

	// Keys lists the kwargs' keys, "operation" included (see kwargs.go).
	Keys []string
	// Extra holds what the fields do not: other keys, and values of other
	// Python types.
	Extra Dict
}

var adminFields = []kwField[Admin]{
	{key: "operation", get: getOp, set: setOp},
	{key: "sessiondata", get: getSessionData, set: setSessionData},
	typedField("reason", func(a *Admin) *string { return &a.Reason }),
	{key: "clean", get: getClean, set: setClean},
	typedField("spid", func(a *Admin) *int64 { return &a.ServerPID }),
	dictField("info_dict", func(a *Admin) *Dict { return &a.ServerInfo }),
	typedField("server_restart_mode", func(a *Admin) *string { return &a.RestartMode }),
	typedField("portal_start_time", func(a *Admin) *float64 { return &a.PortalStartTime }),
	typedField("protocol_path", func(a *Admin) *string { return &a.ProtocolPath }),
	dictField("config", func(a *Admin) *Dict { return &a.Config }),
}

func getOp(a *Admin) (any, bool) { return string(rune(a.Op)), a.Op != 0 }

func setOp(a *Admin, v any) bool {
	s, ok := v.(string)
	if !ok || len(s) != 1 || s[0] == 0 || s[0] >= 0x80 {
		return false
	}
	a.Op = Operation(s[0])
	return true
}

// sessionsOp reports whether op's sessiondata is {sessid: data}.
func sessionsOp(op Operation) bool { return op == OpPortalSync || op == OpServerSync }

func getSessionData(a *Admin) (any, bool) {
	if sessionsOp(a.Op) {
		d, _ := sessionsDict(a.Sessions)
		return d, a.Sessions != nil
	}
	if a.Session == nil {
		return Dict(nil), false
	}
	return a.Session.dict(), true
}

func setSessionData(a *Admin, v any) bool {
	if sessionsOp(a.Op) {
		m, ok := sessionsFromValue(v)
		if ok {
			a.Sessions = m
		}
		return ok
	}
	s, ok := sessionFromValue(v)
	if ok {
		a.Session = s
	}
	return ok
}

func getClean(a *Admin) (any, bool) { return !a.Partial, a.Partial }

func setClean(a *Admin, v any) bool {
	b, ok := v.(bool)
	if ok {
		a.Partial = !b
	}
	return ok
}

// DecodeAdmin decodes the packed_data pickle of an Admin* command.
func DecodeAdmin(p []byte, lim Limits) (Admin, error) {
	sessid, kwargs, err := decodePacked(p, lim)
	if err != nil {
		return Admin{}, err
	}
	a := Admin{Sessid: sessid}
	// The operation decides how sessiondata reads, so it goes first.
	if v, ok := kwargs.Get("operation"); ok {
		setOp(&a, v)
	}
	a.Keys, a.Extra = decodeKwargs(&a, adminFields, kwargs)
	return a, nil
}

// AppendAdmin appends the packed_data pickle of a to dst.
func AppendAdmin(dst []byte, a *Admin) ([]byte, error) {
	if sessionsOp(a.Op) {
		if _, err := sessionsDict(a.Sessions); err != nil {
			return dst, fmt.Errorf("%v sessiondata: %w", a.Op, err)
		}
	}
	return appendPacked(dst, a.Sessid, encodeKwargs(a, adminFields, a.Keys, a.Extra))
}
