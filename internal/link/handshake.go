package link

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// The handshake proves to each side that the other knows the link's
// [Secret], before either says anything about itself or its sessions.
// The portal listens and speaks first; every handshake frame has the op
// HELLO and a JSON body, in every version of the protocol, so that any
// two versions can read each other's version number and say which they
// are:
//
//	portal -> server  version, Np                      a random challenge
//	server -> portal  version, Ns, MAC("server", Np, Ns)
//	portal -> server  version, MAC("portal", Ns, Np), the portal's Hello
//	server -> portal  version, the server's Hello
//	portal -> server  version, accepted (or refused, with the reason)
//
// MAC is HMAC-SHA256 keyed with the secret; each side's MAC covers a
// challenge the other side just chose, so no answer can be replayed, and
// the role in it keeps a side's own answer from being reflected back. A
// side that sees a wrong MAC says "authentication failed" and closes.
// Until the handshake is over a side reads only frames of at most
// [HandshakeMaxFrame] bytes, for at most [Config.HandshakeTimeout].

// HandshakeMaxFrame is the largest frame read before the peer is
// authenticated: a handshake frame is a few hundred bytes.
const HandshakeMaxFrame = 4 << 10

// DefaultHandshakeTimeout bounds a handshake when [Config.HandshakeTimeout] is 0.
const DefaultHandshakeTimeout = time.Second

const nonceLen = 32

// hsBody is the JSON body of a handshake frame.
type hsBody struct {
	Hello hsFrame `json:"hello"`
}

// hsFrame is one handshake step; which fields are set depends on the step.
type hsFrame struct {
	Version  int    `json:"version"`
	Nonce    []byte `json:"nonce,omitempty"`
	MAC      []byte `json:"mac,omitempty"`
	Info     *Hello `json:"info,omitempty"`
	Accepted bool   `json:"accepted,omitempty"`
	Refused  string `json:"refused,omitempty"`
}

// authFailed is what a side tells a peer whose MAC is wrong.
const authFailed = "authentication failed: the link secrets differ"

// PortalHandshake runs the portal's side of the handshake and returns
// the server's [Hello]. admit, called once the server is authenticated,
// decides whether to take it: its error refuses the server (which gets
// [ErrRefused] with the error's text) and is returned wrapped in
// [ErrRefused]. A peer that fails to authenticate gets [ErrAuth].
func (c *Conn) PortalHandshake(ctx context.Context, secret Secret, mine Hello, admit func(peer Hello) error) (Hello, error) {
	var peer Hello
	err := c.handshake(ctx, secret, func() error {
		np := newNonce()
		if err := c.sendHandshake(hsFrame{Nonce: np}); err != nil {
			return err
		}
		f, err := c.readHandshake()
		if err != nil {
			return err
		}
		if f.Refused != "" {
			return fmt.Errorf("%w: the server says: %s", ErrAuth, f.Refused)
		}
		if len(f.Nonce) != nonceLen || !hmac.Equal(f.MAC, handshakeMAC(secret, RoleServer, np, f.Nonce)) {
			_ = c.sendHandshake(hsFrame{Refused: authFailed})
			return fmt.Errorf("%w: the server does not know the link secret", ErrAuth)
		}
		mine.Version = Version
		if err := c.sendHandshake(hsFrame{MAC: handshakeMAC(secret, RolePortal, f.Nonce, np), Info: &mine}); err != nil {
			return err
		}
		if f, err = c.readHandshake(); err != nil {
			return err
		}
		if f.Info == nil {
			return fmt.Errorf("%w: no server hello", ErrHandshake)
		}
		peer = *f.Info
		if err := admit(peer); err != nil {
			_ = c.sendHandshake(hsFrame{Refused: err.Error()})
			return fmt.Errorf("%w: %w", ErrRefused, err)
		}
		return c.sendHandshake(hsFrame{Accepted: true})
	})
	return peer, err
}

// ServerHandshake runs the game server's side of the handshake and
// returns the portal's [Hello]. A portal that fails to authenticate, or
// that says this side failed, gives [ErrAuth]; one that will not take
// this server gives [ErrRefused] with its reason.
func (c *Conn) ServerHandshake(ctx context.Context, secret Secret, mine Hello) (Hello, error) {
	var peer Hello
	err := c.handshake(ctx, secret, func() error {
		f, err := c.readHandshake()
		if err != nil {
			return err
		}
		if len(f.Nonce) != nonceLen {
			return fmt.Errorf("%w: no challenge", ErrHandshake)
		}
		np, ns := f.Nonce, newNonce()
		if err := c.sendHandshake(hsFrame{Nonce: ns, MAC: handshakeMAC(secret, RoleServer, np, ns)}); err != nil {
			return err
		}
		if f, err = c.readHandshake(); err != nil {
			return err
		}
		if f.Refused != "" {
			return fmt.Errorf("%w: the portal says: %s", ErrAuth, f.Refused)
		}
		if !hmac.Equal(f.MAC, handshakeMAC(secret, RolePortal, ns, np)) {
			_ = c.sendHandshake(hsFrame{Refused: authFailed})
			return fmt.Errorf("%w: the portal does not know the link secret", ErrAuth)
		}
		if f.Info == nil {
			return fmt.Errorf("%w: no portal hello", ErrHandshake)
		}
		peer = *f.Info
		mine.Version = Version
		if err := c.sendHandshake(hsFrame{Info: &mine}); err != nil {
			return err
		}
		if f, err = c.readHandshake(); err != nil {
			return err
		}
		switch {
		case f.Refused != "":
			return fmt.Errorf("%w: %s", ErrRefused, f.Refused)
		case !f.Accepted:
			return fmt.Errorf("%w: no verdict", ErrHandshake)
		}
		return nil
	})
	return peer, err
}

// handshake runs steps with the handshake's frame limit and deadline,
// and closes the link if they fail. The caller must not Recv concurrently.
func (c *Conn) handshake(ctx context.Context, secret Secret, steps func() error) error {
	if len(secret) < MinSecretLen {
		_ = c.Close()
		return fmt.Errorf("link handshake: %d-byte secret: %w", len(secret), ErrSecret)
	}
	timeout := c.hsTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	c.fr.SetMaxFrame(HandshakeMaxFrame)
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetReadDeadline(time.Unix(1, 0)) })
	err := steps()
	stop()
	_ = c.nc.SetReadDeadline(time.Time{})
	c.fr.SetMaxFrame(c.maxFrame)
	c.fr.release()
	if err != nil {
		// Let a refusal reach the peer (bounded: a peer that reads
		// nothing must not hold the connection open), then close.
		fctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		_ = c.Flush(fctx)
		cancel()
		_ = c.Close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("link handshake: %w", err)
	}
	return nil
}

// sendHandshake queues one handshake frame.
func (c *Conn) sendHandshake(f hsFrame) error {
	f.Version = Version
	body, err := json.Marshal(hsBody{Hello: f})
	if err != nil {
		return err
	}
	frame := binary.BigEndian.AppendUint32(make([]byte, 0, headerLen+1+len(body)), uint32(1+len(body)))
	frame = append(append(frame, byte(OpHello)), body...)
	return c.enqueue(frame)
}

// readHandshake reads one handshake frame and checks its version.
func (c *Conn) readHandshake() (hsFrame, error) {
	op, body, err := c.fr.readRaw()
	if err != nil {
		return hsFrame{}, err
	}
	if op != OpHello {
		return hsFrame{}, fmt.Errorf("%w: a %v frame", ErrHandshake, op)
	}
	var b hsBody
	if err := json.Unmarshal(body, &b); err != nil {
		return hsFrame{}, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	if b.Hello.Version != Version {
		return hsFrame{}, fmt.Errorf("the peer speaks link protocol version %d, this side %d: %w", b.Hello.Version, Version, ErrVersion)
	}
	return b.Hello, nil
}

func newNonce() []byte {
	b := make([]byte, nonceLen)
	_, _ = rand.Read(b)
	return b
}

// handshakeMAC is one side's answer to the other's challenge.
func handshakeMAC(secret Secret, role string, theirs, mine []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("portalsim link " + role))
	m.Write([]byte{0})
	m.Write(theirs)
	m.Write(mine)
	return m.Sum(nil)
}
