package hostile_test

import (
	"testing"

	"github.com/portalsim/portalsim/internal/testutil"
)

func TestHostileSuite(t *testing.T) { testutil.RunSuite(t, "Hostile Suite") }
