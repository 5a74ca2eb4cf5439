package loopback

import (
	"errors"
	"testing"
)

func TestCheck(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:4006": true, "127.3.4.5:0": true, "[::1]:80": true, "localhost:1": true,
		":4006": false, "0.0.0.0:4006": false, "[::]:1": false, "10.0.0.1:4006": false,
		"example.org:4006": false, "192.168.1.2:0": false,
	} {
		err := Check(addr)
		if (err == nil) != ok {
			t.Errorf("Check(%q) = %v, want ok=%v", addr, err, ok)
		}
		if err != nil && !errors.Is(err, ErrNotLoopback) {
			t.Errorf("Check(%q) = %v, want ErrNotLoopback", addr, err)
		}
	}
	if err := Check("no-port"); err == nil || errors.Is(err, ErrNotLoopback) {
		t.Errorf("Check(no-port) = %v, want a parse error", err)
	}
}
