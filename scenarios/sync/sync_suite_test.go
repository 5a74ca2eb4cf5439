package sync_test

import (
	"testing"

	"github.com/portalsim/portalsim/internal/testutil"
)

func TestSyncSuite(t *testing.T) { testutil.RunSuite(t, "Sync Suite") }
