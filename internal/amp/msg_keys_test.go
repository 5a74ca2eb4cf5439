package amp_test

import (
	"errors"
	"math/big"
	"testing"

	"github.com/portalsim/portalsim/internal/amp"
)

// TestAppendMsgDuplicateKeys: a Msg whose entries would write a dict key
// twice is refused (Python would keep the last one only; review-amp.md
// finding 8).
func TestAppendMsgDuplicateKeys(t *testing.T) {
	t.Parallel()
	text := amp.Command{Name: "text", Args: amp.List{"hi"}}
	tests := []struct {
		name string
		m    amp.Msg
		err  error
	}{
		{name: "distinct", m: amp.Msg{Commands: []amp.Command{text, {Name: "prompt"}}, Extra: amp.Dict{{Key: int64(1), Value: nil}}}},
		{name: "command twice", m: amp.Msg{Commands: []amp.Command{text, text}}, err: amp.ErrPythonType},
		{name: "command and extra", m: amp.Msg{Commands: []amp.Command{text}, Extra: amp.Dict{{Key: "text", Value: nil}}}, err: amp.ErrPythonType},
		{name: "extra int twice", m: amp.Msg{Extra: amp.Dict{{Key: int64(1), Value: nil}, {Key: big.NewInt(1), Value: nil}}}, err: amp.ErrPythonType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := amp.AppendMsg([]byte("x"), &tt.m)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err: got %v, want %v", err, tt.err)
			}
			if err != nil && string(got) != "x" {
				t.Fatalf("dst changed on error: %q", got)
			}
		})
	}
}
