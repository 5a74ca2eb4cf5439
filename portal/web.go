package portal

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/portalsim/portalsim/portal/webclient"
)

// webServer is the HTTP server of the web door: the webclient page,
// which connects to the websocket door.
func (p *Portal) webServer() *http.Server {
	return &http.Server{
		Handler: webclient.Page(webclient.PageConfig{
			ServerName: p.cfg.ServerName,
			WebsocketPort: func() int {
				if a, ok := p.DoorAddr(DoorWebsocket).(*net.TCPAddr); ok {
					return a.Port
				}
				return 0
			},
		}),
		ReadHeaderTimeout: p.cfg.DoorHandshakeTimeout,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    wsMaxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return p.ctx },
	}
}
