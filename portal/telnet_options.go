package portal

import (
	"maps"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/telnet"
)

// The telnet options the portal offers when a client connects, in
// Evennia's order (telnet.py connectionMade). LINEMODE comes first and
// its refusal is ignored; EOR (ours, for prompts) comes last. Each of the
// others is counted once by the handshake when the client answers it.
var (
	offerLocal  = []telnet.Option{telnet.OptSGA}
	offerRemote = []telnet.Option{telnet.OptNAWS, telnet.OptTTYPE}
	offerOOB    = []telnet.Option{telnet.OptMCCP2, telnet.OptMSSP, telnet.OptMSDP, telnet.OptGMCP}
)

// DefaultHandshakeTimeout: see Config.HandshakeTimeout.
const DefaultHandshakeTimeout = 2 * time.Second

// handshake counts the options a telnet client has still to answer.
// Each offered option counts once, whatever the client says later (an
// extra DONT MCCP2 does not end the handshake twice, bug 5.16); TTYPE
// counts when its rounds end. The handshake ends when every option was
// answered, or at Config.HandshakeTimeout.
type handshake struct {
	// mu guards the fields below.
	mu      sync.Mutex
	pending optionSet // offered and not yet answered
	left    int       // options in pending
	done    bool
	timer   *time.Timer
}

// optionSet is a set of telnet options, one bit each: a connection's
// handshake keeps one without allocating.
type optionSet [4]uint64

func (s *optionSet) add(o telnet.Option)     { s[o/64] |= 1 << (o % 64) }
func (s *optionSet) remove(o telnet.Option)  { s[o/64] &^= 1 << (o % 64) }
func (s optionSet) has(o telnet.Option) bool { return s[o/64]&(1<<(o%64)) != 0 }

// answered records the client's first answer about o; it reports
// whether that ended the handshake.
func (hs *handshake) answered(o telnet.Option) bool {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.done || !hs.pending.has(o) {
		return false
	}
	hs.pending.remove(o)
	hs.left--
	return hs.finishLocked(hs.left == 0)
}

// over reports whether the handshake has ended.
func (hs *handshake) over() bool {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.done
}

// expire ends the handshake; it reports whether it was still running.
func (hs *handshake) expire() bool {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.finishLocked(true)
}

// stop ends the handshake without a word: the connection is gone.
func (hs *handshake) stop() { hs.expire() }

// finishLocked ends the handshake if end; it reports whether this call
// did. hs.mu must be held.
func (hs *handshake) finishLocked(end bool) bool {
	if !end || hs.done {
		return false
	}
	hs.done = true
	if hs.timer != nil {
		hs.timer.Stop()
	}
	return true
}

// telnetFlags are the protocol flags a telnet session starts with,
// before any answer (Evennia's option handlers set them on creation);
// telnetFlagsMXP with MXP on the portal. Shared by every session: read only.
var (
	telnetFlags = map[string]any{
		"NOPKEEPALIVE":    true,
		"NOGOAHEAD":       true,
		"NOPROMPTGOAHEAD": true,
		"SCREENWIDTH":     78,
		"SCREENHEIGHT":    45,
		"AUTORESIZE":      false,
		"FORCEDENDLINE":   true,
		"TTYPE":           false,
		"ANSI":            true,
		"MCCP":            false,
		"OOB":             false,
	}
	telnetFlagsMXP = func() map[string]any {
		f := maps.Clone(telnetFlags)
		f["MXP"] = false
		return f
	}()
)

// initialFlags are the protocol flags c's session starts with (read only).
func (c *telnetConn) initialFlags() map[string]any {
	if c.p.cfg.MXP {
		return telnetFlagsMXP
	}
	return telnetFlags
}

// telnetOffer is what a new telnet connection offers and how its
// negotiator and handshake stand after offering it: the same for every
// connection of a portal, so made once (see Portal.telnetOffer) and
// copied, instead of built option by option at every accept.
type telnetOffer struct {
	bytes   []byte // read only: every connection's outbox holds it
	neg     telnet.Negotiator
	pending optionSet
	left    int
}

// newTelnetOffer builds the offer: LINEMODE first (its refusal is
// ignored), then SGA, NAWS and TTYPE, the out-of-band options (and MXP
// with mxp), EOR last.
func newTelnetOffer(mxp bool) *telnetOffer {
	t := &telnetOffer{}
	local := append(append([]telnet.Option{}, offerLocal...), offerOOB...)
	if mxp {
		local = append(local, telnet.OptMXP)
	}
	pend := func(o telnet.Option) {
		if !t.pending.has(o) {
			t.pending.add(o)
			t.left++
		}
	}
	t.neg.SupportRemote(telnet.OptLinemode)
	offer := t.neg.EnableRemote(telnet.OptLinemode)
	for _, o := range offerLocal {
		t.neg.SupportLocal(o)
		offer = append(offer, t.neg.EnableLocal(o)...)
		pend(o)
	}
	for _, o := range offerRemote {
		t.neg.SupportRemote(o)
		offer = append(offer, t.neg.EnableRemote(o)...)
		pend(o)
	}
	for _, o := range local[len(offerLocal):] {
		t.neg.SupportLocal(o)
		offer = append(offer, t.neg.EnableLocal(o)...)
		pend(o)
	}
	t.neg.SupportLocal(telnet.OptEOR)
	t.bytes = slices.Clip(append(offer, t.neg.EnableLocal(telnet.OptEOR)...))
	return t
}

// startNegotiation sets what c agrees to and returns the offers to send
// first (shared, read only). The handshake timer starts in startHandshakeTimer.
func (c *telnetConn) startNegotiation() []byte {
	t := c.p.telnetOffer()
	c.negMu.Lock()
	c.neg = t.neg
	c.negMu.Unlock()
	c.hs.mu.Lock()
	c.hs.pending, c.hs.left = t.pending, t.left
	c.hs.mu.Unlock()
	return t.bytes
}

// startHandshakeTimer ends the handshake at Config.HandshakeTimeout if
// the client has not answered everything by then.
func (c *telnetConn) startHandshakeTimer() {
	c.hs.mu.Lock()
	defer c.hs.mu.Unlock()
	if c.hs.done {
		return
	}
	d := c.p.cfg.HandshakeTimeout
	if d < 0 {
		d = DefaultHandshakeTimeout // no hold, but one PCONNSYNC at the end, as in Evennia
	}
	c.hs.timer = time.AfterFunc(d, func() {
		if c.hs.expire() {
			c.p.h.stats.handshakeTimeouts.Add(1)
			c.handshakeDone()
		}
	})
}

// handshakeDone tells the handler, once: the held PCONN goes, or a
// PCONNSYNC with what was learned.
func (c *telnetConn) handshakeDone() { c.p.h.HandshakeDone(c.sess) }

// inputCame ends the handshake at the client's first line of input or
// the end of its input: a client answers offers on receipt, so one that
// types (or hangs up) with offers unanswered ignores them, and waiting
// for the timeout would only delay its PCONN.
func (c *telnetConn) inputCame() {
	if c.hs.expire() {
		c.handshakeDone()
	}
}

// answered counts the client's first answer about o.
func (c *telnetConn) answered(o telnet.Option) {
	if c.hs.answered(o) {
		c.handshakeDone()
	}
}

// optionChanged applies one negotiation result. Only options we offered
// reach here enabled; refusals of our offers come as ch.Refused.
// maxNegotiations bounds the negotiation commands (DO, DONT, WILL, WONT)
// one connection may send. A client negotiates a few dozen at most; one
// that turns options on and off without end would make the portal build
// MSSP tables, restart compressors and queue replies without end.
const maxNegotiations = 256

// negotiationStorm ignores a negotiation past maxNegotiations: counted
// as a protocol error, logged once per connection.
func (c *telnetConn) negotiationStorm() {
	c.p.h.countProtocolErr()
	if c.negotiations == maxNegotiations {
		c.negotiations++ // log once
		c.p.log.Warn("telnet.negotiation.storm", "sessid", c.sess.sessid, "limit", maxNegotiations)
	}
}

func (c *telnetConn) optionChanged(ch telnet.Change) {
	if ch.Side == telnet.Local {
		c.localChanged(ch)
	} else {
		c.remoteChanged(ch)
	}
}

func (c *telnetConn) localChanged(ch telnet.Change) {
	switch ch.Opt {
	case telnet.OptEOR:
		c.eor.Store(ch.Enabled)
	case telnet.OptSGA:
		// Accepted: no go-ahead anywhere; refused: a GA after prompts.
		c.noPromptGA.Store(ch.Enabled)
		c.sess.SetFlags(map[string]any{"NOGOAHEAD": ch.Enabled})
	case telnet.OptMCCP2:
		if ch.Enabled {
			c.out.startCompress(telnet.AppendMCCP2Start(nil))
		} else if ch.Changed {
			c.out.stopCompress() // the client turned it off: end the stream properly (bug 5.32)
		}
		c.sess.SetFlags(map[string]any{"MCCP": ch.Enabled})
	case telnet.OptMSSP:
		if ch.Enabled {
			c.queue(telnet.AppendMSSP(nil, c.msspTable()))
		}
	case telnet.OptMSDP:
		c.msdp.Store(ch.Enabled)
		c.sess.SetFlags(map[string]any{"OOB": c.msdp.Load() || c.gmcp.Load()})
	case telnet.OptGMCP:
		c.gmcp.Store(ch.Enabled)
		c.sess.SetFlags(map[string]any{"OOB": c.msdp.Load() || c.gmcp.Load()})
	case telnet.OptMXP:
		// MXP starts in its default (open) mode, as in Evennia: the text
		// is escaped for it (markup.MXP), and a mode that did not decode
		// entities (locked) would show them.
		if ch.Enabled {
			c.queue(telnet.AppendMXPStart(nil))
		}
		c.sess.SetFlags(map[string]any{"MXP": ch.Enabled})
	}
	c.answered(ch.Opt)
}

func (c *telnetConn) remoteChanged(ch telnet.Change) {
	switch ch.Opt {
	case telnet.OptLinemode:
		if ch.Enabled {
			c.queue(telnet.AppendLinemodeMode(nil, telnet.LinemodeEdit|telnet.LinemodeTrapSig))
		}
		return // not counted: a refusal is ignored
	case telnet.OptNAWS:
		c.sess.SetFlags(map[string]any{"AUTORESIZE": ch.Enabled})
	case telnet.OptTTYPE:
		if ch.Enabled {
			c.queue(telnet.AppendTTYPESend(nil))
			return // counted when the rounds end
		}
		c.sess.SetFlags(map[string]any{"TTYPE": false})
	}
	c.answered(ch.Opt)
}

// onTTYPE handles one TTYPE IS reply: the next SEND, or, at the end of
// the rounds, the flags learned.
func (c *telnetConn) onTTYPE(name string) {
	if c.ttype.Done() {
		return // later replies change nothing
	}
	if c.ttype.Reply(name) {
		c.queue(telnet.AppendTTYPESend(nil))
		return
	}
	flags := c.ttype.Flags()
	flags["TTYPE"] = true
	if c.ttype.IsMudlet() && !c.noPromptGA.Load() {
		// Mudlet without SGA wants a GA after prompts only.
		flags["NOGOAHEAD"] = true
		flags["NOPROMPTGOAHEAD"] = false
	}
	c.sess.SetFlags(flags)
	c.answered(telnet.OptTTYPE)
}

// onOOB turns a GMCP or MSDP subnegotiation into commands for the server.
// A payload that is no command is counted and dropped.
func (c *telnetConn) onOOB(opt telnet.Option, payload []byte) {
	var cmds []telnet.OOBCommand
	if opt == telnet.OptGMCP {
		cmd, ok := telnet.DecodeGMCP(payload)
		if !ok {
			c.badOOB(opt, nil)
			return
		}
		cmds = []telnet.OOBCommand{cmd}
	} else {
		var err error
		if cmds, err = telnet.DecodeMSDP(payload); err != nil {
			c.badOOB(opt, err)
			return
		}
	}
	out := make([]link.Command, 0, len(cmds))
	for _, cmd := range cmds {
		out = append(out, link.Command{Name: cmd.Name, Args: cmd.Args, Kwargs: cmd.Kwargs})
	}
	c.sess.DataIn(out...)
}

func (c *telnetConn) badOOB(opt telnet.Option, err error) {
	c.p.h.countProtocolErr()
	c.p.log.Debug("telnet.oob.malformed", "sessid", c.sess.sessid, "option", opt.String(), "err", err)
}

// SendDefault implements [Protocol]: an output command without a handler
// of its own goes out of band, over MSDP and over GMCP, whichever the
// client accepted, properly framed and IAC-escaped (unlike Evennia, bug
// 5.31). "options" is never sent; nor is anything to a client without OOB.
func (c *telnetConn) SendDefault(cmd link.Command) {
	if cmd.Name == "options" {
		return
	}
	kwargs := cmd.Kwargs
	if _, ok := kwargs["options"]; ok {
		kwargs = make(map[string]any, len(cmd.Kwargs))
		for k, v := range cmd.Kwargs {
			if k != "options" {
				kwargs[k] = v
			}
		}
	}
	var b []byte
	if c.msdp.Load() {
		b = telnet.AppendSubneg(b, telnet.OptMSDP, telnet.AppendMSDP(nil, cmd.Name, cmd.Args, kwargs))
	}
	if c.gmcp.Load() {
		payload, err := telnet.EncodeGMCP(cmd.Name, cmd.Args, kwargs)
		if err != nil {
			c.p.log.Debug("telnet.gmcp.encode", "sessid", c.sess.sessid, "cmd", cmd.Name, "err", err)
		} else {
			b = telnet.AppendSubneg(b, telnet.OptGMCP, payload)
		}
	}
	if len(b) > 0 {
		c.queue(b)
	}
}

// msspTable is what the portal tells MSSP crawlers (Evennia's mssp.py:
// NAME, PLAYERS, UPTIME, PORT, and what the codebase supports).
func (c *telnetConn) msspTable() []telnet.MSSPVariable {
	v := func(name string, vals ...string) telnet.MSSPVariable {
		return telnet.MSSPVariable{Name: name, Values: vals}
	}
	port := ""
	if a := c.p.TelnetAddr(); a != nil {
		_, port, _ = net.SplitHostPort(a.String())
	}
	mxp := "0"
	if c.p.cfg.MXP {
		mxp = "1"
	}
	ssl := "0" // the MSSP standard: the TLS port, or 0 for none
	if a := c.p.DoorAddr(DoorTelnetTLS); a != nil {
		_, ssl, _ = net.SplitHostPort(a.String())
	}
	return []telnet.MSSPVariable{
		v("NAME", c.p.cfg.ServerName),
		v("PLAYERS", strconv.Itoa(c.p.h.CountLoggedIn(false))),
		v("UPTIME", strconv.FormatInt(c.p.h.started.Unix(), 10)),
		v("PORT", port),
		v("CRAWL DELAY", "-1"),
		v("CODEBASE", "portalsim"),
		v("FAMILY", "Custom"),
		v("ANSI", "1"), v("GMCP", "1"), v("MSDP", "1"), v("MCCP", "1"), v("MXP", mxp),
		v("UTF-8", "1"), v("VT100", "1"), v("XTERM 256 COLORS", "1"),
		v("ATCP", "0"), v("MCP", "0"), v("MSP", "0"), v("PUEBLO", "0"), v("SSL", ssl), v("ZMP", "0"),
	}
}
