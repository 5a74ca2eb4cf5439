package reports

import (
	"errors"
	"strings"
	"testing"
)

func TestThresholdAction(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ expr, want string }{
		{"p99(looks) < 1s", "looks"},
		{"p99.9(ttfb:looks) < 1s", "looks"},
		{"mean(corrected:*) < 1s", "*"},
		{"errors == 0", "*"},
		{"errors(digs) == 0", "digs"},
		{"error_rate(help) < 1%", "help"},
		{"phase_p99(logged_in) < 1s", ""},
		{"lag_max(total) < 1s", ""},
		{"lost_clients == 0", ""},
		{"throughput > 5", ""},
	} {
		th, err := ParseThreshold(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := th.Action(); got != tt.want {
			t.Errorf("%s: Action() = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

func TestThresholdCheckAction(t *testing.T) {
	t.Parallel()
	known := []string{"looks", "login", "logout", "looks", "digs"}
	for _, tt := range []struct {
		expr string
		want string // "" for known
	}{
		{"p99(looks) < 1s", ""},
		{"p99(*) < 1s", ""},
		{"lost_clients == 0", ""},
		{"p99(lookz) < 1s", `invalid threshold "p99(lookz) < 1s": unknown action "lookz" (known: *, digs, login, logout, looks); did you mean "looks"?`},
		{"errors(dig) == 0", `unknown action "dig" (known: *, digs, login, logout, looks); did you mean "digs"?`},
		{"p99(x) < 1s", `unknown action "x" (known: *, digs, login, logout, looks)`}, // nothing near: no suggestion at the end
	} {
		th, err := ParseThreshold(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		err = th.CheckAction(known)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v, want no error", tt.expr, err)
		case tt.want != "" && (!errors.Is(err, ErrThreshold) || !strings.HasSuffix(err.Error(), tt.want)):
			t.Errorf("%s: %v, want an error wrapping ErrThreshold ending %q", tt.expr, err, tt.want)
		}
	}
	// A name from someone else's report reaches the error quoted, and a
	// long list is cut.
	th, err := ParseThreshold("p99(lookz) < 1s")
	if err != nil {
		t.Fatal(err)
	}
	many := []string{"\x1b[2Jname"}
	for i := range 100 {
		many = append(many, strings.Repeat("a", i+1))
	}
	err = th.CheckAction(many)
	if err == nil || strings.ContainsRune(err.Error(), '\x1b') || !strings.Contains(err.Error(), `"\x1b[2Jname"`) || !strings.Contains(err.Error(), "and 61 more") {
		t.Errorf("error %q: want the odd name quoted and the list cut", err)
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"looks", "looks", 0},
		{"lookz", "looks", 1},
		{"look", "looks", 1},
		{"lokos", "looks", 2},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
		{strings.Repeat("a", 100), strings.Repeat("a", 100), 3}, // too long to compare: the limit
	} {
		if got := editDistance(tt.a, tt.b, 3); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
