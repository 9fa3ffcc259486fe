package stack_test

import (
	"testing"

	localdynamodb "github.com/actionservice/actionservice/local/dynamodb"
	"github.com/actionservice/actionservice/shared/actions"
)

// An identity step whose transaction committed but whose answer was lost: the SDK's retry
// finds the step's own write (its done mark under <ticketId>/<step>), and the job completes
// with one record.
func TestFaultMatrixIdentityWriteCommittedAnswerLostCompletesOnce(t *testing.T) {
	e := startActions(t, true)
	// The first write of each of the step's invocations commits, and its answer is lost.
	lost := identityFaultOf(e, localdynamodb.Fault{Mode: localdynamodb.LoseAnswer, Operation: "TransactWriteItems", Times: 1})
	faultEachStep(t, e, identityStep, lost, 60000, func(t *testing.T, a actions.Action, k int, j jobView, attempts int) {
		if j.Status != "COMPLETE" {
			t.Errorf("ticket: %s %s %q (steps %v)", j.Status, j.ErrorCategory, j.ErrorDescription, j.StepStatus)
		}
		if attempts != 1 {
			t.Errorf("%s ran %d times, want once: the SDK's retry met its own write", a.Steps[k].Name, attempts)
		}
		if creates(a.Steps[k]) && len(identityHeldBy(t, e, j.TicketID)) == 0 {
			t.Errorf("%s made nothing", a.Steps[k].Name)
		}
	})
}
