package stepfunctions

import (
	"fmt"
	"slices"
	"strings"
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

// The expected history of a conformance case is written as event types separated by spaces,
// in the order one path of the execution emits them. Where a Parallel or Map state fans out,
// "[ a b | c d ]" gives the events of each branch or iteration in their own order; branches
// may interleave with each other in the history, and they are matched to the alternatives in
// any order. "{ a b }" is a run of events whose relative order is not asserted. Groups nest.
//
// A path is followed through previousEventId: each event names the event before it on its
// own path, so the events of one branch form a chain that starts at the fork event
// (ParallelStateStarted, MapStateStarted) and the path that continues after the fan-out
// resumes at the fork with an event emitted after every branch event.

// fork writes the expected branches of a Parallel state or the iterations of a Map state.
func fork(branches ...string) string { return "[ " + strings.Join(branches, " | ") + " ]" }

// iterations is fork with n identical iterations.
func iterations(n int, events string) string {
	b := make([]string, n)
	for i := range b {
		b[i] = events
	}
	return fork(b...)
}

// anyOrder writes a run of events whose relative order is not asserted.
func anyOrder(events string) string { return "{ " + events + " }" }

type specItem struct {
	event    string       // an event type, or
	branches [][]specItem // a fan-out, or
	set      []string     // events in any order
}

func tokenizeSpec(s string) []string {
	for _, sym := range []string{"[", "]", "|", "{", "}"} {
		s = strings.ReplaceAll(s, sym, " "+sym+" ")
	}
	return strings.Fields(s)
}

func parseSpec(s string) ([]specItem, error) {
	toks := tokenizeSpec(s)
	items, rest, err := parseSeq(toks)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("unexpected %q in event spec", rest[0])
	}
	return items, nil
}

func parseSeq(toks []string) ([]specItem, []string, error) {
	var items []specItem
	for len(toks) > 0 {
		switch tok := toks[0]; tok {
		case "]", "|", "}":
			return items, toks, nil
		case "[":
			toks = toks[1:]
			var branches [][]specItem
			for {
				b, rest, err := parseSeq(toks)
				if err != nil {
					return nil, nil, err
				}
				if len(rest) == 0 {
					return nil, nil, fmt.Errorf("unclosed [ in event spec")
				}
				branches = append(branches, b)
				toks = rest[1:]
				if rest[0] == "]" {
					break
				}
				if rest[0] != "|" {
					return nil, nil, fmt.Errorf("unexpected %q in a fan-out", rest[0])
				}
			}
			items = append(items, specItem{branches: branches})
		case "{":
			end := slices.Index(toks, "}")
			if end < 0 {
				return nil, nil, fmt.Errorf("unclosed { in event spec")
			}
			items = append(items, specItem{set: slices.Clone(toks[1:end])})
			toks = toks[end+1:]
		default:
			items = append(items, specItem{event: tok})
			toks = toks[1:]
		}
	}
	return items, nil, nil
}

// historyTree indexes a history by previousEventId.
type historyTree struct {
	h        []HistoryEvent
	byID     map[int64]int
	children map[int64][]int // previousEventId → indexes into h, in id order
}

func newHistoryTree(h []HistoryEvent) *historyTree {
	t := &historyTree{h: h, byID: map[int64]int{}, children: map[int64][]int{}}
	for i, e := range h {
		t.byID[e.ID] = i
		t.children[e.PreviousEventID] = append(t.children[e.PreviousEventID], i)
	}
	return t
}

// matcher walks the history along previousEventId chains against a spec.
type matcher struct {
	t    *historyTree
	used map[int]bool
}

func (m *matcher) clone() *matcher {
	c := &matcher{t: m.t, used: map[int]bool{}}
	for k, v := range m.used {
		c.used[k] = v
	}
	return c
}

func (m *matcher) kids(i int) []int {
	var out []int
	for _, k := range m.t.children[m.t.h[i].ID] {
		if !m.used[k] {
			out = append(out, k)
		}
	}
	return out
}

func (m *matcher) describe(i int) string {
	if i < 0 {
		return "the start"
	}
	e := m.t.h[i]
	return fmt.Sprintf("%s (id %d)", e.Type, e.ID)
}

// isExecutionEnd reports whether typ ends the execution: it follows the last event of the
// history, whichever path that event is on.
func isExecutionEnd(typ string) bool {
	switch typ {
	case "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted":
		return true
	}
	return false
}

// next returns the single unmatched event that follows cur on its path (cur < 0: the
// history's first event), or -1.
func (m *matcher) next(cur int, want string) (int, error) {
	var cands []int
	if cur < 0 {
		for _, k := range m.t.children[0] {
			if !m.used[k] {
				cands = append(cands, k)
			}
		}
	} else {
		cands = m.kids(cur)
	}
	switch {
	case len(cands) == 1:
		return cands[0], nil
	case len(cands) == 0 && isExecutionEnd(want) && len(m.t.h) > 0 && !m.used[len(m.t.h)-1]:
		return len(m.t.h) - 1, nil
	case len(cands) == 0:
		return -1, fmt.Errorf("want %s after %s, found nothing", want, m.describe(cur))
	}
	var types []string
	for _, c := range cands {
		types = append(types, m.describe(c))
	}
	return -1, fmt.Errorf("want %s after %s, found a fork into %s", want, m.describe(cur), strings.Join(types, ", "))
}

// walk matches items along the path that continues after cur (or, with first >= 0, that
// starts at the event first), and returns the last matched event. With closed, the path
// must end there.
func (m *matcher) walk(cur, first int, items []specItem, closed bool) (int, error) {
	for n, it := range items {
		switch {
		case it.event != "":
			nx := first
			if n > 0 || first < 0 {
				var err error
				if nx, err = m.next(cur, it.event); err != nil {
					return cur, err
				}
			}
			if got := m.t.h[nx].Type; got != it.event {
				return cur, fmt.Errorf("want %s after %s, got %s", it.event, m.describe(cur), m.describe(nx))
			}
			m.used[nx] = true
			cur = nx
		case n == 0 && first >= 0:
			return cur, fmt.Errorf("a branch must start with an event type")
		case it.set != nil:
			var got []string
			for range it.set {
				nx, err := m.next(cur, "one of "+strings.Join(it.set, ","))
				if err != nil {
					return cur, err
				}
				m.used[nx] = true
				cur = nx
				got = append(got, m.t.h[nx].Type)
			}
			if !slices.Equal(sortedCopy(got), sortedCopy(it.set)) {
				return cur, fmt.Errorf("want %v in any order, got %v", it.set, got)
			}
		default:
			var err error
			if cur, err = m.fanOut(cur, it.branches, n+1 < len(items)); err != nil {
				return cur, err
			}
		}
	}
	if closed && cur >= 0 {
		for _, k := range m.kids(cur) {
			if !isExecutionEnd(m.t.h[k].Type) {
				return cur, fmt.Errorf("path continues after %s with unexpected %s", m.describe(cur), m.describe(k))
			}
		}
	}
	return cur, nil
}

// fanOut matches the branches that start at the fork event f. When more follows, the path
// resumes at f with the event emitted last among f's followers, after every branch event.
func (m *matcher) fanOut(f int, branches [][]specItem, more bool) (int, error) {
	if f < 0 {
		return f, fmt.Errorf("a fan-out cannot start the history")
	}
	heads := m.kids(f)
	cont := -1
	if more && len(heads) == len(branches)+1 {
		cont = heads[len(heads)-1]
		heads = heads[:len(heads)-1]
	}
	if len(heads) != len(branches) {
		var types []string
		for _, c := range heads {
			types = append(types, m.describe(c))
		}
		return f, fmt.Errorf("%s forks into %d paths (%s), want %d branches", m.describe(f), len(heads), strings.Join(types, ", "), len(branches))
	}
	taken := make([]bool, len(branches))
	var last []int
	for _, h := range heads {
		var errs []string
		matched := false
		for b := range branches {
			if taken[b] {
				continue
			}
			try := m.clone()
			end, err := try.walk(f, h, branches[b], true)
			if err == nil {
				m.used, taken[b], matched = try.used, true, true
				last = append(last, end)
				break
			}
			errs = append(errs, fmt.Sprintf("branch %d: %v", b+1, err))
		}
		if !matched {
			return f, fmt.Errorf("the path starting at %s matches no expected branch:\n    %s", m.describe(h), strings.Join(errs, "\n    "))
		}
	}
	for _, l := range last {
		if cont >= 0 && m.t.h[l].ID > m.t.h[cont].ID {
			return f, fmt.Errorf("%s precedes the branch event %s", m.describe(cont), m.describe(l))
		}
	}
	// The path resumes at f: its one unmatched follower, if any, is the continuation.
	return f, nil
}

// matchEvents checks a history against an expected event spec.
func matchEvents(h []HistoryEvent, spec string) error {
	items, err := parseSpec(spec)
	if err != nil {
		return err
	}
	m := &matcher{t: newHistoryTree(h), used: map[int]bool{}}
	if _, err := m.walk(-1, -1, items, true); err != nil {
		return err
	}
	for i := range h {
		if !m.used[i] {
			return fmt.Errorf("unexpected %s (previous %d)", m.describe(i), h[i].PreviousEventID)
		}
	}
	return nil
}

func formatHistory(h []HistoryEvent) string {
	var b strings.Builder
	for _, e := range h {
		fmt.Fprintf(&b, "\n    %3d ← %3d  %s", e.ID, e.PreviousEventID, e.Type)
	}
	return b.String()
}

func assertEvents(t *testing.T, h []HistoryEvent, spec string) {
	t.Helper()
	if err := matchEvents(h, spec); err != nil {
		t.Errorf("history does not match\n  want %s\n  %v\n  history:%s", strings.Join(tokenizeSpec(spec), " "), err, formatHistory(h))
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// eventAt returns the first event of a type.
func eventAt(t *testing.T, h []HistoryEvent, typ string) HistoryEvent {
	t.Helper()
	for _, e := range h {
		if e.Type == typ {
			return e
		}
	}
	t.Fatalf("history lacks %s", typ)
	return HistoryEvent{}
}

// assertGap checks the fake time between the first events of two types.
func assertGap(t *testing.T, h []HistoryEvent, from, to string, want time.Duration) {
	t.Helper()
	a, b := eventAt(t, h, from), eventAt(t, h, to)
	if got := b.Timestamp.Sub(a.Timestamp); got != want {
		t.Errorf("%s → %s took %v, want %v", from, to, got, want)
	}
}

// assertTimes checks the fake-clock timestamp, as an offset from the execution's start, of
// every event of a type, in history order.
func assertTimes(t *testing.T, h []HistoryEvent, typ string, want ...time.Duration) {
	t.Helper()
	var got []time.Duration
	for _, e := range h {
		if e.Type == typ {
			got = append(got, e.Timestamp.Sub(h[0].Timestamp))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s at %v after the start, want %v", typ, got, want)
	}
}

// scheduledGaps returns the time between each failed attempt and the next attempt.
func scheduledGaps(h []HistoryEvent) []time.Duration {
	var gaps []time.Duration
	var failed time.Time
	for _, e := range h {
		switch e.Type {
		case "LambdaFunctionFailed", "TaskFailed", "LambdaFunctionTimedOut", "TaskTimedOut":
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
