package portal

import (
	"slices"

	"github.com/portalsim/portalsim/internal/link"
)

// Fan-out: one DATAOUT for many sessions (a room's say, a login
// announcement, a channel) is dispatched to each session in turn, in the
// order the server named them, as single DATAOUTs are; but a protocol
// that can (telnet) renders and encodes each command once per distinct
// way of seeing it (the session's colour depth, screen reader and MXP
// flags when the text has markup; the prompt's end) and queues the same
// bytes for every session that sees it so. The outboxes keep the bytes
// and never change them, so one slice serves them all. A room of 1,000
// plain-text telnet players costs one encoding, not 1,000.

// sharedOutput is a [Protocol] that can send output encoded once for a
// fan-out. It is called from the link reader only, never concurrently.
type sharedOutput interface {
	// outputShared sends command c (index i of the DATAOUT, name its
	// lower-case name), taking its encoding from enc or adding it there;
	// false if it does not handle c, which then goes the usual way.
	outputShared(name string, c link.Command, i int, enc *fanoutEncodings) bool
}

// fanoutKey names one encoding of one command of a fan-out.
type fanoutKey struct {
	cmd    int // the command's index in the DATAOUT
	render terminalRendering
	prompt promptEnd // 0: text with a line end
	limit  int       // the outbox bound the encoding was fitted to
}

// fanoutEncoding is one encoding of a fan-out: its bytes, and whether
// it was cut to fit (counted for each session it goes to).
type fanoutEncoding struct {
	key  fanoutKey
	b    []byte
	cut  bool
	sent int
}

// fanoutEncodings are the encodings of one fan-out; a handful at most
// (one per command for plain text), so a slice searched in order.
type fanoutEncodings struct {
	list []fanoutEncoding
}

// get returns the encoding for k, making it with encode the first time.
func (e *fanoutEncodings) get(k fanoutKey, encode func() ([]byte, bool)) ([]byte, bool) {
	for i := range e.list {
		if e.list[i].key == k {
			e.list[i].sent++
			return e.list[i].b, e.list[i].cut
		}
	}
	b, cut := encode()
	e.list = append(e.list, fanoutEncoding{key: k, b: b, cut: cut, sent: 1})
	return b, cut
}

// dataOutMany relays output from the server to several sessions (a
// DATAOUT with Sessids), in the order of ids: each command is encoded
// once per distinct rendering where the protocol allows (see
// [sharedOutput]). Output for an unknown sessid is counted and dropped.
func (h *Handler) dataOutMany(ids []uint64, cmds []link.Command) {
	sessions := make([]*Session, 0, len(ids))
	h.mu.RLock()
	for _, id := range ids {
		if s := h.sessions[id]; s != nil {
			sessions = append(sessions, s)
		}
	}
	h.mu.RUnlock()
	if n := len(ids) - len(sessions); n > 0 {
		h.stats.outputUnknown.Add(uint64(n))
	}
	var enc fanoutEncodings
	for _, s := range sessions {
		h.dispatchShared(s, cmds, &enc)
	}
}

var _ sharedOutput = (*telnetConn)(nil)

// outputShared implements [sharedOutput] for text and prompts, as
// sendText and sendPrompt send them.
func (c *telnetConn) outputShared(name string, cmd link.Command, i int, enc *fanoutEncodings) bool {
	k := fanoutKey{cmd: i, limit: c.out.limit}
	encode := encodeTelnetText
	switch name {
	case "text":
	case "prompt":
		encode, k.prompt = c.promptEncoder()
	default:
		return false
	}
	text := argString(cmd.Args)
	k.render = c.sess.terminalRendering(text)
	b, cut := enc.get(k, func() ([]byte, bool) {
		return fitEncoded(k.limit, k.render.render(text, k.prompt != 0), encode)
	})
	if cut {
		c.p.h.countOutputCut()
	}
	c.queue(b)
	return true
}

// encodings returns how many sessions each encoding went to, for tests.
func (e *fanoutEncodings) encodings() []int {
	return slices.Collect(func(yield func(int) bool) {
		for _, x := range e.list {
			if !yield(x.sent) {
				return
			}
		}
	})
}
