package portal

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/portalsim/portalsim/internal/clientaddr"
)

// The names of the portal's doors: the player listeners, as the start
// line, the logs and [Portal.Listeners] call them.
const (
	DoorTelnet    = "telnet"
	DoorTelnetTLS = "telnet-tls"
	DoorSSH       = "ssh"
	DoorWebsocket = "websocket"
	DoorWeb       = "web"
)

// Listener is one open door of the portal.
type Listener struct {
	// Name is the door: [DoorTelnet], [DoorWebsocket], [DoorWeb], ...
	Name string
	// Addr is where it listens.
	Addr net.Addr
}

// door is a player listener and what serves it.
type door struct {
	name string
	ln   net.Listener
	// run serves ln until it is closed.
	run func(ln net.Listener)
	// shut, if set, stops what run started beyond ln (an HTTP server's
	// idle connections); called once ln is closed.
	shut func()
}

// playerConn is a player connection the portal tracks, whatever its
// door: Shutdown waits for it, Close aborts it, the keepalive pings it.
type playerConn interface {
	// nop sends a keepalive, where the protocol has one.
	nop()
	// abort closes the connection at once.
	abort()
	// ended is closed once the connection's goroutines have ended.
	ended() <-chan struct{}
}

// Listeners returns the open doors, in the order they were opened
// (telnet first). The game-server link is not a door: see [Portal.LinkAddr].
func (p *Portal) Listeners() []Listener {
	out := make([]Listener, 0, len(p.doors))
	for _, d := range p.doors {
		out = append(out, Listener{Name: d.name, Addr: d.ln.Addr()})
	}
	return out
}

// DoorAddr is the address of the named door; nil if it is not open.
func (p *Portal) DoorAddr(name string) net.Addr {
	for _, d := range p.doors {
		if d.name == name {
			return d.ln.Addr()
		}
	}
	return nil
}

// openDoor binds a door at addr; an empty addr leaves it shut.
func (p *Portal) openDoor(name, addr string, run func(net.Listener), shut func()) error {
	if addr == "" {
		return nil
	}
	// The SSH door has no keepalive of its own (sshConn.nop), nor has
	// the web page's HTTP: TCP's stays on for them.
	ln, err := p.openListener(addr, name != DoorSSH && name != DoorWeb)
	if err != nil {
		return fmt.Errorf("listen %s: %w", name, err)
	}
	p.doors = append(p.doors, &door{name: name, ln: ln, run: run, shut: shut})
	return nil
}

// acceptWith returns a door's run that hands each connection to serve.
func (p *Portal) acceptWith(name string, serve func(net.Conn)) func(net.Listener) {
	return func(ln net.Listener) { p.accept(name, ln, serve) }
}

// accept hands each connection of ln to serve until ln closes (see acceptLoop).
func (p *Portal) accept(name string, ln net.Listener, serve func(net.Conn)) {
	p.acceptLoop(name, ln, serve)
}

// serveHTTP returns a door's run and shut for an HTTP server.
func (p *Portal) serveHTTP(name string, srv *http.Server) (run func(net.Listener), shut func()) {
	srv.ErrorLog = slog.NewLogLogger(p.log.With("door", name).Handler(), slog.LevelDebug) // bad requests: not ours to shout about
	run = func(ln net.Listener) {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) && !p.stopping.Load() {
			p.log.Warn("door.serve", "door", name, "err", err)
		}
	}
	return run, func() { _ = srv.Close() }
}

// trackConn adds c to the live connections (false once the portal is
// closing: the caller closes c) or, with add false, removes it.
func (p *Portal) trackConn(c playerConn, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		if p.ctx.Err() != nil {
			return false
		}
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
	return true
}

// openDoors binds every door the configuration opens.
func (p *Portal) openDoors() error {
	if err := p.openDoor(DoorTelnet, p.cfg.TelnetAddr, p.acceptWith(DoorTelnet, p.serveTelnet), nil); err != nil {
		return err
	}
	if err := p.openTelnetTLS(); err != nil {
		return err
	}
	if err := p.openSSH(); err != nil {
		return err
	}
	run, shut := p.serveHTTP(DoorWebsocket, p.websocketServer())
	if err := p.openDoor(DoorWebsocket, p.cfg.WebsocketAddr, run, shut); err != nil {
		return err
	}
	run, shut = p.serveHTTP(DoorWeb, p.webServer())
	return p.openDoor(DoorWeb, p.cfg.WebAddr, run, shut)
}

// runConn runs a player connection's writer and reader goroutines. Once
// both have ended, cleanup runs (if set), the connection leaves the live
// ones and finished is closed. If they cannot start (the portal is
// closing), the session closes and the connection is aborted at once. It
// reports whether they started.
func (p *Portal) runConn(c playerConn, s *Session, finished chan struct{}, writeLoop, readLoop, cleanup func()) bool {
	var wg sync.WaitGroup
	wg.Add(2)
	ok := p.goSafe(func() {
		defer wg.Done()
		writeLoop()
	}) && p.goSafe(func() {
		defer wg.Done()
		readLoop()
	})
	end := func() {
		if cleanup != nil {
			cleanup()
		}
		p.trackConn(c, false)
		close(finished)
	}
	if !ok {
		s.Close(ReasonPortalShutdown, "")
		c.abort()
		end()
		return false
	}
	go func() {
		wg.Wait()
		end()
	}()
	return true
}

// addrIP is the IP of a connection's address (the whole address when it
// is not TCP).
func addrIP(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	return a.String()
}

// maxHandshakes bounds the TLS and SSH connections in their handshake at
// once, for the whole portal: each holds a descriptor and a goroutine
// for up to Config.DoorHandshakeTimeout, and a crowd that never finishes
// must not take every descriptor the players need.
const maxHandshakes = 1024

// handshakes counts the connections of the TLS and SSH doors still in
// their handshake (see enterHandshake).
type handshakes struct {
	n       atomic.Int64
	perAddr addrCounts
}

// enterHandshake admits a TLS or SSH connection from addr to its
// handshake, or refuses it, counted and logged rate-limited: past
// maxHandshakes for the portal, or, with Config.MaxSessionsPerAddress,
// past that many for its address (a session counts there once it is
// made; a handshake counts here until then). leave ends the handshake's
// count; it may be called more than once.
func (p *Portal) enterHandshake(door string, addr net.Addr) (leave func(), ok bool) {
	key := clientaddr.Key(addrIP(addr))
	limit := p.cfg.MaxSessionsPerAddress
	switch {
	case p.hs.n.Add(1) > maxHandshakes:
		p.hs.n.Add(-1)
	case limit > 0 && !p.hs.perAddr.add(key, limit):
		p.hs.n.Add(-1)
	default:
		var once sync.Once
		return func() {
			once.Do(func() {
				p.hs.n.Add(-1)
				if limit > 0 {
					p.hs.perAddr.remove(key)
				}
			})
		}, true
	}
	p.h.stats.handshakeRefused.Add(1)
	p.hsLog.log(p.log, "door.handshake.refused", key, fmt.Errorf("%s: %w", door, errDoorHandshakes))
	return nil, false
}
