package portal_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/testenv"
	"github.com/portalsim/portalsim/portal"
)

// Two websocket clients no one here wrote each play a session over the
// websocket door in Evennia's v1.evennia.com format: python3-websockets
// (Debian's, for /usr/bin/python3) and node's "ws" package. The scripts
// are in testdata/wsclients.
func TestWebsocketThirdPartyClients(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{})
	url := "ws://" + st.Portal.DoorAddr(portal.DoorWebsocket).String() + "/"
	clients := []struct {
		name, hint, bin, module, check, script string
	}{
		{"python3-websockets", "apt-get install python3-websockets (.ci/run does)", "/usr/bin/python3", "websockets",
			"import websockets", "play.py"},
		{"node-ws", "npm install ws, with NODE_PATH naming its node_modules (.ci/run does)", "node", "ws",
			"require('ws')", "play.js"},
	}
	for i, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			bin := testenv.Need(t, c.hint, c.bin)
			flag := map[string]string{"play.py": "-c", "play.js": "-e"}[c.script]
			if out, err := exec.Command(bin, flag, c.check).CombinedOutput(); err != nil {
				testenv.Missing(t, "%s cannot load %s: %v %s; %s", bin, c.module, err, out, c.hint)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			name := "third" + string(rune('a'+i))
			out, err := exec.CommandContext(ctx, bin, filepath.Join("testdata", "wsclients", c.script), url, name).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", c.script, err, out)
			}
			if s := string(out); !strings.Contains(s, "Limbo") || !strings.Contains(s, "closed 1000") {
				t.Errorf("%s played, but its transcript lacks the room or the normal close:\n%s", c.script, s)
			}
		})
	}
}
