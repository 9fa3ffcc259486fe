package stepfunctions

import (
	"slices"
	"testing"
)

// Brackets and commas inside quoted member names do not end a selector or split a union.
func TestPathScannersSkipQuotedBracketsAndCommas(t *testing.T) {
	for s, want := range map[string]int{
		`['a]b'].c`:    6,
		`["x\"]"]`:     7,
		`[0,1]`:        4,
		`['unclosed]`:  -1,
		`['a\'],']].d`: 8,
	} {
		if got := closingBracket(s); got != want {
			t.Errorf("closingBracket(%q) = %d, want %d", s, got, want)
		}
	}
	for s, want := range map[string][]string{
		`'a,b','c'`: {`'a,b'`, `'c'`},
		`1,2,3`:     {"1", "2", "3"},
		`"x\",y"`:   {`"x\",y"`},
	} {
		if got := splitTop(s); !slices.Equal(got, want) {
			t.Errorf("splitTop(%q) = %q, want %q", s, got, want)
		}
	}
}
