package portal

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/telnet"
)

// pipeClient is a telnet client on a net.Pipe (for synctest bubbles):
// it reads through an MCCP2Reader, records what it gets and answers
// offers with answer (nil: answers nothing).
type pipeClient struct {
	nc     net.Conn
	answer func(c *pipeClient, e telnet.Event) []byte

	mu      sync.Mutex
	text    bytes.Buffer
	subnegs []telnet.Event
	err     error
	ttype   []string // TTYPE replies still to give
}

// startPipeTelnet serves one telnet connection over a pipe on a portal
// that is not started (no sockets), and returns its client.
func startPipeTelnet(t *testing.T, cfg Config, answer func(*pipeClient, telnet.Event) []byte) (*Portal, *pipeClient) {
	t.Helper()
	if cfg.MaxConnectionRate == 0 {
		cfg.MaxConnectionRate = -1
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	server, client := net.Pipe()
	c := &pipeClient{nc: client, answer: answer}
	go c.read()
	p.serveTelnet(server)
	t.Cleanup(func() {
		p.Close()
		client.Close()
	})
	return p, c
}

func (c *pipeClient) read() {
	r := telnet.NewMCCP2Reader(c.nc)
	var dec telnet.Decoder
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		var reply []byte
		c.mu.Lock()
		dec.Decode(buf[:n], func(e telnet.Event) {
			switch e.Kind {
			case telnet.EventData:
				c.text.Write(e.Data)
				return
			case telnet.EventSubneg:
				e.Data = bytes.Clone(e.Data)
				c.subnegs = append(c.subnegs, e)
			}
			if c.answer != nil {
				reply = append(reply, c.answer(c, e)...)
			}
		})
		if err != nil {
			c.err = err
		}
		c.mu.Unlock()
		if len(reply) > 0 {
			if _, werr := c.nc.Write(reply); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (c *pipeClient) write(t *testing.T, b []byte) {
	t.Helper()
	if _, err := c.nc.Write(b); err != nil {
		t.Fatal(err)
	}
}

func (c *pipeClient) got() (text string, subnegs []telnet.Event, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.text.String(), append([]telnet.Event(nil), c.subnegs...), c.err
}

// fullClientNamed is fullClient giving the TTYPE replies names, set
// before the client can answer anything (c.mu is held when answer runs).
func fullClientNamed(names ...string) func(*pipeClient, telnet.Event) []byte {
	var once sync.Once
	return func(c *pipeClient, e telnet.Event) []byte {
		once.Do(func() { c.ttype = append([]string(nil), names...) })
		return fullClient(c, e)
	}
}

// fullClient accepts every offer, sends a window size and gives the
// TTYPE replies in c.ttype: a modern MUD client.
func fullClient(c *pipeClient, e telnet.Event) []byte {
	neg := func(v byte, o telnet.Option) []byte { return telnet.AppendNegotiation(nil, telnet.Verb(v), o) }
	switch e.Kind {
	case telnet.EventNegotiation:
		switch {
		case e.Verb == telnet.WILL:
			return neg(telnet.DO, e.Opt)
		case e.Verb == telnet.DO && e.Opt == telnet.OptNAWS:
			return telnet.AppendNAWS(neg(telnet.WILL, e.Opt), 100, 40)
		case e.Verb == telnet.DO && e.Opt == telnet.OptLinemode:
			return neg(telnet.WONT, e.Opt)
		case e.Verb == telnet.DO:
			return neg(telnet.WILL, e.Opt)
		}
	case telnet.EventSubneg:
		if e.Opt == telnet.OptTTYPE && telnet.IsTTYPESend(e.Data) {
			if len(c.ttype) == 0 {
				c.ttype = []string{"TESTCLIENT"}
			}
			name := c.ttype[0]
			if len(c.ttype) > 1 {
				c.ttype = c.ttype[1:]
			}
			return telnet.AppendTTYPEIs(nil, name)
		}
	}
	return nil
}

func countOps(ms []link.Message, op link.Op) int {
	n := 0
	for _, m := range ms {
		if m.Op == op {
			n++
		}
	}
	return n
}

func firstOp(t *testing.T, ms []link.Message, op link.Op) link.Message {
	t.Helper()
	for _, m := range ms {
		if m.Op == op {
			return m
		}
	}
	t.Fatalf("no %v among %s", op, ops(ms))
	return link.Message{}
}

// Bug 5.14: the PCONN of a client that answers nothing waits for the
// handshake timeout (2 s by default), then goes with the flags as they
// stand; nothing goes before.
func TestTelnetHandshakeTimeoutHoldsPCONN(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p, _ := startPipeTelnet(t, Config{}, nil)
		time.Sleep(DefaultHandshakeTimeout - time.Nanosecond)
		synctest.Wait()
		if ms := sent(p.h); countOps(ms, link.OpPortalConnect) != 0 {
			t.Fatalf("PCONN before the handshake timeout: %s", ops(ms))
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		ms := sent(p.h)
		pconn := firstOp(t, ms, link.OpPortalConnect)
		if n := countOps(ms, link.OpPortalConnSync); n != 0 {
			t.Errorf("%d PCONNSYNCs, want none: the PCONN carries the flags", n)
		}
		f := pconn.Session.ProtocolFlags
		if f["TTYPE"] != false || f["SCREENWIDTH"] != 78 || f["SCREENHEIGHT"] != 45 || f["FORCEDENDLINE"] != true || f["NOPKEEPALIVE"] != true {
			t.Errorf("PCONN flags %v, want Evennia's defaults", f)
		}
		if got := p.h.Stats().HandshakeTimeouts; got != 1 {
			t.Errorf("HandshakeTimeouts = %d, want 1", got)
		}
	})
}

// With a negative HandshakeTimeout the PCONN goes at once (Evennia's
// order) and what was learned follows in one PCONNSYNC.
func TestTelnetNoHoldSyncsAfterHandshake(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p, _ := startPipeTelnet(t, Config{HandshakeTimeout: -1}, fullClientNamed("TINTIN++"))
		synctest.Wait()
		ms := sent(p.h)
		if ops(ms) == "" || ms[0].Op != link.OpPortalConnect {
			t.Fatalf("first message %s, want PCONN", ops(ms))
		}
		if n := countOps(ms, link.OpPortalConnSync); n != 1 {
			t.Fatalf("%d PCONNSYNCs (%s), want 1", n, ops(ms))
		}
		if f := firstOp(t, ms, link.OpPortalConnSync).Session.ProtocolFlags; f["TTYPE"] != true || f["CLIENTNAME"] != "TINTIN++" {
			t.Errorf("PCONNSYNC flags %v", f)
		}
	})
}

// A client answering everything is known in full at its PCONN, which
// goes as soon as the last answer came (no timeout). Turning MCCP2 off
// later sends no second sync (bug 5.16) and ends the compressed stream
// properly (bug 5.32): the client reads the text after it as plain.
func TestTelnetFullNegotiation(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p, c := startPipeTelnet(t, Config{}, fullClientNamed("Mudlet 4.17.2", "XTERM-256COLOR", "MTTS 2349"))
		synctest.Wait()
		ms := sent(p.h)
		if got := p.h.Stats().HandshakeTimeouts; got != 0 {
			t.Fatalf("HandshakeTimeouts = %d: the handshake did not end on the answers", got)
		}
		f := firstOp(t, ms, link.OpPortalConnect).Session.ProtocolFlags
		want := map[string]any{
			"SCREENWIDTH": 100, "SCREENHEIGHT": 40, "AUTORESIZE": true, "TTYPE": true,
			"CLIENTNAME": "MUDLET 4.17.2", "XTERM256": true, "TRUECOLOR": true, "UTF-8": true, "SSL": true,
			"ANSI": true, "MCCP": true, "OOB": true, "NOGOAHEAD": true, "TERM": "XTERM-256COLOR",
		}
		for k, v := range want {
			if f[k] != v {
				t.Errorf("PCONN flag %s = %v, want %v", k, f[k], v)
			}
		}
		_, subnegs, _ := c.got()
		var mssp bool
		for _, e := range subnegs {
			mssp = mssp || (e.Opt == telnet.OptMSSP && bytes.Contains(e.Data, []byte("\x01NAME\x02portalsim")))
		}
		if !mssp {
			t.Error("no MSSP table sent")
		}

		s := p.h.Sessions()[0]
		s.Msg("compressed line")
		c.write(t, telnet.AppendNegotiation(nil, telnet.Verb(telnet.DONT), telnet.OptMCCP2))
		synctest.Wait()
		s.Msg("plain line")
		synctest.Wait()
		text, _, err := c.got()
		if err != nil {
			t.Fatalf("client read error %v: the stream was not ended properly", err)
		}
		if !strings.Contains(text, "compressed line") || !strings.Contains(text, "plain line") {
			t.Fatalf("client got %q", text)
		}
		if n := countOps(sent(p.h), link.OpPortalConnSync); n != 0 {
			t.Fatalf("%d PCONNSYNCs after DONT MCCP2, want 0 (bug 5.16)", n)
		}
		if v, _ := s.Flag("MCCP"); v != false {
			t.Errorf("MCCP flag %v after DONT MCCP2", v)
		}
	})
}

// The NOP keepalive goes through the compressor like everything else.
func TestTelnetNOPCompressed(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p, c := startPipeTelnet(t, Config{}, fullClient)
		synctest.Wait()
		var conn *telnetConn
		p.mu.Lock()
		for tc := range p.conns {
			conn = tc.(*telnetConn)
		}
		p.mu.Unlock()
		conn.nop()
		p.h.Sessions()[0].Msg("after the nop")
		synctest.Wait()
		if text, _, err := c.got(); err != nil || !strings.Contains(text, "after the nop") {
			t.Fatalf("client got %q, %v", text, err)
		}
	})
}

// GMCP and MSDP from the client become commands for the server; output
// commands without a handler go out over both, framed and IAC-escaped,
// a newline in them left alone (bug 5.31). Bad OOB input is counted.
func TestTelnetOOB(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p, c := startPipeTelnet(t, Config{}, fullClient)
		synctest.Wait()
		var in []byte
		in = telnet.AppendSubneg(in, telnet.OptGMCP, []byte(`Core.Hello {"client":"test","version":"1"}`))
		in = telnet.AppendSubneg(in, telnet.OptMSDP, []byte("\x01REPORT\x02ROOM_NAME"))
		in = telnet.AppendSubneg(in, telnet.OptMSDP, []byte("\x01x\x02\x03unclosed"))
		c.write(t, in)
		synctest.Wait()
		var cmds []link.Command
		for _, m := range sent(p.h) {
			if m.Op == link.OpDataIn {
				cmds = append(cmds, m.Data...)
			}
		}
		if len(cmds) != 2 || cmds[0].Name != "hello" || cmds[0].Kwargs["client"] != "test" ||
			cmds[1].Name != "msdp_report" || len(cmds[1].Args) != 1 || cmds[1].Args[0] != "ROOM_NAME" {
			t.Fatalf("commands to the server %+v; %s; %+v", cmds, ops(sent(p.h)), p.h.Stats())
		}
		if got := p.h.Stats().ProtocolErrors; got != 1 {
			t.Errorf("ProtocolErrors = %d, want 1 (the unclosed MSDP table)", got)
		}

		s := p.h.Sessions()[0]
		p.h.DataOut(s.Sessid(), []link.Command{{Name: "get_value", Args: []any{"a\nb\xffc"}}, {Name: "options", Args: []any{"x"}}})
		synctest.Wait()
		_, subnegs, err := c.got()
		if err != nil {
			t.Fatal(err)
		}
		var gmcp, msdp []byte
		for _, e := range subnegs {
			switch e.Opt {
			case telnet.OptGMCP:
				gmcp = e.Data
			case telnet.OptMSDP:
				msdp = e.Data
			}
		}
		if want := `Char.Value.Get "a\nb\ufffdc"`; string(gmcp) != want {
			t.Errorf("GMCP %q, want %q", gmcp, want)
		}
		if want := "\x01get_value\x02a\nb\xffc"; string(msdp) != want {
			t.Errorf("MSDP %q, want %q (newline as is, 0xFF escaped on the wire)", msdp, want)
		}
	})
}

// A client that refuses OOB gets none: the command is not sent.
func TestTelnetOOBNotNegotiated(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p, c := startPipeTelnet(t, Config{HandshakeTimeout: time.Second}, nil)
		time.Sleep(time.Second)
		synctest.Wait()
		s := p.h.Sessions()[0]
		p.h.DataOut(s.Sessid(), []link.Command{{Name: "get_value", Args: []any{"x"}}})
		s.Msg("marker")
		synctest.Wait()
		text, subnegs, _ := c.got()
		if !strings.Contains(text, "marker") {
			t.Fatalf("client got %q", text)
		}
		for _, e := range subnegs {
			if e.Opt == telnet.OptGMCP || e.Opt == telnet.OptMSDP {
				t.Fatalf("OOB sent without negotiation: %v", e)
			}
		}
		c.write(t, telnet.AppendSubneg(nil, telnet.OptGMCP, []byte("Core.Hello")))
		synctest.Wait()
		if got := p.h.Stats().ProtocolErrors; got != 1 {
			t.Errorf("ProtocolErrors = %d, want 1 (GMCP not negotiated)", got)
		}
	})
}
