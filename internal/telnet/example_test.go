package telnet_test

import (
	"fmt"

	"github.com/portalsim/portalsim/internal/telnet"
)

// A portal reads raw bytes, decodes telnet, answers negotiations and
// splits the data into lines.
func Example() {
	var (
		dec   telnet.Decoder
		lines telnet.LineBuffer
		neg   telnet.Negotiator
		out   []byte
	)
	neg.SupportRemote(telnet.OptNAWS)
	out = append(out, neg.EnableRemote(telnet.OptNAWS)...)

	input := []byte("\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0look\r\nsay caf\xe9\r\n")
	for _, chunk := range [][]byte{input[:5], input[5:17], input[17:]} {
		dec.Decode(chunk, func(e telnet.Event) {
			switch e.Kind {
			case telnet.EventData:
				lines.Write(e.Data, func(line []byte, overflow bool) {
					text, utf8 := telnet.DecodeText(line)
					fmt.Printf("line %q (utf8 %t)\n", text, utf8)
				})
			case telnet.EventNegotiation:
				reply, ch := neg.Receive(e.Verb, e.Opt)
				out = append(out, reply...)
				fmt.Printf("%v %v: enabled %t\n", e.Verb, e.Opt, ch.Enabled)
			case telnet.EventSubneg:
				if w, h, ok := telnet.ParseNAWS(e.Data); ok && e.Opt == telnet.OptNAWS {
					fmt.Printf("window %dx%d\n", w, h)
				}
			}
		})
	}
	fmt.Printf("sent %q\n", out)
	// Output:
	// WILL NAWS: enabled true
	// window 80x24
	// line "look" (utf8 true)
	// line "say café" (utf8 false)
	// sent "\xff\xfd\x1f"
}

func ExampleAppendEscaped() {
	wire := telnet.AppendEscaped(nil, []byte("Hello\nWorld\r\n\xff"))
	fmt.Printf("%q\n", wire)
	// Output: "Hello\r\nWorld\r\n\xff\xff"
}
