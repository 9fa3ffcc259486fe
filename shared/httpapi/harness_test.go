package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	localdynamodb "github.com/actionservice/actionservice/local/dynamodb"
	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/logging"
	"github.com/actionservice/actionservice/shared/service"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

const table = "tickets"

// Callers: an admin sees every account, anyone else only its own.
var (
	admin = auth.Principal{UserID: "u-admin", AccountID: "acct-admin", Roles: []string{auth.RoleAdmin}, Status: auth.StatusEnabled}
	alice = auth.Principal{UserID: "u-alice", AccountID: "acct-a", DomainID: "10000000000001", Status: auth.StatusEnabled}
)

// harness is the API on a fresh embedded DynamoDB, called the way API Gateway calls it.
type harness struct {
	t       testing.TB
	api     *httpapi.API
	tickets *store.Store
	db      *dynamodb.Client
	server  *localdynamodb.Server
	log     *syncBuffer
	// created counts tickets so that each is submitted a second after the one before.
	created int
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	server, err := localdynamodb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })
	db := localdynamodb.Client(server.URL)
	if err := localdynamodb.CreateTables(context.Background(), db, store.TicketsTable(table), identity.IdentityTable("identity")); err != nil {
		t.Fatal(err)
	}
	tickets := store.New(db, table, store.WithSealer(clearSealer{}))
	log := &syncBuffer{}
	ids := identity.New(db, "identity")
	api := &httpapi.API{Tickets: tickets, Executions: &executions{}, Directory: ids, Identity: ids,
		Log: slog.New(logging.NewHandler(log, slog.LevelDebug))}
	return &harness{t: t, api: api, tickets: tickets, db: db, server: server, log: log}
}

// create stores a ticket of the account in the status, submitted after every ticket before
// it, so ids (and lists, newest first) follow creation order.
func (h *harness) create(account string, st ticket.Status, c ticket.Category) *ticket.Ticket {
	h.t.Helper()
	h.created++
	at := time.Date(2026, 11, 1, 12, 0, h.created, 0, time.UTC)
	tk := &ticket.Ticket{ID: ticket.NewID(at), Action: "createDomain", AccountID: account, Status: st, Submission: at}
	if st.Terminal() {
		tk.Completion = at.Add(time.Millisecond)
	}
	if st.Failed() {
		tk.ErrorCategory, tk.ErrorDescription = c, "failed"
	}
	if err := h.tickets.Create(context.Background(), tk); err != nil {
		h.t.Fatal(err)
	}
	return tk
}

// gatewayEvent is the REST API proxy event API Gateway sends when the caller requests target
// on the dev stage of the default execute-api URL: the event's path lacks the stage, the
// request context's path has it. headers are name, value pairs.
func gatewayEvent(caller auth.Principal, method, target string, headers ...string) events.APIGatewayProxyRequest {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	e := events.APIGatewayProxyRequest{
		HTTPMethod:                      method,
		Path:                            u.Path,
		Headers:                         map[string]string{},
		MultiValueQueryStringParameters: u.Query(),
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID:  "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
			Stage:      "dev",
			Path:       "/dev" + u.Path,
			HTTPMethod: method,
			DomainName: "abc123.execute-api.eu-west-1.amazonaws.com",
			Authorizer: caller.Context(),
		},
	}
	for i := 0; i+1 < len(headers); i += 2 {
		e.Headers[headers[i]] = headers[i+1]
	}
	return e
}

// call runs the event through the named route's Lambda as it runs on AWS (service.RouteProxy).
func (h *harness) call(route string, e events.APIGatewayProxyRequest) response {
	h.t.Helper()
	rt, ok := httpapi.RouteNamed(route)
	if !ok {
		h.t.Fatalf("no route %s", route)
	}
	resp, err := service.RouteProxy(h.api, rt)(context.Background(), e)
	if err != nil {
		h.t.Fatalf("%s %s: %v", e.HTTPMethod, e.Path, err)
	}
	return response{resp}
}

type response struct{ events.APIGatewayProxyResponse }

func (r response) header(name string) string {
	return http.Header(r.MultiValueHeaders).Get(name)
}

func (r response) String() string {
	return r.header("Content-Type") + " " + r.Body
}

// expectStatus fails the test unless the response has the status.
func expectStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", r.StatusCode, status, r)
	}
}

// expectProblem checks that the response is a JSON problem document of the status and
// returns it.
func expectProblem(t *testing.T, r response, status int) httpapi.Problem {
	t.Helper()
	expectStatus(t, r, status)
	if ct := r.header("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json: %s", ct, r.Body)
	}
	var p httpapi.Problem
	if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
		t.Fatalf("problem is not JSON: %v: %s", err, r.Body)
	}
	if p.Status != status || p.Type != httpapi.ProblemType(status) || p.Title != http.StatusText(status) || p.Detail == "" {
		t.Errorf("problem %+v does not describe a %d", p, status)
	}
	return p
}

// ticketIDs reads the ids of a JSON ticket list.
func ticketIDs(t *testing.T, r response) []string {
	t.Helper()
	var doc struct {
		TicketList struct {
			Tickets []struct {
				TicketID string `json:"ticketId"`
			}
		}
	}
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
		t.Fatalf("not a ticket list: %v: %s", err, r.Body)
	}
	var ids []string
	for _, tk := range doc.TicketList.Tickets {
		ids = append(ids, tk.TicketID)
	}
	return ids
}

// clearSealer stores action parameters as they are: the tests look at what the API
// answers, not at the encryption, which the store's own tests cover.
type clearSealer struct{}

func (clearSealer) Seal(_ context.Context, plain, _ []byte) ([]byte, error)  { return plain, nil }
func (clearSealer) Open(_ context.Context, sealed, _ []byte) ([]byte, error) { return sealed, nil }

// executions records the state machines the API starts.
type executions struct {
	mu      sync.Mutex
	started []string
}

func (e *executions) Start(_ context.Context, action, name string, _ ticket.ExecutionInput) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.started = append(e.started, name)
	return "arn:aws:states:eu-west-1:123456789012:execution:" + action + ":" + name, nil
}

// syncBuffer collects the API's log lines from concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// containsAny reports whether s contains any of the substrings.
func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
