package ampbridge

import (
	"maps"
	"reflect"
	"slices"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

// Store keeps, per sessid, a session's dict as Evennia's Portal would
// hold it: its keys, and each key's Python value as last said by either
// side. It is what lets a reload give Evennia back exactly what it
// synced (uid, puid, uname, cmdset_storage_string, None values, keys our
// link does not know, values of other Python types, SCREENWIDTH dicts
// of several windows), although the link carries only what it models.
//
// Which side wins a field both changed:
//
//   - What the Server sends (SSYNC, SLOGIN) is taken as it is, key by key,
//     protocol_flags merged flag by flag (Evennia's load_sync_data).
//   - What the portal sends (PCONN, PCONNSYNC, its PSYNC answer) is
//     taken for the fields the portal owns (protocol_key, address,
//     sessid, csessid, conn_time, and each protocol flag it sends), but
//     only where it differs from what the stored value reads as on the
//     link: a value the portal merely echoes keeps Evennia's exact
//     Python form. The portal has applied the Server's syncs in order
//     and settled flag races by SyncRev, so a value it changed is newer.
//   - For the fields the Server owns (uid, uname, logged_in, puid,
//     cmd_last, cmd_last_visible, cmd_total, server_data,
//     cmdset_storage_string, suid, unknown keys) the stored value wins;
//     the portal's is taken only for a key the Server never gave (a new
//     session, or a store that began after the Server synced).
//
// A session keeps Evennia's SESSION_SYNC_ATTRS and at most
// [MaxEntryKeys] other keys, and at most MaxEntryKeys protocol flags: a
// key or flag past them is not kept (nor sent on the link) and is counted
// ([Store.Dropped]).
//
// The zero Store is ready to use; it is not safe for concurrent use.
type Store struct {
	sessions map[uint64]*entry
	// connSeq is the highest PCONN sequence the Server has applied.
	connSeq uint64
	// dropped counts the keys and flags not kept past MaxEntryKeys.
	dropped uint64
	// unlinked counts the values FromServer left out of the link's
	// session.
	unlinked uint64
}

// MaxEntryKeys is the most keys other than SESSION_SYNC_ATTRS a [Store]
// keeps for a session, and the most protocol flags.
const MaxEntryKeys = 1024

// entry is one session's dict.
type entry struct {
	keys    []string
	vals    map[string]any
	others  int     // keys that are no SESSION_SYNC_ATTRS
	dropped *uint64 // the store's count
	// seq and syncRev are the link's own (link.SessionData.Seq and
	// SyncRev): seq from the portal's PCONN, syncRev the revision of the
	// last portal sync the Server has applied ([Store.Applied]).
	seq, syncRev uint64
}

// newSessionKeys are the keys of a session Evennia's Portal creates:
// SESSION_SYNC_ATTRS but cmdset_storage_string, which only the Server's
// sessions have.
var newSessionKeys = func() []string {
	keys := make([]string, 0, len(fields))
	for _, f := range fields {
		if f.key != keyCmdsetStorage {
			keys = append(keys, f.key)
		}
	}
	return keys
}()

// portalConnSyncKeys are the keys of a PCONNSYNC's sessiondata.
var portalConnSyncKeys = amp.PortalConnSyncKeys()

func (s *Store) entry(sessid uint64) *entry {
	if s.sessions == nil {
		s.sessions = make(map[uint64]*entry)
	}
	e := s.sessions[sessid]
	if e == nil {
		e = &entry{vals: make(map[string]any, len(fields)), dropped: &s.dropped}
		s.sessions[sessid] = e
	}
	return e
}

// set stores v under key, adding the key if it is new and the entry has
// room for it.
func (e *entry) set(key string, v any) {
	if _, ok := e.vals[key]; !ok {
		if fieldOf(key) == nil {
			if e.others >= MaxEntryKeys {
				*e.dropped++
				return
			}
			e.others++
		}
		e.keys = append(e.keys, key)
	}
	e.vals[key] = v
}

// FromServer merges the session dict d the Server sent for sessid (an
// SSYNC entry, SLOGIN's {logged_in, uid}) and returns the whole session
// as the link carries it.
func (s *Store) FromServer(sessid uint64, d *amp.SessionData) link.SessionData {
	e := s.entry(sessid)
	keys, vals := pyValues(d)
	for _, k := range keys {
		v := vals[k]
		if k == keyProtocolFlags {
			v = mergeFlags(e.vals[k], v, e.dropped)
		}
		e.set(k, v)
	}
	l, lost := e.link(sessid)
	s.unlinked += uint64(lost)
	return l
}

// mergeFlags returns old updated with new, as dict.update does, if both
// are dicts; else new. Either way, flags past MaxEntryKeys are counted in
// dropped and left out.
func mergeFlags(old, new any, dropped *uint64) any {
	n, ok := new.(amp.Dict)
	if !ok {
		return new
	}
	o, _ := old.(amp.Dict)
	out := newDictIndex(o)
	for _, it := range n {
		setFlag(out, it.Key, it.Value, dropped)
	}
	return out.d
}

// setFlag sets flag k of flags to v if flags has it or has room for it,
// else counts it in dropped.
func setFlag(flags *dictIndex, k, v any, dropped *uint64) {
	if len(flags.d) >= MaxEntryKeys && !flags.has(k) {
		*dropped++
		return
	}
	flags.set(k, v)
}

// FromPortal merges the session d the portal sent and returns the dict
// for Evennia: every key the session has if !partial (PCONN, the PSYNC
// answer), else PCONNSYNC's keys ([amp.PortalConnSyncKeys]) with only
// the protocol flags d carries (the portal sends those it changed). Its
// Keys are the caller's; the values (the protocol_flags and server_data
// Dicts, any list or dict) are the store's own: read them, encode them,
// but do not change them.
func (s *Store) FromPortal(d *link.SessionData, partial bool) *amp.SessionData {
	e := s.entry(d.Sessid)
	if len(e.keys) == 0 {
		// A new session: its keys in Evennia's order, with the portal's
		// values.
		for _, k := range newSessionKeys {
			e.set(k, fieldOf(k).fromLink(d))
		}
	}
	if d.CmdsetStorage != "" {
		if _, ok := e.vals[keyCmdsetStorage]; !ok {
			e.set(keyCmdsetStorage, d.CmdsetStorage)
		}
	}
	keys := e.keys
	if partial {
		keys = portalConnSyncKeys
	}
	for _, k := range keys {
		if f := fieldOf(k); f != nil {
			e.mergePortal(f, d)
		}
	}
	if d.Seq != 0 {
		e.seq = d.Seq
	}
	vals := e.vals
	if partial {
		vals = maps.Clone(e.vals)
		vals[keyProtocolFlags] = onlyFlags(e.vals[keyProtocolFlags], d.ProtocolFlags)
	}
	return ampSession(slices.Clone(keys), vals)
}

// mergePortal merges the portal's value of one field.
func (e *entry) mergePortal(f *field, d *link.SessionData) {
	old, known := e.vals[f.key]
	switch {
	case f.key == keyProtocolFlags:
		e.set(f.key, mergePortalFlags(old, d.ProtocolFlags, e.dropped))
	case !known:
		e.set(f.key, f.fromLink(d))
	case f.owner == ownerPortal && !sameOnLink(f, old, d):
		e.set(f.key, f.fromLink(d))
	}
}

// sameOnLink reports whether the Python value old reads on the link as
// the value d has.
func sameOnLink(f *field, old any, d *link.SessionData) bool {
	var tmp link.SessionData
	f.toLink(&tmp, old)
	return reflect.DeepEqual(f.fromLink(&tmp), f.fromLink(d))
}

// mergePortalFlags merges the portal's flags into the stored dict: a
// flag whose stored value reads on the link as the portal's keeps its
// Python form; a flag the portal does not send is kept.
func mergePortalFlags(old any, flags map[string]any, dropped *uint64) amp.Dict {
	o, _ := old.(amp.Dict)
	out := newDictIndex(o)
	names := slices.Sorted(maps.Keys(flags))
	for _, k := range names {
		pv, err := flagToPython(k, flags[k])
		if err != nil {
			continue // no Python counterpart: the stored value stays
		}
		if sv, ok := out.get(k); ok && sameFlag(k, sv, pv) {
			continue
		}
		setFlag(out, k, pv, dropped)
	}
	return orEmpty(out.d)
}

// sameFlag reports whether two Python values of flag k read the same on
// the link.
func sameFlag(k string, a, b any) bool {
	la, errA := flagToLink(k, a)
	lb, errB := flagToLink(k, b)
	if errA != nil || errB != nil {
		return false
	}
	pa, errA := flagToPython(k, la)
	pb, errB := flagToPython(k, lb)
	return errA == nil && errB == nil && reflect.DeepEqual(pa, pb)
}

// onlyFlags returns the stored flags that names has, as stored.
func onlyFlags(stored any, names map[string]any) amp.Dict {
	all, _ := stored.(amp.Dict)
	out := amp.Dict{}
	for _, it := range all {
		if k, ok := it.Key.(string); ok {
			if _, sent := names[k]; sent {
				out = append(out, it)
			}
		}
	}
	return out
}

// link returns the session as the link carries it: each modelled field
// that has a counterpart, and the link's own sequence numbers; lost is
// how many values it left out (see field.toLink).
func (e *entry) link(sessid uint64) (d link.SessionData, lost int) {
	d = link.SessionData{Sessid: sessid, Seq: e.seq, SyncRev: e.syncRev}
	for _, k := range e.keys {
		if f := fieldOf(k); f != nil {
			lost += f.toLink(&d, e.vals[k])
		}
	}
	d.Sessid = sessid // the store's key, whatever the dict says
	return d, lost
}

// Link returns the session sessid as the link carries it, and whether
// the store has it.
func (s *Store) Link(sessid uint64) (link.SessionData, bool) {
	e, ok := s.sessions[sessid]
	if !ok {
		return link.SessionData{}, false
	}
	d, _ := e.link(sessid)
	return d, true
}

// Evennia returns the dict of session sessid for Evennia, and whether
// the store has it. As with [Store.FromPortal], its values are the
// store's own: not to be changed.
func (s *Store) Evennia(sessid uint64) (*amp.SessionData, bool) {
	e, ok := s.sessions[sessid]
	if !ok {
		return nil, false
	}
	return ampSession(slices.Clone(e.keys), e.vals), true
}

// Applied records that the Server has applied the portal's sync d (its
// PCONN, a PCONNSYNC, the PSYNC answer: the bridge calls it when Evennia
// answers the box). What the bridge says for the session afterwards
// carries d's SyncRev, and an SSYNC carries the highest PCONN sequence
// applied as its ConnSeq (link.Message.ConnSeq): the portal then lets
// neither an older flag nor a clean sync undo what came after.
func (s *Store) Applied(d *link.SessionData) {
	if e, ok := s.sessions[d.Sessid]; ok && d.SyncRev > e.syncRev {
		e.syncRev = d.SyncRev
	}
	s.connSeq = max(s.connSeq, d.Seq)
}

// ConnSeq returns the highest PCONN sequence the Server has applied
// ([Store.Applied]).
func (s *Store) ConnSeq() uint64 { return s.connSeq }

// Forget drops session sessid (closed: PDISCONN).
func (s *Store) Forget(sessid uint64) { delete(s.sessions, sessid) }

// Retain drops every session that keep does not name (the portal's
// PSYNC answer names every session it has).
func (s *Store) Retain(keep func(sessid uint64) bool) {
	maps.DeleteFunc(s.sessions, func(id uint64, _ *entry) bool { return !keep(id) })
}

// Clear drops every session (PDISCONNALL).
func (s *Store) Clear() { clear(s.sessions) }

// Dropped returns how many keys and protocol flags of sessions the store
// did not keep, past [MaxEntryKeys].
func (s *Store) Dropped() uint64 { return s.dropped }

// Unlinked returns how many values of session dicts [Store.FromServer]
// left out of the sessions it returned, as the link cannot carry them
// (a server_data or a protocol flag holding a NaN, an int past 2^53, a
// flag whose name is no str): each is kept for Evennia.
func (s *Store) Unlinked() uint64 { return s.unlinked }

// Len returns how many sessions the store has.
func (s *Store) Len() int { return len(s.sessions) }
