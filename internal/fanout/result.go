package fanout

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// Result is what [Run] measured. Durations are in nanoseconds in JSON.
type Result struct {
	// Target is the telnet address measured.
	Target string `json:"target"`
	// Login is the login announcement measurement.
	Login LoginResult `json:"login"`
	// Rooms holds the say measurement of each room size, smallest first.
	Rooms []RoomResult `json:"rooms"`
}

// LoginResult measures Players logging into one room, each login
// announced to everyone already there: Players*(Players-1)/2 messages.
type LoginResult struct {
	// Players is how many logged in; Concurrency how many at a time.
	Players     int `json:"players"`
	Concurrency int `json:"concurrency"`
	// Expected is how many announcements the players should hear, and
	// Delivered how many they heard (each listener's of each player
	// once); Duplicates those a listener heard again, Strangers those of
	// no other player of the run (another client of the game, or the
	// listener's own).
	Expected   uint64 `json:"expected"`
	Delivered  uint64 `json:"delivered"`
	Duplicates uint64 `json:"duplicates"`
	Strangers  uint64 `json:"strangers"`
	// LastLogin is the time from the first connect command to the last
	// login's completion (its prompt); AllDelivered the time to the last
	// announcement's arrival (or to the timeout, if some never came).
	LastLogin    time.Duration `json:"last_login_ns"`
	AllDelivered time.Duration `json:"all_delivered_ns"`
	// MessagesPerSecond is Delivered over AllDelivered.
	MessagesPerSecond float64 `json:"messages_per_second"`
	// CPU is this process's CPU time (user and system) over the phase:
	// the players' clients, and with an embedded game the portal and
	// the game server too.
	CPU time.Duration `json:"cpu_ns"`
	// Reads and Writes are this process's read and write system calls
	// over the phase (Linux; writev counts as a write): with an embedded
	// game, the portal's writes to the players and the players' reads.
	Reads  uint64 `json:"read_syscalls"`
	Writes uint64 `json:"write_syscalls"`
}

// RoomResult is the say latency of one room size.
type RoomResult struct {
	// Size is how many players were in the room; Says how many said
	// something, one after the other, the sayer rotating.
	Size int `json:"size"`
	Says int `json:"says"`
	// Expected is Says*(Size-1), the deliveries due; Delivered those
	// that came; Lost those that did not come in time; Duplicates says
	// heard twice by one player; Outsiders says heard by a player not in
	// the room.
	Expected   uint64 `json:"expected"`
	Delivered  uint64 `json:"delivered"`
	Lost       uint64 `json:"lost"`
	Duplicates uint64 `json:"duplicates"`
	Outsiders  uint64 `json:"outsiders"`
	// Latency is from a say sent to its arrival at one listener, over
	// every listener of every say; Complete is from a say sent to its
	// arrival at the last listener, over the says.
	Latency  Percentiles `json:"latency"`
	Complete Percentiles `json:"complete"`
	// CPU, Reads and Writes are this process's CPU time and system
	// calls over the says (see LoginResult).
	CPU    time.Duration `json:"cpu_ns"`
	Reads  uint64        `json:"read_syscalls"`
	Writes uint64        `json:"write_syscalls"`
}

// Percentiles summarise a set of durations (exact: from all samples).
type Percentiles struct {
	Count int           `json:"count"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
	Mean  time.Duration `json:"mean_ns"`
}

// percentiles summarises samples, which it sorts; the percentiles are
// exact ([reports.NearestRank]).
func percentiles(samples []time.Duration) Percentiles {
	if len(samples) == 0 {
		return Percentiles{}
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, s := range samples {
		sum += s
	}
	at := func(q float64) time.Duration { return reports.NearestRank(samples, q) }
	return Percentiles{
		Count: len(samples), P50: at(0.50), P90: at(0.90), P99: at(0.99),
		Max: samples[len(samples)-1], Mean: sum / time.Duration(len(samples)),
	}
}

// OK reports whether every message due arrived exactly once, to the
// right players.
func (r *Result) OK() bool {
	if r.Login.Delivered < r.Login.Expected || r.Login.Duplicates > 0 {
		return false
	}
	for _, rm := range r.Rooms {
		if rm.Lost > 0 || rm.Duplicates > 0 || rm.Outsiders > 0 || rm.Delivered != rm.Expected {
			return false
		}
	}
	return true
}

// WriteText writes r as a table.
func (r *Result) WriteText(w io.Writer) error {
	l := r.Login
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
	_, err := fmt.Fprintf(w, "Broadcast fan-out against %s (telnet)\n\n", r.Target)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Login announcement: %d players into one room, %d at a time\n", l.Players, l.Concurrency)
	fmt.Fprintf(w, "  announcements  %d of %d delivered", l.Delivered, l.Expected)
	if l.Duplicates+l.Strangers > 0 {
		fmt.Fprintf(w, "  (and %d heard twice, %d of no other player of the run)", l.Duplicates, l.Strangers)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  last login     %.2f s\n", l.LastLogin.Seconds())
	fmt.Fprintf(w, "  all delivered  %.2f s  (%.0f messages/s)\n", l.AllDelivered.Seconds(), l.MessagesPerSecond)
	fmt.Fprintf(w, "  process CPU    %.2f s", l.CPU.Seconds())
	if l.Delivered > 0 {
		fmt.Fprintf(w, "  (%.2f µs per message)", float64(l.CPU.Microseconds())/float64(l.Delivered))
	}
	fmt.Fprintln(w)
	if l.Delivered > 0 && l.Reads+l.Writes > 0 {
		fmt.Fprintf(w, "  syscalls       %d writes, %d reads  (%.3f writes, %.3f reads per message)\n",
			l.Writes, l.Reads, float64(l.Writes)/float64(l.Delivered), float64(l.Reads)/float64(l.Delivered))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Say latency per room size (ms): every listener of every say, and the last listener of each say")
	fmt.Fprintf(w, "%6s %5s %9s %5s %5s  %8s %8s %8s %8s  %8s %8s %8s  %7s %8s\n",
		"room", "says", "delivered", "lost", "dup", "p50", "p90", "p99", "max", "last p50", "last p99", "last max", "cpu s", "writes/m")
	for _, rm := range r.Rooms {
		perMsg := 0.0
		if rm.Delivered > 0 {
			perMsg = float64(rm.Writes) / float64(rm.Delivered)
		}
		fmt.Fprintf(w, "%6d %5d %9d %5d %5d  %8s %8s %8s %8s  %8s %8s %8s  %7.2f %8.3f\n",
			rm.Size, rm.Says, rm.Delivered, rm.Lost, rm.Duplicates+rm.Outsiders,
			ms(rm.Latency.P50), ms(rm.Latency.P90), ms(rm.Latency.P99), ms(rm.Latency.Max),
			ms(rm.Complete.P50), ms(rm.Complete.P99), ms(rm.Complete.Max), rm.CPU.Seconds(), perMsg)
	}
	return nil
}
