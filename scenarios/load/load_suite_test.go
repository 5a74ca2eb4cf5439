package load_test

import (
	"testing"

	"github.com/portalsim/portalsim/internal/testutil"
)

func TestLoadSuite(t *testing.T) { testutil.RunSuite(t, "Load Suite") }
