package portal_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// serverOps are what a game server may send, and a few it may not.
var serverOps = []link.Op{
	link.OpDataOut, link.OpServerLogin, link.OpServerDisconnect, link.OpServerDisconnectAll,
	link.OpServerSync, link.OpServerConnect, link.OpServerReload, link.OpServerReset,
	link.OpAck, link.OpError, link.OpPortalSync, link.OpPortalConnect, link.OpDataIn,
	link.OpServerShutdown, link.OpPortalShutdown,
}

// fuzzMessages turns data into messages from an authenticated game
// server, about two clients whose sessids are known: each message takes
// an op byte, a sessid byte and a text of up to 15 bytes.
func fuzzMessages(data []byte, sessids []uint64) []link.Message {
	var out []link.Message
	for len(data) >= 3 && len(out) < 40 {
		op := serverOps[int(data[0])%len(serverOps)]
		var sessid uint64
		switch k := int(data[1]) % 5; {
		case k < len(sessids):
			sessid = sessids[k]
		case k == 3:
			sessid = 1 << 40 // none the portal has
		}
		n := min(int(data[2]>>4), len(data)-3)
		text := string(data[3 : 3+n])
		flags := data[2] & 0x0f
		data = data[3+n:]
		m := link.Message{Op: op, Sessid: sessid, Data: []link.Command{link.Text(text)}, Reason: text, Mode: text, Seen: uint64(flags)}
		d := link.SessionData{Sessid: sessid, LoggedIn: flags&1 != 0, Uid: int64(flags), Uname: text, Address: text}
		switch op {
		case link.OpServerLogin:
			m.Session = &d
		case link.OpServerSync:
			m.Sessions, m.Clean = []link.SessionData{d}, flags&2 != 0
		case link.OpServerReload, link.OpServerReset:
			if flags&4 != 0 {
				m.Mode = link.ModeReload
			}
		}
		if flags&8 != 0 {
			m.Sessids = sessids
		}
		out = append(out, m)
	}
	return out
}

// FuzzServerMessages plays a fuzzed sequence of messages from an
// authenticated game server at a portal holding two players, then hangs
// both up and drops the link.
// The portal must not panic, must keep answering, and must leak no
// session: once the clients are gone, its session table empties.
func FuzzServerMessages(f *testing.F) {
	f.Add([]byte{0, 0, 0x20, 'h', 'i'})
	f.Add([]byte{1, 0, 0x11, 'x', 3, 1, 0x00, 2, 0, 0x00})
	f.Add([]byte{4, 0, 0x03, 4, 1, 0x0a, 7, 0, 0x04})
	f.Add([]byte{6, 0, 0x04, 0, 0, 0x10, 'z'})
	f.Add([]byte{5, 2, 0x00, 8, 3, 0x0f, 9, 0, 0x00, 13, 0, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := portal.New(portal.Config{TelnetAddr: "127.0.0.1:0", LinkAddr: "127.0.0.1:0", LinkSecret: testutil.LinkSecret,
			MaxConnectionRate: -1, Keepalive: -1, LinkTimeout: -1})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv, err := testutil.DialFakeServer(ctx, p.LinkAddr().String(), testutil.FakeServerConfig{Secret: testutil.LinkSecret, AutoAck: true})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		var clients []*testutil.TelnetClient
		for range 2 {
			c, err := testutil.DialTelnet(p.TelnetAddr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			clients = append(clients, c)
		}
		if err := srv.Await(ctx, func(ms []testutil.FakeMessage) bool {
			n := 0
			for _, m := range ms {
				if m.Op == link.OpPortalConnect {
					n++
				}
			}
			return n == 2
		}); err != nil {
			t.Fatal(err)
		}
		sessids := srv.Sessids(link.OpPortalConnect)
		for _, m := range fuzzMessages(data, sessids) {
			if srv.Send(m) != nil {
				break // the portal may close the link on what it refuses
			}
		}
		for _, c := range clients {
			c.Close()
		}
		srv.Close()
		if err := testutil.Await(5*time.Second, time.Millisecond, func() error {
			if n := len(p.Handler().Sessions()); n > 0 {
				return fmt.Errorf("%d sessions left after every client hung up and the server went", n)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}
