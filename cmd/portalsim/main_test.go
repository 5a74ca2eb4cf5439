package main

import (
	"os"
	"testing"
)

// asMainEnv, set in a child process's environment, makes the test binary
// run as portalsim itself with the child's arguments: a test can then run
// "portalsim server" as a real process, to stop and kill it.
const asMainEnv = "PORTALSIM_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}
