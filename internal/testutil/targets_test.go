package testutil

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// FreePortBlock's blocks lie in its range. (Whether a block is still
// free when a test binds it is a race with every other process on the
// machine; FreePortBlock's callers retry, and portsFree is tested below
// against a port that is held for sure.)
func TestFreePortBlockInRange(t *testing.T) {
	t.Parallel()
	for range 20 {
		p, err := FreePortBlock(EvenniaPortOffsets...)
		if err != nil {
			t.Fatal(err)
		}
		if p < portBlockLow || p+6 >= portBlockHigh {
			t.Fatalf("port block %d outside [%d, %d)", p, portBlockLow, portBlockHigh)
		}
	}
}

// portsFree says a block is taken when the port at any of its offsets
// is listened on: here one this test holds (from port 0, so no other
// process can have it).
func TestPortsFreeSeesATakenPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	q := ln.Addr().(*net.TCPAddr).Port
	for _, tc := range []struct {
		p    int
		offs []int
	}{{q, nil}, {q, []int{0}}, {q - 1, []int{0, 1}}, {q - 6, EvenniaPortOffsets}} {
		if portsFree(tc.p, tc.offs) {
			t.Errorf("portsFree(%d, %v) = true, but port %d is listened on", tc.p, tc.offs, q)
		}
	}
}

func TestFreePortBlockRefusesBadOffsets(t *testing.T) {
	t.Parallel()
	for _, offs := range [][]int{{-1}, {0, portBlockHigh}} {
		if _, err := FreePortBlock(offs...); err == nil {
			t.Errorf("FreePortBlock(%v): no error", offs)
		}
	}
}

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

func TestTargetsDirFromTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(TargetsEnv, dir)
	got, err := TargetsDir()
	if err != nil || got != dir {
		t.Errorf("got %q, %v; want %q", got, err, dir)
	}
	t.Setenv(TargetsEnv, filepath.Join(dir, "missing"))
	if _, err := TargetsDir(); err == nil {
		t.Error("no error for a missing directory")
	}
}

// tinyMUXWelcome is a line of TinyMUX's welcome screen.
var tinyMUXWelcome = regexp.MustCompile(`"connect <name> <password>" connects you`)

// TestTinyMUXStartsAndStops starts the stock TinyMUX with the harness
// and talks to it: the specs of scenarios/targets rely on this.
func TestTinyMUXStartsAndStops(t *testing.T) {
	t.Parallel()
	scripts := NeedTinyMUX(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := StartTinyMUX(ctx, scripts, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	c, err := DialTelnet(m.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Expect(tinyMUXWelcome, 10*time.Second); err != nil {
		t.Fatalf("no welcome screen: %v", err)
	}
	if err := m.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitClosed(30 * time.Second); err != nil {
		t.Errorf("the connection outlived the server: %v", err)
	}
}
