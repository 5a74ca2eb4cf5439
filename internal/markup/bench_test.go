package markup

import "testing"

// room is a typical room description as a game sends it.
const room = "|cThe Great Hall|n\n" +
	"A vaulted hall of grey stone. Torches in |[x|y iron brackets|n throw a flickering light over " +
	"long |520oak tables|n, where |wa few travellers|n sit over their ale. A |#ff8000fire|n crackles " +
	"in the hearth; above it hangs a |uworn tapestry|U of the |!Rking's|n hunt.\n" +
	"|wExits:|n |lcnorth|ltnorth|le, |lceast|lteast|le, |lcsouth|ltsouth|le\n" +
	"|wYou see:|n a |=mgrey cat|n, |gan old map|n and |rthe innkeeper|n. Map at www.example.com.\n"

func BenchmarkANSI(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(room)))
	for b.Loop() {
		ANSI(room, Xterm256)
	}
}

func BenchmarkHTML(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(room)))
	for b.Loop() {
		HTML(room)
	}
}
