package clientaddr

import "testing"

func TestKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"127.0.0.1":                   "127.0.0.1",
		"127.0.0.1:4000":              "127.0.0.1",
		"::ffff:127.0.0.5":            "127.0.0.5",
		"[::ffff:127.0.0.5]:9":        "127.0.0.5",
		"2001:db8:1:2:3:4:5:6":        "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:4000": "2001:db8:1:2::/64",
		"fe80::1%eth0":                "fe80::/64",
		"::1":                         "::/64",
		"not an address":              "not an address",
		"":                            "",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
	if Key("2001:db8:1:2::1") == Key("2001:db8:1:3::1") {
		t.Error("two /64s share a key")
	}
}
