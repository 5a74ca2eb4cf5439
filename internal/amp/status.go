package amp

import "fmt"

// Status is the Portal's answer to the launcher's MsgStatus (and what it
// pushes to the launcher after a reload): the pickled 6-tuple
// (portal_running, server_running, portal_pid, server_pid,
// portal_info_dict, server_info_dict) of amp_server.get_status.
type Status struct {
	PortalRunning bool
	ServerRunning bool
	PortalPID     int64
	// ServerPID is the Server's process id; 0 when Evennia has none
	// (None on the wire: no process has id 0).
	ServerPID int64
	// PortalInfo and ServerInfo are what `evennia status` prints.
	PortalInfo Dict
	ServerInfo Dict
}

// DecodeStatus decodes the pickle of a MsgStatus status.
func DecodeStatus(p []byte, lim Limits) (Status, error) {
	v, err := DecodePickle(p, lim)
	if err != nil {
		return Status{}, err
	}
	t, ok := v.(Tuple)
	if !ok || len(t) != 6 {
		return Status{}, fmt.Errorf("status is %s, want a 6-tuple: %w", pyType(v), ErrPayload)
	}
	var s Status
	pidOK := t[3] == nil || (as(t[3], &s.ServerPID) && s.ServerPID != 0)
	if !as(t[0], &s.PortalRunning) || !as(t[1], &s.ServerRunning) || !as(t[2], &s.PortalPID) ||
		!pidOK || !as(t[4], &s.PortalInfo) || !as(t[5], &s.ServerInfo) {
		return Status{}, fmt.Errorf("status (%s, %s, %s, %s, %s, %s), want (bool, bool, int, int or None, dict, dict): %w",
			pyType(t[0]), pyType(t[1]), pyType(t[2]), pyType(t[3]), pyType(t[4]), pyType(t[5]), ErrPayload)
	}
	return s, nil
}

// AppendStatus appends the pickle of s to dst.
func AppendStatus(dst []byte, s *Status) ([]byte, error) {
	var pid any
	if s.ServerPID != 0 {
		pid = s.ServerPID
	}
	return AppendPickle(dst, Tuple{s.PortalRunning, s.ServerRunning, s.PortalPID, pid, s.PortalInfo, s.ServerInfo})
}

// as stores v in *p if v has p's type.
func as[T any](v any, p *T) bool {
	x, ok := v.(T)
	if ok {
		*p = x
	}
	return ok
}

// LauncherOperation returns the operation of a MsgLauncher2Portal box:
// its operation argument, one byte (the launcher sends the character's
// UTF-8 bytes, one byte for every operation Evennia has).
func LauncherOperation(b Box) (Operation, error) {
	v, ok := b.Get(ArgOperation)
	if !ok {
		return 0, fmt.Errorf("%s: %w", ArgOperation, ErrMissingArgument)
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("operation of %d bytes: %w", len(v), ErrPayload)
	}
	return Operation(v[0]), nil
}
