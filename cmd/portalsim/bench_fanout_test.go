package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// "bench fanout" at tiny scale prints its table and writes its JSON.
func TestBenchFanoutTiny(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "fanout.json")
	code, text := runQuick(t, "bench", "fanout", "-rooms", "3,5", "-says", "3", "-json", out)
	if code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, text)
	}
	for _, want := range []string{"10 of 10 delivered", "Say latency per room size"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Rooms []struct {
			Size      int    `json:"size"`
			Delivered uint64 `json:"delivered"`
		} `json:"rooms"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Rooms) != 2 || res.Rooms[0].Size != 3 || res.Rooms[0].Delivered != 6 || res.Rooms[1].Delivered != 12 {
		t.Errorf("JSON rooms %+v, want 3 (6 delivered) and 5 (12)", res.Rooms)
	}
}

func TestBenchFanoutFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-rooms", "3,x"}, {"-rooms", "1"}, {"-rooms", "10", "-players", "5"}} {
		if code, out := runQuick(t, append([]string{"bench", "fanout"}, args...)...); code != ExitUsage && code != ExitInvalidConfig {
			t.Errorf("%q: exit %d, want a usage or config error:\n%s", args, code, out)
		}
	}
}
