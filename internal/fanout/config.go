package fanout

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Defaults for [Config].
const (
	// DefaultSays is how many says are measured per room size.
	DefaultSays = 100
	// DefaultStepTimeout bounds one wait: a player's command, a say's
	// arrival at every listener, the login phase's announcements.
	DefaultStepTimeout = 2 * time.Minute
	// DefaultAnnounceQuiet is how long the login phase waits for
	// announcements once none has come for that long: the game has
	// scattered the players (a start room per few players), so the rest
	// will not come.
	DefaultAnnounceQuiet = 5 * time.Second
	// DefaultPassword is every player's password.
	DefaultPassword = "fanout-pw"
)

// DefaultRoomSizes are the room sizes measured by default.
var DefaultRoomSizes = []int{10, 100, 1000}

// Config configures [Run].
type Config struct {
	// Target is the game's telnet address, host:port. Required.
	Target string
	// RoomSizes are the room sizes whose say latency is measured; nil
	// means [DefaultRoomSizes]. Each is at least 2.
	RoomSizes []int
	// Players is how many players log into one room (the game's start
	// room, Limbo in Evennia's default world) in the login measurement,
	// and the pool the rooms are filled from; 0 means the largest room
	// size. At least the largest room size.
	Players int
	// LoginConcurrency is how many players are logging in at once; 0
	// means all of them.
	LoginConcurrency int
	// Says is how many says are measured per room size, the sayer
	// rotating through the room; 0 means [DefaultSays].
	Says int
	// StepTimeout bounds each wait; 0 means [DefaultStepTimeout]. A say
	// that has not reached every listener in this time counts the missing
	// ones as lost.
	StepTimeout time.Duration
	// AnnounceQuiet ends the wait for the login announcements once the
	// last login is in and no announcement has come for this long; 0
	// means [DefaultAnnounceQuiet]. The missing ones count as not
	// delivered, as at the step timeout.
	AnnounceQuiet time.Duration
	// Prefix starts every account name (Prefix + "_" + number); "" means
	// one made for the run, so that runs against one game never collide.
	Prefix string
	// Password is every account's password; "" means [DefaultPassword].
	Password string
	// Progress, if set, is told what the run is doing (one line each).
	Progress func(format string, args ...any)
}

func (c Config) withDefaults() Config {
	if c.RoomSizes == nil {
		c.RoomSizes = DefaultRoomSizes
	}
	c.RoomSizes = slices.Clone(c.RoomSizes)
	slices.Sort(c.RoomSizes)
	c.RoomSizes = slices.Compact(c.RoomSizes)
	if c.Players == 0 && len(c.RoomSizes) > 0 {
		c.Players = c.RoomSizes[len(c.RoomSizes)-1]
	}
	if c.LoginConcurrency <= 0 || c.LoginConcurrency > c.Players {
		c.LoginConcurrency = c.Players
	}
	if c.Says == 0 {
		c.Says = DefaultSays
	}
	if c.StepTimeout == 0 {
		c.StepTimeout = DefaultStepTimeout
	}
	if c.AnnounceQuiet == 0 {
		c.AnnounceQuiet = DefaultAnnounceQuiet
	}
	if c.Password == "" {
		c.Password = DefaultPassword
	}
	if c.Progress == nil {
		c.Progress = func(string, ...any) {}
	}
	return c
}

// Validate reports every problem with c.
func (c Config) Validate() error {
	var errs []error
	if c.Target == "" {
		errs = append(errs, errors.New("target (host:port) is required"))
	}
	for _, s := range c.RoomSizes {
		if s < 2 {
			errs = append(errs, fmt.Errorf("room size %d: want at least 2 (a sayer and a listener)", s))
		}
	}
	if c.Players < 0 {
		errs = append(errs, fmt.Errorf("players %d: want 0 or more", c.Players))
	}
	if n := slices.Max(append([]int{0}, c.RoomSizes...)); c.Players > 0 && c.Players < n {
		errs = append(errs, fmt.Errorf("players %d: fewer than the largest room size %d", c.Players, n))
	}
	if c.Says < 0 {
		errs = append(errs, fmt.Errorf("says %d: want 0 or more", c.Says))
	}
	if c.StepTimeout < 0 {
		errs = append(errs, fmt.Errorf("step timeout %v: want 0 or more", c.StepTimeout))
	}
	if c.AnnounceQuiet < 0 {
		errs = append(errs, fmt.Errorf("announce quiet %v: want 0 or more", c.AnnounceQuiet))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
}
