package telnet

import (
	"strconv"
	"strings"
)

// MTTS bitmask values (the Mud Terminal Type Standard), sent in the third
// TTYPE reply as "MTTS <n>", each with the protocol flag Evennia sets
// when the bit is on.
var mttsBits = [...]struct {
	bit  uint64
	flag string
}{
	{1, "ANSI"},
	{2, "VT100"},
	{4, "UTF-8"},
	{8, "XTERM256"},
	{16, "MOUSE_TRACKING"},
	{32, "OSC_COLOR_PALETTE"},
	{64, "SCREENREADER"},
	{128, "PROXY"},
	{256, "TRUECOLOR"},
	{512, "MNES"},
	{1024, "MSLP"},
	{2048, "SSL"},
}

// xterm256Clients are client names (upper case) known to show 256
// colours, as Evennia lists them.
var xterm256Clients = map[string]bool{
	"ATLANTIS": true, "CMUD": true, "KILDCLIENT": true, "MUDLET": true,
	"MUSHCLIENT": true, "PUTTY": true, "BEIP": true, "POTATO": true, "TINYFUGUE": true,
}

// TTYPERounds reads the three TTYPE IS replies of the MTTS handshake
// (client name, terminal type, "MTTS <bitmask>") and turns them into
// Evennia's protocol flags. Feed each reply to [TTYPERounds.Reply]; send
// another SEND while it says so. The rounds end after the third reply,
// or earlier when the client repeats its previous answer, which by RFC
// 1091 marks the end of its list (a client without MTTS). The zero value
// is ready to use; it is not safe for concurrent use.
type TTYPERounds struct {
	round int
	last  string
	done  bool
	flags map[string]any
}

// ttypeRounds is the number of replies the MTTS handshake reads.
const ttypeRounds = 3

// Reply consumes one TTYPE IS reply (the name as [ParseTTYPEIs] returns
// it) and reports whether to send IAC SB TTYPE SEND IAC SE again. A
// reply after the rounds ended is ignored. Names are read as text with
// [DecodeText], so bytes that are not UTF-8 never fail.
func (r *TTYPERounds) Reply(name string) (again bool) {
	if r.done {
		return false
	}
	if r.flags == nil {
		r.flags = make(map[string]any)
	}
	text, _ := DecodeText([]byte(name))
	r.round++
	if r.round > 1 && text == r.last {
		r.done = true // the same answer again: the end of the client's list
		return false
	}
	r.last = text
	switch r.round {
	case 1:
		r.clientName(text)
	case 2:
		r.term(text)
	default:
		r.mtts(text)
	}
	if r.round >= ttypeRounds {
		r.done = true
	}
	return !r.done
}

// Done reports whether the rounds have ended.
func (r *TTYPERounds) Done() bool { return r.done }

// Flags returns the protocol flags learned so far (CLIENTNAME, ANSI,
// XTERM256, TRUECOLOR, TERM, the MTTS capabilities), without TTYPE
// itself, which the caller sets once the rounds are [TTYPERounds.Done].
// The map is the caller's.
func (r *TTYPERounds) Flags() map[string]any {
	out := make(map[string]any, len(r.flags))
	for k, v := range r.flags {
		out[k] = v
	}
	return out
}

// ClientName returns the upper-cased client name of the first reply, or "".
func (r *TTYPERounds) ClientName() string {
	s, _ := r.flags["CLIENTNAME"].(string)
	return s
}

// IsMudlet reports whether the client named itself Mudlet, which wants
// a go-ahead after prompts (Evennia sets NOGOAHEAD and clears
// NOPROMPTGOAHEAD for it when the client refused SGA).
func (r *TTYPERounds) IsMudlet() bool { return strings.HasPrefix(r.ClientName(), "MUDLET") }

func (r *TTYPERounds) clientName(text string) {
	name := strings.ToUpper(text)
	xterm := strings.HasPrefix(name, "XTERM") || strings.HasSuffix(name, "-256COLOR") || xterm256Clients[name]
	if v, ok := strings.CutPrefix(name, "MUDLET"); ok && strings.TrimSpace(v) != "" {
		// Mudlet shows 256 colours since 1.1; versions compare by number
		// (Evennia compares the strings, so "1.09" would lose to "1.1").
		xterm = xterm || VersionAtLeast(strings.TrimSpace(v), 1, 1)
	}
	r.flags["CLIENTNAME"] = name
	r.flags["ANSI"] = true // every client that speaks TTYPE does ANSI
	r.flags["XTERM256"] = xterm
	r.flags["TRUECOLOR"] = strings.HasSuffix(name, "-TRUECOLOR") || name == "AXMUD" || name == "TINTIN"
}

func (r *TTYPERounds) term(text string) {
	up := strings.ToUpper(text)
	if strings.HasSuffix(up, "-256COLOR") || (strings.HasSuffix(up, "XTERM") && !strings.HasSuffix(up, "-COLOR")) {
		r.flags["ANSI"] = true
		r.flags["XTERM256"] = true
	}
	r.flags["TERM"] = text
}

// mtts reads "MTTS <n>": each set bit sets its flag; clear bits change
// nothing. Anything else (Evennia would set a flag named after the text,
// letting a client set any flag it likes) is ignored.
func (r *TTYPERounds) mtts(text string) {
	rest, ok := strings.CutPrefix(text, "MTTS")
	if !ok {
		return
	}
	n, err := strconv.ParseUint(strings.TrimSpace(rest), 10, 64)
	if err != nil {
		return
	}
	for _, b := range mttsBits {
		if n&b.bit != 0 {
			r.flags[b.flag] = true
		}
	}
}

// VersionAtLeast reports whether the dotted version v ("4.17.2") is at
// least major.minor, comparing the numbers, not the strings. Each part is
// read up to its first non-digit ("1.1-dev" is 1.1); a v that starts
// with no number is not at least anything.
func VersionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	num := func(i int) (int, bool) {
		if i >= len(parts) {
			return 0, true
		}
		s := parts[i]
		end := 0
		for end < len(s) && end < 9 && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		if end == 0 {
			return 0, i > 0
		}
		n, _ := strconv.Atoi(s[:end])
		return n, true
	}
	ma, ok := num(0)
	if !ok {
		return false
	}
	mi, _ := num(1)
	if ma != major {
		return ma > major
	}
	return mi >= minor
}
