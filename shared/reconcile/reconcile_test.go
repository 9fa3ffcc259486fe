package reconcile

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCauseIsQuotedAsItsErrorMessageAndBounded(t *testing.T) {
	if got := readableCause(`{"errorMessage":"ticket store unavailable","errorType":"StepTransient"}`); got != "ticket store unavailable" {
		t.Errorf("Lambda payload quoted as %q", got)
	}
	if got := readableCause("stopped by hand"); got != "stopped by hand" {
		t.Errorf("plain cause quoted as %q", got)
	}
	long := readableCause(strings.Repeat("é", 2*maxCause))
	if n := utf8.RuneCountInString(long); n != maxCause+1 || !strings.HasSuffix(long, "…") || !utf8.ValidString(long) {
		t.Errorf("a long cause is quoted as %d runes", n)
	}
}
