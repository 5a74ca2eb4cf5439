package ampbridge

import (
	"fmt"
	"math"
	"time"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

// Payload is one Evennia payload: an Admin* command's or a Msg* command's
// (exactly one is set). Between the Portal and the Server the direction
// names the command: AdminPortal2Server or AdminServer2Portal, ...
type Payload struct {
	Admin *amp.Admin
	Msg   *amp.Msg
}

// Translator turns Evennia's payloads into our link's messages and back,
// keeping what the link cannot carry in its [Store].
//
// The bridge uses [Translator.FromServer] (an Evennia Server's payload
// to a link message for the portal) and [Translator.ToServer] (the
// portal's link message to payloads for the Server). Their inverses,
// [Translator.ToPortal] and [Translator.FromPortal], speak as Evennia's
// Server and Portal do: for fakes of either in tests.
//
// The zero Translator is ready to use; it is not safe for concurrent use.
type Translator struct {
	// Store keeps the sessions' dicts.
	Store Store
	// PortalStart is the portal's start time, sent in the PSYNC answer
	// (portal_start_time): the portal's [link.Hello.Started].
	PortalStart time.Time
	// ServerPID and ServerInfo are what the Server's last PSYNC said (spid,
	// info_dict): what the launcher's status shows.
	ServerPID  int64
	ServerInfo amp.Dict

	stats Stats
}

// Stats counts what a [Translator] dropped because the other side has no
// counterpart.
type Stats struct {
	// MsgEntries counts entries of a Msg payload that are no
	// cmdname: [[args], {kwargs}] (amp.Msg.Extra): Evennia's own
	// data_out fails on them too.
	MsgEntries uint64
	// StoreKeys counts keys and protocol flags of sessions the Store did
	// not keep, past [MaxEntryKeys] ([Store.Dropped]).
	StoreKeys uint64
	// SessionValues counts values of session dicts the Server sent that
	// the link cannot carry, left out of the sessions on the link and kept
	// for Evennia ([Store.Unlinked]).
	SessionValues uint64
}

// Stats returns the counters.
func (t *Translator) Stats() Stats {
	s := t.stats
	s.StoreKeys = t.Store.Dropped()
	s.SessionValues = t.Store.Unlinked()
	return s
}

// restartOps are the restart operations and their link op and mode.
var restartOps = map[amp.Operation]struct {
	op   link.Op
	mode string
}{
	amp.OpServerReload:      {link.OpServerReload, link.ModeReload},
	amp.OpServerReset:       {link.OpServerReset, link.ModeReset},
	amp.OpServerShutdown:    {link.OpServerShutdown, link.ModeShutdown},
	amp.OpServerShutdownOld: {link.OpServerShutdown, link.ModeShutdown},
}

// restartOp returns Evennia's operation of a link restart op (SSHUTD is
// always 0x11).
func restartOp(op link.Op) (amp.Operation, string, bool) {
	switch op {
	case link.OpServerReload:
		return amp.OpServerReload, link.ModeReload, true
	case link.OpServerReset:
		return amp.OpServerReset, link.ModeReset, true
	case link.OpServerShutdown:
		return amp.OpServerShutdown, link.ModeShutdown, true
	}
	return 0, "", false
}

// sessidOf returns an Evennia sessid as the link's.
func sessidOf(id int64) (uint64, error) {
	if id < 0 {
		return 0, fmt.Errorf("sessid %d: %w", id, ErrUnexpected)
	}
	return uint64(id), nil
}

// pySessid is the Python int of a link sessid: one past 2^63-1 has none
// of ours (Evennia's are small), [ErrValue].
func pySessid(id uint64) (int64, error) {
	if id > math.MaxInt64 {
		return 0, fmt.Errorf("sessid %d beyond 2^63-1: %w", id, ErrValue)
	}
	return int64(id), nil
}

// noCounterpart says that the link's op has no Evennia counterpart.
func noCounterpart(op link.Op) error {
	return fmt.Errorf("link %v: %w", op, ErrNoCounterpart)
}

// unexpected says that op should not come from this side.
func unexpected(op fmt.Stringer, from string) error {
	return fmt.Errorf("%v from the %s: %w", op, from, ErrUnexpected)
}

// admin returns the Payload of an Admin.
func admin(a amp.Admin) []Payload { return []Payload{{Admin: &a}} }
