package fanout

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runner is one run's state, shared by its players' readers.
type runner struct {
	cfg     Config
	players []*player
	sayMark []byte // `says, "fanout-<prefix>-`: the text before a say's number

	entered     atomic.Uint64 // login announcements heard, each (listener, player announced) once
	loginDups   atomic.Uint64 // login announcements a listener heard again
	loginStrays atomic.Uint64 // login announcements of no other player of the run
	enteredWant uint64
	enteredAt   atomic.Int64 // when the announcement that made enteredWant came (unix ns)
	allEntered  chan struct{}
	strays      atomic.Uint64 // says heard after their time
	cur         atomic.Pointer[say]
	sayN        int
	// scattered is set when the login announcements did not all come:
	// the game did not start everyone in one room, so every room size is
	// gathered, the largest too.
	scattered bool
}

// Run measures the game at cfg.Target: cfg.Players log into one room
// (the login announcement), then for each room size, largest first, that
// many of them gather in a room of their own (the largest size, if it
// is all the players and they all heard each other log in, stays where
// they logged in) and say cfg.Says
// things one after the other. It returns what it measured, or an error
// if the players could not log in or gather (the game is not one this
// measurement understands, or it failed). A say that does not reach
// everyone is counted lost, not an error.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Prefix == "" {
		b := make([]byte, 3)
		_, _ = rand.Read(b)
		cfg.Prefix = "fo" + hex.EncodeToString(b)
	}
	r := &runner{cfg: cfg, sayMark: []byte(`says, "fanout-` + cfg.Prefix + "-"), allEntered: make(chan struct{})}
	defer r.closeAll()
	res := &Result{Target: cfg.Target}
	if err := r.connectAll(ctx); err != nil {
		return nil, err
	}
	login, err := r.login(ctx)
	if err != nil {
		return nil, err
	}
	res.Login = login
	r.scattered = login.Delivered < login.Expected
	for _, size := range slices.Backward(cfg.RoomSizes) {
		rm, err := r.room(ctx, size)
		if err != nil {
			return nil, err
		}
		res.Rooms = append(res.Rooms, rm)
	}
	slices.Reverse(res.Rooms)
	return res, nil
}

func (r *runner) closeAll() {
	for _, p := range r.players {
		if p != nil {
			p.close()
		}
	}
}

func (r *runner) name(i int) string { return r.cfg.Prefix + "_" + strconv.Itoa(i) }

// step returns a context for one wait.
func (r *runner) step(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.cfg.StepTimeout)
}

// each runs f for players [0, n), at most conc at once, and returns the
// first error.
func (r *runner) each(ctx context.Context, n, conc int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := f(ctx, i); err != nil {
				once.Do(func() { first = err; cancel(err) })
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = context.Cause(ctx)
	}
	return first
}

// connectAll connects every player and creates its account: each waits
// for the login screen's prompt, then creates.
func (r *runner) connectAll(ctx context.Context) error {
	r.players = make([]*player, r.cfg.Players)
	r.cfg.Progress("connecting %d players and creating their accounts", r.cfg.Players)
	return r.each(ctx, r.cfg.Players, r.cfg.LoginConcurrency, func(ctx context.Context, i int) error {
		p, err := dial(ctx, r, i, r.name(i))
		if err != nil {
			return err
		}
		r.players[i] = p
		sctx, cancel := r.step(ctx)
		defer cancel()
		if _, err := p.waitPrompts(sctx, 1); err != nil {
			return fmt.Errorf("login screen: %w", err)
		}
		out, err := p.do(sctx, "create "+p.name+" "+r.cfg.Password)
		if err != nil {
			return err
		}
		if !strings.Contains(out, "was created") {
			return fmt.Errorf("player %d: create %s: %q", i, p.name, out)
		}
		return nil
	})
}

// login logs every player in, all into the same room, and waits for the
// announcements.
func (r *runner) login(ctx context.Context) (LoginResult, error) {
	n := r.cfg.Players
	res := LoginResult{Players: n, Concurrency: r.cfg.LoginConcurrency, Expected: uint64(n) * uint64(n-1) / 2}
	r.enteredWant = res.Expected
	if res.Expected == 0 {
		close(r.allEntered)
	}
	r.cfg.Progress("logging %d players into one room, %d at a time", n, r.cfg.LoginConcurrency)
	cpu0, start := processCPU(), time.Now()
	r0, w0 := processIO()
	var lastLogin atomic.Int64
	err := r.each(ctx, n, r.cfg.LoginConcurrency, func(ctx context.Context, i int) error {
		p := r.players[i]
		sctx, cancel := r.step(ctx)
		defer cancel()
		out, err := p.do(sctx, "connect "+p.name+" "+r.cfg.Password)
		if err != nil {
			return err
		}
		if !strings.Contains(out, "You become") {
			return fmt.Errorf("player %d: connect %s: %q", i, p.name, out)
		}
		now := time.Now().UnixNano()
		for {
			old := lastLogin.Load()
			if now <= old || lastLogin.CompareAndSwap(old, now) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	res.LastLogin = time.Unix(0, lastLogin.Load()).Sub(start)
	if r.awaitAnnouncements(ctx) {
		res.AllDelivered = time.Unix(0, r.enteredAt.Load()).Sub(start)
	} else {
		if ctx.Err() != nil {
			return res, context.Cause(ctx)
		}
		res.AllDelivered = time.Since(start)
	}
	res.CPU = processCPU() - cpu0
	r1, w1 := processIO()
	res.Reads, res.Writes = r1-r0, w1-w0
	res.Delivered = r.entered.Load()
	res.Duplicates, res.Strangers = r.loginDups.Load(), r.loginStrays.Load()
	if s := res.AllDelivered.Seconds(); s > 0 {
		res.MessagesPerSecond = float64(res.Delivered) / s
	}
	r.cfg.Progress("logged in: last login after %v, %d of %d announcements in %v", res.LastLogin.Round(time.Millisecond),
		res.Delivered, res.Expected, res.AllDelivered.Round(time.Millisecond))
	return res, nil
}

// awaitAnnouncements waits for every login announcement: true once all
// came; false at the step timeout, when ctx ends, or once none has come
// for AnnounceQuiet (a game that scatters its players never sends the
// rest; waiting out the step timeout would only delay the run).
func (r *runner) awaitAnnouncements(ctx context.Context) bool {
	wctx, cancel := r.step(ctx)
	defer cancel()
	tick := time.NewTicker(min(r.cfg.AnnounceQuiet/4, time.Second))
	defer tick.Stop()
	heard, heardAt := r.entered.Load(), time.Now()
	for {
		select {
		case <-r.allEntered:
			return true
		case <-wctx.Done():
			return false
		case now := <-tick.C:
			if n := r.entered.Load(); n != heard {
				heard, heardAt = n, now
			} else if now.Sub(heardAt) >= r.cfg.AnnounceQuiet {
				r.cfg.Progress("no login announcement for %v: the game did not start the players in one room", r.cfg.AnnounceQuiet)
				return false
			}
		}
	}
}

// announced counts the login announcement of who (the text before
// " has entered the game.") that p heard at at: once per listener and
// player announced; another's login, or one heard again, is not one of
// those due.
func (r *runner) announced(p *player, who []byte, at time.Time) {
	i, ok := r.playerIn(who)
	if !ok || i == p.idx {
		r.loginStrays.Add(1)
		return
	}
	if p.logins == nil {
		p.logins = make([]uint64, (len(r.players)+63)/64)
	}
	bit := uint64(1) << (i % 64)
	if p.logins[i/64]&bit != 0 {
		r.loginDups.Add(1)
		return
	}
	p.logins[i/64] |= bit
	if r.entered.Add(1) == r.enteredWant {
		r.enteredAt.Store(at.UnixNano())
		close(r.allEntered)
	}
}

// playerIn returns the index of the run's player named in text (its
// name, "<prefix>_<index>", perhaps followed by a dbref as Evennia shows
// builders), or false.
func (r *runner) playerIn(text []byte) (int, bool) {
	name := []byte(r.cfg.Prefix + "_")
	at := bytes.LastIndex(text, name)
	if at < 0 {
		return 0, false
	}
	digits := text[at+len(name):]
	end := 0
	for end < len(digits) && digits[end] >= '0' && digits[end] <= '9' {
		end++
	}
	i, err := strconv.Atoi(string(digits[:end]))
	if err != nil || i < 0 || i >= len(r.players) {
		return 0, false
	}
	return i, true
}

// dbref finds the new room's id in dig's answer: "Created room X(#12) ...".
var dbref = regexp.MustCompile(`\(#(\d+)\)`)

// gather puts players [0, size) in a room of their own: the first digs
// it and goes in, the others teleport there.
func (r *runner) gather(ctx context.Context, size int) error {
	room := fmt.Sprintf("fanout_%s_%d", r.cfg.Prefix, size)
	sctx, cancel := r.step(ctx)
	defer cancel()
	out, err := r.players[0].do(sctx, "dig/tel "+room)
	if err != nil {
		return err
	}
	m := dbref.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("dig/tel %s: no room id in %q", room, out)
	}
	return r.each(ctx, size-1, r.cfg.LoginConcurrency, func(ctx context.Context, i int) error {
		sctx, cancel := r.step(ctx)
		defer cancel()
		out, err := r.players[i+1].do(sctx, "teleport #"+m[1])
		if err != nil {
			return err
		}
		if strings.Contains(out, "Could not") || strings.Contains(out, "cannot") {
			return fmt.Errorf("player %d: teleport #%s: %q", i+1, m[1], out)
		}
		return nil
	})
}

// room measures says in a room of size players.
func (r *runner) room(ctx context.Context, size int) (RoomResult, error) {
	res := RoomResult{Size: size, Says: r.cfg.Says, Expected: uint64(r.cfg.Says) * uint64(size-1)}
	if size < r.cfg.Players || r.scattered {
		r.cfg.Progress("gathering %d players in a room", size)
		if err := r.gather(ctx, size); err != nil {
			return res, err
		}
	}
	// A first say is a barrier: once every listener has heard it, all
	// that was sent to them before (announcements of the gathering) is
	// read, since a player's output keeps its order.
	if _, err := r.say(ctx, size, 0, true); err != nil {
		return res, err
	}
	r.cfg.Progress("room of %d: %d says", size, r.cfg.Says)
	var lat, last []time.Duration
	cpu0 := processCPU()
	r0, w0 := processIO()
	for i := range r.cfg.Says {
		s, err := r.say(ctx, size, i%size, false)
		if err != nil {
			return res, err
		}
		var worst time.Duration
		for j := range size {
			if ns := s.at[j].Load(); ns > 0 {
				d := time.Duration(ns)
				lat = append(lat, d)
				worst = max(worst, d)
			}
		}
		if s.remaining.Load() == 0 {
			last = append(last, worst)
		}
		res.Lost += uint64(max(s.remaining.Load(), 0))
		res.Duplicates += s.dups.Load()
		res.Outsiders += s.outsiders.Load()
	}
	res.CPU = processCPU() - cpu0
	r1, w1 := processIO()
	res.Reads, res.Writes = r1-r0, w1-w0
	res.Delivered = uint64(len(lat))
	res.Latency, res.Complete = percentiles(lat), percentiles(last)
	return res, nil
}

// say has player sayer say something to the room of size players, and
// waits until every listener heard it (or the step timeout) and the
// sayer has its prompt.
func (r *runner) say(ctx context.Context, size, sayer int, warmup bool) (*say, error) {
	r.sayN++
	s := newSay(r.sayN, size, sayer, warmup)
	p := r.players[sayer]
	p.mu.Lock()
	want := p.prompts + 1
	p.mu.Unlock()
	s.sent = time.Now()
	r.cur.Store(s)
	if err := p.send(fmt.Sprintf("say fanout-%s-%d", r.cfg.Prefix, s.n)); err != nil {
		return nil, err
	}
	sctx, cancel := r.step(ctx)
	defer cancel()
	select {
	case <-s.done:
	case <-sctx.Done():
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		if warmup {
			return nil, fmt.Errorf("room of %d: %d players never heard the first say", size, s.remaining.Load())
		}
	}
	if _, err := p.waitPrompts(sctx, want); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	return s, nil
}
