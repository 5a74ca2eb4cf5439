package ampbridge

import (
	"fmt"
	"slices"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

// This file is the Portal's side: what our portal sends its game server,
// to Evennia's AdminPortal2Server and MsgPortal2Server, and back.

// psyncAnswerKeys are the kwargs of the Portal's PSYNC answer, in the
// order Evennia writes them.
var psyncAnswerKeys = []string{"operation", "server_restart_mode", "sessiondata", "portal_start_time"}

// ToServer translates a link message of the portal into the payloads an
// Evennia Server gets:
//
//	PCONN, PCONNSYNC         PCONN (the whole session), PCONNSYNC (its
//	                         Portal fields, the flags the portal sent)
//	PDISCONN, PDISCONNALL    PDISCONN, PDISCONNALL (the Store forgets)
//	PSYNC (the answer)       PSYNC: server_restart_mode (None if the
//	                         portal gives none), every session whole,
//	                         portal_start_time from PortalStart (the
//	                         Store keeps only these sessions)
//	SRELOAD, SRESET, SSHUTD  the same op with server_restart_mode
//	                         (SSHUTD as 0x11); the takeover token stays
//	                         with the bridge
//	DATAIN                   MsgPortal2Server, one per run of distinct
//	                         command names (a Python dict holds each once)
//
// ACK, ERROR and HELLO are [ErrNoCounterpart] (the bridge's own
// business); a server's op is [ErrUnexpected]; a value Python cannot
// hold is [ErrValue].
func (t *Translator) ToServer(m *link.Message) ([]Payload, error) {
	if op, mode, ok := restartOp(m.Op); ok {
		if m.Mode != "" {
			mode = m.Mode
		}
		return admin(amp.Admin{Op: op, RestartMode: mode}), nil
	}
	switch m.Op {
	case link.OpPortalConnect, link.OpPortalConnSync:
		return t.portalSession(m)
	case link.OpPortalDisconnect:
		id, err := pySessid(m.Sessid)
		if err != nil {
			return nil, err
		}
		t.Store.Forget(m.Sessid)
		return admin(amp.Admin{Sessid: id, Op: amp.OpPortalDisconnect}), nil
	case link.OpPortalDisconnectAll:
		t.Store.Clear()
		return admin(amp.Admin{Op: amp.OpPortalDisconnectAll}), nil
	case link.OpPortalSync:
		return t.psyncAnswer(m)
	case link.OpDataIn:
		return msgsOf(m.Sessid, m.Data)
	case link.OpAck, link.OpError, link.OpHello:
		return nil, noCounterpart(m.Op)
	}
	return nil, unexpected(m.Op, "portal")
}

// portalSession translates PCONN and PCONNSYNC.
func (t *Translator) portalSession(m *link.Message) ([]Payload, error) {
	if m.Session == nil {
		return nil, fmt.Errorf("%v without session: %w", m.Op, ErrUnexpected)
	}
	d := *m.Session
	if d.Sessid == 0 {
		d.Sessid = m.Sessid
	}
	id, err := pySessid(d.Sessid)
	if err != nil {
		return nil, err
	}
	op, partial := amp.OpPortalConnect, m.Op == link.OpPortalConnSync
	if partial {
		op = amp.OpPortalConnSync
	}
	return admin(amp.Admin{Sessid: id, Op: op, Session: t.Store.FromPortal(&d, partial)}), nil
}

// psyncAnswer translates the portal's PSYNC answer.
func (t *Translator) psyncAnswer(m *link.Message) ([]Payload, error) {
	if err := sessidsFit(m.Sessions); err != nil {
		return nil, err
	}
	a := amp.Admin{Op: amp.OpPortalSync, RestartMode: m.Mode, PortalStartTime: timeToPython(t.PortalStart),
		Sessions: make(map[int64]*amp.SessionData, len(m.Sessions)), Keys: slices.Clone(psyncAnswerKeys)}
	if m.Mode == "" {
		a.Extra = amp.Dict{{Key: "server_restart_mode", Value: nil}}
	}
	in := make(map[uint64]bool, len(m.Sessions))
	for i := range m.Sessions {
		d := &m.Sessions[i]
		in[d.Sessid] = true
		a.Sessions[int64(d.Sessid)] = t.Store.FromPortal(d, false)
	}
	t.Store.Retain(func(id uint64) bool { return in[id] })
	return admin(a), nil
}

// sessidsFit checks that every session's sessid has a Python int.
func sessidsFit(sessions []link.SessionData) error {
	for i := range sessions {
		if _, err := pySessid(sessions[i].Sessid); err != nil {
			return err
		}
	}
	return nil
}

// FromPortal is the inverse of [Translator.ToServer]: an Evennia
// Portal's payload as our portal would send it on the link (for a fake
// Evennia Portal). A PCONNSYNC carries the flags its dict has; the
// PSYNC answer's portal_start_time is kept in PortalStart. Every other
// operation is [ErrUnexpected].
func (t *Translator) FromPortal(p Payload) (link.Message, error) {
	if p.Msg != nil {
		sessid, err := sessidOf(p.Msg.Sessid)
		if err != nil {
			return link.Message{}, err
		}
		t.stats.MsgEntries += uint64(len(p.Msg.Extra))
		data, err := commandsToLink(p.Msg)
		if err != nil {
			return link.Message{}, fmt.Errorf("MsgPortal2Server from %d: %w", sessid, err)
		}
		return link.Message{Op: link.OpDataIn, Sessid: sessid, Data: data}, nil
	}
	if p.Admin == nil {
		return link.Message{}, fmt.Errorf("empty payload: %w", ErrUnexpected)
	}
	a := p.Admin
	sessid, err := sessidOf(a.Sessid)
	if err != nil {
		return link.Message{}, err
	}
	if r, ok := restartOps[a.Op]; ok {
		mode := a.RestartMode
		if mode == "" {
			mode = r.mode
		}
		return link.Message{Op: r.op, Mode: mode}, nil
	}
	switch a.Op {
	case amp.OpPortalConnect, amp.OpPortalConnSync:
		if a.Session == nil {
			return link.Message{}, fmt.Errorf("%v without sessiondata: %w", a.Op, ErrUnexpected)
		}
		d := t.Store.FromServer(sessid, a.Session)
		op := link.OpPortalConnect
		if a.Op == amp.OpPortalConnSync {
			op = link.OpPortalConnSync
			d.ProtocolFlags = onlyLinkFlags(d.ProtocolFlags, a.Session.ProtocolFlags)
		}
		return link.Message{Op: op, Sessid: sessid, Session: &d}, nil
	case amp.OpPortalDisconnect:
		return link.Message{Op: link.OpPortalDisconnect, Sessid: sessid}, nil
	case amp.OpPortalDisconnectAll:
		return link.Message{Op: link.OpPortalDisconnectAll}, nil
	case amp.OpPortalSync:
		return t.fromPortalSync(a), nil
	}
	return link.Message{}, unexpected(a.Op, "portal")
}

// onlyLinkFlags returns the flags of all that the dict names.
func onlyLinkFlags(all map[string]any, names amp.Dict) map[string]any {
	out := make(map[string]any, len(names))
	for _, it := range names {
		if k, ok := it.Key.(string); ok {
			if v, ok := all[k]; ok {
				out[k] = v
			}
		}
	}
	return out
}

// fromPortalSync is the PSYNC answer as our portal sends it.
func (t *Translator) fromPortalSync(a *amp.Admin) link.Message {
	t.PortalStart = timeToLink(a.PortalStartTime)
	m := link.Message{Op: link.OpPortalSync, Mode: a.RestartMode}
	for _, id := range sortedIDs(a.Sessions) {
		sessid, err := sessidOf(id)
		if err != nil {
			continue // no such sessid on the link
		}
		m.Sessions = append(m.Sessions, t.Store.FromServer(sessid, a.Sessions[id]))
	}
	return m
}
