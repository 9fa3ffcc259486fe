package stack_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	localdynamodb "github.com/actionservice/actionservice/local/dynamodb"
	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/ticket"
)

// A create that commits but whose answer is lost is retried by the SDK; the retry meets its
// own write. The job must run exactly once and the client get its 201.
func TestCreateWhoseAnswerIsLostRunsOnceAndCompletes(t *testing.T) {
	for name, c := range map[string]struct{ operation, idempotencyKey string }{
		"plain":           {"PutItem", ""},
		"Idempotency-Key": {"TransactWriteItems", "lost-answer-key"},
	} {
		t.Run(name, func(t *testing.T) {
			e := startActions(t, true)
			before := adminTickets(t, e)
			if _, err := e.stack.InjectDynamoDBFault(localdynamodb.Fault{Table: "tickets", Mode: localdynamodb.LoseAnswer, Operation: c.operation, Times: 1}); err != nil {
				t.Fatal(err)
			}
			header := map[string]string{"Content-Type": "application/json"}
			if c.idempotencyKey != "" {
				header["Idempotency-Key"] = c.idempotencyKey
			}
			r := e.do("POST", "/action/createDomain?timeOut=20000", e.stack.AdminToken, header, submitBody(map[string]string{"name": uniqueName("Lost")}))
			expectStatus(t, r, http.StatusCreated)
			if j := decodeJob(t, r); j.Status != "COMPLETE" {
				t.Errorf("the job: %s %s %q", j.Status, j.ErrorCategory, j.ErrorDescription)
			}
			if after := adminTickets(t, e); after != before+1 {
				t.Errorf("%d tickets stored, want 1", after-before)
			}
			if n := len(e.stack.Simulator.Records(actions.KMS)); n != 1 {
				t.Errorf("the KMS holds %d tenants, want the one job's", n)
			}
		})
	}
}

// The first request stored its ticket and died before starting the execution; a repeat with
// the same Idempotency-Key finds it PENDING and starts it.
func TestRepeatThatFindsItsTicketNeverStartedStartsIt(t *testing.T) {
	e := startActions(t, true)
	ctx := context.Background()
	now := time.Now()
	a, _ := actions.Lookup("createDomain")
	tk := &ticket.Ticket{ID: ticket.NewID(now), Action: a.Name, AccountID: e.stack.AdminAccount, Status: ticket.Pending,
		Submission: now, Params: map[string]string{"name": uniqueName("Orphan")}, Steps: map[string]ticket.StepStatus{}}
	for _, s := range a.Steps {
		tk.Steps[s.Name] = ticket.StepPending
	}
	tk.Execution = tk.ID
	if _, first, err := e.stack.Tickets.CreateIdempotent(ctx, tk, "orphan-key", now); err != nil || !first {
		t.Fatalf("create: %v %v", first, err)
	}
	r := e.do("POST", "/action/createDomain?timeOut=20000", e.stack.AdminToken,
		map[string]string{"Content-Type": "application/json", "Idempotency-Key": "orphan-key"}, submitBody(map[string]string{"name": "whatever"}))
	expectStatus(t, r, http.StatusCreated)
	if j := decodeJob(t, r); j.TicketID != tk.ID || j.Status != "COMPLETE" {
		t.Errorf("the repeat answered %s %s, want %s COMPLETE", j.TicketID, j.Status, tk.ID)
	}
}

// The template's schedule reaches the reconciler as a "Scheduled Event" on the same handler
// as the execution status changes; it ends a ticket whose execution never started.
func TestScheduledSweepEndsATicketWhoseExecutionNeverStarted(t *testing.T) {
	e := startActions(t, true)
	ctx := context.Background()
	old := time.Now().Add(-time.Hour)
	tk := &ticket.Ticket{ID: ticket.NewID(old), Action: "createTenant", AccountID: "a1", Status: ticket.Pending, Submission: old, Execution: "never-started"}
	if err := e.stack.Tickets.Create(ctx, tk); err != nil {
		t.Fatal(err)
	}
	if err := e.stack.Reconciler.HandleEvent(ctx, events.CloudWatchEvent{DetailType: "Scheduled Event", Source: "aws.events"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.stack.Tickets.Get(ctx, tk.ID); got.Status != ticket.Error || !strings.Contains(got.ErrorDescription, "NeverStarted") {
		t.Errorf("ticket: %s %q", got.Status, got.ErrorDescription)
	}
}
