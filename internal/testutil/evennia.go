package testutil

import (
	"path/filepath"

	"github.com/portalsim/portalsim/internal/targets"
	"github.com/portalsim/portalsim/internal/testenv"
)

// NeedEvennia returns the paths of the Evennia installation that the
// shared install.sh made, for [targets.StartEvennia] (see
// [targets.EvenniaConfig.WithDefaults]). When it or the scripts
// (make_accounts.sh too: the specs make accounts) are missing it skips
// t, or fails it when CI is set (see [testenv.Missing]).
func NeedEvennia(t testenv.TB) targets.EvenniaConfig {
	t.Helper()
	dir, err := targets.Dir()
	if err != nil {
		testenv.Missing(t, "the Evennia scripts: %v", err)
		return targets.EvenniaConfig{}
	}
	cfg := targets.EvenniaConfig{Scripts: filepath.Join(dir, "evennia")}.WithDefaults()
	withAccounts := cfg
	withAccounts.Accounts = 1
	if err := withAccounts.Check(); err != nil {
		testenv.Missing(t, "%v", err)
		return targets.EvenniaConfig{}
	}
	return cfg
}
