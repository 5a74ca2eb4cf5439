package dummyrunner

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseAccounts reads accounts files: a header or none, quoting,
// and the malformed ones refused with the row, never the password.
func TestParseAccounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []account
		err      string
	}{
		{"header", "name,password\nann,pw1\nbob,pw2\n", []account{{"ann", "pw1"}, {"bob", "pw2"}}, ""},
		{"no header", "ann,pw1\r\nbob,pw2", []account{{"ann", "pw1"}, {"bob", "pw2"}}, ""},
		{"header any case, spaces", "Name, Password\nann, pw1\n", []account{{"ann", "pw1"}}, ""},
		{"quoted", "\"Ann Lee\",\"p,w\"\n", []account{{"Ann Lee", "p,w"}}, ""},
		{"empty", "", nil, "no accounts"},
		{"header only", "name,password\n", nil, "no accounts"},
		{"three fields", "ann,pw1,x\n", nil, "row 1 has 3 fields"},
		{"one field", "ann,pw1\nbob\n", nil, "row 2 has 1 fields"},
		{"empty name", ",pw1\n", nil, "row 1: the name is empty"},
		{"empty password", "ann,\n", nil, "row 1 (ann): the password is empty"},
		{"control in password", "ann,\"se\ncret\"\n", nil, "row 1 (ann): the password has a control character"},
		{"control in name", "\"a\tb\",pw\n", nil, `the name "a\tb" has a control character`},
		{"bad quote", "ann,\"secret\n", nil, "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseAccounts([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, errAccounts) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "pw1") {
					t.Errorf("error %q shows a password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(account{})); d != "" {
				t.Errorf("accounts (-want +got):\n%s", d)
			}
		})
	}
	if s := fmt.Sprint(account{"ann", "pw1"}); strings.Contains(s, "pw1") {
		t.Errorf("an account formats as %q, with its password", s)
	}
}

// TestAccountsFile: the file is relative to the scenario, needs a row per
// player, and gives player i row i.
func TestAccountsFile(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"a.csv": "name,password\nann,pw-a\nbob,pw-b\n"})
	if _, err := parsePlan([]byte("clients: 3\nduration: 1s\naccounts: {file: a.csv}"), dir); err == nil ||
		!strings.Contains(err.Error(), "accounts.file") || !strings.Contains(err.Error(), "2 accounts for 3 players") {
		t.Errorf("3 players, 2 accounts: %v", err)
	}
	if _, err := parsePlan([]byte("clients: 1\nduration: 1s\naccounts: {file: nope.csv}"), dir); err == nil || !strings.Contains(err.Error(), "accounts.file") {
		t.Errorf("a missing file: %v", err)
	}
	pl := scenarioIn(t, dir, "clients: 2\nduration: 1s\naccounts: {file: a.csv}")
	r, err := NewRunner(pl, Options{Target: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if p := newPlayer(r, 1); p.sc.name != "bob" || p.sc.password != "pw-b" || p.redact("connect bob pw-b") != "connect bob ********" {
		t.Errorf("player 1: %q/%q, want bob's row, redacted in logs", p.sc.name, p.sc.password)
	}
}
