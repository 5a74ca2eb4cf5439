package floor

import (
	"bufio"
	"bytes"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// EchoCommand is the echo probe the Echo answers with the time (the
// dummyrunner's lag probe, as Evennia and the game server answer it).
const EchoCommand = "dummyrunner_echo_response"

// QuitCommand is the line the Echo answers by closing the client (a
// close frame: the relay hangs up), as a game's "quit" does.
const QuitCommand = "quit"

// Greeting is the line the Echo sends a client when it connects: its
// login screen. A load test's login script waits for it, sends any line
// ("connect NAME PASSWORD") and expects that line back.
const Greeting = "floor echo: every line comes back; " + EchoCommand + " <token> is answered with the time; quit hangs up"

// EchoConfig configures an [Echo]. The zero value listens on a random
// loopback port.
type EchoConfig struct {
	// Addr is the listen address; "" means 127.0.0.1:0.
	Addr string
	// MaxLine is the longest frame kept, in bytes (DefaultMaxLine when 0).
	MaxLine int
	// Now, if set, gives the time of the echo probe's answer (tests).
	Now func() time.Time
	// Logger receives one line per backend connection and per bad frame
	// kind (logged once); nil discards.
	Logger *slog.Logger
}

// EchoStats are an Echo's counters.
type EchoStats struct {
	// Backends is how many relay connections it accepted.
	Backends int64
	// Lines is how many client lines it answered.
	Lines int64
	// BadFrames counts frames it could not parse (dropped).
	BadFrames int64
	// LongFrames counts frames longer than MaxLine (cut).
	LongFrames int64
}

// Echo is the game-server side of the floor: it answers every client
// line of every relay connected to it at once (see the package doc).
type Echo struct {
	cfg EchoConfig
	log *slog.Logger

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup

	backends, lines, bad, long atomic.Int64
	warnedBad                  atomic.Bool
}

// NewEcho returns an Echo; Start starts it.
func NewEcho(cfg EchoConfig) *Echo {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.MaxLine <= 0 {
		cfg.MaxLine = DefaultMaxLine
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Echo{cfg: cfg, log: log.With("component", "floor.echo"), conns: map[net.Conn]struct{}{}}
}

// Start listens and serves in the background.
func (e *Echo) Start() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	if e.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return err
	}
	e.ln = ln
	e.wg.Go(e.accept)
	return nil
}

// Addr is the listen address, once started.
func (e *Echo) Addr() net.Addr {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ln == nil {
		return nil
	}
	return e.ln.Addr()
}

// Stats returns the counters so far.
func (e *Echo) Stats() EchoStats {
	return EchoStats{Backends: e.backends.Load(), Lines: e.lines.Load(), BadFrames: e.bad.Load(), LongFrames: e.long.Load()}
}

// Close stops listening, closes every backend connection and waits for
// their goroutines. It is idempotent.
func (e *Echo) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	var err error
	if e.ln != nil {
		err = e.ln.Close()
	}
	for c := range e.conns {
		_ = c.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

func (e *Echo) accept() {
	for {
		c, err := e.ln.Accept()
		if err != nil {
			return // closed
		}
		e.mu.Lock()
		if e.closed {
			e.mu.Unlock()
			_ = c.Close()
			return
		}
		e.conns[c] = struct{}{}
		e.wg.Go(func() { e.serve(c) })
		e.mu.Unlock()
	}
}

// serve answers one relay connection's frames until it closes.
func (e *Echo) serve(c net.Conn) {
	defer func() {
		e.mu.Lock()
		delete(e.conns, c)
		e.mu.Unlock()
		_ = c.Close()
	}()
	e.backends.Add(1)
	e.log.Info("floor.echo.backend", "remote", c.RemoteAddr().String())
	br := bufio.NewReaderSize(c, e.cfg.MaxLine+32) // room for the id
	bw := bufio.NewWriterSize(c, 64<<10)
	lr := newLineReader(br)
	var out []byte
	for {
		line, cut, err := lr.next(false)
		if err != nil {
			return
		}
		if cut {
			e.long.Add(1)
		}
		id, k, payload, err := ParseFrame(line)
		if err != nil {
			e.bad.Add(1)
			if !e.warnedBad.Swap(true) {
				e.log.Warn("floor.echo.bad_frame", "len", len(line))
			}
			continue
		}
		out = e.answer(out[:0], id, k, payload)
		if len(out) > 0 {
			if _, err := bw.Write(out); err != nil {
				return
			}
		}
		if br.Buffered() == 0 { // input ran dry: send what is answered
			if err := bw.Flush(); err != nil {
				return
			}
		}
	}
}

// answer appends the frames answering one frame to b.
func (e *Echo) answer(b []byte, id uint64, k Kind, payload []byte) []byte {
	switch k {
	case KindOpen:
		return AppendFrame(b, id, KindData, []byte(Greeting))
	case KindData:
		e.lines.Add(1)
		if string(payload) == QuitCommand {
			return AppendFrame(b, id, KindClose, nil)
		}
		b = strconv.AppendUint(b, id, 10)
		b = append(b, byte(KindData))
		b = AppendAnswer(b, payload, e.cfg.Now())
		return append(b, '\n')
	}
	return b
}

// AppendAnswer appends the Echo's answer to line, at time now, to b: the
// echo probe's "dummyrunner_echo_response:<args>,<unix seconds with 6
// decimals>" for "dummyrunner_echo_response <args>" (args trimmed, as the
// game server has them), else line itself.
func AppendAnswer(b, line []byte, now time.Time) []byte {
	rest, ok := bytes.CutPrefix(line, []byte(EchoCommand))
	if !ok || (len(rest) > 0 && rest[0] != ' ') {
		return append(b, line...)
	}
	b = append(b, EchoCommand...)
	b = append(b, ':')
	b = append(b, bytes.TrimSpace(rest)...)
	b = append(b, ',')
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, '.')
	us := now.Nanosecond() / 1000
	for d := 100000; d > 0; d /= 10 {
		b = append(b, byte('0'+us/d%10))
	}
	return b
}
