package ampbridge

import (
	"errors"
	"testing"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

// fuzzLimits keep the fuzzer's inputs cheap.
var fuzzLimits = amp.Limits{MaxKeys: 64, MaxBox: 1 << 20, MaxPayload: 1 << 20, MaxDepth: 50, MaxNodes: 1 << 14}

// FuzzFromServer translates any payload a Server could send (any
// pickle amp decodes as an Admin or a Msg: values of every Python type,
// every shape of kwargs and sessiondata): no panic, only the package's
// errors, and what it gives encodes on the link and translates back to
// payloads that encode.
func FuzzFromServer(f *testing.F) {
	for _, r := range captured(f) {
		f.Add(r.msg.Commands != nil || r.msg.Extra != nil, r.pickle)
	}
	f.Fuzz(func(t *testing.T, isMsg bool, data []byte) {
		var p Payload
		if isMsg {
			m, err := amp.DecodeMsg(data, fuzzLimits)
			if err != nil {
				return
			}
			p.Msg = &m
		} else {
			a, err := amp.DecodeAdmin(data, fuzzLimits)
			if err != nil {
				return
			}
			p.Admin = &a
		}
		var bridge, fakeServer Translator
		m, err := bridge.FromServer(p)
		if err != nil {
			if !errors.Is(err, ErrValue) && !errors.Is(err, ErrUnexpected) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		frame, err := link.AppendFrame(nil, m)
		if err != nil {
			t.Fatalf("%v does not encode on the link: %v", m.Op, err)
		}
		back, err := link.DecodeFrame(frame)
		if err != nil {
			t.Fatalf("%v does not decode from the link: %v", m.Op, err)
		}
		out, err := fakeServer.ToPortal(&back)
		if err != nil {
			t.Fatalf("%v does not translate back: %v", m.Op, err)
		}
		for _, p := range out {
			if p.Msg != nil {
				_, err = amp.AppendMsg(nil, p.Msg)
			} else {
				_, err = amp.AppendAdmin(nil, p.Admin)
			}
			if err != nil {
				t.Fatalf("%v translated back does not encode: %v", m.Op, err)
			}
		}
	})
}
