package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/local/stepfunctions"
	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/logging"
	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/service"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// startActions runs a local stack that executes actions. With skipTime the engine's clock
// skips retry intervals and task timeouts, so retries run in milliseconds; without it the
// engine runs on real time (for deadlines, which are real).
func startActions(t *testing.T, skipTime bool) *e2e {
	t.Helper()
	return startActionsTB(t, skipTime)
}

func startActionsTB(t testing.TB, skipTime bool) *e2e {
	t.Helper()
	logs, emf := &lockedBuffer{}, &lockedBuffer{}
	c := stack.Config{
		Addr: "127.0.0.1:0", SFNAddr: "127.0.0.1:0", Sweep: -1, OutsideTimeout: 5 * time.Second,
		// The functions' own handler, as in Lambda: the tests read the lines an operator reads.
		Log:             slog.New(logging.NewHandler(logs, slog.LevelDebug)),
		Metrics:         emf,
		DynamoDBOptions: []func(*dynamodb.Options){sdkRetriesWithoutBackoff},
		Service: service.Config{TicketsTable: "tickets", TokensTable: "tokens", IdentityTable: "identity",
			WaitCap: 20 * time.Second, ParamsKeyFile: filepath.Join(t.TempDir(), "params.key")},
	}
	if skipTime {
		// No test on the skipping clock makes a handler hang, so a handler slowed by a loaded
		// machine (200 jobs on 2 cores) must never count as blocked and meet its timeout.
		fc := stepfunctions.NewFakeClock(time.Now())
		fc.HandlerGrace = time.Minute
		c.Clock = fc
	}
	s, err := stack.Start(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &e2e{t: t, stack: s, logs: logs, metrics: emf}
}

// sdkRetriesWithoutBackoff keeps the SDK's three attempts at a throttled DynamoDB request but
// makes them at once, so tests of DynamoDB faults do not sleep through the SDK's backoff.
func sdkRetriesWithoutBackoff(o *dynamodb.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		so.RateLimiter = ratelimit.None
	})
}

// lockedBuffer collects a stack's logs from all its goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// jobView is a ticket as a client reads it.
type jobView struct {
	TicketID         string            `json:"ticketId"`
	Action           string            `json:"action"`
	Status           string            `json:"status"`
	StepStatus       map[string]string `json:"stepStatus"`
	ActionResults    map[string]string `json:"actionResults"`
	ActionParams     map[string]string `json:"actionParams"`
	ErrorCategory    string            `json:"errorCategory"`
	ErrorDescription string            `json:"errorDescription"`
	Completion       *int64            `json:"completion"`
}

func decodeJob(t testing.TB, r response) jobView {
	t.Helper()
	var doc struct {
		JobTicket jobView `json:"JobTicket"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatalf("ticket: %v: %s", err, r.body)
	}
	return doc.JobTicket
}

func submitBody(params map[string]string) string {
	b, _ := json.Marshal(map[string]any{"JobTicket": map[string]any{"actionParams": params}})
	return string(b)
}

// submit posts an action and waits (timeOut) for its ticket.
func (e *e2e) submit(action string, params map[string]string, timeOutMs int) jobView {
	e.t.Helper()
	r := e.do("POST", fmt.Sprintf("/action/%s?timeOut=%d", action, timeOutMs), e.stack.AdminToken,
		map[string]string{"Content-Type": "application/json"}, submitBody(params))
	expectStatus(e.t, r, http.StatusCreated)
	return decodeJob(e.t, r)
}

// waitJob polls the ticket until it is terminal.
func (e *e2e) waitJob(id string) jobView {
	e.t.Helper()
	for range 30 {
		j := decodeJob(e.t, e.get("/job/"+id+"?timeOut=20000"))
		if ticket.Status(j.Status).Terminal() {
			return j
		}
	}
	e.t.Fatalf("job %s never ended", id)
	return jobView{}
}

var unique atomic.Int64

func uniqueName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, time.Now().UnixNano(), unique.Add(1))
}

// prepare returns valid parameters for an action, creating through the API whatever the
// action needs to exist first (a domain, a tenant, a user).
func (e *e2e) prepare(action string) map[string]string {
	e.t.Helper()
	must := func(action string, params map[string]string) jobView {
		j := e.submit(action, params, 20000)
		if j.Status != "COMPLETE" {
			e.t.Fatalf("preparing %s: %s %s %s", action, j.Status, j.ErrorCategory, j.ErrorDescription)
		}
		return j
	}
	if action == "createDomain" {
		return map[string]string{"name": uniqueName("TestDom"), "company": "ArvindCo"}
	}
	domain := must("createDomain", map[string]string{"name": uniqueName("Dom")}).ActionResults["domainId"]
	switch action {
	case "createTenant":
		return map[string]string{"domainId": domain, "name": uniqueName("tenant")}
	case "createUser":
		return map[string]string{"domainId": domain, "username": uniqueName("user"), "emailAddress": "user@example.com"}
	case "activateService":
		tenant := must("createTenant", map[string]string{"domainId": domain, "name": uniqueName("tenant")}).ActionResults["tenantId"]
		return map[string]string{"domainId": domain, "tenantId": tenant, "endpointTemplateId": "100"}
	case "domainState":
		return map[string]string{"domainId": domain, "state": "suspended"}
	case "userState":
		user := must("createUser", map[string]string{"domainId": domain, "username": uniqueName("user"), "emailAddress": "u@example.com"}).ActionResults["userId"]
		return map[string]string{"accountId": user, "state": "disabled"}
	case "purgeDomain":
		return map[string]string{"domainId": domain}
	case "createSwiftAccount":
		return map[string]string{"serviceName": "Object Storage", "productRatePlan": "standard", "regionCode": "region-a.geo-1", "domainId": domain}
	}
	e.t.Fatalf("no preparation for %s", action)
	return nil
}

// heldBy lists the simulator's records created for a ticket.
func heldBy(sim *simulator.Simulator, ticketID string) []string {
	var held []string
	for _, sys := range outside.Systems {
		for _, r := range sim.Records(sys) {
			if strings.HasPrefix(r.IdempotencyKey, ticketID+"/") {
				held = append(held, r.Operation+":"+r.ID)
			}
		}
	}
	return held
}

func TestCreateDomainCompletesAsTheSeedShows(t *testing.T) {
	e := startActions(t, true)
	j := e.submit("createDomain", map[string]string{"name": uniqueName("TestDom"), "company": "ArvindCo"}, 60000)
	if j.Status != "COMPLETE" || j.Completion == nil || j.ErrorDescription != "" || len(j.ActionParams) != 0 {
		t.Fatalf("ticket: %+v", j)
	}
	for _, s := range []string{"CreateUmsDomain", "CreateKmsDomain", "CreateSalesforceAccount", "CreateZuoraDomainAccount"} {
		if j.StepStatus[s] != "COMPLETE" {
			t.Errorf("step %s: %s", s, j.StepStatus[s])
		}
	}
	for _, k := range []string{"domainId", "KMS_TENANT", "SALESFORCE_ACCOUNT", "zuoraDomainAcct"} {
		if j.ActionResults[k] == "" {
			t.Errorf("result %s missing: %v", k, j.ActionResults)
		}
	}
	if n := len(heldBy(e.stack.Simulator, j.TicketID)); n != 3 {
		t.Errorf("outside systems hold %d records for the job, want 3", n)
	}
}

func TestEveryActionCompletes(t *testing.T) {
	e := startActions(t, true)
	for _, a := range actions.Catalogue() {
		t.Run(a.Name, func(t *testing.T) {
			j := e.submit(a.Name, e.prepare(a.Name), 60000)
			if j.Status != "COMPLETE" {
				t.Fatalf("%s: %+v", a.Name, j)
			}
			for _, s := range a.Steps {
				if j.StepStatus[s.Name] != "COMPLETE" {
					t.Errorf("step %s: %s", s.Name, j.StepStatus[s.Name])
				}
			}
		})
	}
}

func TestPurgeDomainLeavesNothingOfTheDomainAnywhere(t *testing.T) {
	e := startActions(t, true)
	var jobs []jobView
	must := func(action string, params map[string]string) jobView {
		t.Helper()
		j := e.submit(action, params, 60000)
		if j.Status != "COMPLETE" {
			t.Fatalf("%s: %s %s %s", action, j.Status, j.ErrorCategory, j.ErrorDescription)
		}
		jobs = append(jobs, j)
		return j
	}
	domain := must("createDomain", map[string]string{"name": uniqueName("Purged")}).ActionResults["domainId"]
	must("createUser", map[string]string{"domainId": domain, "username": uniqueName("user"), "emailAddress": "u@example.com"})
	tenant := must("createTenant", map[string]string{"domainId": domain, "name": uniqueName("tenant")}).ActionResults["tenantId"]
	must("activateService", map[string]string{"domainId": domain, "tenantId": tenant, "endpointTemplateId": "100"})
	must("createSwiftAccount", map[string]string{"domainId": domain, "serviceName": "Object Storage", "productRatePlan": "standard", "regionCode": "region-a.geo-1"})
	must("purgeDomain", map[string]string{"domainId": domain})
	for _, j := range jobs {
		if held := heldBy(e.stack.Simulator, j.TicketID); len(held) != 0 {
			t.Errorf("after the purge the outside systems still hold what %s made: %v", j.Action, held)
		}
		if held := identityHeldBy(t, e, j.TicketID); len(held) != 0 {
			t.Errorf("after the purge the identity table still holds what %s made: %v", j.Action, held)
		}
	}
}

func TestSubmitXMLBodyAndXMLAnswer(t *testing.T) {
	a := startActions(t, true)
	body := `<JobTicket><actionParams><entry><key>name</key><value>` + uniqueName("XmlDom") + `</value></entry><entry><key>company</key><value>ArvindCo</value></entry></actionParams></JobTicket>`
	r := a.do("POST", "/action/createDomain?timeOut=60000", a.stack.AdminToken,
		map[string]string{"Content-Type": "application/xml", "Accept": "application/xml"}, body)
	expectStatus(t, r, 201)
	if !strings.Contains(r.body, "<status>COMPLETE</status>") || !strings.Contains(r.body, "<actionParams></actionParams>") ||
		strings.Contains(r.body, "ArvindCo") {
		t.Errorf("xml ticket: %s", r.body)
	}
}

func TestSubmitRejectsBadInput(t *testing.T) {
	e := startActions(t, true)
	post := func(path, ct, body string) response {
		return e.doMalformed("POST", path, e.stack.AdminToken, map[string]string{"Content-Type": ct}, body)
	}
	expectProblem(t, post("/action/noSuchAction", "application/json", submitBody(nil)), 404)
	for _, bad := range []string{`{`, `{"JobTicket":{"actionParams":{"name":5}}}`, `{"JobTicket":[]}`, `{"Ticket":{}}`, `{"JobTicket":{}} trailing`, ``} {
		expectProblem(t, post("/action/createDomain", "application/json", bad), 400)
	}
	expectProblem(t, post("/action/createDomain", "application/xml", `<JobTicket><actionParams><entry>`), 400)
	expectProblem(t, post("/action/createDomain", "text/csv", "name,x"), 415)
	expectProblem(t, post("/action/createDomain?timeOut=-5", "application/json", submitBody(map[string]string{"name": "x"})), 400)
	expectProblem(t, post("/action/createDomain", "application/json", submitBody(map[string]string{"name": strings.Repeat("x", 70000)})), 413)
	if n, _ := e.stack.Tickets.Count(context.Background(), store.Query{Account: e.stack.AdminAccount}); n != 0 {
		t.Errorf("bad submissions stored %d tickets", n)
	}
}

func TestSubmitWithMissingParamRecordsUserInputError(t *testing.T) {
	e := startActions(t, true)
	j := e.submit("createDomain", map[string]string{"company": "ArvindCo"}, 0)
	if j.Status != "ERROR" || j.ErrorCategory != "USER_INPUT" || j.ErrorDescription != "Missing required parameter [name]" || j.Completion == nil {
		t.Fatalf("ticket: %+v", j)
	}
	if execs, _ := e.stack.Engine.ListExecutions(stack.MachineARNPrefix()+"createDomain", ""); len(execs) != 0 {
		t.Errorf("an invalid submission started %d executions", len(execs))
	}
}

func TestIdempotencyKeyMakesOneTicketAndOneExecution(t *testing.T) {
	e := startActions(t, true)
	body := submitBody(map[string]string{"name": uniqueName("IdemDom")})
	hdr := map[string]string{"Content-Type": "application/json", "Idempotency-Key": "k-123"}
	first := decodeJob(t, e.do("POST", "/action/createDomain?timeOut=60000", e.stack.AdminToken, hdr, body))
	second := e.do("POST", "/action/createDomain?timeOut=60000", e.stack.AdminToken, hdr, body)
	expectStatus(t, second, 201)
	if decodeJob(t, second).TicketID != first.TicketID {
		t.Errorf("the repeat made a second ticket")
	}
	if execs, _ := e.stack.Engine.ListExecutions(stack.MachineARNPrefix()+"createDomain", ""); len(execs) != 1 {
		t.Errorf("%d executions, want 1", len(execs))
	}
	if n := e.stack.Simulator.Calls("CreateKmsDomain"); n != 1 {
		t.Errorf("CreateKmsDomain called %d times", n)
	}
}
