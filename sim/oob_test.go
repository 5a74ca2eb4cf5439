package sim_test

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/telnet"
	"github.com/portalsim/portalsim/internal/testutil"
)

// oobClient is a telnet client that accepts GMCP and MSDP and records
// the text and the OOB subnegotiations it gets.
type oobClient struct {
	nc      net.Conn
	mu      sync.Mutex
	text    bytes.Buffer
	subnegs []telnet.Event
}

func dialOOB(t *testing.T, addr string) *oobClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &oobClient{nc: nc}
	go func() {
		var dec telnet.Decoder
		buf := make([]byte, 4096)
		for {
			n, err := nc.Read(buf)
			var reply []byte
			c.mu.Lock()
			dec.Decode(buf[:n], func(e telnet.Event) {
				switch e.Kind {
				case telnet.EventData:
					c.text.Write(e.Data)
				case telnet.EventSubneg:
					e.Data = bytes.Clone(e.Data)
					c.subnegs = append(c.subnegs, e)
				case telnet.EventNegotiation:
					switch {
					case e.Verb == telnet.WILL && (e.Opt == telnet.OptGMCP || e.Opt == telnet.OptMSDP):
						reply = telnet.AppendNegotiation(reply, telnet.Verb(telnet.DO), e.Opt)
					case e.Verb == telnet.WILL:
						reply = telnet.AppendNegotiation(reply, telnet.Verb(telnet.DONT), e.Opt)
					case e.Verb == telnet.DO:
						reply = telnet.AppendNegotiation(reply, telnet.Verb(telnet.WONT), e.Opt)
					}
				}
			})
			c.mu.Unlock()
			if len(reply) > 0 {
				_, _ = nc.Write(reply)
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

func (c *oobClient) await(t *testing.T, what string, ok func(text string, subnegs []telnet.Event) bool) {
	t.Helper()
	err := testutil.Await(wait, 5*time.Millisecond, func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		if ok(c.text.String(), c.subnegs) {
			return nil
		}
		return errWaitingOOB
	})
	if err != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		t.Fatalf("waiting for %s: %v; text %q, subnegotiations %v", what, err, c.text.String(), c.subnegs)
	}
}

var errWaitingOOB = errorString("waiting")

type errorString string

func (e errorString) Error() string { return string(e) }

func hasSubneg(subnegs []telnet.Event, opt telnet.Option, payload string) bool {
	for _, e := range subnegs {
		if e.Opt == opt && string(e.Data) == payload {
			return true
		}
	}
	return false
}

// A client speaking GMCP and MSDP asks the game for its character's name
// and room, end to end through the portal; greetings the server has no
// answer to (Core.Hello) are ignored without an error to the player.
func TestOOBValuesEndToEnd(t *testing.T) {
	t.Parallel()
	st := startStack(t, testutil.StackConfig{})
	c := dialOOB(t, st.TelnetAddr())
	c.await(t, "the login screen", func(text string, _ []telnet.Event) bool { return strings.Contains(text, "connect <username>") })
	if _, err := c.nc.Write([]byte("create oobie secret1\r\nconnect oobie secret1\r\n")); err != nil {
		t.Fatal(err)
	}
	c.await(t, "the login", func(text string, _ []telnet.Event) bool { return strings.Contains(text, "Limbo") })
	var in []byte
	in = telnet.AppendSubneg(in, telnet.OptGMCP, []byte(`Core.Hello {"client":"oobtest","version":"1"}`))
	in = telnet.AppendSubneg(in, telnet.OptGMCP, []byte(`Char.Value.Get {"name":"location"}`))
	in = telnet.AppendSubneg(in, telnet.OptMSDP, []byte("\x01SEND\x02CHARACTER_NAME\x02ROOM_NAME"))
	in = append(in, "look\r\n"...)
	if _, err := c.nc.Write(in); err != nil {
		t.Fatal(err)
	}
	c.await(t, "the answers", func(_ string, s []telnet.Event) bool {
		return hasSubneg(s, telnet.OptGMCP, `Char.Value.Get {"name":"location","value":"Limbo"}`) &&
			hasSubneg(s, telnet.OptMSDP, "\x01ROOM_NAME\x02Limbo") &&
			hasSubneg(s, telnet.OptMSDP, "\x01CHARACTER_NAME\x02oobie")
	})
	c.await(t, "the look after them", func(text string, _ []telnet.Event) bool { return strings.Count(text, "Limbo") >= 2 })
	c.mu.Lock()
	text := c.text.String()
	c.mu.Unlock()
	if strings.Contains(text, "not recognized") {
		t.Fatalf("the player was told of an OOB command: %q", text)
	}
	if got := st.Server().Stats().OOBIgnored; got < 1 {
		t.Fatalf("OOBIgnored = %d, want the Core.Hello counted", got)
	}

	// One message naming a variable 500 times is answered once: no
	// amplification from one small message to many answers.
	flood := []byte("\x01SEND")
	for range 500 {
		flood = append(flood, "\x02CHARACTER_NAME"...)
	}
	if _, err := c.nc.Write(append(telnet.AppendSubneg(nil, telnet.OptMSDP, flood), "say flood-done\r\n"...)); err != nil {
		t.Fatal(err)
	}
	c.await(t, "the say after the flood", func(text string, _ []telnet.Event) bool { return strings.Contains(text, "flood-done") })
	c.mu.Lock()
	answers := 0
	for _, e := range c.subnegs {
		if e.Opt == telnet.OptMSDP && strings.Contains(string(e.Data), "\x01CHARACTER_NAME\x02") {
			answers++
		}
	}
	c.mu.Unlock()
	if answers != 2 {
		t.Errorf("%d CHARACTER_NAME answers, want 2 (one per SEND, however often it names it)", answers)
	}
}
