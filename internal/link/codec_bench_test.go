package link

import (
	"bufio"
	"fmt"
	"io"
	"testing"
	"time"
)

// benchMessages are the link's hot messages: a player's command, its
// answer, a room broadcast to 1,000 sessions and the PSYNC reply of a
// portal with 1,000 sessions.
func benchMessages() map[string]Message {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ids := make([]uint64, 1000)
	sessions := make([]SessionData, 1000)
	for i := range ids {
		ids[i] = uint64(i + 1)
		sessions[i] = SessionData{
			Sessid: uint64(i + 1), ProtocolKey: "telnet", Address: "127.0.0.1", Seq: uint64(i + 1),
			Uid: int64(i + 100), Uname: fmt.Sprintf("player%d", i), LoggedIn: true, Puid: int64(i + 200),
			ConnTime: now, CmdLast: now, CmdLastVisible: now, CmdTotal: 42,
			ProtocolFlags: map[string]any{"SCREENWIDTH": float64(80), "SCREENHEIGHT": float64(24), "ANSI": true, "TTYPE": "XTERM-256COLOR"},
			ServerData:    map[string]any{"login_screen": "shown"},
			SyncRev:       3,
		}
	}
	return map[string]Message{
		"DATAIN":    {Op: OpDataIn, Sessid: 42, Data: []Command{Text("look")}},
		"DATAOUT":   {Op: OpDataOut, Sessid: 42, Ack: 1234, Data: []Command{Text("Limbo\nThe void between the worlds. Exits: north, south.\n"), Prompt("> ")}},
		"BCAST1000": {Op: OpDataOut, Sessids: ids, Data: []Command{Text(`Alice says, "Hello, everyone!"`)}},
		"PSYNC1000": {Op: OpPortalSync, Mode: ModeReload, Link: 3, Seen: 999, Sessions: sessions},
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, name := range []string{"DATAIN", "DATAOUT", "BCAST1000", "PSYNC1000"} {
		m := benchMessages()[name]
		b.Run(name, func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = AppendFrame(buf[:0], m); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"DATAIN", "DATAOUT", "BCAST1000", "PSYNC1000"} {
		m := benchMessages()[name]
		b.Run(name, func(b *testing.B) {
			frame, err := AppendFrame(nil, m)
			if err != nil {
				b.Fatal(err)
			}
			r := &repeatReader{frame: frame}
			fr := NewFrameReader(bufio.NewReaderSize(r, 64<<10), 0)
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fr.Read(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// repeatReader returns the same frame over and over.
type repeatReader struct {
	frame []byte
	off   int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if len(r.frame) == 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.frame[r.off:])
		n += k
		r.off = (r.off + k) % len(r.frame)
	}
	return n, nil
}

// BenchmarkFloor copies each message's encoded frame: what moving its
// bytes costs with no encoding at all, the floor under Encode and Decode.
func BenchmarkFloor(b *testing.B) {
	for _, name := range []string{"DATAIN", "DATAOUT", "BCAST1000", "PSYNC1000"} {
		frame, err := AppendFrame(nil, benchMessages()[name])
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			dst := make([]byte, len(frame))
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				copy(dst, frame)
			}
		})
	}
}
