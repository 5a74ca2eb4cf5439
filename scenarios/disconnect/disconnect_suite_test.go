package disconnect_test

import (
	"testing"

	"github.com/portalsim/portalsim/internal/testutil"
)

func TestDisconnectSuite(t *testing.T) { testutil.RunSuite(t, "Disconnect Suite") }
