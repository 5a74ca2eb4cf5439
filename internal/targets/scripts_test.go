package targets

import (
	"net"
	"path/filepath"
	"testing"
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

func TestDirFromTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(DirEnv, dir)
	got, err := Dir()
	if err != nil || got != dir {
		t.Errorf("got %q, %v; want %q", got, err, dir)
	}
	t.Setenv(DirEnv, filepath.Join(dir, "missing"))
	if _, err := Dir(); err == nil {
		t.Error("no error for a missing directory")
	}
}
