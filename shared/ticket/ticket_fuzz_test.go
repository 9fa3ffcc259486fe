package ticket

import (
	"encoding/hex"
	"testing"
	"time"
)

// FuzzValidIDAcceptsOnlyTicketIDs: what ValidID accepts is 24 hex digits, and every id NewID
// makes is accepted.
func FuzzValidIDAcceptsOnlyTicketIDs(f *testing.F) {
	for _, s := range []string{NewID(time.Unix(0, 0)), "01a236f32bec6636d601a3c6", "01A236F32BEC6636D601A3C6", "..%2F..%2Fetc", "\x00", "01a236f32bec6636d601a3cg"} {
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, s string, ms int64) {
		if ValidID(s) {
			if _, err := hex.DecodeString(s); len(s) != 24 || err != nil {
				t.Fatalf("ValidID(%q) but it is no 24 hex digits", s)
			}
		}
		if id := NewID(time.UnixMilli(ms)); !ValidID(id) {
			t.Fatalf("NewID made %q, which ValidID refuses", id)
		}
	})
}

// FuzzParseStatusAndCategory: a value either parses to itself or is refused.
func FuzzParseStatusAndCategory(f *testing.F) {
	for _, s := range []string{"ERROR", "error", "USER_INPUT", "", "RUNNING\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if st, err := ParseStatus(s); err == nil && string(st) != s {
			t.Fatalf("ParseStatus(%q) = %q", s, st)
		}
		if c, err := ParseCategory(s); err == nil && string(c) != s {
			t.Fatalf("ParseCategory(%q) = %q", s, c)
		}
	})
}
