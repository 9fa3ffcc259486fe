package steps_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	localdynamodb "github.com/actionservice/actionservice/local/dynamodb"
	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/logging"
	"github.com/actionservice/actionservice/shared/metrics"
	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/steps"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// plainSealer stands in for the real encryption in tests.
type plainSealer struct{}

func (plainSealer) Seal(_ context.Context, p, _ []byte) ([]byte, error) {
	return append([]byte("x"), p...), nil
}
func (plainSealer) Open(_ context.Context, s, _ []byte) ([]byte, error) { return s[1:], nil }

var t0 = time.UnixMilli(1_700_000_000_000)

type fixture struct {
	r       *steps.Runner
	ddb     *localdynamodb.Server
	tickets *store.Store
	sim     *simulator.Simulator
	client  *outside.Client
	logs    *bytes.Buffer
	metrics *bytes.Buffer
	now     time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ddb, err := localdynamodb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ddb.Close() })
	db := localdynamodb.Client(ddb.URL)
	if err := localdynamodb.CreateTables(context.Background(), db, store.TicketsTable("tickets")); err != nil {
		t.Fatal(err)
	}
	sim := simulator.New()
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	f := &fixture{
		ddb:     ddb,
		tickets: store.New(db, "tickets", store.WithSealer(plainSealer{})),
		sim:     sim,
		client:  outside.NewClient(outside.SimulatorConfig(srv.URL+"/_sim", 2*time.Second), nil),
		logs:    &bytes.Buffer{},
		metrics: &bytes.Buffer{},
		now:     t0,
	}
	work := map[string]steps.Performer{
		actions.CreateKmsDomain: &steps.OutsideStep{
			Step: actions.CreateKmsDomain, Client: f.client,
			Params: func(_ context.Context, t *ticket.Ticket) (map[string]string, error) {
				return map[string]string{"name": t.Params["name"]}, nil
			},
			UndoOperation: actions.DeleteKmsDomain, UndoParams: steps.ResultParam(actions.KeyKmsTenant),
		},
		actions.CreateSalesforceAccount: &steps.OutsideStep{
			Step: actions.CreateSalesforceAccount, Client: f.client,
			Params: func(_ context.Context, t *ticket.Ticket) (map[string]string, error) {
				return map[string]string{"name": t.Params["name"]}, nil
			},
			UndoOperation: actions.DeleteSalesforceAccount, UndoParams: steps.ResultParam(actions.KeySalesforceAccount),
		},
	}
	f.r = &steps.Runner{
		Tickets: f.tickets, Work: work,
		Now:     func() time.Time { return f.now },
		Log:     slog.New(logging.NewHandler(f.logs, slog.LevelDebug)),
		Metrics: metrics.New(f.metrics, func() time.Time { return f.now }),
	}
	return f
}

func (f *fixture) newTicket(t *testing.T, deadline time.Time) *ticket.Ticket {
	t.Helper()
	tk := &ticket.Ticket{
		ID: ticket.NewID(t0), Action: "createDomain", AccountID: "acct",
		Params:     map[string]string{"name": "acme"},
		Steps:      map[string]ticket.StepStatus{"CreateKmsDomain": ticket.StepPending, "CreateSalesforceAccount": ticket.StepPending},
		Status:     ticket.Pending,
		Submission: t0,
		Deadline:   deadline,
	}
	if err := f.tickets.Create(context.Background(), tk); err != nil {
		t.Fatal(err)
	}
	return tk
}

func (f *fixture) get(t *testing.T, id string) *ticket.Ticket {
	t.Helper()
	tk, err := f.tickets.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func (f *fixture) run(id, step, phase string, catch *steps.CatchError) error {
	_, err := f.r.Handle(context.Background(), steps.Payload{TicketID: id, AccountID: "acct", Step: step, Phase: phase, Error: catch})
	return err
}

func TestDoCompletesStepAndSkipsItWhenComplete(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, time.Time{})
	if err := f.run(tk.ID, "CreateKmsDomain", "do", nil); err != nil {
		t.Fatal(err)
	}
	got := f.get(t, tk.ID)
	if got.Status != ticket.Running || got.Steps["CreateKmsDomain"] != ticket.StepComplete || len(got.Results[actions.KeyKmsTenant]) != 14 {
		t.Fatalf("after do: %+v", got)
	}
	if n := len(f.sim.Records(actions.KMS)); n != 1 {
		t.Fatalf("kms records %d", n)
	}
	calls := f.sim.Calls(actions.CreateKmsDomain)
	if err := f.run(tk.ID, "CreateKmsDomain", "do", nil); err != nil {
		t.Fatal(err)
	}
	if c := f.sim.Calls(actions.CreateKmsDomain); c != calls {
		t.Fatalf("a COMPLETE step ran again: %d calls, want %d", c, calls)
	}
	if again := f.get(t, tk.ID); again.Results[actions.KeyKmsTenant] != got.Results[actions.KeyKmsTenant] {
		t.Fatal("results changed on skip")
	}
}

func TestDoRetryOfRunningStepCreatesOnce(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, time.Time{})
	f.sim.Inject(simulator.Fault{Operation: actions.CreateKmsDomain, Mode: simulator.Transient, Times: 1})
	var st *steps.StepTransient
	if err := f.run(tk.ID, "CreateKmsDomain", "do", nil); !errors.As(err, &st) {
		t.Fatalf("want StepTransient, got %T %v", err, err)
	}
	if got := f.get(t, tk.ID); got.Steps["CreateKmsDomain"] != ticket.StepRunning || got.Status != ticket.Running {
		t.Fatalf("after transient: %+v", got)
	}
	if err := f.run(tk.ID, "CreateKmsDomain", "do", nil); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sim.Records(actions.KMS)); n != 1 {
		t.Fatalf("kms records %d", n)
	}
}

func TestPermanentRefusalIsStepFailedWithCategory(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, time.Time{})
	f.sim.Inject(simulator.Fault{Operation: actions.CreateSalesforceAccount, Mode: simulator.Permanent, Status: 409, Message: "duplicate account"})
	err := f.run(tk.ID, "CreateSalesforceAccount", "do", nil)
	var sf *steps.StepFailed
	if !errors.As(err, &sf) || sf.Category != ticket.Conflict {
		t.Fatalf("want StepFailed CONFLICT, got %T %v", err, err)
	}
	got := f.get(t, tk.ID)
	// The store keeps errorCategory only on failed tickets; the failed phase reads it back from
	// the StepFailed message (see TestFailedKeepsTheStepsCategory).
	if got.Steps["CreateSalesforceAccount"] != ticket.StepError || (got.ErrorCategory != "" && got.ErrorCategory != ticket.Conflict) ||
		!strings.HasPrefix(got.ErrorDescription, "CreateSalesforceAccount: CRM refused: 409 Conflict") ||
		!strings.Contains(got.ErrorDescription, "duplicate account") {
		t.Fatalf("ticket after refusal: %+v", got)
	}
	if got.Status.Terminal() {
		t.Fatal("job must stay open until the failed phase")
	}
}

func TestDeadlinePassedIsJobCancelled(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, t0.Add(time.Minute))
	f.now = t0.Add(2 * time.Minute)
	_, err := f.r.Handle(context.Background(), steps.Payload{TicketID: tk.ID, Deadline: t0.Add(time.Minute).UnixMilli(), Step: "CreateKmsDomain", Phase: "do"})
	var jc *steps.JobCancelled
	if !errors.As(err, &jc) {
		t.Fatalf("want JobCancelled, got %T %v", err, err)
	}
	if f.sim.Calls(actions.CreateKmsDomain) != 0 {
		t.Fatal("work ran after the deadline")
	}
	if got := f.get(t, tk.ID); got.Steps["CreateKmsDomain"] != ticket.StepError || got.ErrorDescription != "CreateKmsDomain: cancelled at the deadline" {
		t.Fatalf("ticket: %+v", got)
	}
	// the failed phase then ends it CANCELLED/TIMEOUT
	if err := f.run(tk.ID, "", "failed", &steps.CatchError{Error: "JobCancelled", Cause: `{"errorMessage":"x","errorType":"JobCancelled"}`}); err != nil {
		t.Fatal(err)
	}
	got := f.get(t, tk.ID)
	if got.Status != ticket.Cancelled || got.ErrorCategory != ticket.Timeout ||
		got.ErrorDescription != "deadline passed during CreateKmsDomain; completed steps were rolled back" || got.Completion.IsZero() {
		t.Fatalf("after failed: %+v", got)
	}
}

func TestHangUntilDeadlineIsJobCancelled(t *testing.T) {
	f := newFixture(t)
	dl := time.Now().Add(300 * time.Millisecond) // the work context is bounded by the deadline
	tk := f.newTicket(t, dl)
	f.sim.Inject(simulator.Fault{Operation: actions.CreateKmsDomain, Mode: simulator.Hang})
	f.r.Now = time.Now // the deadline check reads the clock after the call
	_, err := f.r.Handle(context.Background(), steps.Payload{TicketID: tk.ID, Deadline: dl.UnixMilli(), Step: "CreateKmsDomain", Phase: "do"})
	var jc *steps.JobCancelled
	if !errors.As(err, &jc) {
		t.Fatalf("want JobCancelled, got %T %v", err, err)
	}
}

func TestTerminalTicketIsJobCancelledAndLeftAlone(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, time.Time{})
	if _, err := f.tickets.Update(context.Background(), tk.ID, func(t *ticket.Ticket) error {
		t.Finish(ticket.Complete, t0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var jc *steps.JobCancelled
	if err := f.run(tk.ID, "CreateKmsDomain", "do", nil); !errors.As(err, &jc) {
		t.Fatalf("want JobCancelled, got %T %v", err, err)
	}
	before := f.get(t, tk.ID)
	for _, ph := range []string{"failed", "timedOut", "undoFailed"} {
		if err := f.run(tk.ID, "CreateKmsDomain", ph, &steps.CatchError{Error: "StepFailed", Cause: "x"}); err != nil {
			t.Fatal(ph, err)
		}
	}
	if after := f.get(t, tk.ID); after.Version != before.Version || after.Status != ticket.Complete {
		t.Fatalf("terminal ticket changed: %+v", after)
	}
}

func TestUndoRemovesOutsideRecord(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, time.Time{})
	if err := f.run(tk.ID, "CreateKmsDomain", "do", nil); err != nil {
		t.Fatal(err)
	}
	// undo of a step that never completed is skipped
	if err := f.run(tk.ID, "CreateSalesforceAccount", "undo", nil); err != nil {
		t.Fatal(err)
	}
	if err := f.run(tk.ID, "CreateKmsDomain", "undo", nil); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sim.Records(actions.KMS)); n != 0 {
		t.Fatalf("kms still holds %d records", n)
	}
	got := f.get(t, tk.ID)
	if got.Steps["CreateKmsDomain"] != ticket.StepRolledBack || got.Steps["CreateSalesforceAccount"] != ticket.StepPending {
		t.Fatalf("steps: %v", got.Steps)
	}
	// a second undo finds nothing to do
	calls := f.sim.Calls(actions.DeleteKmsDomain)
	if err := f.run(tk.ID, "CreateKmsDomain", "undo", nil); err != nil || f.sim.Calls(actions.DeleteKmsDomain) != calls {
		t.Fatal("repeated undo called again", err)
	}
}

func TestUndoNotFoundCountsAsUndone(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, time.Time{})
	if err := f.run(tk.ID, "CreateKmsDomain", "do", nil); err != nil {
		t.Fatal(err)
	}
	f.sim.Reset() // the system lost the record: DeleteKmsDomain answers 404
	if err := f.run(tk.ID, "CreateKmsDomain", "undo", nil); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, tk.ID); got.Steps["CreateKmsDomain"] != ticket.StepRolledBack {
		t.Fatalf("steps: %v", got.Steps)
	}
}

func TestUndoErrors(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, time.Time{})
	if err := f.run(tk.ID, "CreateKmsDomain", "do", nil); err != nil {
		t.Fatal(err)
	}
	f.sim.Inject(simulator.Fault{Operation: actions.DeleteKmsDomain, Mode: simulator.Transient})
	var st *steps.StepTransient
	if err := f.run(tk.ID, "CreateKmsDomain", "undo", nil); !errors.As(err, &st) {
		t.Fatalf("want StepTransient, got %T %v", err, err)
	}
	f.sim.Inject(simulator.Fault{Operation: actions.DeleteKmsDomain, Mode: simulator.Permanent, Status: 403})
	var sf *steps.StepFailed
	if err := f.run(tk.ID, "CreateKmsDomain", "undo", nil); !errors.As(err, &sf) || sf.Category != ticket.Auth {
		t.Fatalf("want StepFailed AUTH, got %T %v", err, err)
	}
	if got := f.get(t, tk.ID); got.Steps["CreateKmsDomain"] != ticket.StepComplete {
		t.Fatalf("steps: %v", got.Steps)
	}
}

func TestUndoFailedRecordsLogsAndMetricThenJobIsInternal(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, time.Time{})
	if err := f.run(tk.ID, "CreateKmsDomain", "do", nil); err != nil {
		t.Fatal(err)
	}
	f.sim.Inject(simulator.Fault{Operation: actions.CreateSalesforceAccount, Mode: simulator.Permanent, Status: 409})
	_ = f.run(tk.ID, "CreateSalesforceAccount", "do", nil)
	cause := `{"errorMessage":"CreateKmsDomain failed","errorType":"StepFailed"}`
	if err := f.run(tk.ID, "CreateKmsDomain", "undoFailed", &steps.CatchError{Error: "StepFailed", Cause: cause}); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, tk.ID); got.Steps["CreateKmsDomain"] != ticket.StepRollbackFailed {
		t.Fatalf("steps: %v", got.Steps)
	}
	var emf struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Namespace string
				Metrics   []struct{ Name string }
			}
		} `json:"_aws"`
		Step           string
		RollbackFailed int
	}
	var line []byte
	for _, l := range bytes.Split(f.metrics.Bytes(), []byte("\n")) {
		if bytes.Contains(l, []byte(`"RollbackFailed":`)) {
			line = l
		}
	}
	if err := json.Unmarshal(line, &emf); err != nil {
		t.Fatalf("metric line %q: %v", f.metrics, err)
	}
	if emf.AWS.CloudWatchMetrics[0].Namespace != "ActionService" || emf.AWS.CloudWatchMetrics[0].Metrics[0].Name != "RollbackFailed" ||
		emf.RollbackFailed != 1 || emf.Step != "CreateKmsDomain" {
		t.Fatalf("metric: %s", f.metrics)
	}
	if l := f.logs.String(); !strings.Contains(l, `"level":"ERROR"`) || !strings.Contains(l, tk.ID) || !strings.Contains(l, `"step":"CreateKmsDomain"`) {
		t.Fatalf("log: %s", l)
	}
	if err := f.run(tk.ID, "", "failed", &steps.CatchError{Error: "StepFailed", Cause: "x"}); err != nil {
		t.Fatal(err)
	}
	got := f.get(t, tk.ID)
	if got.Status != ticket.Error || got.ErrorCategory != ticket.Internal || !strings.Contains(got.ErrorDescription, "CreateKmsDomain") || got.Completion.IsZero() {
		t.Fatalf("after failed: %+v", got)
	}
}

func TestFailedKeepsTheStepsCategory(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, time.Time{})
	f.sim.Inject(simulator.Fault{Operation: actions.CreateSalesforceAccount, Mode: simulator.Permanent, Status: 409})
	stepErr := f.run(tk.ID, "CreateSalesforceAccount", "do", nil)
	if err := f.run(tk.ID, "", "failed", catchOf(stepErr)); err != nil {
		t.Fatal(err)
	}
	got := f.get(t, tk.ID)
	if got.Status != ticket.Error || got.ErrorCategory != ticket.Conflict || !strings.HasPrefix(got.ErrorDescription, "CreateSalesforceAccount: CRM refused: 409") {
		t.Fatalf("after failed: %+v", got)
	}
}

func TestFailedAfterCrashIsInternalWithCause(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, time.Time{})
	if err := f.run(tk.ID, "", "failed", &steps.CatchError{Error: "Lambda.Unknown", Cause: "The function crashed"}); err != nil {
		t.Fatal(err)
	}
	got := f.get(t, tk.ID)
	if got.Status != ticket.Error || got.ErrorCategory != ticket.Internal || !strings.Contains(got.ErrorDescription, "The function crashed") {
		t.Fatalf("after failed: %+v", got)
	}
}

func TestTimedOut(t *testing.T) {
	for _, c := range []struct {
		catch steps.CatchError
		cat   ticket.Category
		desc  string
	}{
		{steps.CatchError{Error: "States.Timeout", Cause: "Task timed out after 30 seconds"}, ticket.Timeout,
			"CreateSalesforceAccount: CRM did not answer after retries: Task timed out after 30 seconds"},
		{steps.CatchError{Error: "StepTransient", Cause: `{"errorMessage":"CRM unavailable","errorType":"StepTransient"}`}, ticket.Dependency,
			"CreateSalesforceAccount: CRM did not answer after retries: CRM unavailable"},
	} {
		f := newFixture(t)
		tk := f.newTicket(t, time.Time{})
		if err := f.run(tk.ID, "CreateKmsDomain", "do", nil); err != nil {
			t.Fatal(err)
		}
		if err := f.run(tk.ID, "CreateSalesforceAccount", "timedOut", &c.catch); err != nil {
			t.Fatal(err)
		}
		got := f.get(t, tk.ID)
		if got.Status != ticket.TimedOut || got.Steps["CreateSalesforceAccount"] != ticket.StepTimedOut ||
			got.Steps["CreateKmsDomain"] != ticket.StepComplete || got.ErrorCategory != c.cat ||
			got.ErrorDescription != c.desc || !got.Completion.Equal(t0) {
			t.Fatalf("after timedOut: %+v", got)
		}
	}
}

func TestLastStepRecordsTheJobComplete(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, time.Time{})
	if err := f.run(tk.ID, "CreateKmsDomain", "do", nil); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, tk.ID); got.Status != ticket.Running {
		t.Fatalf("after the first step: %s", got.Status)
	}
	last := steps.Payload{TicketID: tk.ID, AccountID: tk.AccountID, Step: "CreateSalesforceAccount", Phase: "do", Final: true}
	if _, err := f.r.Handle(context.Background(), last); err != nil {
		t.Fatal(err)
	}
	got := f.get(t, tk.ID)
	if got.Status != ticket.Complete || !got.Completion.Equal(t0) || got.ErrorCategory != "" ||
		got.Steps["CreateSalesforceAccount"] != ticket.StepComplete || got.Results[actions.KeySalesforceAccount] == "" {
		t.Fatalf("after the last step: %+v", got)
	}
	// A repeated delivery of the last step finds the job done and changes nothing.
	if _, err := f.r.Handle(context.Background(), last); err == nil {
		t.Fatal("a repeat after the job ended should be JobCancelled")
	}
	if again := f.get(t, tk.ID); again.Version != got.Version {
		t.Fatalf("repeat wrote the ticket: %+v", again)
	}
}

func TestLastStepAlreadyCompleteStillRecordsTheJobComplete(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, time.Time{})
	for _, step := range []string{"CreateKmsDomain", "CreateSalesforceAccount"} {
		if err := f.run(tk.ID, step, "do", nil); err != nil {
			t.Fatal(err)
		}
	}
	calls := f.sim.Calls(actions.CreateSalesforceAccount)
	if _, err := f.r.Handle(context.Background(), steps.Payload{TicketID: tk.ID, AccountID: tk.AccountID, Step: "CreateSalesforceAccount", Phase: "do", Final: true}); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, tk.ID); got.Status != ticket.Complete {
		t.Fatalf("ticket %s", got.Status)
	}
	if n := f.sim.Calls(actions.CreateSalesforceAccount); n != calls {
		t.Fatalf("the completed step called its system again (%d calls, had %d)", n, calls)
	}
}

func TestStepOfATicketWhoseAccountTheInputMisnamesStillRuns(t *testing.T) {
	f := newFixture(t)
	tk := f.newTicket(t, time.Time{})
	if _, err := f.r.Handle(context.Background(), steps.Payload{TicketID: tk.ID, AccountID: "someone-else", Step: "CreateKmsDomain", Phase: "do"}); err != nil {
		t.Fatal(err)
	}
	got := f.get(t, tk.ID)
	if got.Status != ticket.Running || got.Steps["CreateKmsDomain"] != ticket.StepComplete || got.AccountID != "acct" {
		t.Fatalf("ticket %+v", got)
	}
}

// errorType is what aws-lambda-go reports for a handler error.
func errorType(err error) string {
	ty := reflect.TypeOf(err)
	if ty.Kind() == reflect.Pointer {
		return ty.Elem().Name()
	}
	return ty.Name()
}

func TestErrorNamesAsLambdaReportsThem(t *testing.T) {
	f := newFixture(t)
	h := lambda.NewHandler(f.r.Handle)
	invoke := func(p steps.Payload) ([]byte, error) {
		b, _ := json.Marshal(p)
		return h.Invoke(context.Background(), b)
	}
	tk := f.newTicket(t, time.Time{})
	out, err := invoke(steps.Payload{TicketID: tk.ID, Step: "CreateKmsDomain", Phase: "do"})
	if err != nil || string(out) != "{}" {
		t.Fatalf("ok invoke: %s %v", out, err)
	}
	f.sim.Inject(simulator.Fault{Operation: actions.CreateSalesforceAccount, Mode: simulator.Transient})
	if _, err := invoke(steps.Payload{TicketID: tk.ID, Step: "CreateSalesforceAccount", Phase: "do"}); err == nil || errorType(err) != "StepTransient" {
		t.Fatalf("transient: %T %v", err, err)
	}
	f.sim.Inject(simulator.Fault{Operation: actions.CreateSalesforceAccount, Mode: simulator.Permanent, Status: 409})
	if _, err := invoke(steps.Payload{TicketID: tk.ID, Step: "CreateSalesforceAccount", Phase: "do"}); err == nil || errorType(err) != "StepFailed" {
		t.Fatalf("permanent: %T %v", err, err)
	}
	if err := f.run(tk.ID, "", "failed", &steps.CatchError{Error: "StepFailed"}); err != nil {
		t.Fatal(err)
	}
	if _, err := invoke(steps.Payload{TicketID: tk.ID, Step: "CreateSalesforceAccount", Phase: "do"}); err == nil || errorType(err) != "JobCancelled" {
		t.Fatalf("terminal: %T %v", err, err)
	}
}

// catchOf is the Catch output Step Functions makes of a handler error.
func catchOf(err error) *steps.CatchError {
	b, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": errorType(err)})
	return &steps.CatchError{Error: errorType(err), Cause: string(b)}
}

// A write whose answer is lost commits, and the SDK's retry meets it: the step that started
// twice and the last step whose write already ended the job both go on as if answered.
func TestStepWritesWhoseAnswersAreLostStillCompleteTheJob(t *testing.T) {
	for _, op := range []string{"UpdateItem", "PutItem"} {
		t.Run(op, func(t *testing.T) {
			f := newFixture(t)
			tk := f.newTicket(t, time.Time{})
			if err := f.run(tk.ID, "CreateKmsDomain", "do", nil); err != nil {
				t.Fatal(err)
			}
			remove, err := f.ddb.Inject(localdynamodb.Fault{Table: "tickets", Mode: localdynamodb.LoseAnswer, Operation: op, Times: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer remove()
			if _, err := f.r.Handle(context.Background(), steps.Payload{TicketID: tk.ID, AccountID: "acct", Step: "CreateSalesforceAccount", Phase: "do", Final: true}); err != nil {
				t.Fatal(err)
			}
			got := f.get(t, tk.ID)
			if got.Status != ticket.Complete || got.Steps["CreateSalesforceAccount"] != ticket.StepComplete {
				t.Fatalf("ticket %+v", got)
			}
		})
	}
}
