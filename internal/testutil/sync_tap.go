package testutil

import (
	"bufio"
	"net"
	"sync"

	"github.com/portalsim/portalsim/internal/link"
)

// LinkTapConfig configures a [LinkTap]. The zero value relays everything.
type LinkTapConfig struct {
	// Drop, if set, reports whether a message is to be dropped instead of
	// relayed; toServer tells its direction. It is called from the relay
	// goroutines, so it must be safe for concurrent use. It may block to
	// delay the message (and every later one in its direction), but must
	// return before [LinkTap.Close] can. A message dropped from the middle
	// of a stream is one no real connection loses: both sides number the
	// messages they process, so the acknowledgements after it are off by
	// one (a relink may then resend or skip); see LoseRest.
	Drop func(toServer bool, m link.Message) bool
	// LoseRest makes a drop final for its direction of that connection:
	// every later message is dropped too, as when a connection is cut
	// with data in flight (a stream loses a tail, never a message in the
	// middle). Later connections are not affected.
	LoseRest bool
	// KeepServerSide keeps the server's connection open when the portal
	// side closes, until [LinkTap.Close]: the server then still serves
	// its link (and answers sim.Server.Sessions) after the portal is
	// gone, so a test can look at what the portal's last messages did.
	KeepServerSide bool
}

// TapMessage is one message that went through a [LinkTap].
type TapMessage struct {
	// ToServer is true for portal-to-server messages.
	ToServer bool
	// Dropped is true if the tap did not relay it.
	Dropped bool
	link.Message
}

// LinkTap relays game-server links to a portal frame by frame, recording
// every message and dropping those its filter rejects. The server dials
// [LinkTap.Addr] instead of the portal's link address. Unlike [Proxy] it
// understands the link, so a test can count the PDISCONNs that reached
// the real server, or keep a server from ever seeing a message.
type LinkTap struct {
	ln     net.Listener
	target string
	cfg    LinkTapConfig
	wg     sync.WaitGroup

	// mu guards the fields below.
	mu     sync.Mutex
	msgs   []TapMessage
	conns  map[net.Conn]struct{}
	closed bool
}

// NewLinkTap listens on a random loopback port and relays to target, the
// portal's link address.
func NewLinkTap(target string, cfg LinkTapConfig) (*LinkTap, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &LinkTap{ln: ln, target: target, cfg: cfg, conns: map[net.Conn]struct{}{}}
	t.wg.Add(1)
	go t.accept()
	return t, nil
}

// Addr is where the server should dial.
func (t *LinkTap) Addr() string { return t.ln.Addr().String() }

// Messages returns every message seen so far, in the order each direction
// carried them.
func (t *LinkTap) Messages() []TapMessage {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]TapMessage(nil), t.msgs...)
}

// Count returns, for the messages with op in one direction, how many
// were seen per sessid.
func (t *LinkTap) Count(toServer bool, op link.Op) map[uint64]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[uint64]int{}
	for _, m := range t.msgs {
		if m.ToServer == toServer && m.Op == op {
			out[m.Sessid]++
		}
	}
	return out
}

// Close stops the tap and closes every connection, kept ones included.
func (t *LinkTap) Close() {
	t.mu.Lock()
	t.closed = true
	for c := range t.conns {
		c.Close()
	}
	t.mu.Unlock()
	t.ln.Close()
	t.wg.Wait()
}

func (t *LinkTap) track(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		c.Close()
		return false
	}
	t.conns[c] = struct{}{}
	return true
}

func (t *LinkTap) accept() {
	defer t.wg.Done()
	for {
		server, err := t.ln.Accept()
		if err != nil {
			return
		}
		portal, err := net.Dial("tcp", t.target)
		if err != nil {
			server.Close()
			continue
		}
		if !t.track(server) || !t.track(portal) {
			server.Close()
			portal.Close()
			return
		}
		t.wg.Add(2)
		go t.relay(portal, server, true)
		go t.relay(server, portal, false)
	}
}

// relay copies frames from src to dst. When the portal side is gone the
// server side is closed too, unless KeepServerSide; messages the server
// sends meanwhile are still read (and recorded as dropped).
func (t *LinkTap) relay(src, dst net.Conn, toServer bool) {
	defer t.wg.Done()
	server := dst
	if !toServer {
		server = src
	}
	closeBoth := func() {
		if !t.cfg.KeepServerSide {
			server.Close()
		}
		if toServer {
			src.Close()
		} else {
			dst.Close()
		}
	}
	fr := link.NewFrameReader(bufio.NewReader(src), 0)
	dead := false // dst can no longer be written
	for {
		op, frame, err := fr.ReadFrame()
		if err != nil {
			closeBoth()
			return
		}
		m := link.Message{Op: op} // a handshake frame is passed on as it is
		if op != link.OpHello {
			if m, err = link.DecodeFrame(frame); err != nil {
				closeBoth()
				return
			}
		}
		drop := dead || (t.cfg.Drop != nil && t.cfg.Drop(toServer, m))
		if drop && t.cfg.LoseRest {
			dead = true
		}
		t.mu.Lock()
		t.msgs = append(t.msgs, TapMessage{ToServer: toServer, Dropped: drop, Message: m})
		t.mu.Unlock()
		if drop {
			continue
		}
		if _, err := dst.Write(frame); err != nil {
			dead = true
			if toServer && t.cfg.KeepServerSide {
				src.Close() // the server is kept; nothing more goes to it
				return
			}
			closeBoth()
			if toServer {
				return
			}
		}
	}
}
