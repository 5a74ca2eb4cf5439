package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Row is one target's figures, all of the steady window but Lost and
// Failed, which are of the whole run.
type Row struct {
	// Target names the target.
	Target string `json:"target"`
	// Processes are the target's processes whose CPU is counted; none
	// for an external target given no pids.
	Processes []namedPID `json:"processes,omitempty"`
	// Window is the steady window's length: every player logged in,
	// until the run's planned end.
	Window time.Duration `json:"window_ns"`
	// RoundTrips is how many echo probes were answered in the window.
	RoundTrips int64 `json:"round_trips"`
	// Throughput is RoundTrips per second of the window.
	Throughput float64 `json:"throughput_per_s"`
	// P50 ... P999 are the echo round trip's quantiles in the window.
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P99  time.Duration `json:"p99_ns"`
	P999 time.Duration `json:"p999_ns"`
	// LoggedIn is how many players logged in, of Players.
	LoggedIn int `json:"logged_in"`
	Players  int `json:"players"`
	// LostPlayers is how many players did not finish; FailedCommands how
	// many echo probes went unanswered (timeout, disconnect), whole run.
	LostPlayers    int64 `json:"lost_players"`
	FailedCommands int64 `json:"failed_commands"`
	// CPU is the target's processes' CPU time over the window, and
	// CPUPerRoundTrip that divided by RoundTrips; HasCPU is false when it
	// could not be read (no pids, not Linux).
	CPU             time.Duration `json:"cpu_ns"`
	CPUPerRoundTrip time.Duration `json:"cpu_per_round_trip_ns"`
	HasCPU          bool          `json:"has_cpu"`
	// Valid is false when the figures cannot be trusted: the generator
	// was saturated (the report's validity), or there was no window.
	Valid          bool     `json:"valid"`
	InvalidReasons []string `json:"invalid_reasons,omitempty"`
	// Report is the file the run's full report went to, if any.
	Report string `json:"report,omitempty"`
	// Profiles are the CPU profiles taken over the window, by process.
	Profiles map[string]string `json:"profiles,omitempty"`
}

// Lost says whether the target lost players or commands.
func (r Row) Lost() bool { return r.LostPlayers > 0 || r.FailedCommands > 0 || r.LoggedIn < r.Players }

// Ratio is a target's figures divided by the floor's: 2 means twice the
// floor's latency (or throughput, or CPU). 0 when either side has no figure.
type Ratio struct {
	Target          string  `json:"target"`
	Against         string  `json:"against"`
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

// Ratios divides each row but base's by base's.
func Ratios(rows []Row, base string) []Ratio {
	var b *Row
	for i := range rows {
		if rows[i].Target == base {
			b = &rows[i]
		}
	}
	if b == nil {
		return nil
	}
	var out []Ratio
	for _, r := range rows {
		if r.Target == base {
			continue
		}
		x := Ratio{Target: r.Target, Against: base,
			P50: ratio(float64(r.P50), float64(b.P50)), P90: ratio(float64(r.P90), float64(b.P90)),
			P99: ratio(float64(r.P99), float64(b.P99)), P999: ratio(float64(r.P999), float64(b.P999)),
			Throughput: ratio(r.Throughput, b.Throughput)}
		if r.HasCPU && b.HasCPU {
			x.CPUPerRoundTrip = ratio(float64(r.CPUPerRoundTrip), float64(b.CPUPerRoundTrip))
		}
		out = append(out, x)
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
	// Start is when the bench began; Machine says where it ran.
	Start   time.Time `json:"start"`
	Machine string    `json:"machine,omitempty"`
	// Rows are the targets in the order measured.
	Rows []Row `json:"rows"`
	// Ratios are each target against the floor, when it was measured.
	Ratios []Ratio `json:"ratios,omitempty"`
}

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ms formats a duration in milliseconds with 3 significant-ish decimals.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.2f ms", v)
}

// us formats a duration in microseconds.
func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond)) }

// x formats a ratio; "-" for none.
func x(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", v)
}

// WriteTable writes the result as the text table: one row per target,
// then the ratios against the floor, then every lost or invalid target
// said loudly.
func (r *Result) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "portalsim bench: %d players x %g/s for %v, seed %d\n\n", r.Players, r.Rate, r.Duration, r.Seed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\tp50\tp90\tp99\tp99.9\tanswered/s\tlost\tfailed\tCPU/round trip\tCPU\twindow\tvalid\t")
	for _, row := range r.Rows {
		cpu, per := "-", "-"
		if row.HasCPU {
			cpu, per = fmt.Sprintf("%.2f s", row.CPU.Seconds()), us(row.CPUPerRoundTrip)
		}
		valid := "yes"
		if !row.Valid {
			valid = "NO"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.1f\t%d\t%d\t%s\t%s\t%.1f s\t%s\t\n", row.Target, ms(row.P50), ms(row.P90), ms(row.P99), ms(row.P999),
			row.Throughput, row.LostPlayers, row.FailedCommands, per, cpu, row.Window.Seconds(), valid)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Ratios) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "ratio\tp50\tp90\tp99\tp99.9\tanswered/s\tCPU/round trip\t")
		for _, x1 := range r.Ratios {
			fmt.Fprintf(tw, "%s/%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", x1.Target, x1.Against, x(x1.P50), x(x1.P90), x(x1.P99), x(x1.P999), x(x1.Throughput), x(x1.CPUPerRoundTrip))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, row := range r.Rows {
		if row.Lost() {
			fmt.Fprintf(w, "\n!!! %s LOST: %d of %d players logged in, %d players lost, %d echo probes failed\n", row.Target, row.LoggedIn, row.Players, row.LostPlayers, row.FailedCommands)
		}
		if !row.Valid {
			fmt.Fprintf(w, "\n!!! %s INVALID: %s\n", row.Target, strings.Join(row.InvalidReasons, "; "))
		}
	}
	return nil
}
