package sim

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

func TestPasswordRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		password string
		cost     int
		wantCost string
	}{
		{"test cost", "pw-long-enough-not-to-appear-by-chance", TestPasswordCost, "$2a$04$"},
		{"empty", "", TestPasswordCost, "$2a$04$"},
		{"unicode and spaces", "pässwörd with spaces", 5, "$2a$05$"},
		{"longest", strings.Repeat("p", MaxPasswordLen), TestPasswordCost, "$2a$04$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			enc, err := HashPassword(tt.password, tt.cost)
			if err != nil {
				t.Fatalf("HashPassword: %v", err)
			}
			if !strings.HasPrefix(enc, tt.wantCost) {
				t.Errorf("encoded = %q, want bcrypt's %s...", enc, tt.wantCost)
			}
			if tt.password != "" && strings.Contains(enc, tt.password) {
				t.Errorf("encoded %q contains the plain password", enc)
			}
			for _, try := range []struct {
				pw   string
				want bool
			}{{tt.password, true}, {tt.password + "x", false}, {strings.ToUpper(tt.password) + "!", false}} {
				got, err := CheckPassword(enc, try.pw)
				if err != nil || got != try.want {
					t.Errorf("CheckPassword(%q) = %v, %v; want %v, nil", try.pw, got, err, try.want)
				}
			}
		})
	}
}

// A password bcrypt would cut at 72 bytes is refused, and its
// 72-byte prefix does not log in as if it were the whole.
func TestPasswordTooLong(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("p", MaxPasswordLen+1)
	if _, err := HashPassword(long, TestPasswordCost); !errors.Is(err, ErrBadPassword) {
		t.Errorf("HashPassword(73 bytes) error = %v, want ErrBadPassword", err)
	}
	enc, err := HashPassword(long[:MaxPasswordLen], TestPasswordCost)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := CheckPassword(enc, long); ok || err != nil {
		t.Errorf("CheckPassword(73 bytes against its 72-byte prefix) = %v, %v; want false, nil", ok, err)
	}
}

// Hashes written by an older portalsim (PBKDF2) still log in.
func TestLegacyPasswordHash(t *testing.T) {
	t.Parallel()
	// pbkdf2-sha256, 3 iterations, salt "salt", password "s3cret".
	key, err := pbkdf2.Key(sha256.New, "s3cret", []byte("salt"), 3, sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	enc := "pbkdf2-sha256$3$" + passwordB64.EncodeToString([]byte("salt")) + "$" + passwordB64.EncodeToString(key)
	for pw, want := range map[string]bool{"s3cret": true, "s3cret!": false, "": false} {
		if got, err := CheckPassword(enc, pw); got != want || err != nil {
			t.Errorf("CheckPassword(legacy, %q) = %v, %v; want %v, nil", pw, got, err, want)
		}
	}
}

func TestPasswordSalted(t *testing.T) {
	t.Parallel()
	a, errA := HashPassword("same", TestPasswordCost)
	b, errB := HashPassword("same", TestPasswordCost)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a == b {
		t.Errorf("two hashes of one password are equal (%q): the salt is not random", a)
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{
		"",
		"plain",
		"$2a$04$short",
		"$2a$99$" + strings.Repeat("a", 53),
		"md5$1$c2FsdA$aGFzaA",
		"pbkdf2-sha256$x$c2FsdA$aGFzaA",
		"pbkdf2-sha256$0$c2FsdA$aGFzaA",
		"pbkdf2-sha256$99999999999$c2FsdA$aGFzaA",
		"pbkdf2-sha256$1$!!!$aGFzaA",
		"pbkdf2-sha256$1$c2FsdA$",
		"pbkdf2-sha256$1$c2FsdA$aGFzaA$extra",
	} {
		ok, err := CheckPassword(enc, "pw")
		if ok || !errors.Is(err, ErrBadHash) {
			t.Errorf("CheckPassword(%q) = %v, %v; want false, ErrBadHash", enc, ok, err)
		}
	}
	for _, cost := range []int{1, 3, 32} {
		if _, err := HashPassword("pw", cost); !errors.Is(err, ErrBadHash) {
			t.Errorf("HashPassword(cost %d) error = %v, want ErrBadHash", cost, err)
		}
	}
}
