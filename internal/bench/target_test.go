package bench

import (
	"bytes"
	"errors"
	"testing"
)

func TestRefuseOptions(t *testing.T) {
	t.Parallel()
	in := []byte{iac, do, 24, 'h', 'i', iac, iac, do, iac, will, 3, iac, 249, iac, will}
	want := []byte{iac, wont, 24, iac, dont, 3}
	if got := refuseOptions(in); !bytes.Equal(got, want) {
		t.Errorf("refuseOptions = %v, want %v", got, want)
	}
}

func TestParseTargets(t *testing.T) {
	t.Parallel()
	got, err := ParseTargets(" floor, portal,127.0.0.1:4000 ,")
	if err != nil || len(got) != 3 || got[0] != "floor" || got[2] != "127.0.0.1:4000" {
		t.Errorf("ParseTargets = %q, %v", got, err)
	}
	for _, bad := range []string{"", "floor,floor", "portals", "host:"} {
		if _, err := ParseTargets(bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("ParseTargets(%q) = %v, want ErrInvalidConfig", bad, err)
		}
	}
}
