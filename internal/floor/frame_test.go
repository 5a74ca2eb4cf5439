package floor

import (
	"bytes"
	"errors"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		id      uint64
		kind    Kind
		payload string
	}{
		{"data", 7, KindData, "look"},
		{"empty data", 1, KindData, ""},
		{"data with separators", 42, KindData, "a:b+c-d\r"},
		{"open", 1<<64 - 1, KindOpen, ""},
		{"close", 0, KindClose, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := AppendFrame(nil, tt.id, tt.kind, []byte(tt.payload))
			if b[len(b)-1] != '\n' {
				t.Fatalf("frame %q does not end in LF", b)
			}
			id, k, p, err := ParseFrame(b[:len(b)-1])
			if err != nil {
				t.Fatalf("ParseFrame(%q): %v", b, err)
			}
			if id != tt.id || k != tt.kind || string(p) != tt.payload {
				t.Errorf("got %d %v %q, want %d %v %q", id, k, p, tt.id, tt.kind, tt.payload)
			}
		})
	}
}

func TestParseFrameRefuses(t *testing.T) {
	t.Parallel()
	for _, line := range []string{"", ":x", "x:1", "12", "1+x", "2-x", "99999999999999999999999:x", "18446744073709551616+", "-1:x", " 1:x"} {
		if _, _, _, err := ParseFrame([]byte(line)); !errors.Is(err, ErrBadFrame) {
			t.Errorf("ParseFrame(%q) = %v, want ErrBadFrame", line, err)
		}
	}
}

func FuzzParseFrame(f *testing.F) {
	for _, s := range []string{"1:look", "2+", "3-", "x", "18446744073709551615:z", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		id, k, p, err := ParseFrame(line)
		if err != nil {
			return
		}
		// What parses re-encodes to a frame that parses the same (the
		// id's leading zeros aside, the same line).
		enc := AppendFrame(nil, id, k, p)
		id2, k2, p2, err := ParseFrame(enc[:len(enc)-1])
		if err != nil || id2 != id || k2 != k || !bytes.Equal(p2, p) {
			t.Fatalf("ParseFrame(%q) = %d %v %q, encoded %q, parsed again %d %v %q %v", line, id, k, p, enc, id2, k2, p2, err)
		}
		if line[0] != '0' && !bytes.Equal(enc[:len(enc)-1], line) {
			t.Fatalf("ParseFrame(%q) encodes back as %q", line, enc)
		}
	})
}
