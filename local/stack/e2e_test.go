package stack_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actionservice/actionservice/api/apitest"
	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/service"
	"github.com/actionservice/actionservice/shared/ticket"
)

// e2e is a running local stack and a client of it, as a user with curl would see it.
type e2e struct {
	t     testing.TB
	stack *stack.Stack
	// logs and metrics hold what the stack logged and its EMF lines (action stacks only).
	logs, metrics *lockedBuffer
}

func start(t *testing.T) *e2e { return startWith(t, nil) }

// startWith starts the stack start does, with its configuration adjusted first.
func startWith(t testing.TB, adjust func(*stack.Config)) *e2e {
	t.Helper()
	c := stack.Config{
		Addr: "127.0.0.1:0", SFNAddr: "127.0.0.1:0", Samples: true, Sweep: -1,
		Service: service.Config{TicketsTable: "tickets", TokensTable: "tokens", WaitCap: 2 * time.Second,
			ParamsKeyFile: filepath.Join(t.TempDir(), "params.key")},
	}
	if adjust != nil {
		adjust(&c)
	}
	s, err := stack.Start(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &e2e{t: t, stack: s}
}

type response struct {
	status int
	header http.Header
	body   string
}

// noRedirects is a client that shows a redirect instead of following it: the API answers none.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// contract is api/openapi.yaml as a test oracle: every exchange e.do makes is checked
// against it, so a route whose answer the document does not describe fails its test.
var contract = sync.OnceValues(apitest.Load)

// do sends a request the API's contract describes and checks the request and its response
// against openapi.yaml.
func (e *e2e) do(method, path, token string, header map[string]string, body string) response {
	e.t.Helper()
	return e.exchange(method, path, token, header, body, true)
}

// doMalformed sends a request that breaks the contract on purpose (a bad path, body or
// parameter value) and checks only that its answer is one openapi.yaml describes.
func (e *e2e) doMalformed(method, path, token string, header map[string]string, body string) response {
	e.t.Helper()
	return e.exchange(method, path, token, header, body, false)
}

func (e *e2e) exchange(method, path, token string, header map[string]string, body string, wellFormed bool) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.stack.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	sent := req.Header.Clone()
	resp, err := noRedirects.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	// The simulator and the document itself are the local stack's, not routes of the API.
	if !strings.HasPrefix(path, "/_sim/") && path != "/openapi.yaml" {
		e.checkContract(apitest.Exchange{
			Method: method, Target: req.URL.RequestURI(), Header: sent, Body: []byte(body),
			Status: resp.StatusCode, RespHeader: resp.Header, RespBody: b,
		}, wellFormed)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

func (e *e2e) checkContract(ex apitest.Exchange, wellFormed bool) {
	e.t.Helper()
	c, err := contract()
	if err != nil {
		e.t.Fatal(err)
	}
	check := c.Check
	if !wellFormed {
		check = c.CheckResponse
	}
	if err := check(ex); err != nil {
		e.t.Error(err)
	}
}

func (e *e2e) get(path string) response {
	e.t.Helper()
	return e.do("GET", path, e.stack.AdminToken, nil, "")
}

// getMalformed is get for a path or query value that breaks the contract on purpose.
func (e *e2e) getMalformed(path string) response {
	e.t.Helper()
	return e.doMalformed("GET", path, e.stack.AdminToken, nil, "")
}

// token makes a token for a principal of the given account (and a domain of its own), roles
// and status.
func (e *e2e) token(account, status string, roles ...string) string {
	e.t.Helper()
	return e.tokenFor(auth.Principal{UserID: "u-" + account, AccountID: account, DomainID: "d-" + account, Roles: roles, Status: status})
}

// tokenFor makes a token for the principal.
func (e *e2e) tokenFor(p auth.Principal) string {
	e.t.Helper()
	tok := fmt.Sprintf("test_%s_%s_%d", p.AccountID, p.Status, time.Now().UnixNano())
	if err := e.stack.Tokens.Put(context.Background(), tok, p); err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *e2e) create(tk *ticket.Ticket) *ticket.Ticket {
	e.t.Helper()
	if tk.ID == "" {
		tk.ID = ticket.NewID(tk.Submission)
	}
	if err := e.stack.Tickets.Create(context.Background(), tk); err != nil {
		e.t.Fatal(err)
	}
	return tk
}

func expectStatus(t testing.TB, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
}

// expectProblem checks an RFC 9457 problem document with the status.
func expectProblem(t testing.TB, r response, want int) {
	t.Helper()
	expectStatus(t, r, want)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("problem content type %q; body %s", ct, r.body)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(r.body), &p); err != nil {
		t.Fatalf("problem is not JSON: %v: %s", err, r.body)
	}
	for _, k := range []string{"type", "title", "status", "detail", "instance", "requestId"} {
		if p[k] == nil || p[k] == "" {
			t.Errorf("problem lacks %s: %s", k, r.body)
		}
	}
	if p["status"] != float64(want) {
		t.Errorf("problem status %v, want %d", p["status"], want)
	}
}

type listDoc struct {
	TicketList struct {
		Tickets []map[string]any `json:"Tickets"`
	} `json:"TicketList"`
}

func tickets(t testing.TB, r response) []map[string]any {
	t.Helper()
	expectStatus(t, r, http.StatusOK)
	var d listDoc
	if err := json.Unmarshal([]byte(r.body), &d); err != nil {
		t.Fatalf("list: %v: %s", err, r.body)
	}
	return d.TicketList.Tickets
}

func TestSampleTicketsListInJSONAndXML(t *testing.T) {
	e := start(t)
	list := tickets(t, e.get("/job?accountId="+stack.SampleAccount))
	if len(list) != 6 {
		t.Fatalf("want the 6 sample tickets, got %d", len(list))
	}
	if list[0]["action"] != "createUser" || list[0]["status"] != "CANCELLED" || list[5]["status"] != "COMPLETE" {
		t.Errorf("not newest first: %v … %v", list[0], list[5])
	}
	for _, tk := range list {
		if p, _ := tk["actionParams"].(map[string]any); len(p) != 0 {
			t.Errorf("actionParams not empty: %v", tk)
		}
	}
	x := e.do("GET", "/job?accountId="+stack.SampleAccount, e.stack.AdminToken, map[string]string{"Accept": "application/xml"}, "")
	expectStatus(t, x, 200)
	if x.header.Get("Content-Type") != "application/xml" || !strings.Contains(x.body, "<TicketList><Tickets><JobTicket>") {
		t.Errorf("xml list: %s %s", x.header.Get("Content-Type"), x.body)
	}
	var doc struct {
		Tickets []struct {
			Status     string `xml:"status"`
			Submission string `xml:"submission"`
		} `xml:"Tickets>JobTicket"`
	}
	if err := xml.Unmarshal([]byte(x.body), &doc); err != nil || len(doc.Tickets) != 6 {
		t.Fatalf("xml: %v %d", err, len(doc.Tickets))
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$`).MatchString(doc.Tickets[0].Submission) {
		t.Errorf("xml submission not ISO-8601 with ms and offset: %s", doc.Tickets[0].Submission)
	}
}

func TestSampleTicketsOutliveTheReconcilersSweep(t *testing.T) {
	e := start(t)
	before := e.get("/job?accountId=" + stack.SampleAccount).body
	if _, err := e.stack.Reconciler.Sweep(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if after := e.get("/job?accountId=" + stack.SampleAccount).body; after != before {
		t.Errorf("the sweep changed the samples:\nbefore %s\nafter  %s", before, after)
	}
}

func TestJobListFiltersByActionAndStatus(t *testing.T) {
	e := start(t)
	list := tickets(t, e.get("/job?accountId="+stack.SampleAccount+"&action=createDomain"))
	if len(list) != 3 {
		t.Errorf("createDomain tickets: %d", len(list))
	}
	list = tickets(t, e.get("/job?accountId="+stack.SampleAccount+"&status=ERROR&action=createDomain"))
	if len(list) != 1 {
		t.Errorf("createDomain ERROR tickets: %d", len(list))
	}
	expectProblem(t, e.getMalformed("/job?accountId=1&status=DONE"), 400)
	expectProblem(t, e.get("/job"), 400)
}

func TestPagingFollowsLinkAcrossPages(t *testing.T) {
	e := start(t)
	base := time.Now().Add(-time.Hour)
	var want []string
	for i := range 7 {
		tk := e.create(&ticket.Ticket{Action: "createTenant", AccountID: "acct-page", Status: ticket.Complete,
			Submission: base.Add(time.Duration(i) * time.Second), Completion: base.Add(time.Duration(i)*time.Second + time.Millisecond)})
		want = append([]string{tk.ID}, want...)
	}
	var got []string
	next := "/job?accountId=acct-page&limit=3"
	pages := 0
	linkRE := regexp.MustCompile(`^<([^>]+)>; rel="next"$`)
	for next != "" {
		r := e.get(next)
		for _, tk := range tickets(t, r) {
			got = append(got, tk["ticketId"].(string))
		}
		pages++
		next = ""
		if l := r.header.Get("Link"); l != "" {
			m := linkRE.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("bad Link header %q", l)
			}
			next = m[1]
		}
	}
	if pages != 3 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages %d\n got %v\nwant %v", pages, got, want)
	}
	list := tickets(t, e.get("/job?accountId=acct-page&limit=2&skip=1&marker="+want[0]))
	if len(list) != 2 || list[0]["ticketId"] != want[2] {
		t.Errorf("skip after marker: %v", list)
	}
}

func TestBadPagingParametersAreRejected(t *testing.T) {
	e := start(t)
	for _, q := range []string{"limit=0", "limit=-3", "limit=abc", "limit=1001", "limit=99999999999999999999", "skip=-1", "limt=5", "limit=1&limit=2"} {
		expectProblem(t, e.getMalformed("/job/error?"+q), 400)
	}
	expectProblem(t, e.get("/job/error?marker=ffffffffffffffffffffffff"), 404)
	expectProblem(t, e.getMalformed("/job/error?marker=not-an-id"), 404)
}

func TestErrorJobListsAndCounts(t *testing.T) {
	e := start(t)
	// Samples: 2 USER_INPUT errors, 1 TIMEDOUT and 1 CANCELLED (TIMEOUT), 1 CONFLICT error.
	if n := len(tickets(t, e.get("/job/error"))); n != 5 {
		t.Errorf("error jobs: %d", n)
	}
	for path, want := range map[string]string{
		"/job/error/count":            "5",
		"/job/error/USER_INPUT/count": "2",
		"/job/error/TIMEOUT/count":    "2",
		"/job/error/AUTH/count":       "0",
		"/job/status/RUNNING/count":   "0",
		"/job/status/CANCELLED/count": "1",
		"/job/status/COMPLETE/count":  "1",
	} {
		r := e.do("GET", path, e.stack.AdminToken, map[string]string{"Accept": "text/plain"}, "")
		expectStatus(t, r, 200)
		if r.body != want || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
			t.Errorf("%s = %q (%s), want %s", path, r.body, r.header.Get("Content-Type"), want)
		}
	}
	if n := len(tickets(t, e.get("/job/error/USER_INPUT"))); n != 2 {
		t.Errorf("USER_INPUT error jobs: %d", n)
	}
	if n := len(tickets(t, e.get("/job/status/TIMEDOUT"))); n != 1 {
		t.Errorf("TIMEDOUT jobs: %d", n)
	}
	expectProblem(t, e.getMalformed("/job/error/NOPE"), 400)
	expectProblem(t, e.getMalformed("/job/error/NOPE/count"), 400)
	expectProblem(t, e.getMalformed("/job/status/DONE"), 400)
	expectProblem(t, e.getMalformed("/job/status/done/count"), 400)
}

func TestDeleteErrorJobsOfACategory(t *testing.T) {
	e := start(t)
	r := e.do("DELETE", "/job/error/USER_INPUT", e.stack.AdminToken, nil, "")
	expectStatus(t, r, 204)
	if r.body != "" {
		t.Errorf("204 with a body: %q", r.body)
	}
	if r := e.get("/job/error/count"); r.body != "3" {
		t.Errorf("error jobs left: %s", r.body)
	}
	expectProblem(t, e.doMalformed("DELETE", "/job/error/BOGUS", e.stack.AdminToken, nil, ""), 400)
}

func TestGetAndDeleteOneTicket(t *testing.T) {
	e := start(t)
	done := e.create(&ticket.Ticket{Action: "createTenant", AccountID: "a1", Status: ticket.Complete,
		Submission: time.Now(), Completion: time.Now(), Results: map[string]string{"tenantId": "123"}})
	running := e.create(&ticket.Ticket{Action: "createTenant", AccountID: "a1", Status: ticket.Running, Submission: time.Now()})

	r := e.get("/job/" + done.ID)
	expectStatus(t, r, 200)
	var raw map[string]map[string]any
	if err := json.Unmarshal([]byte(r.body), &raw); err != nil || raw["JobTicket"]["ticketId"] != done.ID ||
		raw["JobTicket"]["actionResults"].(map[string]any)["tenantId"] != "123" {
		t.Errorf("get: %v %s", err, r.body)
	}
	x := e.do("GET", "/job/"+done.ID, e.stack.AdminToken, map[string]string{"Accept": "application/xml"}, "")
	expectStatus(t, x, 200)
	if !strings.Contains(x.body, "<JobTicket>") || !strings.Contains(x.body, "<ticketId>"+done.ID+"</ticketId>") {
		t.Errorf("xml ticket: %s", x.body)
	}

	expectProblem(t, e.do("DELETE", "/job/"+running.ID, e.stack.AdminToken, nil, ""), 409)
	expectStatus(t, e.do("DELETE", "/job/"+done.ID, e.stack.AdminToken, nil, ""), 204)
	expectProblem(t, e.get("/job/"+done.ID), 404)
	expectProblem(t, e.do("DELETE", "/job/"+done.ID, e.stack.AdminToken, nil, ""), 404)
	expectProblem(t, e.getMalformed("/job/not-a-ticket-id"), 404)
	if _, err := e.stack.Tickets.Get(context.Background(), running.ID); err != nil {
		t.Errorf("refused delete removed the ticket: %v", err)
	}
}

func TestGetWithTimeOutWaitsForTerminalStatus(t *testing.T) {
	e := start(t)
	tk := e.create(&ticket.Ticket{Action: "createTenant", AccountID: "a1", Status: ticket.Running, Submission: time.Now()})
	go func() {
		time.Sleep(300 * time.Millisecond)
		_, _ = e.stack.Tickets.Update(context.Background(), tk.ID, func(t *ticket.Ticket) error {
			t.Finish(ticket.Complete, time.Now())
			return nil
		})
	}()
	r := e.get("/job/" + tk.ID + "?timeOut=60000")
	if !strings.Contains(r.body, `"status":"COMPLETE"`) {
		t.Errorf("waited get did not see COMPLETE: %s", r.body)
	}
	// A job that stays RUNNING is answered as it stands once the wait cap passes.
	still := e.create(&ticket.Ticket{Action: "createTenant", AccountID: "a1", Status: ticket.Running, Submission: time.Now()})
	r = e.get("/job/" + still.ID + "?timeOut=600000")
	if !strings.Contains(r.body, `"status":"RUNNING"`) {
		t.Errorf("capped wait: %s", r.body)
	}
	expectProblem(t, e.getMalformed("/job/"+still.ID+"?timeOut=-1"), 400)
	expectProblem(t, e.getMalformed("/job/"+still.ID+"?timeOut=soon"), 400)
}

func TestAuthentication(t *testing.T) {
	e := start(t)
	expectProblem(t, e.do("GET", "/job/error", "", nil, ""), 401)
	expectProblem(t, e.do("GET", "/job/error", "no-such-token", nil, ""), 401)
	expectProblem(t, e.do("GET", "/job/error", e.token("a1", auth.StatusDisabled), nil, ""), 403)
	expectProblem(t, e.do("GET", "/job/error", e.token("a1", auth.StatusSuspended), nil, ""), 403)
	expired := "expired_token"
	if err := e.stack.Tokens.Put(context.Background(), expired, auth.Principal{UserID: "u", AccountID: "a1", Status: auth.StatusEnabled, ExpiresAt: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	expectProblem(t, e.do("GET", "/job/error", expired, nil, ""), 401)
}

func TestNonAdminSeesOnlyItsOwnAccount(t *testing.T) {
	e := start(t)
	mine := e.create(&ticket.Ticket{Action: "createTenant", AccountID: "mine", Status: ticket.Error, ErrorCategory: ticket.UserInput, Submission: time.Now(), Completion: time.Now()})
	tok := e.token("mine", auth.StatusEnabled)
	get := func(path string) response { return e.do("GET", path, tok, nil, "") }
	if l := tickets(t, get("/job/error")); len(l) != 1 || l[0]["ticketId"] != mine.ID {
		t.Errorf("own error list: %v", l)
	}
	if r := get("/job/error/count"); r.body != "1" {
		t.Errorf("own error count: %s", r.body)
	}
	if l := tickets(t, get("/job")); len(l) != 1 {
		t.Errorf("own jobs without accountId: %d", len(l))
	}
	if l := tickets(t, get("/job?accountId="+stack.SampleAccount)); len(l) != 0 {
		t.Errorf("another account's jobs leaked: %d", len(l))
	}
	sample := tickets(t, e.get("/job?accountId="+stack.SampleAccount))[0]["ticketId"].(string)
	expectProblem(t, get("/job/"+sample), 404)
	expectProblem(t, e.do("DELETE", "/job/"+sample, tok, nil, ""), 404)
	expectProblem(t, get("/job/error?marker="+sample), 404)
	expectStatus(t, e.do("DELETE", "/job/error/USER_INPUT", tok, nil, ""), 204)
	if r := e.get("/job/error/USER_INPUT/count"); r.body != "2" {
		t.Errorf("a non-admin's bulk delete reached other accounts: %s left", r.body)
	}
}

func TestContentNegotiation(t *testing.T) {
	e := start(t)
	expectProblem(t, e.do("GET", "/job/error", e.stack.AdminToken, map[string]string{"Accept": "text/html"}, ""), 406)
	expectProblem(t, e.do("GET", "/job/error/count", e.stack.AdminToken, map[string]string{"Accept": "application/json"}, ""), 406)
	r := e.do("GET", "/job/error", e.stack.AdminToken, map[string]string{"Accept": "text/html;q=0.9, application/xml;q=0.8"}, "")
	expectStatus(t, r, 200)
	if r.header.Get("Content-Type") != "application/xml" {
		t.Errorf("q-values: %s", r.header.Get("Content-Type"))
	}
	x := e.doMalformed("GET", "/job/nope", e.stack.AdminToken, map[string]string{"Accept": "application/xml"}, "")
	if x.status != 404 || x.header.Get("Content-Type") != "application/problem+xml" || !strings.Contains(x.body, `<problem xmlns="urn:ietf:rfc:7807">`) {
		t.Errorf("xml problem: %d %s %s", x.status, x.header.Get("Content-Type"), x.body)
	}
	expectProblem(t, e.do("DELETE", "/job/error/AUTH", e.stack.AdminToken, map[string]string{"Content-Type": "application/yaml"}, "a: b"), 415)
	expectProblem(t, e.do("DELETE", "/job/error/AUTH", e.stack.AdminToken, map[string]string{"Content-Type": "application/json"}, strings.Repeat(" ", 65*1024)), 413)
}

func TestUnknownRoutesAndMethodsAre404AsOnAPIGateway(t *testing.T) {
	e := start(t)
	expectProblem(t, e.get("/nope"), 404)
	expectProblem(t, e.do("GET", "/nope", "", nil, ""), 404)
	expectProblem(t, e.do("POST", "/job/error", e.stack.AdminToken, nil, ""), 404)
	r := e.do("HEAD", "/job/error", e.stack.AdminToken, nil, "")
	if r.status != 404 || r.body != "" {
		t.Errorf("HEAD on a GET-only route: %d %q", r.status, r.body)
	}
	// A literal path segment wins over a {parameter}, whatever the method: these are the
	// count and error-list resources, which serve GET only, not /job/error/{category} or
	// /job/{ticketId}.
	expectProblem(t, e.do("DELETE", "/job/error/count", e.stack.AdminToken, nil, ""), 404)
	expectProblem(t, e.do("PUT", "/job/error", e.stack.AdminToken, nil, ""), 404)
	r = e.do("GET", "/job/status", "", nil, "")
	expectProblem(t, r, 404)
	if !strings.Contains(r.body, "no route") {
		t.Errorf("/job/status is a resource of its own (with no methods), not a ticket id: %s", r.body)
	}
}

func TestGatewayProblemsAreJSONWhateverTheClientAccepts(t *testing.T) {
	e := start(t)
	xml := map[string]string{"Accept": "application/xml"}
	r := e.do("GET", "/job/error", "", xml, "")
	expectProblem(t, r, 401)
	if r.header.Get("WWW-Authenticate") != "X-Auth-Token" {
		t.Errorf("401 without WWW-Authenticate: %v", r.header)
	}
	expectProblem(t, e.do("GET", "/job/error", e.token("a1", auth.StatusDisabled), xml, ""), 403)
	expectProblem(t, e.do("GET", "/nope", e.stack.AdminToken, xml, ""), 404)
}

func TestMalformedQueryStringIs400(t *testing.T) {
	e := start(t)
	expectProblem(t, e.get("/job/error?limit=%zz"), 400)
}

func TestStartOnAnAddressInUseFailsWithoutPanicking(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s, err := stack.Start(context.Background(), stack.Config{Addr: l.Addr().String(), SFNAddr: "127.0.0.1:0", Sweep: -1,
		Service: service.Config{ParamsKeyFile: filepath.Join(t.TempDir(), "params.key")}})
	if err == nil || s != nil {
		t.Fatalf("started on an address in use: %v %v", s, err)
	}
}
