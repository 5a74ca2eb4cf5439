package bench

import (
	"cmp"
	"encoding/json"
	"io"
	"slices"
	"time"
)

// Figures are what a Row and a TransportRow measure alike: the echo
// probes of the steady window, the players and their losses of the
// whole run.
type Figures struct {
	// RoundTrips is how many echo probes were answered in the window.
	RoundTrips int64 `json:"round_trips"`
	// Throughput is RoundTrips per second of the window.
	Throughput float64 `json:"throughput_per_s"`
	// P50 is the echo round trip's median in the window.
	P50 time.Duration `json:"p50_ns"`
	// P90 is the echo round trip's 90th percentile in the window.
	P90 time.Duration `json:"p90_ns"`
	// P99 is the echo round trip's 99th percentile in the window.
	P99 time.Duration `json:"p99_ns"`
	// P999 is the echo round trip's 99.9th percentile in the window.
	P999 time.Duration `json:"p999_ns"`
	// LoggedIn is how many players logged in, of Players.
	LoggedIn int `json:"logged_in"`
	// Players is how many players were started.
	Players int `json:"players"`
	// LostPlayers is how many players did not finish, whole run.
	LostPlayers int64 `json:"lost_players"`
	// FailedCommands is how many echo probes went unanswered (timeout,
	// disconnect), whole run.
	FailedCommands int64 `json:"failed_commands"`
}

// Lost says whether the players lost anything: a player or an echo
// probe, or a login.
func (f Figures) Lost() bool {
	return f.LostPlayers > 0 || f.FailedCommands > 0 || f.LoggedIn < f.Players
}

// ProcessUsage is what one of a target's processes used in the window.
type ProcessUsage struct {
	// Name and PID name the process ("portal", "server", ...).
	Name string `json:"name"`
	PID  int    `json:"pid"`
	// CPU is its CPU time over the window.
	CPU time.Duration `json:"cpu_ns"`
	// RSS is its resident memory at the window's end, and RSSPerPlayer
	// that divided by the players.
	RSS          int64 `json:"rss_bytes"`
	RSSPerPlayer int64 `json:"rss_per_player_bytes"`
}

// Row is one target's figures, all of the steady window but Lost and
// Failed, which are of the whole run.
type Row struct {
	// Target names the target.
	Target string `json:"target"`
	// Transport is the pass the row is of (see TransportNames): the
	// players' door, or mixed.
	Transport string `json:"transport"`
	// Skipped, if set, says why the target was not measured over
	// Transport (no websocket door); the row has no figures.
	Skipped string `json:"skipped,omitempty"`
	// Processes are the target's processes whose CPU is counted; none
	// for an external target given no pids.
	Processes []namedPID `json:"processes,omitempty"`
	// Window is the steady window's length: every player logged in,
	// until the run's planned end.
	Window time.Duration `json:"window_ns"`
	// Figures are the target's echo probes in the window, its players
	// and their losses.
	Figures
	// CPU is the target's processes' CPU time over the window, and
	// CPUPerRoundTrip that divided by RoundTrips; HasCPU is false when it
	// could not be read (no pids, not Linux).
	CPU             time.Duration `json:"cpu_ns"`
	CPUPerRoundTrip time.Duration `json:"cpu_per_round_trip_ns"`
	HasCPU          bool          `json:"has_cpu"`
	// Usage is each process's share: its CPU over the window and its
	// resident memory at the window's end (none when they could not be
	// read).
	Usage []ProcessUsage `json:"usage,omitempty"`
	// Valid is false when the figures cannot be trusted: the generator
	// was saturated (the report's validity), or there was no window.
	Valid          bool     `json:"valid"`
	InvalidReasons []string `json:"invalid_reasons,omitempty"`
	// Report is the file the run's full report went to, if any.
	Report string `json:"report,omitempty"`
	// Profiles are the CPU profiles taken over the window, by process.
	Profiles map[string]string `json:"profiles,omitempty"`
	// Transports split the row by the players' transport, sorted by
	// name, when they came in through more than one (mixed).
	Transports []TransportRow `json:"transports,omitempty"`
}

// TransportRow is one transport's share of a Row: its players'
// figures. CPU is not split (the target's processes serve every
// transport at once).
type TransportRow struct {
	// Transport names it (telnet, websocket).
	Transport string `json:"transport"`
	// Figures are its players' echo probes in the window, as in Row, and
	// its share of the row's players and losses.
	Figures
}

// Lost says whether the target lost players or commands (a skipped row
// lost nothing: it did not run).
func (r Row) Lost() bool {
	return r.Skipped == "" && r.Figures.Lost()
}

// Ratio is a target's figures divided by the floor's over the same
// transport: 2 means twice the floor's latency (or throughput, or CPU).
// 0 when either side has no figure. Split, when set, says it is one
// transport's players of a mixed pass against the floor's players of
// the same transport in its mixed pass (no CPU: it is not split).
type Ratio struct {
	Target          string  `json:"target"`
	Against         string  `json:"against"`
	Transport       string  `json:"transport"`
	Split           string  `json:"split,omitempty"`
	P50             float64 `json:"p50"`
	P90             float64 `json:"p90"`
	P99             float64 `json:"p99"`
	P999            float64 `json:"p999"`
	Throughput      float64 `json:"throughput"`
	CPUPerRoundTrip float64 `json:"cpu_per_round_trip"`
}

// ratio is a/b, or 0 when b is 0 or a is (no figure).
func ratio(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return a / b
}

// figuresRatio is a's latency and throughput over b's: a Ratio without
// its names or CPU.
func figuresRatio(a, b Figures) Ratio {
	return Ratio{
		P50: ratio(float64(a.P50), float64(b.P50)), P90: ratio(float64(a.P90), float64(b.P90)),
		P99: ratio(float64(a.P99), float64(b.P99)), P999: ratio(float64(a.P999), float64(b.P999)),
		Throughput: ratio(a.Throughput, b.Throughput)}
}

// Ratios divides each row but base's by base's row of the same
// transport (a row without a transport is telnet's), and each transport
// of a split row by base's same transport of the same pass. Skipped rows
// and passes without a base row have none.
func Ratios(rows []Row, base string) []Ratio {
	var out []Ratio
	for _, r := range rows {
		if r.Target == base || r.Skipped != "" {
			continue
		}
		tr := cmp.Or(r.Transport, TransportTelnet)
		i := slices.IndexFunc(rows, func(b Row) bool {
			return b.Target == base && b.Skipped == "" && cmp.Or(b.Transport, TransportTelnet) == tr
		})
		if i < 0 {
			continue
		}
		b := &rows[i]
		x := figuresRatio(r.Figures, b.Figures)
		x.Target, x.Against, x.Transport = r.Target, base, tr
		if r.HasCPU && b.HasCPU {
			x.CPUPerRoundTrip = ratio(float64(r.CPUPerRoundTrip), float64(b.CPUPerRoundTrip))
		}
		out = append(out, x)
		for _, t := range r.Transports {
			j := slices.IndexFunc(b.Transports, func(bt TransportRow) bool { return bt.Transport == t.Transport })
			if j < 0 {
				continue
			}
			y := figuresRatio(t.Figures, b.Transports[j].Figures)
			y.Target, y.Against, y.Transport, y.Split = r.Target, base, tr, t.Transport
			out = append(out, y)
		}
	}
	return out
}

// Result is a whole bench run.
type Result struct {
	// Load is the offered load, the same for every target.
	Players  int           `json:"players"`
	Rate     float64       `json:"rate_per_player_s"`
	Duration time.Duration `json:"duration_ns"`
	Seed     int64         `json:"seed"`
	// Transports are the passes over the targets, in order (see
	// TransportNames); every row names its own.
	Transports []string `json:"transports"`
	// Start is when the bench began; Machine says where it ran.
	Start   time.Time `json:"start"`
	Machine string    `json:"machine,omitempty"`
	// Rows are the targets in the order measured: every target over the
	// first transport, then over the next.
	Rows []Row `json:"rows"`
	// Ratios are each target against the floor over the same transport,
	// when it was measured.
	Ratios []Ratio `json:"ratios,omitempty"`
}

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
