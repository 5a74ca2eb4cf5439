package amp_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/amp"
)

// TestEncodeLargeSessionLinear: a session dict of 100k keys, as decoded
// (Keys naming every key, Extra holding the unmodelled ones), encodes in
// linear time (review-amp.md finding 5): 2 s under -race on a loaded
// machine, minutes when quadratic.
func TestEncodeLargeSessionLinear(t *testing.T) {
	t.Parallel()
	const n = 100_000
	s := &amp.SessionData{Sessid: 1, Keys: []string{"sessid"}}
	for i := range n {
		k := fmt.Sprintf("k%07d", i)
		s.Keys = append(s.Keys, k)
		s.Extra = append(s.Extra, amp.Item{Key: k, Value: int64(i)})
	}
	done := make(chan error, 1)
	go func() {
		_, err := amp.AppendAdmin(nil, &amp.Admin{Op: amp.OpPortalConnect, Sessid: 1, Session: s})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("not encoded within a minute")
	}
}
