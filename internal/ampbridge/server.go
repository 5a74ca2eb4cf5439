package ampbridge

import (
	"fmt"
	"maps"
	"slices"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

// This file is the Server's side: what an Evennia Server sends its Portal
// (AdminServer2Portal, MsgServer2Portal), to and from the link.

// FromServer translates a payload of an Evennia Server into the link
// message the portal gets:
//
//	PSYNC (spid, info_dict)  PSYNC (the Server's hello; spid and info_dict
//	                         are kept in ServerPID and ServerInfo)
//	SLOGIN, SSYNC            SLOGIN, SSYNC, with each session whole (the
//	                         Store merges Evennia's partial dicts); SSYNC's
//	                         ConnSeq is [Store.ConnSeq]
//	SDISCONN, SDISCONNALL    SDISCONN, SDISCONNALL (reason)
//	SCONN                    SCONN (protocol_path, config)
//	SRELOAD, SRESET, SSHUTD  the same op, with its mode (SSHUTD 0x11, or
//	(0x11 or 0x07)           0x07, the code amp.py first gave it)
//	PSHUTD                   PSHUTD
//	MsgServer2Portal         DATAOUT (entries of another shape are
//	                         dropped and counted in [Stats])
//
// A Portal's operation, a launcher's and an unknown one are
// [ErrUnexpected], as Evennia's Portal refuses them; a value the link
// cannot carry is [ErrValue].
func (t *Translator) FromServer(p Payload) (link.Message, error) {
	if p.Msg != nil {
		return t.dataOut(p.Msg)
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
		return link.Message{Op: r.op, Mode: r.mode}, nil
	}
	switch a.Op {
	case amp.OpPortalSync:
		t.ServerPID, t.ServerInfo = a.ServerPID, a.ServerInfo
		return link.Message{Op: link.OpPortalSync}, nil
	case amp.OpServerLogin:
		if a.Session == nil {
			return link.Message{}, fmt.Errorf("SLOGIN without sessiondata: %w", ErrUnexpected)
		}
		d := t.serverSession(sessid, a.Session)
		return link.Message{Op: link.OpServerLogin, Sessid: sessid, Session: &d}, nil
	case amp.OpServerDisconnect:
		return link.Message{Op: link.OpServerDisconnect, Sessid: sessid, Reason: a.Reason}, nil
	case amp.OpServerDisconnectAll:
		return link.Message{Op: link.OpServerDisconnectAll, Reason: a.Reason}, nil
	case amp.OpServerSync:
		return t.serverSync(a)
	case amp.OpServerConnect:
		config, err := dictToLink(a.Config)
		if err != nil {
			return link.Message{}, fmt.Errorf("SCONN config: %w", err)
		}
		return link.Message{Op: link.OpServerConnect, Protocol: a.ProtocolPath, Config: config}, nil
	case amp.OpPortalShutdown:
		return link.Message{Op: link.OpPortalShutdown}, nil
	}
	return link.Message{}, unexpected(a.Op, "server")
}

// serverSync translates SSYNC: each session whole, by sessid.
func (t *Translator) serverSync(a *amp.Admin) (link.Message, error) {
	ids := sortedIDs(a.Sessions)
	m := link.Message{Op: link.OpServerSync, Clean: !a.Partial, ConnSeq: t.Store.ConnSeq(),
		Sessions: make([]link.SessionData, 0, len(ids))}
	for _, id := range ids {
		sessid, err := sessidOf(id)
		if err != nil {
			return link.Message{}, err
		}
		m.Sessions = append(m.Sessions, t.serverSession(sessid, a.Sessions[id]))
	}
	return m, nil
}

// serverSession merges the Server's dict of a session into the store
// and returns the session whole. A session the store does not have
// (closed on the portal while the Server spoke of it; the portal ignores
// it) is translated from the dict alone and not kept.
func (t *Translator) serverSession(sessid uint64, d *amp.SessionData) link.SessionData {
	if _, ok := t.Store.sessions[sessid]; !ok {
		var alone Store
		return alone.FromServer(sessid, d)
	}
	return t.Store.FromServer(sessid, d)
}

// sortedIDs returns the sessids of a sessiondata map in order.
func sortedIDs(m map[int64]*amp.SessionData) []int64 {
	return slices.Sorted(maps.Keys(m))
}

// dataOut translates MsgServer2Portal.
func (t *Translator) dataOut(msg *amp.Msg) (link.Message, error) {
	sessid, err := sessidOf(msg.Sessid)
	if err != nil {
		return link.Message{}, err
	}
	t.stats.MsgEntries += uint64(len(msg.Extra))
	data, err := commandsToLink(msg)
	if err != nil {
		return link.Message{}, fmt.Errorf("MsgServer2Portal to %d: %w", sessid, err)
	}
	return link.Message{Op: link.OpDataOut, Sessid: sessid, Data: data}, nil
}

// ToPortal is the inverse of [Translator.FromServer]: a game server's
// link message as Evennia's Server would send it (for a fake Evennia
// Server). SLOGIN's sessiondata is {logged_in, uid}, as Evennia writes
// it; an SSYNC's sessions are whole; the Server's PSYNC carries
// ServerPID and ServerInfo; a DATAOUT for several sessions is one Msg
// each. Every other op is [ErrUnexpected] or, for ACK, ERROR and HELLO,
// [ErrNoCounterpart].
func (t *Translator) ToPortal(m *link.Message) ([]Payload, error) {
	if op, _, ok := restartOp(m.Op); ok {
		return admin(amp.Admin{Op: op}), nil // Evennia's Server sends no mode: the op says it
	}
	id, err := pySessid(m.Sessid)
	if err != nil {
		return nil, err
	}
	switch m.Op {
	case link.OpPortalSync:
		return admin(amp.Admin{Op: amp.OpPortalSync, ServerPID: t.ServerPID, ServerInfo: orEmpty(t.ServerInfo),
			Keys: []string{"operation", "spid", "info_dict"}}), nil
	case link.OpServerLogin:
		d := m.Session
		if d == nil {
			return nil, fmt.Errorf("SLOGIN without session: %w", ErrUnexpected)
		}
		s := &amp.SessionData{LoggedIn: d.LoggedIn, Uid: d.Uid, Keys: []string{"logged_in", "uid"}}
		return admin(amp.Admin{Sessid: id, Op: amp.OpServerLogin, Session: s}), nil
	case link.OpServerDisconnect:
		return admin(amp.Admin{Sessid: id, Op: amp.OpServerDisconnect, Reason: m.Reason,
			Keys: []string{"operation", "reason"}}), nil
	case link.OpServerDisconnectAll:
		return admin(amp.Admin{Op: amp.OpServerDisconnectAll, Reason: m.Reason, Keys: []string{"operation", "reason"}}), nil
	case link.OpServerSync:
		return t.toPortalSync(m)
	case link.OpServerConnect:
		config, err := dictToPython(m.Config)
		if err != nil {
			return nil, fmt.Errorf("SCONN config: %w", err)
		}
		return admin(amp.Admin{Op: amp.OpServerConnect, ProtocolPath: m.Protocol, Config: orEmpty(config)}), nil
	case link.OpPortalShutdown:
		return admin(amp.Admin{Op: amp.OpPortalShutdown}), nil
	case link.OpDataOut:
		return dataOutMsgs(m)
	case link.OpAck, link.OpError, link.OpHello:
		return nil, noCounterpart(m.Op)
	}
	return nil, unexpected(m.Op, "server")
}

// toPortalSync is SSYNC as Evennia's Server writes it (clean only when
// partial).
func (t *Translator) toPortalSync(m *link.Message) ([]Payload, error) {
	if err := sessidsFit(m.Sessions); err != nil {
		return nil, err
	}
	a := amp.Admin{Op: amp.OpServerSync, Partial: !m.Clean, Sessions: make(map[int64]*amp.SessionData, len(m.Sessions))}
	for i := range m.Sessions {
		d := &m.Sessions[i]
		a.Sessions[int64(d.Sessid)] = t.Store.FromPortal(d, false)
	}
	return admin(a), nil
}

// dataOutMsgs is a DATAOUT as Msgs, one per session.
func dataOutMsgs(m *link.Message) ([]Payload, error) {
	ids := m.Sessids
	if m.Sessid != 0 {
		ids = append([]uint64{m.Sessid}, ids...)
	}
	var out []Payload
	for _, id := range ids {
		msgs, err := msgsOf(id, m.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, msgs...)
	}
	return out, nil
}
