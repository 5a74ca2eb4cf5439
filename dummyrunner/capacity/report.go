package capacity

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// Report is a search's answer with what it was asked: what "portalsim
// capacity" prints and writes as JSON.
type Report struct {
	// Scenario is the scenario's name.
	Scenario string `json:"scenario"`
	// Target is where the trials ran: "embedded" (a fresh embedded game
	// per trial) or the host:port of a game.
	Target string `json:"target"`
	// Knob is what was varied, Unit its level's unit ("players").
	Knob Knob   `json:"vary"`
	Unit string `json:"unit"`
	// SLO is the thresholds every trial had to hold.
	SLO []string `json:"slo"`
	// Start, Max, Resolution and Confirm bound the search, as given.
	Start      float64 `json:"start"`
	Max        float64 `json:"max"`
	Resolution string  `json:"resolution"`
	Confirm    int     `json:"confirm"`
	// TrialDuration is each trial's steady window (closed model).
	TrialDuration time.Duration `json:"trial_duration_ns,omitempty"`
	// Notes are remarks on the search (a -max capped by the file
	// descriptors).
	Notes []string `json:"notes,omitempty"`
	// Machine is the machine the search ran on; Date when it began.
	Machine reports.Machine `json:"machine"`
	Date    time.Time       `json:"date"`
	// Result is the answer and the curve.
	Result
}

// Answer is the answer in one sentence: "this game holds 6,800 players
// at p99(*) < 50ms on this machine".
func (r *Report) Answer() string {
	slo := strings.Join(r.SLO, ", ")
	switch r.Verdict {
	case VerdictHeld:
		if r.AtMax {
			return fmt.Sprintf("this game holds at least %s %s (the maximum tried) at %s on this machine", FormatLevel(r.Capacity), r.Unit, slo)
		}
		return fmt.Sprintf("this game holds %s %s at %s on this machine", FormatLevel(r.Capacity), r.Unit, slo)
	case VerdictNeverHeld:
		return fmt.Sprintf("this game never held %s, not even at %s %s: %s", slo, FormatLevel(r.Start), r.Unit, r.Reason)
	case VerdictRefused:
		return "no answer (refused): " + r.Reason
	case VerdictInterrupted:
		return "no answer (interrupted): " + r.Reason
	}
	return "no answer: " + r.Reason
}

// WriteText writes the answer and the curve, one row per trial.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "#\tphase\t%s\tSLO\tp50\tp90\tp99\tp99.9\tanswered/s\terrors\tlost\tlogged in\tgenerator\t\n", r.Unit)
	for i, t := range r.Trials {
		phase := string(t.Phase)
		if t.Retry {
			phase += " (retry)"
		}
		slo, gen := "broke", "ok"
		if t.Held {
			slo = "held"
		}
		if !t.Healthy() {
			gen = "INVALID"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f\t%d\t%d\t%d/%d\t%s\t\n", i+1, phase, FormatLevel(t.Level), slo,
			formatLatency(t.P50), formatLatency(t.P90), formatLatency(t.P99), formatLatency(t.P999), t.Throughput, t.Errors, t.Lost, t.LoggedIn, t.Players, gen)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, t := range r.Trials {
		if why := append(append([]string(nil), t.Broken...), t.GeneratorProblems...); len(why) > 0 {
			fmt.Fprintf(w, "  #%d %s: %s\n", i+1, FormatLevel(t.Level), strings.Join(why, "; "))
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	_, err := fmt.Fprintf(w, "\n%s\n", r.Answer())
	return err
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// formatLatency writes a latency with three significant digits, "-" for none.
func formatLatency(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%.3gµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.3gms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.3gs", d.Seconds())
}

// ParseResolution parses a resolution: a percentage of the level ("5%")
// or an absolute step ("50").
func ParseResolution(s string) (value float64, relative bool, err error) {
	t := strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(t, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !(v > 0) || v >= 100 {
			return 0, false, fmt.Errorf("resolution %q: want a percentage above 0 and below 100, or a step", s)
		}
		return v / 100, true, nil
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v > 0) || v > 1e12 {
		return 0, false, fmt.Errorf("resolution %q: want a percentage (5%%) or a positive step (50)", s)
	}
	return v, false, nil
}
