package evennia_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega/gexec"

	"github.com/portalsim/portalsim/internal/testutil"
)

func TestEvenniaSuite(t *testing.T) { testutil.RunSuite(t, "Evennia Suite") }

var binary string

var _ = SynchronizedBeforeSuite(func() []byte {
	path, err := gexec.Build("github.com/portalsim/portalsim/cmd/portalsim")
	if err != nil {
		Fail(err.Error())
	}
	return []byte(path)
}, func(path []byte) {
	binary = string(path)
})

var _ = SynchronizedAfterSuite(func() {}, func() { gexec.CleanupBuildArtifacts() })
