package targets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseAccounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		out     string
		want    []EvenniaAccount
		wantErr string
	}{
		{name: "all made", out: "load001,Load-test-pw-2024\nload002,Load-test-pw-2024\n",
			want: []EvenniaAccount{{"load001", "Load-test-pw-2024"}, {"load002", "Load-test-pw-2024"}}},
		{name: "one failed", out: "load001,pw-long-enough\nERROR load002: bad password\n", wantErr: "ERROR load002"},
		{name: "too few", out: "load001,pw-long-enough\n", wantErr: "1 accounts made, want 2"},
		{name: "noise", out: "Traceback (most recent call last):\n", wantErr: "unexpected line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseAccounts(tt.out, 2)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("accounts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteAccountsHasAHeaderRow(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "accounts.csv")
	if err := writeAccounts(path, []EvenniaAccount{{"load001", "pw-1"}, {"load002", "pw-2"}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "name,password\nload001,pw-1\nload002,pw-2\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParsePIDs(t *testing.T) {
	t.Parallel()
	out := "Evennia 5.0.1 up in 3.6s: telnet=127.0.0.1:4000 amp=4006\nportal_pid=101 server_pid=202\n"
	portal, server, err := parsePIDs(out)
	if err != nil || portal != 101 || server != 202 {
		t.Errorf("got %d, %d, %v; want 101, 202, nil", portal, server, err)
	}
	if _, _, err := parsePIDs("start.sh: server did not report ready\n"); err == nil {
		t.Error("no error without pids")
	}
}

func TestSkipInGameCopy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rel  string
		want bool
	}{
		{"server/logs/server.log", true},
		{"server/logs/README.md", false},
		{"server/portal.pid", true},
		{"server/evennia.db3", true},
		{"server/evennia.db3-journal", true},
		{"server/conf/settings.py", false},
		{"world/prototypes.py", false},
		{"server/conf/evennia.db3", false},
	}
	for _, tt := range tests {
		if got := skipInGameCopy(filepath.FromSlash(tt.rel)); got != tt.want {
			t.Errorf("skipInGameCopy(%q) = %v, want %v", tt.rel, got, tt.want)
		}
	}
}
