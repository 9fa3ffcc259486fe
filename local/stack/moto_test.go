package stack_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	localdynamodb "github.com/actionservice/actionservice/local/dynamodb"
	"github.com/actionservice/actionservice/local/dynamodb/dynamodbtest"
	"github.com/actionservice/actionservice/local/moto/mototest"
	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/local/stepfunctions"
	"github.com/actionservice/actionservice/local/stepfunctions/stepfunctionstest"
	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/secrets"
	"github.com/actionservice/actionservice/shared/steps"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// sagaWorld is createDomain's saga wired to one DynamoDB and one Step Functions engine.
type sagaWorld struct {
	tickets *store.Store
	sim     *simulator.Simulator
	// run executes the state machine once for a ticket and waits for it to end.
	run func(ctx context.Context, t *ticket.Ticket) error
}

func newSagaWorld(t *testing.T, dynamo dynamodbtest.Backend, onMoto bool) *sagaWorld {
	t.Helper()
	db := dynamo.Open(t, store.TicketsTable("tickets"), identity.IdentityTable("identity"))
	sealer, err := secrets.LocalKeyFile(filepath.Join(t.TempDir(), "params.key"))
	if err != nil {
		t.Fatal(err)
	}
	w := &sagaWorld{tickets: store.New(db, "tickets", store.WithSealer(sealer)), sim: simulator.New()}
	srv := httptest.NewServer(w.sim)
	t.Cleanup(func() { w.sim.Close(); srv.Close() })
	reg := stepfunctions.NewRegistry()
	for name, h := range steps.Handlers(steps.Deps{Tickets: w.tickets, Identity: identity.New(db, "identity"),
		Outside: outside.NewClient(outside.SimulatorConfig(srv.URL+"/_sim", 5*time.Second), nil),
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil))}) {
		reg.RegisterFunction(name, h)
	}
	a, _ := actions.Lookup("createDomain")
	raw, err := a.StateMachine()
	if err != nil {
		t.Fatal(err)
	}
	subs := map[string]string{}
	for _, fn := range []string{"Identity", "Kms", "Crm", "Billing", "Tickets"} {
		subs[fn+"FunctionArn"] = "arn:aws:lambda:us-east-1:123456789012:function:Step" + fn + "Function"
	}
	def, err := stepfunctions.ApplySubstitutions(raw, subs)
	if err != nil {
		t.Fatal(err)
	}
	input := func(tk *ticket.Ticket) string {
		return fmt.Sprintf(`{"ticketId":%q,"deadline":0,"accountId":%q}`, tk.ID, tk.AccountID)
	}
	if onMoto {
		m := stepfunctionstest.StartMoto(t, reg)
		w.run = func(ctx context.Context, tk *ticket.Ticket) error {
			_, err := m.Run(ctx, "createDomain-"+tk.Execution, string(def), input(tk))
			return err
		}
		return w
	}
	clock := stepfunctions.NewFakeClock(time.Now())
	clock.HandlerGrace = time.Minute // no handler hangs here; a slow one must not time out
	engine := stepfunctions.New(stepfunctions.Options{Registry: reg, Clock: clock})
	arn, err := engine.CreateStateMachine("createDomain", def, "arn:aws:iam::123456789012:role/local")
	if err != nil {
		t.Fatal(err)
	}
	w.run = func(ctx context.Context, tk *ticket.Ticket) error {
		x, _, err := engine.StartExecution(arn, tk.Execution, input(tk))
		if err == nil {
			_, err = engine.Wait(ctx, x)
		}
		return err
	}
	return w
}

// submit stores a PENDING createDomain ticket the way POST /action does, and runs it.
func (w *sagaWorld) submit(t *testing.T, name string) *ticket.Ticket {
	t.Helper()
	now := time.Now()
	tk := &ticket.Ticket{ID: ticket.NewID(now), Action: "createDomain", AccountID: "a1", Status: ticket.Pending,
		Params: map[string]string{"name": name}, Steps: map[string]ticket.StepStatus{}, Submission: now}
	a, _ := actions.Lookup("createDomain")
	for _, s := range a.Steps {
		tk.Steps[s.Name] = ticket.StepPending
	}
	tk.Execution = tk.ID
	if err := w.tickets.Create(context.Background(), tk); err != nil {
		t.Fatal(err)
	}
	return w.runAndRead(t, tk)
}

func (w *sagaWorld) runAndRead(t *testing.T, tk *ticket.Ticket) *ticket.Ticket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := w.run(ctx, tk); err != nil {
		t.Fatalf("execution: %v", err)
	}
	got, err := w.tickets.Get(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// restart does what PUT /job/{id} does to a TIMEDOUT ticket, and runs it again.
func (w *sagaWorld) restart(t *testing.T, tk *ticket.Ticket) *ticket.Ticket {
	t.Helper()
	tk, err := w.tickets.Update(context.Background(), tk.ID, func(t *ticket.Ticket) error {
		t.Status, t.ErrorCategory, t.ErrorDescription, t.Completion = ticket.Retry, "", "", time.Time{}
		for s, st := range t.Steps {
			if st == ticket.StepTimedOut {
				t.Steps[s] = ticket.StepRetry
			}
		}
		t.Execution = fmt.Sprintf("%s-r%d", t.ID, t.Version+1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w.runAndRead(t, tk)
}

// outcome is what a client reads of a ticket, without ids and times.
func outcome(tk *ticket.Ticket) string {
	return fmt.Sprintf("%s %s steps=%v results=%d", tk.Status, tk.ErrorCategory, tk.Steps, len(tk.Results))
}

// TestCreateDomainEndsTheSameOnMotoAsOnTheLocalEngine runs createDomain's success,
// permanent failure and restart scenarios twice — state machine on moto's engine with
// DynamoDB on moto, and on the project's engine with the embedded DynamoDB — with the same
// Go step handlers, and compares the tickets.
func TestCreateDomainEndsTheSameOnMotoAsOnTheLocalEngine(t *testing.T) {
	backends := dynamodbtest.Backends()
	scenarios := func(t *testing.T, w *sagaWorld) []string {
		var out []string
		out = append(out, "success: "+outcome(w.submit(t, uniqueName("MotoDom"))))

		_, _ = w.sim.Inject(simulator.Fault{Operation: "CreateSalesforceAccount", Mode: simulator.Permanent, Status: 409})
		failed := w.submit(t, uniqueName("MotoDom"))
		w.sim.ClearFaults()
		out = append(out, "permanent: "+outcome(failed))
		if held := heldBy(w.sim, failed.ID); len(held) != 0 {
			t.Errorf("rollback left %v", held)
		}

		_, _ = w.sim.Inject(simulator.Fault{Operation: "CreateSalesforceAccount", Mode: simulator.Transient})
		timedOut := w.submit(t, uniqueName("MotoDom"))
		w.sim.ClearFaults()
		out = append(out, "transient: "+outcome(timedOut))
		kms := w.sim.Calls("CreateKmsDomain")
		out = append(out, "restart: "+outcome(w.restart(t, timedOut)))
		if w.sim.Calls("CreateKmsDomain") != kms {
			t.Errorf("restart ran a completed step again")
		}
		return out
	}
	local := scenarios(t, newSagaWorld(t, backends[0], false))
	want := []string{
		"success: COMPLETE  steps=map[CreateKmsDomain:COMPLETE CreateSalesforceAccount:COMPLETE CreateUmsDomain:COMPLETE CreateZuoraDomainAccount:COMPLETE] results=4",
		"permanent: ERROR CONFLICT steps=map[CreateKmsDomain:ROLLED_BACK CreateSalesforceAccount:ERROR CreateUmsDomain:ROLLED_BACK CreateZuoraDomainAccount:PENDING] results=2",
		"transient: TIMEDOUT DEPENDENCY steps=map[CreateKmsDomain:COMPLETE CreateSalesforceAccount:TIMEDOUT CreateUmsDomain:COMPLETE CreateZuoraDomainAccount:PENDING] results=2",
		"restart: COMPLETE  steps=map[CreateKmsDomain:COMPLETE CreateSalesforceAccount:COMPLETE CreateUmsDomain:COMPLETE CreateZuoraDomainAccount:COMPLETE] results=4",
	}
	if fmt.Sprint(local) != fmt.Sprint(want) {
		t.Fatalf("local engine:\n got %q\nwant %q", local, want)
	}
	moto := scenarios(t, newSagaWorld(t, backends[1], true))
	for i := range want {
		if moto[i] != local[i] {
			t.Errorf("moto differs from the local engine:\n moto  %s\n local %s", moto[i], local[i])
		}
	}
}

// The stack on another DynamoDB (here moto's, on loopback), as `make run -dynamodb-endpoint`
// runs it: tables created there, samples loaded, the read routes answering from it.
func TestStackServesTheJobRoutesFromAnotherDynamoDB(t *testing.T) {
	moto := mototest.ForTest(t)
	e := startWith(t, func(c *stack.Config) { c.DynamoDBEndpoint = moto.URL })
	list := tickets(t, e.get("/job?accountId="+stack.SampleAccount+"&limit=4"))
	if len(list) != 4 {
		t.Fatalf("samples on moto: %d of a page of 4", len(list))
	}
	if r := e.get("/job/error/count"); r.body != "5" {
		t.Errorf("error count on moto: %s", r.body)
	}
	id := list[0]["ticketId"].(string)
	expectStatus(t, e.get("/job/"+id), 200)
	expectStatus(t, e.do("DELETE", "/job/"+id, e.stack.AdminToken, nil, ""), 204)
	expectProblem(t, e.get("/job/"+id), 404)
	if _, err := localdynamodb.Client(moto.URL).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("tickets")}); err != nil {
		t.Errorf("the tickets table is not on moto: %v", err)
	}
}
