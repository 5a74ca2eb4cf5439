package portal

import (
	"errors"
	"fmt"
	"net"
	"time"
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

// door is a player listener and what serves each connection it accepts.
type door struct {
	name  string
	ln    net.Listener
	serve func(net.Conn)
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
func (p *Portal) openDoor(name, addr string, serve func(net.Conn)) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", name, err)
	}
	p.doors = append(p.doors, &door{name: name, ln: ln, serve: serve})
	return nil
}

// accept serves d's connections until its listener closes.
func (p *Portal) accept(d *door) {
	for {
		nc, err := d.ln.Accept()
		if err != nil {
			if p.stopping.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			p.log.Warn("door.accept", "door", d.name, "err", err)
			select {
			case <-time.After(50 * time.Millisecond): // EMFILE and friends: back off a little
			case <-p.ctx.Done():
				return
			}
			continue
		}
		d.serve(nc)
	}
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
	if err := p.openDoor(DoorTelnet, p.cfg.TelnetAddr, p.serveTelnet); err != nil {
		return err
	}
	if err := p.openTelnetTLS(); err != nil {
		return err
	}
	if err := p.openSSH(); err != nil {
		return err
	}
	return nil
}
