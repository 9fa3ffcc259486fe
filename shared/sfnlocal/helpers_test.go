package sfnlocal

import (
	"slices"
	"testing"
	"time"
)

func mustDecode(t *testing.T, s string) any {
	t.Helper()
	v, err := decodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("bad JSON %q: %v", s, err)
	}
	return v
}

func eventTypes(h []HistoryEvent) []string {
	var out []string
	for _, e := range h {
		out = append(out, e.Type)
	}
	return out
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// assertGap checks the fake time between the first events of two types.
func assertGap(t *testing.T, h []HistoryEvent, from, to string, want time.Duration) {
	t.Helper()
	var a, b *HistoryEvent
	for i := range h {
		if h[i].Type == from && a == nil {
			a = &h[i]
		}
		if h[i].Type == to && b == nil {
			b = &h[i]
		}
	}
	if a == nil || b == nil {
		t.Fatalf("history lacks %s or %s", from, to)
	}
	if got := b.Timestamp.Sub(a.Timestamp); got != want {
		t.Errorf("%s → %s took %v, want %v", from, to, got, want)
	}
}

// scheduledGaps returns the time between each failed attempt and the next attempt.
func scheduledGaps(h []HistoryEvent) []time.Duration {
	var gaps []time.Duration
	var failed time.Time
	for _, e := range h {
		switch e.Type {
		case "LambdaFunctionFailed", "TaskFailed":
			failed = e.Timestamp
		case "LambdaFunctionScheduled", "TaskScheduled":
			if !failed.IsZero() {
				gaps = append(gaps, e.Timestamp.Sub(failed))
			}
		}
	}
	return gaps
}

func assertRetryGaps(t *testing.T, h []HistoryEvent, want []time.Duration) {
	t.Helper()
	if got := scheduledGaps(h); !slices.Equal(got, want) {
		t.Errorf("retry intervals %v, want %v", got, want)
	}
}
