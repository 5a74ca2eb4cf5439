package procstack

import (
	"os"
	"runtime"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile("testdata/stat.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		stat      string
		wantTicks uint64
		wantRSS   int64
		wantErr   bool
	}{
		{"fixture, comm with spaces and parentheses", string(fixture), 1234 + 56, 360, false},
		{"no comm", "1 R 2 3", 0, 0, true},
		{"too short", "1 (x) R 1 1 1 0 -1 0 0 0 0 0 5", 0, 0, true},
		{"not a number", "1 (x) R 1 1 1 0 -1 0 0 0 0 0 u s 0 0 0 0 0 0 0 0 9", 0, 0, true},
		{"rss not a number", "1 (x) R 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 0 0 0 0 0 0 r", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ticks, rss, err := parseStat([]byte(tt.stat))
			if (err != nil) != tt.wantErr || ticks != tt.wantTicks || rss != tt.wantRSS {
				t.Errorf("parseStat = %d, %d, %v; want %d, %d, error %v", ticks, rss, err, tt.wantTicks, tt.wantRSS, tt.wantErr)
			}
		})
	}
}

// A real process that burns CPU shows it, summed over its threads; the
// figure never goes down; its memory and descriptors are read too.
func TestReadStatOfRealProcesses(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	before, err := ReadStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if before.RSS <= 0 || before.FDs < 3 {
		t.Errorf("ReadStat(self) = %+v, want memory and at least stdin, stdout, stderr", before)
	}
	// Burn at least 50 ms of CPU (5 ticks), awaited by the figure itself.
	deadline := time.Now().Add(time.Minute)
	x := 0
	for {
		for i := range 1_000_000 {
			x += i
		}
		now, err := ReadStat(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if now.CPU < before.CPU {
			t.Fatalf("CPU went down: %v then %v", before.CPU, now.CPU)
		}
		if now.CPU-before.CPU >= 50*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CPU of this busy process did not grow 50ms in a minute (%v)", now.CPU-before.CPU)
		}
	}
	_ = x
	if _, err := ReadStat(1 << 30); err == nil {
		t.Error("no error for a pid that does not exist")
	}
	// ReadCPU reads the same counter, without the descriptors.
	if cpu, err := ReadCPU(os.Getpid()); err != nil || cpu < before.CPU+50*time.Millisecond {
		t.Errorf("ReadCPU(self) = %v, %v; want at least the %v ReadStat saw after the burn", cpu, err, before.CPU+50*time.Millisecond)
	}
	if _, err := ReadCPU(1 << 30); err == nil {
		t.Error("ReadCPU: no error for a pid that does not exist")
	}
}
