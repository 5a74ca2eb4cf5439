package sessid_test

import (
	"testing"

	"github.com/portalsim/portalsim/internal/testutil"
)

func TestSessidSuite(t *testing.T) { testutil.RunSuite(t, "Sessid Suite") }
