package sim

import (
	"sync"
	"time"
)

// Record operations. Every world mutation is one record, so a record is also
// the unit that survives or is lost when the process dies mid-write.
const (
	// OpAccount creates an account (Account, Name, Hash, Time) and its
	// character (the single entry of Objects).
	OpAccount = "account"
	// OpCreate creates the objects in Objects, in order (dig: the room, then its exits).
	OpCreate = "create"
	// OpMove moves object ID to To.
	OpMove = "move"
	// OpDesc sets object ID's description to Value.
	OpDesc = "desc"
	// OpSetAttr sets object ID's attribute Attr to Value.
	OpSetAttr = "attr"
	// OpDelAttr deletes object ID's attribute Attr.
	OpDelAttr = "delattr"
	// OpPerm sets account Account's permission level to Perm.
	OpPerm = "perm"
	// OpPassword replaces account Account's password hash with Hash (a
	// login rehashing an old hash at the world's cost).
	OpPassword = "password"
)

// Record is one world mutation as a [Store] keeps it. Fields not used by an
// operation are zero (and omitted from the journal's JSON).
type Record struct {
	Op   string    `json:"op"`
	Time time.Time `json:"time,omitzero"`
	// ID is the object changed by move, desc, attr and delattr.
	ID ObjID `json:"id,omitempty"`
	// Account, Name, Hash and Perm describe the account created by OpAccount.
	Account AccountID `json:"account,omitempty"`
	Name    string    `json:"name,omitempty"`
	Hash    string    `json:"hash,omitempty"`
	// Perm is the level of the account created by OpAccount, or set by OpPerm.
	Perm Perm `json:"perm,omitempty"`
	// To is the new location of a move.
	To ObjID `json:"to,omitempty"`
	// Attr and Value are the attribute name and the new value (or the description).
	Attr  string `json:"attr,omitempty"`
	Value string `json:"value,omitempty"`
	// Objects are the objects created by OpCreate and OpAccount.
	Objects []ObjectSpec `json:"objects,omitempty"`
}

// ObjectSpec is an object as created, inside a [Record].
type ObjectSpec struct {
	ID          ObjID     `json:"id"`
	Key         string    `json:"key"`
	Aliases     []string  `json:"aliases,omitempty"`
	Kind        Kind      `json:"kind"`
	Typeclass   string    `json:"typeclass,omitempty"`
	Location    ObjID     `json:"location,omitempty"`
	Destination ObjID     `json:"destination,omitempty"`
	Home        ObjID     `json:"home,omitempty"`
	Owner       AccountID `json:"owner,omitempty"`
	Desc        string    `json:"desc,omitempty"`
}

// Store keeps the world's records. Append must be safe for concurrent use.
// Replay calls fn with every stored record in append order and stops at the
// first error fn returns; a store may skip unreadable records and report them
// with an error wrapping [ErrCorruptRecord] after replaying the rest.
type Store interface {
	Append(rec Record) error
	Replay(fn func(Record) error) error
	Close() error
}

// MemoryStore is a [Store] that keeps records in memory, for tests and for
// worlds that need not survive their process.
type MemoryStore struct {
	mu     sync.Mutex
	recs   []Record
	closed bool
}

// NewMemoryStore returns an empty [MemoryStore].
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

// Append keeps rec.
func (s *MemoryStore) Append(rec Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrStoreClosed
	}
	s.recs = append(s.recs, rec)
	return nil
}

// Replay calls fn with every record appended so far.
func (s *MemoryStore) Replay(fn func(Record) error) error {
	s.mu.Lock()
	recs := s.recs[:len(s.recs):len(s.recs)]
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrStoreClosed
	}
	for _, r := range recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Len returns the number of records kept.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recs)
}

// Close makes further Append and Replay calls fail; it is idempotent.
func (s *MemoryStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
