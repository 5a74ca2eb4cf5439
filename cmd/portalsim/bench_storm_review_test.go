package main

import (
	"bufio"
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
)

// fakeEchoTarget is a telnet door that greets every connection at once
// but answers the echo probe only for the tokens in answer: a portal
// that accepts sessions some of which never get to the game.
func fakeEchoTarget(t *testing.T, answer ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				if _, err := c.Write([]byte("welcome\r\n")); err != nil {
					return
				}
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					f := strings.Fields(sc.Text())
					if len(f) == 2 && f[0] == "dummyrunner_echo_response" {
						for _, a := range answer {
							if f[1] == a {
								_, _ = c.Write([]byte("dummyrunner_echo_response:" + a + ",1\r\n"))
							}
						}
					}
				}
			})
		}
	})
	return ln.Addr().String()
}

// -hold N where some held connections never answer the probe: the text
// must not say all probes were answered, and the command must not exit
// 0, or a CI gate on "19,000 sessions all answering" passes with some
// silent.
func TestBenchStormHoldDoesNotClaimUnansweredProbes(t *testing.T) {
	t.Parallel()
	target := fakeEchoTarget(t, "storm-0") // the readiness probe and the first held connection
	var out, errb bytes.Buffer
	err := run(t.Context(), []string{"bench", "storm", "-target", target, "-hold", "3", "-dialers", "1", "-sources", "1", "-timeout", "300ms"}, &out, &errb)
	text := out.String()
	if !strings.Contains(text, "held 3 of 3 connected at once, 1 answered") {
		t.Fatalf("output (err %v):\n%s%s", err, text, errb.String())
	}
	if strings.Contains(text, "all probes answered") {
		t.Errorf("2 of 3 probes were never answered, but the output says all were:\n%s", text)
	}
	if code := exitCode(err, &errb); code == ExitOK {
		t.Errorf("exit %d with 2 of 3 held connections silent, want a failure", code)
	}
}

// With the throttle on and no answer in the measurement window (here a
// storm of 3 connections, over long before the warm-up ends), there is
// no release rate to compare with the setting: the output must not
// report a deviation of 0%, which reads as within the 1% target.
func TestBenchStormReleaseRateWithoutAnswersIsNoPass(t *testing.T) {
	text, _ := runStorm(t, "-max-connection-rate", "40", "-conns", "3", "-dialers", "1", "-duration", "31s", "-warmup", "30s")
	if strings.Contains(text, "+0.00%") {
		t.Errorf("no answer in the window, yet the release rate is reported on target:\n%s", text)
	}
}
