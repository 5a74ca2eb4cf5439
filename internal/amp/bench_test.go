package amp_test

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"testing"

	"github.com/portalsim/portalsim/internal/amp"
)

// benchText is a room description as Evennia sends it (ANSI markup
// unconverted: the Portal converts).
const benchText = "|cLimbo|n\nWelcome to your new |wEvennia|n-based game! Visit https://www.evennia.com if you need\nhelp, want to contribute, report issues or just join the community.\n|wExits:|n north, south"

func benchMsg() amp.Msg {
	opts := amp.Dict{{Key: "options", Value: amp.Dict(nil)}}
	return amp.Msg{Sessid: 42, Commands: []amp.Command{{Name: "text", Args: amp.List{benchText}, Kwargs: opts}}}
}

func benchPSYNC(n int) amp.Admin {
	sessions := make(map[int64]*amp.SessionData, n)
	for i := range n {
		id := int64(i + 1)
		sessions[id] = &amp.SessionData{
			ProtocolKey: "telnet", Address: "127.0.0.1", Sessid: id, Uid: id + 100, Uname: fmt.Sprintf("player%d", i),
			LoggedIn: true, Puid: id + 200, ConnTime: 1765100000.5, CmdLast: 1765100001.5, CmdLastVisible: 1765100001.5,
			CmdTotal: 42, CmdsetStorage: "commands.default_cmdsets.AccountCmdSet",
			ProtocolFlags: amp.Dict{{Key: "ANSI", Value: true}, {Key: "ENCODING", Value: "utf-8"}, {Key: "SCREENWIDTH", Value: amp.Dict{{Key: int64(0), Value: int64(80)}}}, {Key: "TTYPE", Value: true}},
			Extra:         amp.Dict{{Key: "csessid", Value: nil}, {Key: "suid", Value: nil}},
			Keys:          amp.SessionKeys(),
		}
	}
	return amp.Admin{Op: amp.OpPortalSync, Sessions: sessions, PortalStartTime: 1765100000.25,
		Keys: []string{"operation", "server_restart_mode", "sessiondata", "portal_start_time"}, RestartMode: "reload"}
}

// msgBox returns the wire bytes of a MsgServer2Portal box carrying m.
func msgBox(b testing.TB, m amp.Msg) []byte {
	b.Helper()
	p, err := amp.AppendMsg(nil, &m)
	if err != nil {
		b.Fatal(err)
	}
	var c amp.Compressor
	box, err := c.AppendArgument(amp.NewCommand(amp.CommandMsgServer2Portal, []byte("1a")), amp.ArgPackedData, p)
	if err != nil {
		b.Fatal(err)
	}
	w, err := amp.AppendBox(nil, box)
	if err != nil {
		b.Fatal(err)
	}
	return w
}

// repeatReader yields the same bytes forever.
type repeatReader struct {
	data []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.data[r.off:])
		n += k
		r.off = (r.off + k) % len(r.data)
	}
	return n, nil
}

func BenchmarkReadBox(b *testing.B) {
	w := msgBox(b, benchMsg())
	r := amp.NewReader(bufio.NewReaderSize(&repeatReader{data: w}, 64<<10), amp.Limits{})
	b.SetBytes(int64(len(w)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ReadBox(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteBox(b *testing.B) {
	boxes, err := readAll(b, bytes.NewReader(msgBox(b, benchMsg())), amp.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	w := amp.NewWriter(io.Discard)
	b.SetBytes(int64(boxes[0].Size()))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteBox(boxes[0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompress(b *testing.B) {
	m := benchMsg()
	p, err := amp.AppendMsg(nil, &m)
	if err != nil {
		b.Fatal(err)
	}
	for _, level := range []struct {
		name  string
		level int
	}{{"None", zlib.NoCompression}, {"BestSpeed", zlib.BestSpeed}, {"Default", zlib.DefaultCompression}, {"Best", zlib.BestCompression}} {
		b.Run(level.name, func(b *testing.B) {
			c, err := amp.NewCompressor(level.level)
			if err != nil {
				b.Fatal(err)
			}
			box := make(amp.Box, 0, 4)
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			for b.Loop() {
				if box, err = c.AppendArgument(box[:0], amp.ArgPackedData, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(box[0].Value)), "zbytes")
		})
	}
}

func BenchmarkDecompress(b *testing.B) {
	boxes, err := readAll(b, bytes.NewReader(msgBox(b, benchMsg())), amp.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	var d amp.Decompressor
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Argument(boxes[0], amp.ArgPackedData); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPayload(b *testing.B) {
	msg := benchMsg()
	psync := benchPSYNC(100)
	encodings := map[string]func([]byte) ([]byte, error){
		"Msg":      func(dst []byte) ([]byte, error) { return amp.AppendMsg(dst, &msg) },
		"PSYNC100": func(dst []byte) ([]byte, error) { return amp.AppendAdmin(dst, &psync) },
	}
	decodings := map[string]func([]byte) error{
		"Msg":      func(p []byte) error { _, err := amp.DecodeMsg(p, amp.Limits{}); return err },
		"PSYNC100": func(p []byte) error { _, err := amp.DecodeAdmin(p, amp.Limits{}); return err },
	}
	for _, name := range []string{"Msg", "PSYNC100"} {
		b.Run("Encode/"+name, func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = encodings[name](buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(buf)))
		})
		b.Run("Decode/"+name, func(b *testing.B) {
			p, err := encodings[name](nil)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			for b.Loop() {
				if err := decodings[name](p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
