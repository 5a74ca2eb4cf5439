package reliability_test

import (
	"testing"

	"github.com/portalsim/portalsim/internal/testutil"
)

func TestReliabilitySuite(t *testing.T) { testutil.RunSuite(t, "Reliability Suite") }
