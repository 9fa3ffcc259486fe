package steps_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/actionservice/actionservice/local/dynamodb/dynamodbtest"
	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/steps"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

type stack struct {
	h       map[string]lambda.Handler
	tickets *store.Store
	ids     *identity.Store
	sim     *simulator.Simulator
}

func newStack(t *testing.T) *stack {
	t.Helper()
	db := dynamodbtest.Backends()[0].Open(t, store.TicketsTable("tickets"), identity.IdentityTable("identity"))
	sim := simulator.New()
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	st := &stack{
		tickets: store.New(db, "tickets", store.WithSealer(plainSealer{})),
		ids:     identity.New(db, "identity"),
		sim:     sim,
	}
	st.h = steps.Handlers(steps.Deps{
		Tickets: st.tickets, Identity: st.ids,
		Outside: outside.NewClient(outside.SimulatorConfig(srv.URL+"/_sim", 2*time.Second), nil),
		Now:     func() time.Time { return t0 },
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return st
}

// createDomain is the createDomain action's steps and their functions, as the catalogue
// declares them.
var createDomain = func() []struct{ fn, step string } {
	a, _ := actions.Lookup("createDomain")
	var out []struct{ fn, step string }
	for _, st := range a.Steps {
		out = append(out, struct{ fn, step string }{st.System.LogicalID(), st.Name})
	}
	return out
}()

func (st *stack) invoke(t *testing.T, fn string, p steps.Payload) error {
	t.Helper()
	h, ok := st.h[fn]
	if !ok {
		t.Fatalf("no handler %s", fn)
	}
	b, _ := json.Marshal(p)
	_, err := h.Invoke(context.Background(), b)
	return err
}

func (st *stack) submit(t *testing.T, params map[string]string) *ticket.Ticket {
	t.Helper()
	tk := &ticket.Ticket{ID: ticket.NewID(t0), Action: "createDomain", AccountID: "acct", Params: params,
		Status: ticket.Pending, Submission: t0, Steps: map[string]ticket.StepStatus{}}
	for _, s := range createDomain {
		tk.Steps[s.step] = ticket.StepPending
	}
	if err := st.tickets.Create(context.Background(), tk); err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestCreateDomainSaga(t *testing.T) {
	st := newStack(t)
	tk := st.submit(t, map[string]string{"name": "Acme", "company": "Acme Inc", "emailAddress": "ops@acme.example"})
	for i, s := range createDomain {
		final := i == len(createDomain)-1
		if err := st.invoke(t, s.fn, steps.Payload{TicketID: tk.ID, AccountID: tk.AccountID, Step: s.step, Phase: "do", Final: final}); err != nil {
			t.Fatalf("%s: %v", s.step, err)
		}
	}
	got, _ := st.tickets.Get(context.Background(), tk.ID)
	if got.Status != ticket.Complete {
		t.Fatalf("ticket %+v", got)
	}
	for _, k := range []string{"domainId", actions.KeyKmsTenant, actions.KeySalesforceAccount, actions.KeyZuoraAccount} {
		if got.Results[k] == "" {
			t.Fatalf("result %s missing: %v", k, got.Results)
		}
	}
	d, err := st.ids.GetDomain(context.Background(), got.Results["domainId"])
	if err != nil || d.Name != "Acme" || d.Company != "Acme Inc" || d.BillingID != got.Results[actions.KeyZuoraAccount] ||
		d.ContactID != got.Results[actions.KeySalesforceAccount] || d.KmsTenant != got.Results[actions.KeyKmsTenant] {
		t.Fatalf("domain %+v %v", d, err)
	}
	// a second createDomain with the same name in another case is a CONFLICT, nothing outside
	tk2 := st.submit(t, map[string]string{"name": "ACME"})
	err = st.invoke(t, actions.Identity.LogicalID(), steps.Payload{TicketID: tk2.ID, Step: "CreateUmsDomain", Phase: "do"})
	if errorType(err) != "StepFailed" {
		t.Fatalf("duplicate: %T %v", err, err)
	}
	if err := st.invoke(t, actions.TicketsLogicalID, steps.Payload{TicketID: tk2.ID, Phase: "failed", Error: catchOf(err)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.tickets.Get(context.Background(), tk2.ID); got.Status != ticket.Error || got.ErrorCategory != ticket.Conflict {
		t.Fatalf("duplicate ticket %+v", got)
	}
}

func TestCreateDomainRollsBackWhenBillingRefuses(t *testing.T) {
	st := newStack(t)
	tk := st.submit(t, map[string]string{"name": "Acme"})
	st.sim.Inject(simulator.Fault{Operation: actions.CreateZuoraDomainAccount, Mode: simulator.Permanent, Status: 409})
	var failure error
	for _, s := range createDomain {
		if err := st.invoke(t, s.fn, steps.Payload{TicketID: tk.ID, Step: s.step, Phase: "do"}); err != nil {
			failure = err
			break
		}
	}
	if errorType(failure) != "StepFailed" {
		t.Fatalf("want StepFailed, got %T %v", failure, failure)
	}
	mid, _ := st.tickets.Get(context.Background(), tk.ID)
	domainID := mid.Results["domainId"]
	for i := len(createDomain) - 2; i >= 0; i-- {
		s := createDomain[i]
		if err := st.invoke(t, s.fn, steps.Payload{TicketID: tk.ID, Step: s.step, Phase: "undo"}); err != nil {
			t.Fatalf("undo %s: %v", s.step, err)
		}
	}
	if err := st.invoke(t, actions.TicketsLogicalID, steps.Payload{TicketID: tk.ID, Phase: "failed", Error: catchOf(failure)}); err != nil {
		t.Fatal(err)
	}
	got, _ := st.tickets.Get(context.Background(), tk.ID)
	want := map[string]ticket.StepStatus{"CreateUmsDomain": ticket.StepRolledBack, "CreateKmsDomain": ticket.StepRolledBack,
		"CreateSalesforceAccount": ticket.StepRolledBack, "CreateZuoraDomainAccount": ticket.StepError}
	for k, v := range want {
		if got.Steps[k] != v {
			t.Fatalf("steps %v", got.Steps)
		}
	}
	if got.Status != ticket.Error || got.ErrorCategory != ticket.Conflict || got.Completion.IsZero() {
		t.Fatalf("ticket %+v", got)
	}
	for _, sys := range outside.Systems {
		if n := len(st.sim.Records(sys)); n != 0 {
			t.Fatalf("%s still holds %d records", sys, n)
		}
	}
	if _, err := st.ids.GetDomain(context.Background(), domainID); !identity.IsNotFound(err) {
		t.Fatalf("domain still there: %v", err)
	}
}

func TestEveryFunctionHasAHandler(t *testing.T) {
	st := newStack(t)
	for _, sys := range actions.Systems {
		if st.h[sys.LogicalID()] == nil {
			t.Fatal("missing", sys.LogicalID())
		}
	}
	if st.h[actions.TicketsLogicalID] == nil {
		t.Fatal("missing", actions.TicketsLogicalID)
	}
}

func TestEveryStepHasAPerformerInItsSystemsFunction(t *testing.T) {
	st := newStack(t)
	w := steps.Work(steps.Deps{Identity: st.ids})
	n := 0
	for _, s := range actions.Steps() {
		if w[s.System.LogicalID()][s.Name] == nil {
			t.Errorf("step %s (%s) has no performer in %s", s.Name, s.System, s.System.LogicalID())
		}
		n++
	}
	for fn, performers := range w {
		for step := range performers {
			n--
			if _, ok := actions.Operations()[step]; !ok {
				t.Errorf("%s performs %s, which is no step of the catalogue", fn, step)
			}
		}
	}
	if n != 0 {
		t.Errorf("%d performers more than steps", -n)
	}
	// Outside performers need no identity store to be built; identity ones do.
	bare := steps.Work(steps.Deps{})
	for _, s := range actions.Steps() {
		if got := bare[s.System.LogicalID()][s.Name] != nil; got != s.System.Outside() {
			t.Errorf("without an identity store, %s has a performer: %v", s.Name, got)
		}
	}
}

func TestDomainStateAndItsUndo(t *testing.T) {
	st := newStack(t)
	tk := st.submit(t, map[string]string{"name": "Acme"})
	for _, s := range createDomain {
		if err := st.invoke(t, s.fn, steps.Payload{TicketID: tk.ID, Step: s.step, Phase: "do"}); err != nil {
			t.Fatal(err)
		}
	}
	created, _ := st.tickets.Get(context.Background(), tk.ID)
	domainID := created.Results["domainId"]
	ds := &ticket.Ticket{ID: ticket.NewID(t0.Add(time.Second)), Action: "domainState", AccountID: "acct", Status: ticket.Pending, Submission: t0,
		Params: map[string]string{"domainId": domainID, "state": "suspended"}}
	if err := st.tickets.Create(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct{ fn, step string }{{actions.Identity.LogicalID(), "SetUmsDomainState"}, {actions.Billing.LogicalID(), "SetZuoraAccountState"}} {
		if err := st.invoke(t, s.fn, steps.Payload{TicketID: ds.ID, Step: s.step, Phase: "do"}); err != nil {
			t.Fatal(s.step, err)
		}
	}
	if d, _ := st.ids.GetDomain(context.Background(), domainID); d.Status != "suspended" {
		t.Fatalf("domain %+v", d)
	}
	if acct := st.sim.Records(actions.Billing)[0]; acct.State != "suspended" {
		t.Fatalf("billing %+v", acct)
	}
	for _, s := range []struct{ fn, step string }{{actions.Billing.LogicalID(), "SetZuoraAccountState"}, {actions.Identity.LogicalID(), "SetUmsDomainState"}} {
		if err := st.invoke(t, s.fn, steps.Payload{TicketID: ds.ID, Step: s.step, Phase: "undo"}); err != nil {
			t.Fatal(s.step, err)
		}
	}
	if d, _ := st.ids.GetDomain(context.Background(), domainID); d.Status != "enabled" {
		t.Fatalf("domain %+v", d)
	}
	if acct := st.sim.Records(actions.Billing)[0]; acct.State != "enabled" {
		t.Fatalf("billing after undo %+v", acct)
	}
}
