package stack_test

import (
	"testing"

	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/shared/actions"
)

// undoesWhatItMade reports whether a step's compensation can find what its call did without
// the answer: every outside compensation can, a create's delete by the key it was created
// under, a state change's setting back by the key it was changed under.
func undoesWhatItMade(s actions.Step) bool { return s.Compensable() }

// creates reports whether a step is a create (its compensation a delete).
func creates(s actions.Step) bool {
	return s.Compensable() && s.Compensation != s.Name && len(s.Results) > 0
}

// expectRolledBackAfterApplied checks a job whose step k failed after its call took effect:
// the steps before it rolled back as after any failure, and the failing step ROLLED_BACK too
// when its compensation found what its call made — never left looking untouched while its
// record lives on — and nothing of the job left anywhere.
func expectRolledBackAfterApplied(t *testing.T, e *e2e, a actions.Action, k int, j jobView, status, category string) {
	t.Helper()
	if j.Status != status || j.ErrorCategory != category {
		t.Errorf("ticket: %s %s %q", j.Status, j.ErrorCategory, j.ErrorDescription)
	}
	failed := "ERROR"
	if reversible(a) && undoesWhatItMade(a.Steps[k]) {
		failed = "ROLLED_BACK"
	}
	expectSteps(t, a, j, k, failed, reversible(a))
	expectNothingHeld(t, e, a, j)
}

func TestFaultMatrixApplyThenFailRollsBackWhatTheFailingCallMade(t *testing.T) {
	e := startActions(t, true)
	faultEachStep(t, e, outsideStep, simulatorFault(e, simulator.ApplyThenFail, 409), 60000,
		func(t *testing.T, a actions.Action, k int, j jobView, _ int) {
			expectRolledBackAfterApplied(t, e, a, k, j, "ERROR", "CONFLICT")
		})
}

func TestFaultMatrixApplyThenHangPastDeadlineRollsBackWhatTheHungCallMade(t *testing.T) {
	e := startActions(t, false)
	faultEachStep(t, e, outsideStep, simulatorFault(e, simulator.ApplyThenHang, 0), 1500,
		func(t *testing.T, a actions.Action, k int, j jobView, _ int) {
			expectRolledBackAfterApplied(t, e, a, k, j, "CANCELLED", "TIMEOUT")
		})
}

// A lost answer is a transient failure: the retry, under the same idempotency key, gets the
// answer the call would have given, and the job completes with one record, not two.
func TestFaultMatrixApplyThenLoseTheAnswerCompletesOnce(t *testing.T) {
	e := startActions(t, true)
	once := func(t *testing.T, step actions.Step) (func() int, func()) {
		before := e.stack.Simulator.Calls(step.Name)
		if _, err := e.stack.Simulator.Inject(simulator.Fault{Operation: step.Name, Mode: simulator.ApplyThenLose, Times: 1}); err != nil {
			t.Fatal(err)
		}
		return func() int { return e.stack.Simulator.Calls(step.Name) - before }, e.stack.Simulator.ClearFaults
	}
	faultEachStep(t, e, outsideStep, once, 60000, func(t *testing.T, a actions.Action, k int, j jobView, attempts int) {
		if j.Status != "COMPLETE" {
			t.Errorf("ticket: %s %s %q", j.Status, j.ErrorCategory, j.ErrorDescription)
		}
		if attempts != 2 {
			t.Errorf("%s called %d times, want 2 (the lost answer, then the retry)", a.Steps[k].Name, attempts)
		}
		if held := heldBy(e.stack.Simulator, j.TicketID); creates(a.Steps[k]) && len(held) != len(createsOf(a)) {
			t.Errorf("the outside systems hold %v for the job, want one record per create", held)
		}
	})
}

// createsOf lists an action's outside creates.
func createsOf(a actions.Action) []string {
	var out []string
	for _, s := range a.Steps {
		if s.System.Outside() && creates(s) {
			out = append(out, s.Name)
		}
	}
	return out
}

// billingStateOf is the state of the billing account of a domain in the simulator.
func billingStateOf(t *testing.T, e *e2e, domainID string) string {
	t.Helper()
	for _, r := range e.stack.Simulator.Records(actions.Billing) {
		if r.Kind == "account" && r.Params[actions.KeyDomainID] == domainID {
			return r.State
		}
	}
	t.Fatalf("no billing account of domain %s", domainID)
	return ""
}

// A state change that took effect and then failed is set back by the key it was made under,
// though the ticket never learnt the state it replaced; a state change refused before it took
// effect has nothing to set back and stays ERROR.
func TestBillingStateChangeThatFailedAfterApplyingIsSetBack(t *testing.T) {
	e := startActions(t, true)
	for _, c := range []struct {
		mode simulator.Mode
		want string
	}{{simulator.ApplyThenFail, "ROLLED_BACK"}, {simulator.Permanent, "ERROR"}} {
		t.Run(string(c.mode), func(t *testing.T) {
			params := e.prepare("domainState")
			if _, err := e.stack.Simulator.Inject(simulator.Fault{Operation: actions.SetZuoraAccountState, Mode: c.mode, Status: 409, Times: 1}); err != nil {
				t.Fatal(err)
			}
			defer e.stack.Simulator.ClearFaults()
			j := e.waitJob(e.submit("domainState", params, 60000).TicketID)
			if j.Status != "ERROR" || j.ErrorCategory != "CONFLICT" {
				t.Errorf("ticket: %s %s %q", j.Status, j.ErrorCategory, j.ErrorDescription)
			}
			if j.StepStatus[actions.SetZuoraAccountState] != c.want || j.StepStatus[actions.SetUmsDomainState] != "ROLLED_BACK" {
				t.Errorf("steps %v", j.StepStatus)
			}
			if st := billingStateOf(t, e, params["domainId"]); st != "enabled" {
				t.Errorf("billing account left %s, want enabled", st)
			}
		})
	}
}
