package amp

import (
	"encoding/binary"
	"fmt"
)

// The pickle opcodes this package accepts, and how many bytes of
// argument follow each. They are the opcodes Python 3 writes at protocols
// 2 to 5 for None, bool, int, float, str, bytes, tuple, list and dict,
// with memo and stack housekeeping. Everything else is refused before the
// unpickler runs: in particular every opcode that names a global, calls,
// builds or loads an object (GLOBAL, STACK_GLOBAL, REDUCE, BUILD, INST,
// OBJ, NEWOBJ, NEWOBJ_EX, EXT1/2/4, PERSID, BINPERSID), so no pickle
// from the wire can name a class, and the text-mode opcodes (INT, LONG,
// FLOAT, STRING, UNICODE, GET, PUT) whose unbounded decimal arguments
// Python 3 never writes at these protocols.
//
// og-rek builds a list as a Go slice value: the copy the memo (or DUP)
// keeps is not the one later APPENDs grow. Python memoizes every list
// right after EMPTY_LIST, before filling it, so a pickle that refers to
// such a list again (a list shared by two places, or containing itself)
// would decode to a wrong value; the scan refuses it instead, and DUP,
// which Python never writes. It also refuses POP_MARK, which og-rek
// v1.3.0 does not implement (it skips it without a word).
const (
	argNone   = iota + 1 // no argument
	argFixed1            // 1 byte
	argFixed2            // 2 bytes
	argFixed4            // 4 bytes
	argFixed8            // 8 bytes
	argCount1            // a 1-byte length, then that many bytes
	argCount4            // a 4-byte little-endian length, then that many bytes
	argProto             // PROTO's 1-byte version
	argFrame             // FRAME's 8-byte little-endian length
	argLong1             // LONG1's 1-byte length, at most maxLong1, then that many bytes
)

// maxLong1 is the longest LONG1 accepted, in bytes: ints of -2^127 to
// 2^127-1, far more than Evennia sends. og-rek reads LONG1's length byte
// as a signed number (a length of 128 or more reads no bytes, so the
// bytes the scan would skip run as opcodes) and decodes the digits in
// time quadratic in their count; a low cap closes both.
const maxLong1 = 16

var pickleOps = [256]uint8{
	0x80: argProto,  // PROTO
	0x95: argFrame,  // FRAME
	'.':  argNone,   // STOP
	'N':  argNone,   // NONE
	0x88: argNone,   // NEWTRUE
	0x89: argNone,   // NEWFALSE
	'J':  argFixed4, // BININT
	'K':  argFixed1, // BININT1
	'M':  argFixed2, // BININT2
	0x8a: argLong1,  // LONG1
	'G':  argFixed8, // BINFLOAT
	0x8c: argCount1, // SHORT_BINUNICODE
	'X':  argCount4, // BINUNICODE
	'C':  argCount1, // SHORT_BINBYTES
	'B':  argCount4, // BINBYTES
	'(':  argNone,   // MARK
	')':  argNone,   // EMPTY_TUPLE
	0x85: argNone,   // TUPLE1
	0x86: argNone,   // TUPLE2
	0x87: argNone,   // TUPLE3
	't':  argNone,   // TUPLE
	']':  argNone,   // EMPTY_LIST
	'a':  argNone,   // APPEND
	'e':  argNone,   // APPENDS
	'l':  argNone,   // LIST
	'}':  argNone,   // EMPTY_DICT
	's':  argNone,   // SETITEM
	'u':  argNone,   // SETITEMS
	'd':  argNone,   // DICT
	0x94: argNone,   // MEMOIZE
	'q':  argFixed1, // BINPUT
	'r':  argFixed4, // LONG_BINPUT
	'h':  argFixed1, // BINGET
	'j':  argFixed4, // LONG_BINGET
	'0':  argNone,   // POP
}

// globalOps are the refused opcodes that name, call or build objects.
var globalOps = [256]bool{
	'c': true, 0x93: true, 'R': true, 'b': true, 'i': true, 'o': true,
	0x81: true, 0x92: true, 0x82: true, 0x83: true, 0x84: true, 'P': true, 'Q': true,
}

// scanPickle checks that p is one pickle made only of accepted opcodes,
// with no more than maxOps of them, ending with STOP at its last byte,
// and that it refers to no list it memoized. It walks the opcodes
// and their arguments and builds nothing.
func scanPickle(p []byte, maxOps int) error {
	var s memoScan
	ops := 0
	for i := 0; i < len(p); {
		op := p[i]
		kind := pickleOps[op]
		if kind == 0 {
			return refusedOp(op, i)
		}
		if ops++; ops > maxOps {
			return fmt.Errorf("more than %d opcodes: %w", maxOps, ErrPickleLimit)
		}
		n, err := argLen(kind, p[i+1:])
		if err != nil {
			return fmt.Errorf("opcode %#02x at %d: %w", op, i, err)
		}
		if err := s.op(op, p[i+1:i+1+n]); err != nil {
			return fmt.Errorf("opcode %#02x at %d: %w", op, i, err)
		}
		i += 1 + n
		if op == '.' {
			if i != len(p) {
				return fmt.Errorf("%d bytes after STOP: %w", len(p)-i, ErrPickle)
			}
			return nil
		}
	}
	return fmt.Errorf("no STOP: %w", ErrPickle)
}

// memoScan follows the memo slots that may hold a list. Slots are
// numbered as Python and og-rek number them: MEMOIZE fills slot
// len(memo), the count of distinct slots filled so far.
type memoScan struct {
	list   bool            // the top of the stack may be a list
	filled map[uint64]bool // the slots filled; true if it may hold a list
}

func (s *memoScan) op(op byte, arg []byte) error {
	switch op {
	case 0x94: // MEMOIZE
		s.put(uint64(len(s.filled)))
	case 'q': // BINPUT
		s.put(uint64(arg[0]))
	case 'r': // LONG_BINPUT
		s.put(uint64(binary.LittleEndian.Uint32(arg)))
	case 'h': // BINGET
		s.list = false
		return s.get(uint64(arg[0]))
	case 'j': // LONG_BINGET
		s.list = false
		return s.get(uint64(binary.LittleEndian.Uint32(arg)))
	case 0x80, 0x95: // PROTO, FRAME: the stack is as it was
	case ']', 'l', 'a', 'e', '0':
		// A list on top (Python memoizes one only right after
		// EMPTY_LIST; the others are for pickles written to slip past,
		// and after POP the top is not known).
		s.list = true
	default:
		s.list = false
	}
	return nil
}

// put records what a memo slot now holds: whether it may be a list. Memo
// ops leave the stack as it was, so the flag stays for the next one.
func (s *memoScan) put(slot uint64) {
	if s.filled == nil {
		s.filled = make(map[uint64]bool)
	}
	s.filled[slot] = s.list
}

func (s *memoScan) get(slot uint64) error {
	if s.filled[slot] {
		return fmt.Errorf("a list used twice (og-rek would decode its second use wrong): %w", ErrPickleOpcode)
	}
	return nil
}

// argLen returns the length of the argument of an opcode of the given
// kind at the start of rest.
func argLen(kind uint8, rest []byte) (int, error) {
	var n uint64
	switch kind {
	case argNone:
		return 0, nil
	case argFixed1, argProto:
		n = 1
	case argFixed2:
		n = 2
	case argFixed4:
		n = 4
	case argFixed8, argFrame:
		n = 8
	case argCount1, argLong1:
		if len(rest) < 1 {
			return 0, truncated()
		}
		n = 1 + uint64(rest[0])
		if kind == argLong1 && rest[0] > maxLong1 {
			return 0, fmt.Errorf("LONG1 of %d bytes (max %d): %w", rest[0], maxLong1, ErrPickleLimit)
		}
	case argCount4:
		if len(rest) < 4 {
			return 0, truncated()
		}
		n = 4 + uint64(binary.LittleEndian.Uint32(rest))
	}
	if n > uint64(len(rest)) {
		return 0, truncated()
	}
	switch kind {
	case argProto:
		if rest[0] < 2 || rest[0] > 5 {
			return 0, fmt.Errorf("protocol %d: %w", rest[0], ErrPickleOpcode)
		}
	case argFrame:
		if binary.LittleEndian.Uint64(rest) > uint64(len(rest)-8) {
			return 0, fmt.Errorf("frame past the end: %w", ErrPickle)
		}
	}
	return int(n), nil
}

func truncated() error { return fmt.Errorf("argument past the end: %w", ErrPickle) }

// refusedOp explains why opcode op at offset i is refused.
func refusedOp(op byte, i int) error {
	switch {
	case globalOps[op]:
		return fmt.Errorf("opcode %#02x (%q) at %d: %w", op, op, i, ErrPickleGlobal)
	case op == 0x8f || op == 0x90 || op == 0x91:
		return fmt.Errorf("a set or frozenset at %d (og-rek v1.3.0 cannot decode sets): %w", i, ErrPickleOpcode)
	}
	return fmt.Errorf("opcode %#02x (%q) at %d: %w", op, op, i, ErrPickleOpcode)
}
