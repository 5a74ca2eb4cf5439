// Package hostile plays the players who don't play nice, over real
// sockets against a game set up as `portalsim serve` sets one up: a fresh
// account that tries to stop the game, a player who types terminal
// escapes at others, and a builder who tries to lock everyone out of
// Limbo with huge names (issue 10).
package hostile
