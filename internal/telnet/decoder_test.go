package telnet

import (
	"bytes"
	"strings"
	"testing"
)

func cat(parts ...string) []byte { return []byte(strings.Join(parts, "")) }

// Byte strings for building telnet input.
const (
	sIAC  = "\xff"
	sDONT = "\xfe"
	sDO   = "\xfd"
	sWONT = "\xfc"
	sWILL = "\xfb"
	sSB   = "\xfa"
	sGA   = "\xf9"
	sAYT  = "\xf6"
	sNOP  = "\xf1"
	sSE   = "\xf0"
	sEOR  = "\xef"
)

func data(s string) Event { return Event{Kind: EventData, Data: []byte(s)} }

func cmd(c byte) Event { return Event{Kind: EventCommand, Cmd: c} }

func neg(v Verb, o Option) Event { return Event{Kind: EventNegotiation, Verb: v, Opt: o} }

func subneg(o Option, payload string) Event {
	return Event{Kind: EventSubneg, Opt: o, Data: []byte(payload)}
}

func decodeTests() []struct {
	name      string
	maxSubneg int
	in        []byte
	want      []Event
} {
	return []struct {
		name      string
		maxSubneg int
		in        []byte
		want      []Event
	}{
		{name: "empty", in: nil, want: nil},
		{name: "plain", in: cat("look\r\n"), want: []Event{data("look\r\n")}},
		{name: "IAC IAC", in: cat("a", sIAC, sIAC, "b"), want: []Event{data("a\xffb")}},
		{name: "only IAC IAC", in: cat(sIAC, sIAC, sIAC, sIAC), want: []Event{data("\xff\xff")}},
		{name: "CR NUL", in: cat("a\r\x00b"), want: []Event{data("a\rb")}},
		{name: "CR NUL NUL", in: cat("\r\x00\x00"), want: []Event{data("\r\x00")}},
		{name: "CR CR NUL", in: cat("\r\r\x00x"), want: []Event{data("\r\rx")}},
		{name: "NUL alone", in: cat("a\x00b"), want: []Event{data("a\x00b")}},
		{name: "CR command NUL", in: cat("a\r", sIAC, sNOP, "\x00"), want: []Event{data("a\r"), cmd(NOP), data("\x00")}},
		{name: "CR IAC IAC NUL", in: cat("\r", sIAC, sIAC, "\x00"), want: []Event{data("\r\xff\x00")}},
		{name: "commands", in: cat(sIAC, sNOP, sIAC, sGA, sIAC, sAYT, sIAC, sEOR),
			want: []Event{cmd(NOP), cmd(GA), cmd(AYT), cmd(EOR)}},
		{name: "negotiations", in: cat("ab", sIAC, sWILL, "\xc9", "cd", sIAC, sDO, "\x1f", sIAC, sWONT, "\x01", sIAC, sDONT, "\xff"),
			want: []Event{data("ab"), neg(WILL, OptGMCP), data("cd"), neg(DO, OptNAWS), neg(WONT, OptEcho), neg(DONT, Option(255))}},
		{name: "NAWS", in: cat(sIAC, sSB, "\x1f\x00\x50\x00\x18", sIAC, sSE),
			want: []Event{subneg(OptNAWS, "\x00\x50\x00\x18")}},
		{name: "subneg IAC IAC", in: cat(sIAC, sSB, "\xc9a", sIAC, sIAC, "b", sIAC, sSE, "x"),
			want: []Event{subneg(OptGMCP, "a\xffb"), data("x")}},
		{name: "subneg empty", in: cat(sIAC, sSB, "\xc9", sIAC, sSE), want: []Event{subneg(OptGMCP, "")}},
		{name: "subneg keeps CR NUL", in: cat(sIAC, sSB, "\xc9\r\x00", sIAC, sSE), want: []Event{subneg(OptGMCP, "\r\x00")}},
		{name: "subneg at limit", maxSubneg: 4, in: cat(sIAC, sSB, "\xc9abc", sIAC, sIAC, sIAC, sSE),
			want: []Event{subneg(OptGMCP, "abc\xff")}},
		{name: "subneg too long", maxSubneg: 4, in: cat("a", sIAC, sSB, "\xc9abcde", sIAC, sSE, "x"),
			want: []Event{data("a"), {Kind: EventError, Opt: OptGMCP, Err: ErrSubnegTooLong}, data("x")}},
		{name: "subneg too long by IAC IAC", maxSubneg: 4, in: cat(sIAC, sSB, "\xc9abcd", sIAC, sIAC, sIAC, sSE, "x"),
			want: []Event{{Kind: EventError, Opt: OptGMCP, Err: ErrSubnegTooLong}, data("x")}},
		{name: "subneg too long reported once", maxSubneg: 1, in: cat(sIAC, sSB, "\xc9", strings.Repeat("ab"+sIAC+sIAC, 10), sIAC, sSE),
			want: []Event{{Kind: EventError, Opt: OptGMCP, Err: ErrSubnegTooLong}}},
		{name: "subneg cut by command", in: cat(sIAC, sSB, "\xc9ab", sIAC, sWILL, "\x01x"),
			want: []Event{{Kind: EventError, Opt: OptGMCP, Cmd: WILL, Err: ErrMalformedSubneg}, neg(WILL, OptEcho), data("x")}},
		{name: "subneg cut by subneg", in: cat(sIAC, sSB, "\xc9ab", sIAC, sSB, "\x1f\x00\x01\x00\x02", sIAC, sSE),
			want: []Event{{Kind: EventError, Opt: OptGMCP, Cmd: SB, Err: ErrMalformedSubneg}, subneg(OptNAWS, "\x00\x01\x00\x02")}},
		{name: "subneg cut by unknown", in: cat(sIAC, sSB, "\xc9ab", sIAC, "xyz"),
			want: []Event{{Kind: EventError, Opt: OptGMCP, Cmd: 'x', Err: ErrMalformedSubneg}, {Kind: EventError, Cmd: 'x', Err: ErrUnknownCommand}, data("yz")}},
		{name: "overflow then cut", maxSubneg: 2, in: cat(sIAC, sSB, "\xc9abc", sIAC, sNOP, "z"),
			want: []Event{{Kind: EventError, Opt: OptGMCP, Err: ErrSubnegTooLong}, {Kind: EventError, Opt: OptGMCP, Cmd: NOP, Err: ErrMalformedSubneg}, cmd(NOP), data("z")}},
		{name: "no option", in: cat(sIAC, sSB, sIAC, sSE, "x"),
			want: []Event{{Kind: EventError, Cmd: SE, Err: ErrMalformedSubneg}, data("x")}},
		{name: "no option then command", in: cat(sIAC, sSB, sIAC, sNOP, "x"),
			want: []Event{{Kind: EventError, Cmd: NOP, Err: ErrMalformedSubneg}, cmd(NOP), data("x")}},
		{name: "option 255", in: cat(sIAC, sSB, sIAC, sIAC, "x", sIAC, sSE),
			want: []Event{subneg(Option(255), "x")}},
		{name: "stray SE", in: cat("a", sIAC, sSE, "b"),
			want: []Event{data("a"), {Kind: EventError, Cmd: SE, Err: ErrUnexpectedSE}, data("b")}},
		{name: "unknown command", in: cat("a", sIAC, "\x05b"),
			want: []Event{data("a"), {Kind: EventError, Cmd: 5, Err: ErrUnknownCommand}, data("b")}},
		{name: "unfinished IAC", in: cat("ab", sIAC), want: []Event{data("ab")}},
		{name: "unfinished verb", in: cat("ab", sIAC, sDO), want: []Event{data("ab")}},
		{name: "unfinished subneg", in: cat("ab", sIAC, sSB, "\x1f\x00\x50"), want: []Event{data("ab")}},
		{name: "SE without IAC in subneg", in: cat(sIAC, sSB, "\xc9a", sSE, "b", sIAC, sSE),
			want: []Event{subneg(OptGMCP, "a\xf0b")}},
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	for _, tt := range decodeTests() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := decodeChunks(tt.maxSubneg, tt.in); !sameEvents(got, tt.want) {
				t.Errorf("whole: got %s, want %s", formatEvents(got), formatEvents(tt.want))
			}
			if got := decodeChunks(tt.maxSubneg, bytewise(tt.in)...); !sameEvents(got, tt.want) {
				t.Errorf("bytewise: got %s, want %s", formatEvents(got), formatEvents(tt.want))
			}
			for i := range tt.in {
				for j := i; j <= len(tt.in); j++ {
					got := decodeChunks(tt.maxSubneg, tt.in[:i], tt.in[i:j], tt.in[j:])
					if !sameEvents(got, tt.want) {
						t.Fatalf("split at %d,%d: got %s, want %s", i, j, formatEvents(got), formatEvents(tt.want))
					}
				}
			}
		})
	}
}

func TestDecodeOneDataEventPerRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
		want []Event
	}{
		{"plain", cat("say hi\r\nlook\r\n"), []Event{data("say hi\r\nlook\r\n")}},
		{"escapes joined", cat("a", sIAC, sIAC, "b\r\x00c", sIAC, sIAC), []Event{data("a\xffb\rc\xff")}},
		{"split by command", cat("a", sIAC, sNOP, "b"), []Event{data("a"), cmd(NOP), data("b")}},
	}
	for _, tt := range tests {
		var got []Event
		var d Decoder
		d.Decode(tt.in, collect(&got))
		if !sameEvents(got, tt.want) {
			t.Errorf("%s: got %s, want %s", tt.name, formatEvents(got), formatEvents(tt.want))
		}
	}
}

func TestDecodeDefaultMaxSubneg(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want EventKind
	}{
		{DefaultMaxSubneg, EventSubneg},
		{DefaultMaxSubneg + 1, EventError},
	}
	for _, tt := range tests {
		in := cat(sIAC, sSB, "\xc9", strings.Repeat("x", tt.n), sIAC, sSE)
		got := decodeChunks(0, in)
		if len(got) != 1 || got[0].Kind != tt.want {
			t.Errorf("payload of %d: got %s, want one %v", tt.n, formatEvents(got), tt.want)
		}
	}
}

func TestDecodeJoinLimit(t *testing.T) {
	t.Parallel()
	in := bytes.Repeat([]byte("ab"+sIAC+sIAC+"\r\x00"), 3*joinLimit/4)
	want := bytes.Repeat([]byte("ab\xff\r"), 3*joinLimit/4)
	var d Decoder
	var evs []Event
	d.Decode(in, func(e Event) {
		if e.Kind != EventData {
			t.Fatalf("unexpected event %v", e)
		}
		if len(e.Data) > joinLimit {
			t.Fatalf("data event of %d bytes, limit %d", len(e.Data), joinLimit)
		}
		evs = append(evs, Event{Kind: EventData, Data: bytes.Clone(e.Data)})
	})
	got := merge(evs)
	if len(got) != 1 || !bytes.Equal(got[0].Data, want) {
		t.Errorf("merged data differs (%d events)", len(evs))
	}
	if cap(d.buf) > keepLimit {
		t.Errorf("kept buffer of %d bytes, limit %d", cap(d.buf), keepLimit)
	}
}

func TestDecodeDataDoesNotExposeInput(t *testing.T) {
	t.Parallel()
	in := cat("abc", sIAC, sNOP, "def")
	orig := bytes.Clone(in)
	var d Decoder
	d.Decode(in, func(e Event) {
		if e.Kind == EventData {
			_ = append(e.Data, "XXXXXXXX"...) // must not write into in
		}
	})
	if !bytes.Equal(in, orig) {
		t.Errorf("input modified: %q", in)
	}
}

func TestDecoderReset(t *testing.T) {
	t.Parallel()
	d := Decoder{MaxSubneg: 3}
	d.Decode(cat("a\r", sIAC, sSB, "\xc9ab"), nil)
	d.Reset()
	if d.MaxSubneg != 3 {
		t.Errorf("MaxSubneg = %d, want 3", d.MaxSubneg)
	}
	var got []Event
	d.Decode(cat("\x00x", sIAC, sSE), collect(&got))
	want := []Event{data("\x00x"), {Kind: EventError, Cmd: SE, Err: ErrUnexpectedSE}}
	if got = merge(got); !sameEvents(got, want) {
		t.Errorf("got %s, want %s", formatEvents(got), formatEvents(want))
	}
}

func TestDecodeNilEmit(t *testing.T) {
	t.Parallel()
	var d Decoder
	d.Decode(cat("a", sIAC, sNOP, sIAC, sSB, "\x01x", sIAC, sSE), nil)
	if d.state != stData {
		t.Errorf("state = %d, want %d", d.state, stData)
	}
}

// refDecode is a plain, byte-at-a-time model of Decoder working on the
// whole input at once. It returns merged events.
func refDecode(in []byte, maxSubneg int) []Event {
	if maxSubneg <= 0 {
		maxSubneg = DefaultMaxSubneg
	}
	var evs []Event
	var pending []byte
	emit := func(e Event) {
		if len(pending) > 0 {
			evs = append(evs, Event{Kind: EventData, Data: pending})
			pending = nil
		}
		evs = append(evs, e)
	}
	cr := false
	i := 0
	// command reads the byte after an IAC at in[i].
	var command func() bool
	command = func() bool {
		if i >= len(in) {
			return false
		}
		c := in[i]
		i++
		switch {
		case c == IAC:
			pending = append(pending, IAC)
		case c >= WILL && c <= DONT:
			if i >= len(in) {
				return false
			}
			emit(neg(Verb(c), Option(in[i])))
			i++
		case c == SB:
			if i >= len(in) {
				return false
			}
			opt := Option(in[i])
			i++
			if opt == IAC {
				if i >= len(in) {
					return false
				}
				switch in[i] {
				case IAC:
					i++
				case SE:
					i++
					emit(Event{Kind: EventError, Cmd: SE, Err: ErrMalformedSubneg})
					return true
				default:
					emit(Event{Kind: EventError, Cmd: in[i], Err: ErrMalformedSubneg})
					return command()
				}
			}
			var payload []byte
			overflow := false
			add := func(b byte) {
				if overflow {
					return
				}
				if len(payload) == maxSubneg {
					overflow = true
					emit(Event{Kind: EventError, Opt: opt, Err: ErrSubnegTooLong})
					return
				}
				payload = append(payload, b)
			}
			for {
				if i >= len(in) {
					return false
				}
				b := in[i]
				i++
				if b != IAC {
					add(b)
					continue
				}
				if i >= len(in) {
					return false
				}
				switch in[i] {
				case IAC:
					i++
					add(IAC)
					continue
				case SE:
					i++
					if !overflow {
						emit(Event{Kind: EventSubneg, Opt: opt, Data: append([]byte{}, payload...)})
					}
					return true
				default:
					emit(Event{Kind: EventError, Opt: opt, Cmd: in[i], Err: ErrMalformedSubneg})
					return command()
				}
			}
		case c == SE:
			emit(Event{Kind: EventError, Cmd: SE, Err: ErrUnexpectedSE})
		case c >= EOR:
			emit(cmd(c))
		default:
			emit(Event{Kind: EventError, Cmd: c, Err: ErrUnknownCommand})
		}
		return true
	}
	for i < len(in) {
		c := in[i]
		i++
		if c == IAC {
			cr = false
			if !command() {
				break
			}
			continue
		}
		if cr && c == 0 {
			cr = false
			continue
		}
		cr = c == '\r'
		pending = append(pending, c)
	}
	if len(pending) > 0 {
		evs = append(evs, Event{Kind: EventData, Data: pending})
	}
	return merge(evs)
}

func TestRefDecodeMatchesTable(t *testing.T) {
	t.Parallel()
	for _, tt := range decodeTests() {
		if got := refDecode(tt.in, tt.maxSubneg); !sameEvents(got, tt.want) {
			t.Errorf("%s: got %s, want %s", tt.name, formatEvents(got), formatEvents(tt.want))
		}
	}
}

// FuzzDecoder checks that Decoder never panics, keeps its buffers
// bounded, agrees with refDecode, and yields the same events (after
// merging adjacent data events) whether the input comes whole, in random
// chunks or byte by byte.
func FuzzDecoder(f *testing.F) {
	for _, tt := range decodeTests() {
		f.Add(tt.in, []byte{1, 2, 3}, uint8(tt.maxSubneg))
	}
	f.Add(cat("hello\r\n", sIAC, sSB, "\x18\x00xterm", sIAC, sSE, "\r\x00", sIAC), []byte{5, 0, 9}, uint8(0))
	f.Add(cat(sIAC, sSB, "\xc9", strings.Repeat("x"+sIAC+sIAC, 20), sIAC, sSE, "tail"), []byte{7, 7, 7, 7}, uint8(8))
	f.Add(cat(sIAC, sSB, sIAC, sIAC, sIAC, sSB, sIAC, sSE, sIAC, sIAC), []byte{1}, uint8(1))
	f.Fuzz(func(t *testing.T, in, sizes []byte, maxSubneg uint8) {
		in = in[:min(len(in), maxFuzzInput)]
		sizes = sizes[:min(len(sizes), maxFuzzInput)]
		m := int(maxSubneg % 64) // small limits, so that inputs overflow them
		limit := m
		if limit == 0 {
			limit = DefaultMaxSubneg
		}
		d := Decoder{MaxSubneg: m}
		var r recorder
		d.Decode(in, func(e Event) {
			if e.Kind == EventData && len(e.Data) == 0 {
				t.Fatalf("empty data event")
			}
			if e.Kind == EventSubneg && len(e.Data) > limit {
				t.Fatalf("subneg of %d bytes, limit %d", len(e.Data), limit)
			}
			r.emit(e)
		})
		whole := r.evs
		if cap(d.sb) > limit || cap(d.buf) > keepLimit {
			t.Fatalf("buffers too big: sb %d (limit %d), buf %d", cap(d.sb), limit, cap(d.buf))
		}
		if want := refDecode(in, m); !sameEvents(whole, want) {
			t.Fatalf("whole: got %s, want %s", formatEvents(whole), formatEvents(want))
		}
		if got := decodeChunks(m, split(in, sizes)...); !sameEvents(got, whole) {
			t.Fatalf("chunks: got %s, want %s", formatEvents(got), formatEvents(whole))
		}
		if got := decodeChunks(m, bytewise(in)...); !sameEvents(got, whole) {
			t.Fatalf("bytewise: got %s, want %s", formatEvents(got), formatEvents(whole))
		}
	})
}

// mudInput is a typical 4 KiB chunk of player input: commands with CR LF,
// a NAWS update, a GMCP message, keep-alives and the odd escape.
func mudInput() []byte {
	var b []byte
	lines := []string{"look", "say Hello there, how are you today?", "north", "get sword from chest", "inventory", "score", "tell bob meet me at the inn"}
	for i := 0; len(b) < 4096; i++ {
		b = append(b, lines[i%len(lines)]...)
		b = append(b, "\r\n"...)
		switch i % 16 {
		case 3:
			b = AppendNAWS(b, 120, 40)
		case 7:
			b = AppendSubneg(b, OptGMCP, []byte(`Core.Ping {}`))
		case 11:
			b = AppendCommand(b, NOP)
		case 13:
			b = append(b, "caf\xc3\xa9 \xff\xff\r\x00"...)
		}
	}
	return b[:4096]
}

type sink struct{ n int }

func (s *sink) event(e Event)                { s.n += len(e.Data) }
func (s *sink) line(l []byte, overflow bool) { s.n += len(l) }

// TestHotPathsDoNotAllocate is not parallel: testing.AllocsPerRun refuses
// to run in a parallel test.
func TestHotPathsDoNotAllocate(t *testing.T) {
	in := mudInput()
	out := mudOutput()
	var d Decoder
	var lb LineBuffer
	s := &sink{}
	dst := make([]byte, 0, 2*len(out))
	d.Decode(in, s.event) // warm up the buffers
	got := testing.AllocsPerRun(100, func() {
		d.Decode(in, s.event) // a method value must not escape
		lb.Write(in, s.line)
		dst = AppendEscaped(dst[:0], out)
	})
	if got != 0 {
		t.Errorf("%v allocations per run, want 0", got)
	}
}

func BenchmarkDecode(b *testing.B) {
	in := mudInput()
	var d Decoder
	n := 0
	emit := func(e Event) { n += len(e.Data) }
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		d.Decode(in, emit)
	}
}
