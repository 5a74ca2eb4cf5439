package sim

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		password   string
		iterations int
		wantIter   string
	}{
		{"default iterations", "s3cret", 0, "$4096$"},
		{"few iterations", "pw-long-enough-not-to-appear-by-chance", 3, "$3$"},
		{"empty", "", 1, "$1$"},
		{"unicode and spaces", "pässwörd with spaces", 10, "$10$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			enc, err := HashPassword(tt.password, tt.iterations)
			if err != nil {
				t.Fatalf("HashPassword: %v", err)
			}
			if !strings.HasPrefix(enc, "pbkdf2-sha256"+tt.wantIter) || strings.Count(enc, "$") != 3 {
				t.Errorf("encoded = %q, want pbkdf2-sha256%s<salt>$<hash>", enc, tt.wantIter)
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

func TestPasswordSalted(t *testing.T) {
	t.Parallel()
	a, errA := HashPassword("same", 1)
	b, errB := HashPassword("same", 1)
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
	if _, err := HashPassword("pw", MaxHashIterations+1); !errors.Is(err, ErrBadHash) {
		t.Errorf("HashPassword(too many iterations) error = %v, want ErrBadHash", err)
	}
}
