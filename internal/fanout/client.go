package fanout

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/portalsim/portalsim/internal/telnet"
)

// player is one telnet connection: a reader goroutine decodes what the
// game sends, line by line, and one command at a time is sent with do.
type player struct {
	idx  int
	name string
	nc   net.Conn
	run  *runner
	// logins has bit i set once this player heard player i's login
	// announcement; only its reader goroutine touches it.
	logins []uint64

	// mu guards the fields below.
	mu      sync.Mutex
	prompts int           // prompts received (the end of each command's output)
	out     []string      // lines since the last command was sent
	changed chan struct{} // closed and replaced when prompts moves or the reader ends
	err     error         // why the reader ended
}

// dial connects a player and starts its reader.
func dial(ctx context.Context, r *runner, idx int, name string) (*player, error) {
	nc, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, "tcp", r.cfg.Target)
	if err != nil {
		return nil, fmt.Errorf("player %d: %w", idx, err)
	}
	p := &player{idx: idx, name: name, nc: nc, run: r, changed: make(chan struct{})}
	go p.read()
	return p, nil
}

// read decodes the connection until it ends: EOR is accepted (so every
// prompt is marked), every other option refused.
func (p *player) read() {
	var dec telnet.Decoder
	var line []byte
	buf := make([]byte, 16<<10)
	for {
		n, err := p.nc.Read(buf)
		at := time.Now()
		var reply []byte
		dec.Decode(buf[:n], func(e telnet.Event) {
			switch e.Kind {
			case telnet.EventData:
				for len(e.Data) > 0 {
					i := bytes.IndexByte(e.Data, '\n')
					if i < 0 {
						line = append(line, e.Data...)
						break
					}
					line = append(line, e.Data[:i]...)
					p.line(bytes.TrimRight(line, "\r"), at)
					line, e.Data = line[:0], e.Data[i+1:]
				}
			case telnet.EventCommand:
				if e.Cmd == telnet.GA || e.Cmd == telnet.EOR {
					line = line[:0] // the prompt's text
					p.prompt()
				}
			case telnet.EventNegotiation:
				reply = append(reply, answer(e.Verb, e.Opt)...)
			}
		})
		if len(reply) > 0 {
			_, _ = p.nc.Write(reply)
		}
		if err != nil {
			p.mu.Lock()
			p.err = err
			close(p.changed)
			p.changed = make(chan struct{})
			p.mu.Unlock()
			return
		}
	}
}

// answer accepts the server's EOR and refuses every other option.
func answer(v telnet.Verb, o telnet.Option) []byte {
	switch v {
	case telnet.Verb(telnet.WILL):
		if o == telnet.OptEOR {
			return telnet.AppendNegotiation(nil, telnet.Verb(telnet.DO), o)
		}
		return telnet.AppendNegotiation(nil, telnet.Verb(telnet.DONT), o)
	case telnet.Verb(telnet.DO):
		return telnet.AppendNegotiation(nil, telnet.Verb(telnet.WONT), o)
	}
	return nil
}

// line handles one line of text: a say or an announcement is recorded,
// anything else kept as output of the running command.
func (p *player) line(b []byte, at time.Time) {
	r := p.run
	if who, ok := bytes.CutSuffix(b, enteredSuffix); ok {
		r.announced(p, who, at)
		return
	}
	if i := bytes.Index(b, r.sayMark); i >= 0 {
		r.heard(p, b[i+len(r.sayMark):], at)
		return
	}
	p.mu.Lock()
	if len(p.out) < maxKept {
		p.out = append(p.out, string(b))
	}
	p.mu.Unlock()
}

// maxKept bounds the lines a player keeps of one command's output.
const maxKept = 64

// enteredSuffix ends a login announcement, Evennia's "X has entered the game.".
var enteredSuffix = []byte(" has entered the game.")

func (p *player) prompt() {
	p.mu.Lock()
	p.prompts++
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

// waitPrompts waits until the player has received n prompts and returns
// the output since the last command was sent.
func (p *player) waitPrompts(ctx context.Context, n int) (string, error) {
	for {
		p.mu.Lock()
		got, ch, err := p.prompts, p.changed, p.err
		out := p.out
		p.mu.Unlock()
		if got >= n {
			return strings.Join(out, "\n"), nil
		}
		if err != nil {
			return strings.Join(out, "\n"), fmt.Errorf("player %d: connection ended: %w", p.idx, err)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return strings.Join(out, "\n"), fmt.Errorf("player %d: no prompt: %w", p.idx, context.Cause(ctx))
		}
	}
}

// do sends a command and waits for the prompt that ends its output,
// which it returns.
func (p *player) do(ctx context.Context, cmd string) (string, error) {
	p.mu.Lock()
	want := p.prompts + 1
	p.out = p.out[:0]
	p.mu.Unlock()
	if err := p.send(cmd); err != nil {
		return "", err
	}
	return p.waitPrompts(ctx, want)
}

// send writes one command line.
func (p *player) send(cmd string) error {
	_ = p.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := p.nc.Write(append(telnet.AppendEscaped(nil, []byte(cmd)), '\r', '\n')); err != nil {
		return fmt.Errorf("player %d: %w", p.idx, err)
	}
	return nil
}

func (p *player) close() { _ = p.nc.Close() }
