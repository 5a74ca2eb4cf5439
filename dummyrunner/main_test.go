package dummyrunner

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: a
// player's socket reader, a fake server's connection or a stack.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
