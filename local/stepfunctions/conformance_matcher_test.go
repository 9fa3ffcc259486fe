package stepfunctions

import (
	"strconv"
	"strings"
	"testing"
)

// hist builds a history from "id<prev:Type" entries.
func hist(t *testing.T, entries string) []HistoryEvent {
	t.Helper()
	var h []HistoryEvent
	for _, f := range strings.Fields(entries) {
		head, typ, ok := strings.Cut(f, ":")
		ids, prevs, ok2 := strings.Cut(head, "<")
		id, err1 := strconv.ParseInt(ids, 10, 64)
		prev, err2 := strconv.ParseInt(prevs, 10, 64)
		if !ok || !ok2 || err1 != nil || err2 != nil {
			t.Fatalf("bad entry %q", f)
		}
		h = append(h, HistoryEvent{ID: id, PreviousEventID: prev, Type: typ})
	}
	return h
}

// TestConformanceEventSpecMatcherChecksOrderWithinBranchesOnly proves the history assertions of the
// conformance suite: order is enforced along each branch's previousEventId chain, branches
// may interleave, and a missing, extra or misplaced event is reported.
func TestConformanceEventSpecMatcherChecksOrderWithinBranchesOnly(t *testing.T) {
	spec := "ExecutionStarted ParallelStateEntered ParallelStateStarted " +
		fork("TaskStateEntered TaskStateExited", "WaitStateEntered WaitStateExited") +
		" ParallelStateSucceeded ParallelStateExited ExecutionSucceeded"
	good := "1<0:ExecutionStarted 2<1:ParallelStateEntered 3<2:ParallelStateStarted " +
		"4<3:WaitStateEntered 5<3:TaskStateEntered 6<4:WaitStateExited 7<5:TaskStateExited " +
		"8<3:ParallelStateSucceeded 9<8:ParallelStateExited 10<9:ExecutionSucceeded"
	for _, c := range []struct {
		name, history, want string // want: "" = matches, else a substring of the error
	}{
		{"interleaved branches match", good, ""},
		{"branches in the other order match",
			"1<0:ExecutionStarted 2<1:ParallelStateEntered 3<2:ParallelStateStarted " +
				"4<3:TaskStateEntered 5<4:TaskStateExited 6<3:WaitStateEntered 7<6:WaitStateExited " +
				"8<3:ParallelStateSucceeded 9<8:ParallelStateExited 10<9:ExecutionSucceeded", ""},
		{"order within a branch is enforced",
			strings.Replace(strings.Replace(good, "4<3:WaitStateEntered", "4<3:WaitStateExited", 1), "6<4:WaitStateExited", "6<4:WaitStateEntered", 1),
			"matches no expected branch"},
		{"a missing branch event is reported",
			strings.Replace(good, "6<4:WaitStateExited ", "", 1), "matches no expected branch"},
		{"an extra event is reported",
			good + " 11<10:PassStateEntered", "unexpected PassStateEntered"},
		{"the state after the fan-out must follow every branch event",
			"1<0:ExecutionStarted 2<1:ParallelStateEntered 3<2:ParallelStateStarted " +
				"4<3:WaitStateEntered 5<3:TaskStateEntered 6<4:WaitStateExited 7<3:ParallelStateSucceeded " +
				"8<5:TaskStateExited 9<7:ParallelStateExited 10<9:ExecutionSucceeded", "precedes the branch event"},
		{"a wrong event type on the main path is reported",
			strings.Replace(good, "8<3:ParallelStateSucceeded", "8<3:ParallelStateFailed", 1), "want ParallelStateSucceeded"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := matchEvents(hist(t, c.history), spec)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("want a match, got %v", err)
			case c.want != "" && err == nil:
				t.Errorf("want an error containing %q, got a match", c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Errorf("want an error containing %q, got %v", c.want, err)
			}
		})
	}

	unordered := "ExecutionStarted WaitStateEntered " + anyOrder("WaitStateAborted MapIterationAborted") + " ExecutionFailed"
	for _, h := range []string{
		"1<0:ExecutionStarted 2<1:WaitStateEntered 3<2:WaitStateAborted 4<3:MapIterationAborted 5<4:ExecutionFailed",
		"1<0:ExecutionStarted 2<1:WaitStateEntered 3<2:MapIterationAborted 4<3:WaitStateAborted 5<4:ExecutionFailed",
	} {
		if err := matchEvents(hist(t, h), unordered); err != nil {
			t.Errorf("{ } group: %v", err)
		}
	}
	if err := matchEvents(hist(t, "1<0:ExecutionStarted 2<1:WaitStateEntered 3<2:MapIterationAborted 4<3:ExecutionFailed"), unordered); err == nil {
		t.Errorf("{ } group matched with an event missing")
	}
}
