// Package restart proves that players survive game-server restarts with
// the portal and the game server as separate processes, as in production:
// the server is killed and started again, or reloads itself on SIGHUP.
package restart
