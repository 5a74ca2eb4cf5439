package sim

import (
	"errors"
	"testing"
)

func TestCreateAccountAndAuthenticate(t *testing.T) {
	t.Parallel()
	w := newTestWorld(t, nil)
	a, err := w.CreateAccount("Dummy_1", "pw1")
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if a.ID != 1 || a.Name != "Dummy_1" || a.Character != 3 || !a.Created.Equal(testClock) {
		t.Errorf("account = %+v, want #1 Dummy_1 with character #3 created at %v", a, testClock)
	}
	char, ok := w.Character(a.Character)
	if !ok || char.Key != "Dummy_1" || char.Location != LimboID || char.Home != LimboID || char.Owner != a.ID {
		t.Errorf("character = %+v, %v; want Dummy_1 in and at home in Limbo, owned by #1", char, ok)
	}

	createErrs := []struct {
		name, password string
		want           error
	}{
		{"dummy_1", "other", ErrNameTaken},
		{"DUMMY_1", "other", ErrNameTaken},
		{"ab", "pw1", ErrBadName},
		{"has space", "pw1", ErrBadName},
		{"ünï", "pw1", ErrBadName},
		{"Fine-Name_2", "pw", ErrBadPassword},
	}
	for _, tt := range createErrs {
		if _, err := w.CreateAccount(tt.name, tt.password); !errors.Is(err, tt.want) {
			t.Errorf("CreateAccount(%q, %q) error = %v, want %v", tt.name, tt.password, err, tt.want)
		}
	}

	auth := []struct {
		name, password string
		ok             bool
	}{
		{"Dummy_1", "pw1", true},
		{"dummy_1", "pw1", true},
		{"Dummy_1", "pw2", false},
		{"Dummy_1", "PW1", false},
		{"Nobody", "pw1", false},
	}
	for _, tt := range auth {
		got, err := w.Authenticate(tt.name, tt.password)
		if tt.ok && (err != nil || got.ID != a.ID) {
			t.Errorf("Authenticate(%q, %q) = %+v, %v; want account #1", tt.name, tt.password, got, err)
		}
		if !tt.ok && (got != nil || !errors.Is(err, ErrLoginFailed)) {
			t.Errorf("Authenticate(%q, %q) = %+v, %v; want ErrLoginFailed", tt.name, tt.password, got, err)
		}
	}

	if got, ok := w.AccountByName("DUMMY_1"); !ok || got.ID != a.ID {
		t.Errorf("AccountByName(DUMMY_1) = %+v, %v", got, ok)
	}
	if got, ok := w.AccountByID(a.ID); !ok || got.Name != "Dummy_1" {
		t.Errorf("AccountByID(1) = %+v, %v", got, ok)
	}
	if _, ok := w.AccountByID(42); ok {
		t.Error("AccountByID(42) found an account")
	}
	// Copies: renaming the returned account does not rename the world's.
	got, _ := w.AccountByName("Dummy_1")
	got.Name = "Hacked"
	if again, _ := w.AccountByID(a.ID); again.Name != "Dummy_1" {
		t.Errorf("changing a returned Account changed the world: %+v", again)
	}
	if got, want := w.Stats(), (WorldStats{Accounts: 1, Objects: 2, Rooms: 1, Characters: 1}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}
