package link

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
	"unsafe"
)

// The body of every frame but the handshake's is a compact binary
// encoding of [Message], written and read by hand with encoding/binary's
// varints: the hot messages (a command, its answer, a broadcast) are a
// few bytes of framing around their text, encoded without allocating.
//
// A body is a sequence of fields, each a one-byte field number and its
// value; a nested [SessionData] is the same, ended by field 0. Unsigned
// numbers are uvarints, signed ones varints, strings a uvarint length and
// their bytes, a list a uvarint count and its items. The free-form values
// of commands and flags (Evennia's JSON-like args and kwargs) are a
// one-byte kind and the value; numbers decode as float64, as from JSON.
// A field absent from a frame keeps its zero value. A decoder refuses a
// count or length longer than what is left of the frame, nesting deeper
// than [maxDepth], and an unknown field or kind: the peer speaks another
// version, and the stream cannot be trusted.

// Message fields.
const (
	fEnd = iota // ends a nested SessionData
	fSessid
	fSessids
	fSession
	fSessions
	fClean
	fSeen
	fLink
	fAck
	fReason
	fMode
	fTakeover
	fData
	fProtocol
	fConfig
	fErr
	fConnSeq
)

// SessionData fields.
const (
	sEnd = iota
	sSessid
	sProtocolKey
	sAddress
	sCsessid
	sSuid
	sSeq
	sUid
	sUname
	sLoggedIn
	sPuid
	sConnTime
	sCmdLast
	sCmdLastVisible
	sCmdTotal
	sProtocolFlags
	sServerData
	sCmdsetStorage
	sSyncRev
)

// Value kinds.
const (
	kNil = iota
	kFalse
	kTrue
	kFloat
	kString
	kList
	kMap
	kJSON // any other Go value, as JSON would encode it
)

// maxDepth bounds the nesting of lists and maps in a value.
const maxDepth = 32

// mapEntryBytes is about what one entry of a map[string]any takes.
const mapEntryBytes = 64

// errCodec wraps what is wrong with a body.
var errCodec = errors.New("link: bad frame body")

// appendBody appends m's body (everything but the op) to b.
func appendBody(b []byte, m *Message) ([]byte, error) {
	b = appendUintField(b, fSessid, m.Sessid)
	if len(m.Sessids) > 0 {
		b = append(b, fSessids)
		b = binary.AppendUvarint(b, uint64(len(m.Sessids)))
		for _, id := range m.Sessids {
			b = binary.AppendUvarint(b, id)
		}
	}
	var err error
	if m.Session != nil {
		b = append(b, fSession)
		if b, err = appendSession(b, m.Session); err != nil {
			return b, err
		}
	}
	if len(m.Sessions) > 0 {
		b = append(b, fSessions)
		b = binary.AppendUvarint(b, uint64(len(m.Sessions)))
		for i := range m.Sessions {
			if b, err = appendSession(b, &m.Sessions[i]); err != nil {
				return b, err
			}
		}
	}
	if m.Clean {
		b = append(b, fClean)
	}
	b = appendUintField(b, fSeen, m.Seen)
	b = appendUintField(b, fLink, m.Link)
	b = appendUintField(b, fAck, m.Ack)
	b = appendStringField(b, fReason, m.Reason)
	b = appendStringField(b, fMode, m.Mode)
	b = appendStringField(b, fTakeover, m.Takeover)
	if len(m.Data) > 0 {
		b = append(b, fData)
		b = binary.AppendUvarint(b, uint64(len(m.Data)))
		for i := range m.Data {
			if b, err = appendCommand(b, &m.Data[i]); err != nil {
				return b, err
			}
		}
	}
	b = appendStringField(b, fProtocol, m.Protocol)
	if m.Config != nil {
		b = append(b, fConfig)
		if b, err = appendMap(b, m.Config, 0); err != nil {
			return b, err
		}
	}
	b = appendStringField(b, fErr, m.Err)
	b = appendUintField(b, fConnSeq, m.ConnSeq)
	return b, nil
}

func appendUintField(b []byte, f byte, v uint64) []byte {
	if v == 0 {
		return b
	}
	return binary.AppendUvarint(append(b, f), v)
}

func appendIntField(b []byte, f byte, v int64) []byte {
	if v == 0 {
		return b
	}
	return binary.AppendVarint(append(b, f), v)
}

func appendStringField(b []byte, f byte, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(append(b, f), s)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendTimeField(b []byte, f byte, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b = binary.AppendVarint(append(b, f), t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

func appendSession(b []byte, d *SessionData) ([]byte, error) {
	b = appendUintField(b, sSessid, d.Sessid)
	b = appendStringField(b, sProtocolKey, d.ProtocolKey)
	b = appendStringField(b, sAddress, d.Address)
	b = appendStringField(b, sCsessid, d.Csessid)
	b = appendStringField(b, sSuid, d.Suid)
	b = appendUintField(b, sSeq, d.Seq)
	b = appendIntField(b, sUid, d.Uid)
	b = appendStringField(b, sUname, d.Uname)
	if d.LoggedIn {
		b = append(b, sLoggedIn)
	}
	b = appendIntField(b, sPuid, d.Puid)
	b = appendTimeField(b, sConnTime, d.ConnTime)
	b = appendTimeField(b, sCmdLast, d.CmdLast)
	b = appendTimeField(b, sCmdLastVisible, d.CmdLastVisible)
	b = appendIntField(b, sCmdTotal, d.CmdTotal)
	var err error
	if d.ProtocolFlags != nil {
		if b, err = appendMap(append(b, sProtocolFlags), d.ProtocolFlags, 0); err != nil {
			return b, err
		}
	}
	if d.ServerData != nil {
		if b, err = appendMap(append(b, sServerData), d.ServerData, 0); err != nil {
			return b, err
		}
	}
	b = appendStringField(b, sCmdsetStorage, d.CmdsetStorage)
	b = appendUintField(b, sSyncRev, d.SyncRev)
	return append(b, sEnd), nil
}

func appendCommand(b []byte, c *Command) ([]byte, error) {
	b = appendString(b, c.Name)
	b = binary.AppendUvarint(b, uint64(len(c.Args)))
	var err error
	for _, a := range c.Args {
		if b, err = appendValue(b, a, 1); err != nil {
			return b, fmt.Errorf("command %q: %w", c.Name, err)
		}
	}
	if b, err = appendMap(b, c.Kwargs, 0); err != nil {
		return b, fmt.Errorf("command %q: %w", c.Name, err)
	}
	return b, nil
}

func appendMap(b []byte, m map[string]any, depth int) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(m)))
	var err error
	for k, v := range m {
		b = appendString(b, k)
		if b, err = appendValue(b, v, depth+1); err != nil {
			return b, fmt.Errorf("%q: %w", k, err)
		}
	}
	return b, nil
}

// appendValue appends one free-form value. Numbers of every Go type are
// sent as float64, as JSON would; NaN and the infinities, which JSON
// cannot carry, are refused; types not listed go as their JSON.
func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, fmt.Errorf("nested deeper than %d: %w", maxDepth, errCodec)
	}
	switch x := v.(type) {
	case nil:
		return append(b, kNil), nil
	case bool:
		if x {
			return append(b, kTrue), nil
		}
		return append(b, kFalse), nil
	case string:
		return appendString(append(b, kString), x), nil
	case float64:
		return appendFloat(b, x)
	case float32:
		return appendFloat(b, float64(x))
	case int:
		return appendFloat(b, float64(x))
	case int64:
		return appendFloat(b, float64(x))
	case int32:
		return appendFloat(b, float64(x))
	case uint64:
		return appendFloat(b, float64(x))
	case uint32:
		return appendFloat(b, float64(x))
	case []any:
		b = binary.AppendUvarint(append(b, kList), uint64(len(x)))
		var err error
		for _, e := range x {
			if b, err = appendValue(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case []string:
		b = binary.AppendUvarint(append(b, kList), uint64(len(x)))
		for _, e := range x {
			b = appendString(append(b, kString), e)
		}
		return b, nil
	case map[string]any:
		return appendMap(append(b, kMap), x, depth)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(binary.AppendUvarint(append(b, kJSON), uint64(len(j))), j...), nil
}

func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("unsupported value %v: %w", f, errCodec)
	}
	return binary.LittleEndian.AppendUint64(append(b, kFloat), math.Float64bits(f)), nil
}

// decoder reads one body. The first error sticks; later reads return zeros.
type decoder struct {
	b   []byte
	err error
	// body is the whole body; strs, once a string of a small body was
	// needed, is the body from that string (at strsAt) to its end as one
	// string, and every string of the message a slice of it: one
	// allocation for them all (see str).
	body   []byte
	strs   string
	strsAt int
	// budget is how many bytes of memory the decoded message may still
	// take: a count is bounded by the bytes left, but one byte of frame
	// can stand for a whole SessionData or a map entry.
	budget int
}

// Bounds of the memory a decoded message may take: allocBase, plus
// allocPerByte for each byte of its body. Real messages take at most a
// few times their size.
const (
	allocBase    = 64 << 10
	allocPerByte = 16
)

// alloc charges n items of size bytes to the budget; false (and the
// decoder failed) if they do not fit.
func (d *decoder) alloc(n, size int) bool {
	if n > d.budget/max(size, 1) {
		d.fail("%d items of %d bytes exceed the frame's memory budget", n, size)
		return false
	}
	d.budget -= n * size
	return true
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), errCodec)
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail("truncated")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad uvarint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a count of items, each at least one byte long.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("count %d with %d bytes left", n, len(d.b))
		return 0
	}
	return int(n)
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("length %d with %d bytes left", n, len(d.b))
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

// sharedStrings is the largest body whose strings share one allocation
// (see str): a string kept from it keeps at most this many bytes alive.
const sharedStrings = 1 << 10

// str reads a string; the command names of the hot path cost no
// allocation, and the other strings of a small body one between them.
func (d *decoder) str() string {
	b := d.bytes()
	switch string(b) { // compiled without a conversion
	case "text":
		return "text"
	case "prompt":
		return "prompt"
	}
	if len(b) == 0 || !d.alloc(len(b), 1) {
		return ""
	}
	if len(d.body) > sharedStrings {
		return string(b)
	}
	end := len(d.body) - len(d.b) // b ends where the unread bytes start
	if d.strs == "" {
		d.strsAt = end - len(b)
		d.strs = string(d.body[d.strsAt:])
	}
	return d.strs[end-len(b)-d.strsAt : end-d.strsAt]
}

func (d *decoder) time() time.Time {
	s := d.varint()
	ns := d.uvarint()
	if ns >= 1e9 {
		d.fail("nanoseconds %d", ns)
		return time.Time{}
	}
	return time.Unix(s, int64(ns)).UTC()
}

// decodeMessage decodes a body into m (whose Op is set by the caller).
func decodeMessage(body []byte, m *Message) error {
	d := decoder{b: body, body: body, budget: allocBase + allocPerByte*len(body)}
	for len(d.b) > 0 && d.err == nil {
		switch f := d.byte(); f {
		case fSessid:
			m.Sessid = d.uvarint()
		case fSessids:
			if n := d.count(); n > 0 && d.alloc(n, 8) {
				m.Sessids = make([]uint64, n)
			}
			for i := range m.Sessids {
				m.Sessids[i] = d.uvarint()
			}
		case fSession:
			if !d.alloc(1, int(unsafe.Sizeof(SessionData{}))) {
				break
			}
			m.Session = new(SessionData)
			d.session(m.Session)
		case fSessions:
			if n := d.count(); n > 0 && d.alloc(n, int(unsafe.Sizeof(SessionData{}))) {
				m.Sessions = make([]SessionData, n)
			}
			for i := range m.Sessions {
				d.session(&m.Sessions[i])
			}
		case fClean:
			m.Clean = true
		case fSeen:
			m.Seen = d.uvarint()
		case fLink:
			m.Link = d.uvarint()
		case fAck:
			m.Ack = d.uvarint()
		case fReason:
			m.Reason = d.str()
		case fMode:
			m.Mode = d.str()
		case fTakeover:
			m.Takeover = d.str()
		case fData:
			var spare []any
			if n := d.count(); n > 0 && d.alloc(n, int(unsafe.Sizeof(Command{}))) {
				m.Data, spare = newCommands(n)
			}
			for i := range m.Data {
				var one []any
				if i < len(spare) {
					one = spare[i : i+1 : i+1]
				}
				d.command(&m.Data[i], one)
			}
		case fProtocol:
			m.Protocol = d.str()
		case fConfig:
			m.Config = d.mapValue(0)
		case fErr:
			m.Err = d.str()
		case fConnSeq:
			m.ConnSeq = d.uvarint()
		default:
			d.fail("unknown field %d", f)
		}
	}
	return d.err
}

func (d *decoder) session(s *SessionData) {
	for d.err == nil {
		switch f := d.byte(); f {
		case sEnd:
			return
		case sSessid:
			s.Sessid = d.uvarint()
		case sProtocolKey:
			s.ProtocolKey = d.str()
		case sAddress:
			s.Address = d.str()
		case sCsessid:
			s.Csessid = d.str()
		case sSuid:
			s.Suid = d.str()
		case sSeq:
			s.Seq = d.uvarint()
		case sUid:
			s.Uid = d.varint()
		case sUname:
			s.Uname = d.str()
		case sLoggedIn:
			s.LoggedIn = true
		case sPuid:
			s.Puid = d.varint()
		case sConnTime:
			s.ConnTime = d.time()
		case sCmdLast:
			s.CmdLast = d.time()
		case sCmdLastVisible:
			s.CmdLastVisible = d.time()
		case sCmdTotal:
			s.CmdTotal = d.varint()
		case sProtocolFlags:
			s.ProtocolFlags = d.mapValue(0)
		case sServerData:
			s.ServerData = d.mapValue(0)
		case sCmdsetStorage:
			s.CmdsetStorage = d.str()
		case sSyncRev:
			s.SyncRev = d.uvarint()
		default:
			d.fail("unknown session field %d", f)
		}
	}
}

// newCommands returns room for n commands and, when n is 1 or 2 (a
// player's input; an answer and its prompt), room for one argument of
// each in the same allocation.
func newCommands(n int) (cmds []Command, spare []any) {
	switch n {
	case 1:
		b := new(struct {
			cmds [1]Command
			args [1]any
		})
		return b.cmds[:], b.args[:]
	case 2:
		b := new(struct {
			cmds [2]Command
			args [2]any
		})
		return b.cmds[:], b.args[:]
	}
	return make([]Command, n), nil
}

// command reads a command; one, if not nil, is room for its argument if
// it has one only.
func (d *decoder) command(c *Command, one []any) {
	c.Name = d.str()
	if n := d.count(); n > 0 && d.alloc(n, 16) {
		if n == 1 && one != nil {
			c.Args = one
		} else {
			c.Args = make([]any, n)
		}
		for i := range c.Args {
			c.Args[i] = d.value(1)
		}
	}
	if n := d.count(); n > 0 { // most commands have no kwargs: no map
		c.Kwargs = d.mapItems(n, 0)
	}
}

// mapValue reads a map; an empty one is a non-nil empty map.
func (d *decoder) mapValue(depth int) map[string]any {
	return d.mapItems(d.count(), depth)
}

// mapItems reads the n items of a map.
func (d *decoder) mapItems(n, depth int) map[string]any {
	if d.err != nil || !d.alloc(n, mapEntryBytes) {
		return nil
	}
	m := make(map[string]any, n)
	for range n {
		k := d.str()
		m[k] = d.value(depth + 1)
	}
	return m
}

func (d *decoder) value(depth int) any {
	if depth > maxDepth {
		d.fail("nested deeper than %d", maxDepth)
		return nil
	}
	switch k := d.byte(); k {
	case kNil:
		return nil
	case kFalse:
		return false
	case kTrue:
		return true
	case kFloat:
		if len(d.b) < 8 {
			d.fail("truncated float")
			return nil
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
		d.b = d.b[8:]
		if math.IsNaN(f) || math.IsInf(f, 0) { // never encoded: see appendFloat
			d.fail("unsupported value %v", f)
			return nil
		}
		return f
	case kString:
		return d.str()
	case kList:
		n := d.count()
		if !d.alloc(n, 16) {
			return nil
		}
		l := make([]any, n)
		for i := range l {
			l[i] = d.value(depth + 1)
		}
		return l
	case kMap:
		return d.mapValue(depth)
	case kJSON:
		var v any
		if err := json.Unmarshal(d.bytes(), &v); err != nil && d.err == nil {
			d.fail("json value: %v", err)
		}
		return v
	default:
		d.fail("unknown value kind %d", k)
		return nil
	}
}
