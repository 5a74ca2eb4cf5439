package telnet

import "bytes"

// DefaultMaxSubneg is the subnegotiation payload limit of a [Decoder]
// whose MaxSubneg is 0.
const DefaultMaxSubneg = 8192

// joinLimit bounds the Decoder's internal data buffer: a data event that
// needs joining (because IAC IAC or CR NUL was undone inside it) is
// emitted in pieces of at most this size.
const joinLimit = 32 << 10

// keepLimit is the largest data buffer a Decoder keeps between calls.
const keepLimit = 4 << 10

type decodeState uint8

const (
	stData     decodeState = iota // application data
	stIAC                         // after IAC
	stVerb                        // after IAC DO/DONT/WILL/WONT
	stSBOpt                       // after IAC SB
	stSBOptIAC                    // after IAC SB IAC
	stSB                          // in a subnegotiation payload
	stSBIAC                       // after IAC in a subnegotiation payload
)

// Decoder splits a telnet byte stream into [Event]s. Feed it the stream
// in chunks of any size with [Decoder.Decode]; every sequence (IAC
// commands, IAC SB … IAC SE, CR NUL) may be split across calls at any
// byte.
//
// The zero value is ready to use. A Decoder is not safe for concurrent
// use.
type Decoder struct {
	// MaxSubneg bounds a subnegotiation payload (after unescaping). A
	// longer payload is dropped and reported once as an [EventError] with
	// [ErrSubnegTooLong]. 0 (or a negative value) means
	// [DefaultMaxSubneg].
	MaxSubneg int

	state    decodeState
	verb     Verb
	opt      Option
	cr       bool // the last data byte was CR: a NUL right after it is dropped
	overflow bool // the current subnegotiation exceeded MaxSubneg
	sb       []byte
	buf      []byte
}

// Decode consumes the chunk p and calls emit for every complete event in
// it, in stream order. Bytes of an unfinished sequence at the end of p are
// remembered and completed by the next call.
//
// Data events carry application bytes with IAC IAC turned into one 0xFF
// byte and CR NUL turned into CR (RFC 854); a CR NUL pair only counts when
// nothing but the two bytes separates them (an IAC command in between
// keeps the NUL). Consecutive data bytes of one chunk are delivered as one
// event, except that pieces joined around an undone IAC IAC or CR NUL are
// capped at 32 KiB per event. Data never spans two calls: a caller that
// needs lines should use a [LineBuffer].
//
// Event.Data may alias p or an internal buffer: it is valid only until
// emit returns and must not be modified. emit must not call Decode on the
// same Decoder. A nil emit discards the events (the state still
// advances).
func (d *Decoder) Decode(p []byte, emit func(Event)) {
	if emit == nil {
		emit = func(Event) {}
	}
	o := output{p: p, buf: d.buf[:0]}
	for i := 0; i < len(p); {
		c := p[i]
		switch d.state {
		case stData:
			j := bytes.IndexByte(p[i:], IAC)
			if j < 0 {
				d.data(&o, i, len(p), emit)
				i = len(p)
				continue
			}
			d.data(&o, i, i+j, emit)
			i += j + 1
			d.state = stIAC
			d.cr = false
		case stIAC:
			d.command(&o, i, emit)
			i++
		case stVerb:
			i++
			d.state = stData
			o.event(Event{Kind: EventNegotiation, Verb: d.verb, Opt: Option(c)}, emit)
		case stSBOpt:
			i++
			if c == IAC {
				d.state = stSBOptIAC
				continue
			}
			d.startSubneg(Option(c))
		case stSBOptIAC:
			switch c {
			case IAC: // IAC SB IAC IAC: option 255, escaped
				d.startSubneg(IAC)
			case SE:
				d.state = stData
				o.event(Event{Kind: EventError, Cmd: SE, Err: ErrMalformedSubneg}, emit)
			default:
				o.event(Event{Kind: EventError, Cmd: c, Err: ErrMalformedSubneg}, emit)
				d.command(&o, i, emit)
			}
			i++
		case stSB:
			j := bytes.IndexByte(p[i:], IAC)
			if j < 0 {
				d.payload(&o, p[i:], emit)
				i = len(p)
				continue
			}
			d.payload(&o, p[i:i+j], emit)
			i += j + 1
			d.state = stSBIAC
		case stSBIAC:
			switch c {
			case SE:
				d.state = stData
				if !d.overflow {
					o.event(Event{Kind: EventSubneg, Opt: d.opt, Data: d.sb[:len(d.sb):len(d.sb)]}, emit)
				}
				d.sb = d.sb[:0]
				d.overflow = false
			case IAC:
				d.state = stSB
				d.payload(&o, p[i:i+1], emit)
			default:
				o.event(Event{Kind: EventError, Opt: d.opt, Cmd: c, Err: ErrMalformedSubneg}, emit)
				d.sb = d.sb[:0]
				d.overflow = false
				d.command(&o, i, emit)
			}
			i++
		}
	}
	o.flush(emit)
	if cap(o.buf) <= keepLimit {
		d.buf = o.buf[:0]
	} else {
		d.buf = nil
	}
}

// Reset forgets any partial sequence and returns d to its initial state.
// MaxSubneg is kept.
func (d *Decoder) Reset() {
	*d = Decoder{MaxSubneg: d.MaxSubneg, sb: d.sb[:0], buf: d.buf[:0]}
}

func (d *Decoder) maxSubneg() int {
	if d.MaxSubneg <= 0 {
		return DefaultMaxSubneg
	}
	return d.MaxSubneg
}

// command handles the byte p[i] that follows an IAC.
func (d *Decoder) command(o *output, i int, emit func(Event)) {
	c := o.p[i]
	d.state = stData
	switch {
	case c == IAC:
		d.data(o, i, i+1, emit) // the second IAC is the literal 0xFF
	case Verb(c).Valid():
		d.verb = Verb(c)
		d.state = stVerb
	case c == SB:
		d.state = stSBOpt
	case c == SE:
		o.event(Event{Kind: EventError, Cmd: c, Err: ErrUnexpectedSE}, emit)
	case c >= EOR:
		o.event(Event{Kind: EventCommand, Cmd: c}, emit)
	default:
		o.event(Event{Kind: EventError, Cmd: c, Err: ErrUnknownCommand}, emit)
	}
}

// data queues the application bytes p[a:b], dropping a NUL after a CR.
func (d *Decoder) data(o *output, a, b int, emit func(Event)) {
	for a < b {
		if d.cr {
			d.cr = false
			if o.p[a] == 0 {
				a++
				continue
			}
		}
		k := bytes.IndexByte(o.p[a:b], '\r')
		if k < 0 {
			o.add(a, b, emit)
			return
		}
		o.add(a, a+k+1, emit)
		a += k + 1
		d.cr = true
	}
}

func (d *Decoder) startSubneg(opt Option) {
	d.state = stSB
	d.opt = opt
	d.sb = d.sb[:0]
	d.overflow = false
}

// payload appends unescaped subnegotiation bytes, reporting an overflow
// once.
func (d *Decoder) payload(o *output, b []byte, emit func(Event)) {
	if d.overflow || len(b) == 0 {
		return
	}
	limit := d.maxSubneg()
	if len(d.sb)+len(b) > limit {
		d.overflow = true
		d.sb = d.sb[:0]
		o.event(Event{Kind: EventError, Opt: d.opt, Err: ErrSubnegTooLong}, emit)
		return
	}
	d.sb = appendCapped(d.sb, b, limit)
}

// output collects the data bytes of one Decode call. Pending data is
// either the alias p[a:b] or, once two non-adjacent pieces had to be
// joined, the contents of buf.
type output struct {
	p    []byte
	a, b int
	buf  []byte
}

// add queues the data bytes p[a:b].
func (o *output) add(a, b int, emit func(Event)) {
	if a >= b {
		return
	}
	if len(o.buf) == 0 {
		switch {
		case o.a == o.b:
			o.a, o.b = a, b
			return
		case o.b == a:
			o.b = b
			return
		case o.b-o.a+b-a > joinLimit:
			o.flush(emit)
			o.a, o.b = a, b
			return
		}
		o.buf = appendCapped(o.buf, o.p[o.a:o.b], joinLimit)
		o.a, o.b = 0, 0
	} else if len(o.buf)+b-a > joinLimit {
		o.flush(emit)
		o.a, o.b = a, b
		return
	}
	o.buf = appendCapped(o.buf, o.p[a:b], joinLimit)
}

// flush emits the pending data, if any.
func (o *output) flush(emit func(Event)) {
	if len(o.buf) > 0 {
		emit(Event{Kind: EventData, Data: o.buf[:len(o.buf):len(o.buf)]})
		o.buf = o.buf[:0]
	} else if o.a < o.b {
		emit(Event{Kind: EventData, Data: o.p[o.a:o.b:o.b]})
		o.a, o.b = 0, 0
	}
}

// event emits the pending data, then e.
func (o *output) event(e Event, emit func(Event)) {
	o.flush(emit)
	emit(e)
}

// appendCapped appends src to dst like append, but grows dst's capacity to
// at most limit (callers keep len(dst)+len(src) <= limit), so buffers stay
// bounded.
func appendCapped(dst, src []byte, limit int) []byte {
	need := len(dst) + len(src)
	if need > cap(dst) {
		n := min(max(2*cap(dst), need, 64), limit)
		grown := make([]byte, len(dst), max(n, need))
		copy(grown, dst)
		dst = grown
	}
	return append(dst, src...)
}
