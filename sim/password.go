package sim

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Password hashing parameters.
const (
	// DefaultHashIterations is the PBKDF2 iteration count used when none is configured.
	DefaultHashIterations = 4096
	// MaxHashIterations bounds the count accepted from an encoded hash (a corrupt
	// journal must not make a login spin for minutes).
	MaxHashIterations = 10_000_000
	// passwordHashScheme prefixes every encoded hash.
	passwordHashScheme = "pbkdf2-sha256"
	passwordSaltLen    = 16
	passwordKeyLen     = sha256.Size
)

var passwordB64 = base64.RawStdEncoding

// HashPassword hashes password with PBKDF2-SHA256, a fresh 16-byte random salt
// and iterations rounds (0 or less means [DefaultHashIterations]). The result is
// "pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>" (unpadded standard base64).
func HashPassword(password string, iterations int) (string, error) {
	if iterations <= 0 {
		iterations = DefaultHashIterations
	}
	if iterations > MaxHashIterations {
		return "", fmt.Errorf("%w: %d iterations is more than %d", ErrBadHash, iterations, MaxHashIterations)
	}
	salt := make([]byte, passwordSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("sim: password salt: %w", err)
	}
	key, err := pbkdf2.Key(sha256.New, password, salt, iterations, passwordKeyLen)
	if err != nil {
		return "", fmt.Errorf("sim: hash password: %w", err)
	}
	return passwordHashScheme + "$" + strconv.Itoa(iterations) + "$" +
		passwordB64.EncodeToString(salt) + "$" + passwordB64.EncodeToString(key), nil
}

// CheckPassword reports whether password matches encoded, a [HashPassword]
// result. The comparison of the derived keys is constant-time. A malformed
// encoded value returns false and an error wrapping [ErrBadHash].
func CheckPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 || parts[0] != passwordHashScheme {
		return false, fmt.Errorf("%w: want %s$<iter>$<salt>$<hash>", ErrBadHash, passwordHashScheme)
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
	if err != nil || len(want) == 0 {
		return false, fmt.Errorf("%w: hash", ErrBadHash)
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iter, len(want))
	if err != nil {
		return false, fmt.Errorf("sim: hash password: %w", err)
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
