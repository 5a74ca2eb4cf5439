package throttle_test

import (
	"testing"

	"github.com/portalsim/portalsim/internal/testutil"
)

func TestThrottleSuite(t *testing.T) { testutil.RunSuite(t, "Throttle Suite") }
