package sim

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Password hashing: new passwords are hashed with bcrypt; hashes of the
// PBKDF2 scheme older journals hold are still checked, never written.
//
// The hash runs on the game server's event loop, as Evennia's does on
// its reactor (Django's PBKDF2, about 0.4 s): moving it to a worker
// would make the portal take a login as processed before its answer
// exists, and a server killed meanwhile would lose it. Each check stalls
// the game for one hash (DefaultPasswordCost: about 75 ms), and what can
// ask for one is bounded: a failed login or a creation only within the
// account throttles, a successful one once per session, and sessions
// only at the portal's connect rate.
const (
	// DefaultPasswordCost is bcrypt's cost for new passwords when none is
	// configured: about 75 ms per hash on one core of the 2-core machine
	// BENCHMARKS.md names.
	DefaultPasswordCost = bcrypt.DefaultCost
	// MinPasswordCost is the lowest cost a game accepts unless
	// [WorldConfig.InsecurePasswordCost] says this world is a test.
	MinPasswordCost = bcrypt.DefaultCost
	// TestPasswordCost is bcrypt's minimum (about 1.5 ms per hash), for
	// tests and load-test games only.
	TestPasswordCost = bcrypt.MinCost
	// MaxPasswordLen is the longest password in bytes: bcrypt reads no more.
	MaxPasswordLen = 72

	// MaxHashIterations bounds the count accepted from an old PBKDF2 hash
	// (a corrupt journal must not make a login spin for minutes).
	MaxHashIterations  = 10_000_000
	legacyHashScheme   = "pbkdf2-sha256"
	legacyHashSchemeIn = legacyHashScheme + "$"
)

var passwordB64 = base64.RawStdEncoding

// HashPassword hashes password with bcrypt at cost (0 means
// [DefaultPasswordCost]); the result is bcrypt's own "$2a$<cost>$..."
// text, salt included. Passwords longer than [MaxPasswordLen] bytes are
// refused with an error wrapping [ErrBadPassword].
func HashPassword(password string, cost int) (string, error) {
	if cost == 0 {
		cost = DefaultPasswordCost
	}
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return "", fmt.Errorf("%w: bcrypt cost %d is outside %d-%d", ErrBadHash, cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if len(password) > MaxPasswordLen {
		return "", fmt.Errorf("%w: longer than %d bytes", ErrBadPassword, MaxPasswordLen)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("sim: hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches encoded, a [HashPassword]
// result or an old "pbkdf2-sha256$<iterations>$<salt>$<hash>" one. Both
// compare in constant time. A malformed encoded value returns false and
// an error wrapping [ErrBadHash].
func CheckPassword(encoded, password string) (bool, error) {
	if strings.HasPrefix(encoded, legacyHashSchemeIn) {
		return checkLegacyPassword(encoded, password)
	}
	if len(password) > MaxPasswordLen {
		password = password[:MaxPasswordLen+1] // compared, so that it costs the same, and never matches
	}
	err := bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
	switch {
	case err == nil:
		return len(password) <= MaxPasswordLen, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword), errors.Is(err, bcrypt.ErrPasswordTooLong):
		return false, nil
	default:
		return false, fmt.Errorf("%w: %w", ErrBadHash, err)
	}
}

// passwordCost returns the bcrypt cost of encoded, 0 if it is not bcrypt.
func passwordCost(encoded string) int {
	c, err := bcrypt.Cost([]byte(encoded))
	if err != nil {
		return 0
	}
	return c
}

// checkLegacyPassword checks a PBKDF2-SHA256 hash written by an older portalsim.
func checkLegacyPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 {
		return false, fmt.Errorf("%w: want %s$<iter>$<salt>$<hash>", ErrBadHash, legacyHashScheme)
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter <= 0 || iter > MaxHashIterations {
		return false, fmt.Errorf("%w: iterations %q", ErrBadHash, parts[1])
	}
	salt, err := passwordB64.DecodeString(parts[2])
	if err != nil || len(salt) == 0 {
		return false, fmt.Errorf("%w: salt", ErrBadHash)
	}
	want, err := passwordB64.DecodeString(parts[3])
	if err != nil || len(want) == 0 || len(want) > sha256.Size {
		return false, fmt.Errorf("%w: hash", ErrBadHash)
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iter, len(want))
	if err != nil {
		return false, fmt.Errorf("sim: hash password: %w", err)
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
