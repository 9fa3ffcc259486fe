package stack_test

// The end-to-end matrix over every job route of httpapi.Routes, over real HTTP against the
// local stack: success in JSON and XML (text/plain for counts), each error status of API.md
// §1, paging by the Link header, and a non-admin's scoping. Every test runs the rows of
// jobRoutes, and TestJobRouteMatrixCoversEveryJobRoute fails when a job route is added to
// the routing table without a row. Each test's stack must serve all of it without a
// DynamoDB Scan.

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// routeKind is what a job route answers; it decides which checks apply.
type routeKind int

const (
	listRoute       routeKind = iota // a TicketList, paged
	countRoute                       // a text/plain count of a list
	bulkDeleteRoute                  // 204: the error jobs of a category deleted
	getRoute                         // one ticket
	restartRoute                     // one ticket, restarted
	deleteRoute                      // 204: one ticket deleted
)

func (k routeKind) success() int {
	if k == bulkDeleteRoute || k == deleteRoute {
		return http.StatusNoContent
	}
	return http.StatusOK
}

// oneTicket routes name their ticket in the path.
func (k routeKind) oneTicket() bool { return k == getRoute || k == restartRoute || k == deleteRoute }

// xmlProblems: the route's own problems come in XML when XML is asked for. A count route
// refuses an XML Accept with 406 before anything else.
func (k routeKind) xmlProblems() bool { return k != countRoute }

// badQueries are query strings each route of the kind refuses with 400.
func (k routeKind) badQueries() []string {
	switch k {
	case listRoute:
		return []string{"limit=0", "limit=-3", "limit=abc", "limit=1001", "limit=99999999999999999999",
			"skip=-1", "skip=x", "limt=5", "limit=1&limit=2"}
	case countRoute:
		return []string{"limit=0", "limit=-3", "limit=abc", "limit=1001", "limt=5"}
	case getRoute:
		return []string{"timeOut=-1", "timeOut=soon", "timeOut=1.5", "timeout=5", "timeOut=1&timeOut=2"}
	case restartRoute:
		return []string{"timeOut=-1", "timeOut=soon", "timeout=5"}
	}
	return []string{"force=true"}
}

// malformedQuery cannot be decoded at all (the gateway refuses it).
const malformedQuery = "limit=%zz"

// shape is what a test ticket is; elsewhere puts it in another account than the request's.
type shape struct {
	status    ticket.Status
	category  ticket.Category
	elsewhere bool
}

// jobRoute is one row of the matrix.
type jobRoute struct {
	// name is the route's Name in httpapi.Routes, whose method and path the requests use.
	name string
	kind routeKind
	// values fill the route's path values other than {ticketId}.
	values map[string]string
	// query is carried by every request; {account} is the account of the request's tickets.
	query string
	// member is a ticket the route lists, counts, deletes, reads or restarts; outsider one
	// an admin sees that the route must leave alone (list, count and bulk-delete routes).
	member, outsider shape
	// bad are further requests the route refuses with 400 ({account} filled in).
	bad []string
}

var jobRoutes = []jobRoute{
	{name: "list-jobs", kind: listRoute, query: "accountId={account}",
		member: shape{status: ticket.Complete}, outsider: shape{status: ticket.Complete, elsewhere: true},
		bad: []string{"/job", "/job?accountId={account}&status=DONE", "/job?accountId={account}&status=complete"}},
	{name: "list-error-jobs", kind: listRoute,
		member: shape{status: ticket.Error, category: ticket.UserInput}, outsider: shape{status: ticket.Complete}},
	{name: "count-error-jobs", kind: countRoute,
		member: shape{status: ticket.Cancelled, category: ticket.Timeout}, outsider: shape{status: ticket.Running}},
	{name: "list-error-jobs-by-category", kind: listRoute, values: map[string]string{"category": "USER_INPUT"},
		member: shape{status: ticket.Error, category: ticket.UserInput}, outsider: shape{status: ticket.Error, category: ticket.Auth},
		bad: []string{"/job/error/NOPE", "/job/error/user_input"}},
	{name: "count-error-jobs-by-category", kind: countRoute, values: map[string]string{"category": "AUTH"},
		member: shape{status: ticket.Error, category: ticket.Auth}, outsider: shape{status: ticket.Error, category: ticket.Dependency},
		bad: []string{"/job/error/NOPE/count", "/job/error/auth/count"}},
	{name: "delete-error-jobs-by-category", kind: bulkDeleteRoute, values: map[string]string{"category": "DEPENDENCY"},
		member: shape{status: ticket.Error, category: ticket.Dependency}, outsider: shape{status: ticket.Error, category: ticket.Conflict},
		bad: []string{"/job/error/NOPE", "/job/error/dependency"}},
	{name: "list-jobs-by-status", kind: listRoute, values: map[string]string{"status": "ERROR"},
		member: shape{status: ticket.Error, category: ticket.Internal}, outsider: shape{status: ticket.TimedOut, category: ticket.Timeout},
		bad: []string{"/job/status/DONE", "/job/status/error"}},
	{name: "count-jobs-by-status", kind: countRoute, values: map[string]string{"status": "PENDING"},
		member: shape{status: ticket.Pending}, outsider: shape{status: ticket.Running},
		bad: []string{"/job/status/DONE/count", "/job/status/pending/count"}},
	{name: "get-job", kind: getRoute, member: shape{status: ticket.Complete}},
	{name: "restart-job", kind: restartRoute, member: shape{status: ticket.TimedOut, category: ticket.Timeout}},
	{name: "delete-job", kind: deleteRoute, member: shape{status: ticket.Error, category: ticket.Conflict}},
}

func (rw jobRoute) route(t testing.TB) httpapi.Route {
	t.Helper()
	rt, ok := httpapi.RouteNamed(rw.name)
	if !ok {
		t.Fatalf("httpapi.Routes has no route %s", rw.name)
	}
	return rt
}

// path is a request to the route for the account's tickets, naming the ticket id where the
// route takes one, with the row's query and any further query parameters.
func (rw jobRoute) path(t testing.TB, account, id string, query ...string) string {
	t.Helper()
	p := rw.route(t).Path
	for k, v := range rw.values {
		p = strings.ReplaceAll(p, "{"+k+"}", v)
	}
	p = strings.ReplaceAll(p, "{ticketId}", id)
	if rw.query != "" {
		query = append([]string{strings.ReplaceAll(rw.query, "{account}", account)}, query...)
	}
	return withQuery(p, query...)
}

func withQuery(path string, query ...string) string {
	for _, q := range query {
		if strings.Contains(path, "?") {
			path += "&" + q
		} else {
			path += "?" + q
		}
	}
	return path
}

// listPathOf is the list whose items a count route's path counts.
func listPathOf(countPath string) string { return strings.Replace(countPath, "/count", "", 1) }

// matrix is a stack the rows run against, and the tickets they make in it.
type matrix struct {
	stack    *stack.Stack
	last     time.Time
	accounts int
}

// startMatrix starts a stack and, when the test ends, checks that nothing it did scanned.
func startMatrix(t *testing.T) *matrix {
	t.Helper()
	e := start(t)
	m := &matrix{stack: e.stack}
	before := m.scans()
	if before != 0 {
		t.Errorf("starting the stack and loading its samples used %d DynamoDB Scans", before)
	}
	t.Cleanup(func() {
		if m.stack.DynamoDBRequests()["PutItem"] == 0 {
			t.Errorf("the embedded DynamoDB counted no PutItem, not even the samples': its request counts prove nothing")
		}
		if n := m.scans() - before; n != 0 {
			t.Errorf("the requests used %d DynamoDB Scans; every list, count and delete must Query", n)
		}
	})
	return m
}

func (m *matrix) scans() int64 {
	reqs := m.stack.DynamoDBRequests()
	if reqs == nil {
		panic("the matrix needs the embedded DynamoDB to count Scans")
	}
	return reqs["Scan"]
}

// client is the stack's client for one (sub)test.
func (m *matrix) client(t *testing.T) *e2e { return &e2e{t: t, stack: m.stack} }

// account is a fresh account, so a test's lists and counts hold only what it made.
func (m *matrix) account() string {
	m.accounts++
	return fmt.Sprintf("rt-%d", m.accounts)
}

// make stores a ticket of the shape in the account (or a fresh one, elsewhere), each newer
// than the last so that newest-first order is the order of making.
func (m *matrix) make(t *testing.T, account string, s shape) *ticket.Ticket {
	t.Helper()
	at := time.Now().Truncate(time.Millisecond)
	if !at.After(m.last) {
		at = m.last.Add(time.Millisecond)
	}
	m.last = at
	if s.elsewhere {
		account = m.account()
	}
	// The ticket's domain is the one e.token gives a principal of its account.
	tk := &ticket.Ticket{Action: "createTenant", AccountID: account, DomainID: "d-" + account, Status: s.status, ErrorCategory: s.category, Submission: at}
	if s.status.Terminal() {
		tk.Completion = at.Add(time.Millisecond)
	}
	if s.category != "" {
		tk.ErrorDescription = "made by the route matrix"
	}
	if s.status == ticket.TimedOut {
		tk.Steps = map[string]ticket.StepStatus{"CreateUmsTenant": ticket.StepTimedOut}
	}
	return m.client(t).create(tk)
}

// deleted is the id of a ticket that existed and was deleted.
func (m *matrix) deleted(t *testing.T) string {
	t.Helper()
	tk := m.make(t, m.account(), shape{status: ticket.Complete})
	if err := m.stack.Tickets.Delete(context.Background(), tk.ID); err != nil {
		t.Fatal(err)
	}
	return tk.ID
}

// request is a request to a row that succeeds, and the tickets it concerns.
type request struct {
	path     string
	account  string
	member   *ticket.Ticket
	outsider *ticket.Ticket // nil on the routes of one ticket
}

func (m *matrix) valid(t *testing.T, rw jobRoute, query ...string) request {
	t.Helper()
	r := request{account: m.account()}
	r.member = m.make(t, r.account, rw.member)
	if !rw.kind.oneTicket() {
		r.outsider = m.make(t, r.account, rw.outsider)
	}
	r.path = rw.path(t, r.account, r.member.ID, query...)
	return r
}

// expectUnchanged checks that refused requests left the tickets as they were.
func (m *matrix) expectUnchanged(t *testing.T, tks ...*ticket.Ticket) {
	t.Helper()
	for _, tk := range tks {
		if tk == nil {
			continue
		}
		got, err := m.stack.Tickets.Get(context.Background(), tk.ID)
		if err != nil {
			t.Errorf("ticket %s (%s) should be untouched: %v", tk.ID, tk.Status, err)
		} else if got.Status != tk.Status {
			t.Errorf("ticket %s should be untouched: %s, was %s", tk.ID, got.Status, tk.Status)
		}
	}
}

func (m *matrix) expectGone(t *testing.T, tk *ticket.Ticket) {
	t.Helper()
	if _, err := m.stack.Tickets.Get(context.Background(), tk.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ticket %s should be deleted: %v", tk.ID, err)
	}
}

// settle waits until the execution a restart started has ended its ticket, so that no
// execution is still calling DynamoDB when the test stops the stack.
func (m *matrix) settle(t *testing.T, rw jobRoute, tk *ticket.Ticket) {
	t.Helper()
	if rw.kind == restartRoute {
		m.client(t).waitJob(tk.ID)
	}
}

// expiredToken is an admin's token that expired a minute ago.
func (m *matrix) expiredToken(t *testing.T) string {
	t.Helper()
	tok := fmt.Sprintf("expired_%d", time.Now().UnixNano())
	p := auth.Principal{UserID: "u-expired", AccountID: m.account(), Roles: []string{auth.RoleAdmin},
		Status: auth.StatusEnabled, ExpiresAt: time.Now().Add(-time.Minute)}
	if err := m.stack.Tokens.Put(context.Background(), tok, p); err != nil {
		t.Fatal(err)
	}
	return tok
}

func accept(media string) map[string]string {
	if media == "" {
		return nil
	}
	return map[string]string{"Accept": media}
}

const (
	jsonMedia = "application/json"
	xmlMedia  = "application/xml"
)

// formats are the representations of lists and tickets: no Accept gets JSON.
var formats = []struct{ name, accept, media string }{
	{"NoAccept", "", jsonMedia},
	{"JSON", jsonMedia, jsonMedia},
	{"XML", xmlMedia, xmlMedia},
}

// expectProblemAs checks a problem document in XML when asXML, else in JSON.
func expectProblemAs(t testing.TB, r response, want int, asXML bool) {
	t.Helper()
	if !asXML {
		expectProblem(t, r, want)
		return
	}
	expectStatus(t, r, want)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+xml" {
		t.Fatalf("problem content type %q, want application/problem+xml; body %s", ct, r.body)
	}
	var p struct {
		XMLName   xml.Name `xml:"urn:ietf:rfc:7807 problem"`
		Type      string   `xml:"type"`
		Title     string   `xml:"title"`
		Status    int      `xml:"status"`
		Detail    string   `xml:"detail"`
		Instance  string   `xml:"instance"`
		RequestID string   `xml:"requestId"`
	}
	if err := xml.Unmarshal([]byte(r.body), &p); err != nil {
		t.Fatalf("problem is not an RFC 9457 XML document: %v: %s", err, r.body)
	}
	for k, v := range map[string]string{"type": p.Type, "title": p.Title, "detail": p.Detail, "instance": p.Instance, "requestId": p.RequestID} {
		if v == "" {
			t.Errorf("problem lacks %s: %s", k, r.body)
		}
	}
	if p.Status != want {
		t.Errorf("problem status %d, want %d", p.Status, want)
	}
}

// listIDs reads a 200 list in the media type and returns its ticket ids in order.
func listIDs(t testing.TB, r response, media string) []string {
	t.Helper()
	expectStatus(t, r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != media {
		t.Fatalf("list content type %q, want %s; body %s", ct, media, r.body)
	}
	if media == xmlMedia {
		var doc struct {
			XMLName xml.Name `xml:"TicketList"`
			IDs     []string `xml:"Tickets>JobTicket>ticketId"`
		}
		if err := xml.Unmarshal([]byte(r.body), &doc); err != nil {
			t.Fatalf("xml list: %v: %s", err, r.body)
		}
		return doc.IDs
	}
	var ids []string
	for _, tk := range tickets(t, r) {
		id, _ := tk["ticketId"].(string)
		ids = append(ids, id)
	}
	return ids
}

// oneTicket reads a 200 ticket in the media type.
func oneTicket(t testing.TB, r response, media string) (id, status string) {
	t.Helper()
	expectStatus(t, r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != media {
		t.Fatalf("ticket content type %q, want %s; body %s", ct, media, r.body)
	}
	if media == jsonMedia {
		j := decodeJob(t, r)
		return j.TicketID, j.Status
	}
	var doc struct {
		XMLName  xml.Name `xml:"JobTicket"`
		TicketID string   `xml:"ticketId"`
		Status   string   `xml:"status"`
	}
	if err := xml.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatalf("xml ticket: %v: %s", err, r.body)
	}
	return doc.TicketID, doc.Status
}

// countOf reads a 200 text/plain count.
func countOf(t testing.TB, r response) int {
	t.Helper()
	expectStatus(t, r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("count content type %q, want text/plain; body %s", ct, r.body)
	}
	n, err := strconv.Atoi(r.body)
	if err != nil {
		t.Fatalf("count is not a number: %q", r.body)
	}
	return n
}

func expectNoBody(t testing.TB, r response, want int) {
	t.Helper()
	expectStatus(t, r, want)
	if r.body != "" {
		t.Errorf("%d with a body: %q", want, r.body)
	}
}

var nextLinkRE = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// nextLink is the Link rel="next" target, empty on the last page.
func nextLink(t testing.TB, r response) string {
	t.Helper()
	l := r.header.Get("Link")
	if l == "" {
		return ""
	}
	m := nextLinkRE.FindStringSubmatch(l)
	if m == nil {
		t.Fatalf("bad Link header %q", l)
	}
	return m[1]
}

// follow pages through a list from path by its Link headers and returns every id in order.
func follow(t *testing.T, e *e2e, path, token, media string) (ids []string, pages int) {
	t.Helper()
	for next := path; next != ""; {
		if pages == 50 {
			t.Fatalf("still paging after %d pages at %s", pages, next)
		}
		r := e.do("GET", next, token, accept(media), "")
		ids = append(ids, listIDs(t, r, media)...)
		pages++
		next = nextLink(t, r)
	}
	return ids, pages
}

// expectNewestFirst checks that ids strictly decrease (ticket ids sort by submission time)
// and that none repeats.
func expectNewestFirst(t testing.TB, ids []string) {
	t.Helper()
	for i := 1; i < len(ids); i++ {
		if ids[i] >= ids[i-1] {
			t.Errorf("not newest first or repeated at %d: %s then %s", i, ids[i-1], ids[i])
		}
	}
}

// isSubsequence reports whether want appears in got in order.
func isSubsequence(want, got []string) bool {
	i := 0
	for _, id := range got {
		if i < len(want) && id == want[i] {
			i++
		}
	}
	return i == len(want)
}

func TestJobRouteMatrixCoversEveryJobRoute(t *testing.T) {
	rows := map[string]bool{}
	for _, rw := range jobRoutes {
		if rows[rw.name] {
			t.Errorf("two rows for %s", rw.name)
		}
		rows[rw.name] = true
		rw.route(t)
	}
	for _, rt := range httpapi.Routes {
		if (rt.Path == "/job" || strings.HasPrefix(rt.Path, "/job/")) && !rows[rt.Name] {
			t.Errorf("job route %s (%s) has no row in the route matrix", rt.Name, rt.Pattern())
		}
	}
}

func TestEveryJobRouteSucceedsInJSONAndXML(t *testing.T) {
	m := startMatrix(t)
	admin := m.stack.AdminToken
	for _, rw := range jobRoutes {
		t.Run(rw.name, func(t *testing.T) {
			e := m.client(t)
			method := rw.route(t).Method
			switch rw.kind {
			case listRoute:
				for _, f := range formats {
					req := m.valid(t, rw)
					ids := listIDs(t, e.do(method, req.path, admin, accept(f.accept), ""), f.media)
					if len(ids) == 0 || ids[0] != req.member.ID || slices.Contains(ids, req.outsider.ID) {
						t.Errorf("%s: admin's list should start with the newest member %s and leave out %s: %v", f.name, req.member.ID, req.outsider.ID, ids)
					}
					owner := e.token(req.account, auth.StatusEnabled)
					if ids := listIDs(t, e.do(method, req.path, owner, accept(f.accept), ""), f.media); !slices.Equal(ids, []string{req.member.ID}) {
						t.Errorf("%s: the owner's list should be its member %s alone: %v", f.name, req.member.ID, ids)
					}
				}
			case countRoute:
				for _, a := range []string{"", "text/plain", "text/*", "*/*"} {
					req := m.valid(t, rw)
					owner := e.token(req.account, auth.StatusEnabled)
					if n := countOf(t, e.do(method, req.path, owner, accept(a), "")); n != 1 {
						t.Errorf("Accept %q: the owner's count %d, want its 1 member", a, n)
					}
					n := countOf(t, e.do(method, req.path, admin, accept(a), ""))
					if l := listIDs(t, e.get(withQuery(listPathOf(req.path), "limit=1000")), jsonMedia); n != len(l) {
						t.Errorf("Accept %q: admin's count %d, its list holds %d", a, n, len(l))
					}
				}
				for _, a := range []string{jsonMedia, xmlMedia} {
					req := m.valid(t, rw)
					expectProblemAs(t, e.do(method, req.path, admin, accept(a), ""), http.StatusNotAcceptable, a == xmlMedia)
				}
			case bulkDeleteRoute:
				for _, f := range formats {
					req := m.valid(t, rw)
					expectNoBody(t, e.do(method, req.path, admin, accept(f.accept), ""), http.StatusNoContent)
					m.expectGone(t, req.member)
					m.expectUnchanged(t, req.outsider)
				}
			case getRoute, restartRoute:
				want := string(rw.member.status)
				if rw.kind == restartRoute {
					want = string(ticket.Retry)
				}
				for _, f := range formats {
					for _, q := range [][]string{nil, {"timeOut=0"}} {
						req := m.valid(t, rw, q...)
						if id, status := oneTicket(t, e.do(method, req.path, admin, accept(f.accept), ""), f.media); id != req.member.ID || status != want {
							t.Errorf("%s %s: ticket %s %s, want %s %s", f.name, req.path, id, status, req.member.ID, want)
						}
						m.settle(t, rw, req.member)
					}
				}
			case deleteRoute:
				for _, f := range formats {
					req := m.valid(t, rw)
					expectNoBody(t, e.do(method, req.path, admin, accept(f.accept), ""), http.StatusNoContent)
					m.expectGone(t, req.member)
					expectProblemAs(t, e.do(method, req.path, admin, accept(f.accept), ""), http.StatusNotFound, f.media == xmlMedia)
				}
			}
		})
	}
}

// The gateway answers 401 and 403 itself, in JSON whatever Accept says (API Gateway's
// gateway responses are JSON).
func TestEveryJobRouteRefusesMissingUnknownOrExpiredTokensWith401(t *testing.T) {
	m := startMatrix(t)
	for _, rw := range jobRoutes {
		t.Run(rw.name, func(t *testing.T) {
			e := m.client(t)
			req := m.valid(t, rw)
			for name, tok := range map[string]string{"none": "", "unknown": "no-such-token", "expired": m.expiredToken(t)} {
				for _, a := range []string{"", xmlMedia} {
					t.Run(name+"/"+strings.TrimPrefix(a, "application/"), func(t *testing.T) {
						expectProblem(t, e.do(rw.route(t).Method, req.path, tok, accept(a), ""), http.StatusUnauthorized)
					})
				}
			}
			m.expectUnchanged(t, req.member, req.outsider)
		})
	}
}

func TestEveryJobRouteRefusesDisabledOrSuspendedCallersWith403(t *testing.T) {
	m := startMatrix(t)
	for _, rw := range jobRoutes {
		t.Run(rw.name, func(t *testing.T) {
			e := m.client(t)
			req := m.valid(t, rw)
			for _, status := range []string{auth.StatusDisabled, auth.StatusSuspended} {
				for role, roles := range map[string][]string{"admin": {auth.RoleAdmin}, "owner": nil} {
					tok := e.token(req.account, status, roles...)
					for _, a := range []string{"", xmlMedia} {
						t.Run(status+"/"+role+"/"+strings.TrimPrefix(a, "application/"), func(t *testing.T) {
							expectProblem(t, e.do(rw.route(t).Method, req.path, tok, accept(a), ""), http.StatusForbidden)
						})
					}
				}
			}
			m.expectUnchanged(t, req.member, req.outsider)
		})
	}
}

func TestEveryJobRouteAnswers404ForAPathValueOrMarkerThatNamesNothing(t *testing.T) {
	m := startMatrix(t)
	admin := m.stack.AdminToken
	for _, rw := range jobRoutes {
		t.Run(rw.name, func(t *testing.T) {
			if rw.kind == bulkDeleteRoute {
				t.Skip("an unknown category is 400 and the route takes no marker: nothing here is 404")
			}
			e := m.client(t)
			method := rw.route(t).Method
			req := m.valid(t, rw)
			names := map[string]string{
				"unknown id":   "ffffffffffffffffffffffff",
				"malformed id": "not-an-id",
				"deleted":      m.deleted(t),
			}
			paths := map[string]string{}
			for what, id := range names {
				paths[what] = rw.path(t, req.account, id)
				if !rw.kind.oneTicket() {
					paths[what] = rw.path(t, req.account, "", "marker="+id)
				}
			}
			if rw.outsider.elsewhere {
				// The admin sees the other account's ticket, but it marks no place in this one's list.
				paths["another account's"] = rw.path(t, req.account, "", "marker="+req.outsider.ID)
			}
			if rw.name == "list-jobs" {
				paths["another action's"] = rw.path(t, req.account, "", "action=createUser", "marker="+req.member.ID)
			}
			for what, path := range paths {
				expectRouteProblems(t, e, rw, what, method, path, admin, http.StatusNotFound)
			}
			m.expectUnchanged(t, req.member, req.outsider)
		})
	}
}

// expectRouteProblems asks for the path as the route's handler answers it, with no Accept and
// (where the route's problems honour Accept) XML, and expects a problem of the status each time.
// The paths carry values the route refuses, many outside openapi.yaml's patterns and limits on
// purpose, so only the answer is checked against the contract (doMalformed).
func expectRouteProblems(t *testing.T, e *e2e, rw jobRoute, name, method, path, token string, status int) {
	t.Helper()
	for _, a := range []string{"", xmlMedia} {
		if a == xmlMedia && !rw.kind.xmlProblems() {
			continue
		}
		t.Run(name+"/"+strings.TrimPrefix(a, "application/"), func(t *testing.T) {
			expectProblemAs(t, e.doMalformed(method, path, token, accept(a), ""), status, a == xmlMedia)
		})
	}
}

func TestEveryJobRouteAnswers400ForEachBadPathOrQueryValue(t *testing.T) {
	m := startMatrix(t)
	admin := m.stack.AdminToken
	for _, rw := range jobRoutes {
		t.Run(rw.name, func(t *testing.T) {
			e := m.client(t)
			method := rw.route(t).Method
			req := m.valid(t, rw)
			var paths []string
			for _, q := range rw.kind.badQueries() {
				paths = append(paths, withQuery(req.path, q))
			}
			for _, p := range rw.bad {
				paths = append(paths, strings.ReplaceAll(p, "{account}", req.account))
			}
			for _, p := range paths {
				expectRouteProblems(t, e, rw, p, method, p, admin, http.StatusBadRequest)
			}
			t.Run("malformed query", func(t *testing.T) {
				expectProblem(t, e.do(method, withQuery(req.path, malformedQuery), admin, nil, ""), http.StatusBadRequest)
			})
			m.expectUnchanged(t, req.member, req.outsider)
		})
	}
}

func TestEveryJobRouteAnswers406ForAnAcceptItCannotServe(t *testing.T) {
	m := startMatrix(t)
	admin := m.stack.AdminToken
	for _, rw := range jobRoutes {
		t.Run(rw.name, func(t *testing.T) {
			e := m.client(t)
			method := rw.route(t).Method
			switch rw.kind {
			case bulkDeleteRoute, deleteRoute:
				// A 204 carries no representation, so there is no Accept to refuse.
				req := m.valid(t, rw)
				expectNoBody(t, e.do(method, req.path, admin, accept("text/html"), ""), http.StatusNoContent)
				m.expectGone(t, req.member)
				return
			case countRoute:
				for _, a := range []string{jsonMedia, xmlMedia, "text/html", "application/*"} {
					req := m.valid(t, rw)
					expectProblemAs(t, e.do(method, req.path, admin, accept(a), ""), http.StatusNotAcceptable, a == xmlMedia)
				}
				return
			}
			req := m.valid(t, rw)
			for _, a := range []string{"text/html", "text/plain", "image/png, text/html", "application/json;q=0, application/xml;q=0"} {
				t.Run(a, func(t *testing.T) {
					expectProblem(t, e.do(method, req.path, admin, accept(a), ""), http.StatusNotAcceptable)
				})
			}
			m.expectUnchanged(t, req.member, req.outsider)
		})
	}
}

func TestEveryJobRouteAnswers415ForAnUnreadableBodyAnd413ForOneOver64KiB(t *testing.T) {
	m := startMatrix(t)
	admin := m.stack.AdminToken
	over := strings.Repeat(" ", httpapi.MaxBodyBytes+1)
	for _, rw := range jobRoutes {
		t.Run(rw.name, func(t *testing.T) {
			e := m.client(t)
			method := rw.route(t).Method
			req := m.valid(t, rw)
			for _, a := range []string{"", xmlMedia} {
				asXML := a == xmlMedia
				if asXML && !rw.kind.xmlProblems() {
					continue
				}
				with := func(contentType string) map[string]string {
					h := map[string]string{}
					if a != "" {
						h["Accept"] = a
					}
					if contentType != "" {
						h["Content-Type"] = contentType
					}
					return h
				}
				expectProblemAs(t, e.do(method, req.path, admin, with("application/yaml"), "a: b"), http.StatusUnsupportedMediaType, asXML)
				expectProblemAs(t, e.do(method, req.path, admin, with("text/csv"), "a,b"), http.StatusUnsupportedMediaType, asXML)
				expectProblemAs(t, e.do(method, req.path, admin, with(jsonMedia), over), http.StatusRequestEntityTooLarge, asXML)
				expectProblemAs(t, e.do(method, req.path, admin, with(""), over), http.StatusRequestEntityTooLarge, asXML)
			}
			m.expectUnchanged(t, req.member, req.outsider)
			at := m.valid(t, rw)
			expectStatus(t, e.do(method, at.path, admin, map[string]string{"Content-Type": jsonMedia}, over[1:]), rw.kind.success())
			m.settle(t, rw, at.member)
		})
	}
}

func TestJobRoutesAnswer409ForAJobInTheWrongState(t *testing.T) {
	m := startMatrix(t)
	admin := m.stack.AdminToken
	for _, rw := range jobRoutes {
		t.Run(rw.name, func(t *testing.T) {
			var states []ticket.Status
			switch rw.kind {
			case deleteRoute:
				states = []ticket.Status{ticket.Pending, ticket.Running, ticket.Retry}
			case restartRoute:
				states = []ticket.Status{ticket.Pending, ticket.Running, ticket.Retry, ticket.Complete, ticket.Error, ticket.Cancelled}
			default:
				t.Skip("no job state makes this route conflict")
			}
			e := m.client(t)
			method := rw.route(t).Method
			for _, s := range states {
				tk := m.make(t, m.account(), shape{status: s})
				for _, a := range []string{"", xmlMedia} {
					t.Run(string(s)+"/"+strings.TrimPrefix(a, "application/"), func(t *testing.T) {
						expectProblemAs(t, e.do(method, rw.path(t, "", tk.ID), admin, accept(a), ""), http.StatusConflict, a == xmlMedia)
					})
				}
				m.expectUnchanged(t, tk)
			}
		})
	}
}

// members makes seven tickets of the route's list for the account, with tickets it leaves out
// in between, and returns the members' ids newest first.
func (m *matrix) members(t *testing.T, account string, rw jobRoute) []string {
	t.Helper()
	var want []string
	for i := range 7 {
		want = append([]string{m.make(t, account, rw.member).ID}, want...)
		if i%2 == 0 {
			m.make(t, account, rw.outsider)
		}
	}
	return want
}

func TestEveryJobListPagesByFollowingLinkInJSONAndXML(t *testing.T) {
	m := startMatrix(t)
	admin := m.stack.AdminToken
	for _, rw := range jobRoutes {
		if rw.kind != listRoute {
			continue
		}
		t.Run(rw.name, func(t *testing.T) {
			e := m.client(t)
			account := m.account()
			want := m.members(t, account, rw)
			owner := e.token(account, auth.StatusEnabled)
			for _, f := range formats[1:] {
				t.Run(f.name+"/owner", func(t *testing.T) {
					got, pages := follow(t, e, rw.path(t, account, "", "limit=3"), owner, f.media)
					if pages != 3 || !slices.Equal(got, want) {
						t.Errorf("%d pages\n got %v\nwant %v", pages, got, want)
					}
					expectNewestFirst(t, got)
					r := e.do("GET", rw.path(t, account, "", "limit=2", "skip=1", "marker="+want[0]), owner, accept(f.media), "")
					if got := listIDs(t, r, f.media); !slices.Equal(got, want[2:4]) {
						t.Errorf("skip after marker: got %v, want %v", got, want[2:4])
					}
				})
				t.Run(f.name+"/admin", func(t *testing.T) {
					r := e.do("GET", rw.path(t, account, "", "limit=1000"), admin, accept(f.media), "")
					all := listIDs(t, r, f.media)
					if nextLink(t, r) != "" || !isSubsequence(want, all) {
						t.Fatalf("admin's whole list should hold the members in order without a next page: %v", all)
					}
					limit := (len(all) + 2) / 3
					got, pages := follow(t, e, rw.path(t, account, "", "limit="+strconv.Itoa(limit)), admin, f.media)
					if pages < 3 || pages != (len(all)+limit-1)/limit || !slices.Equal(got, all) {
						t.Errorf("%d pages of %d\n got %v\nwant %v", pages, limit, got, all)
					}
					expectNewestFirst(t, got)
				})
			}
		})
	}
}

func TestEveryCountRouteCountsWhatItsListYieldsAfterTheMarkerUpToTheLimit(t *testing.T) {
	m := startMatrix(t)
	admin := m.stack.AdminToken
	for _, rw := range jobRoutes {
		if rw.kind != countRoute {
			continue
		}
		t.Run(rw.name, func(t *testing.T) {
			e := m.client(t)
			account := m.account()
			want := m.members(t, account, rw)
			owner := e.token(account, auth.StatusEnabled)
			for _, c := range []struct {
				query []string
				want  int
			}{
				{nil, 7},
				{[]string{"limit=3"}, 3},
				{[]string{"limit=1000"}, 7},
				{[]string{"marker=" + want[2]}, 4},
				{[]string{"marker=" + want[2], "limit=2"}, 2},
				{[]string{"marker=" + want[2], "limit=4"}, 4},
				{[]string{"marker=" + want[6]}, 0},
			} {
				path := rw.path(t, account, "", c.query...)
				if n := countOf(t, e.do("GET", path, owner, nil, "")); n != c.want {
					t.Errorf("owner's %s = %d, want %d", path, n, c.want)
				}
			}
			for _, q := range [][]string{{"limit=3"}, {"marker=" + want[2]}, {"marker=" + want[2], "limit=2"}} {
				path := rw.path(t, account, "", q...)
				n := countOf(t, e.do("GET", path, admin, nil, ""))
				list := listPathOf(path)
				if !strings.Contains(list, "limit=") {
					list = withQuery(list, "limit=1000")
				}
				if l := listIDs(t, e.get(list), jsonMedia); n != len(l) {
					t.Errorf("admin's %s = %d, but %s lists %d", path, n, list, len(l))
				}
			}
		})
	}
}

// A marker is a position, not a member: a ticket of the list's account whose status or
// category has changed since the client's previous page still marks where that page ended.
func TestEveryStatusOrErrorListGoesOnPagingWhenTheMarkersJobHasMovedOn(t *testing.T) {
	m := startMatrix(t)
	admin := m.stack.AdminToken
	for _, rw := range jobRoutes {
		if (rw.kind != listRoute && rw.kind != countRoute) || rw.outsider.elsewhere {
			continue
		}
		t.Run(rw.name, func(t *testing.T) {
			e := m.client(t)
			account := m.account()
			older := m.make(t, account, rw.member)
			m.make(t, account, rw.outsider)
			middle := m.make(t, account, rw.member)
			newest := m.make(t, account, rw.member)
			owner := e.token(account, auth.StatusEnabled)
			list := rw.path(t, account, "", "limit=1")
			if rw.kind == countRoute {
				list = listPathOf(list)
			}
			first := e.do("GET", list, owner, nil, "")
			if ids := listIDs(t, first, jsonMedia); !slices.Equal(ids, []string{newest.ID}) {
				t.Fatalf("first page %v, want [%s]", ids, newest.ID)
			}
			next := nextLink(t, first)
			if _, err := m.stack.Tickets.Update(context.Background(), newest.ID, func(tk *ticket.Ticket) error {
				tk.Status, tk.ErrorCategory = rw.outsider.status, rw.outsider.category
				if tk.Status.Terminal() {
					tk.Completion = time.Now()
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			for _, tok := range []string{owner, admin} {
				if ids := listIDs(t, e.do("GET", next, tok, nil, ""), jsonMedia); len(ids) != 1 || ids[0] != middle.ID {
					t.Errorf("next page after the marker's job moved on: %v, want [%s]", ids, middle.ID)
				}
			}
			if rw.kind == countRoute {
				if n := countOf(t, e.do("GET", rw.path(t, account, "", "marker="+newest.ID), owner, nil, "")); n != 2 {
					t.Errorf("count after the moved-on marker %d, want 2 (%s, %s)", n, middle.ID, older.ID)
				}
			}
		})
	}
}

func TestEveryJobRouteShowsANonAdminOnlyItsOwnAccount(t *testing.T) {
	m := startMatrix(t)
	admin := m.stack.AdminToken
	for _, rw := range jobRoutes {
		t.Run(rw.name, func(t *testing.T) {
			e := m.client(t)
			method := rw.route(t).Method
			mineAccount, theirsAccount := m.account(), m.account()
			mine := m.make(t, mineAccount, rw.member)
			theirs := m.make(t, theirsAccount, rw.member)
			tok := e.token(mineAccount, auth.StatusEnabled)
			if rw.kind == restartRoute {
				// Restarting runs the action again: a member may not (API.md §4), its domain's
				// domainadmin may.
				expectProblem(t, e.do(method, rw.path(t, "", mine.ID), tok, nil, ""), http.StatusForbidden)
				tok = e.token(mineAccount, auth.StatusEnabled, auth.RoleDomainAdmin)
			}
			switch rw.kind {
			case listRoute:
				for _, f := range formats[1:] {
					if ids := listIDs(t, e.do(method, rw.path(t, mineAccount, ""), tok, accept(f.media), ""), f.media); !slices.Equal(ids, []string{mine.ID}) {
						t.Errorf("%s: own list should be %s alone: %v", f.name, mine.ID, ids)
					}
					if ids := listIDs(t, e.do(method, rw.path(t, theirsAccount, ""), tok, accept(f.media), ""), f.media); slices.Contains(ids, theirs.ID) {
						t.Errorf("%s: another account's ticket %s listed: %v", f.name, theirs.ID, ids)
					}
					expectProblemAs(t, e.do(method, rw.path(t, mineAccount, "", "marker="+theirs.ID), tok, accept(f.media), ""), http.StatusNotFound, f.media == xmlMedia)
				}
				if rw.query != "" {
					if ids := listIDs(t, e.do(method, "/job", tok, nil, ""), jsonMedia); !slices.Equal(ids, []string{mine.ID}) {
						t.Errorf("own jobs without accountId should be %s alone: %v", mine.ID, ids)
					}
				} else if ids := listIDs(t, e.do(method, rw.path(t, "", "", "limit=1000"), admin, nil, ""), jsonMedia); !isSubsequence([]string{theirs.ID, mine.ID}, ids) {
					t.Errorf("admin's list should hold both accounts' tickets: %v", ids)
				}
			case countRoute:
				if n := countOf(t, e.do(method, rw.path(t, mineAccount, ""), tok, nil, "")); n != 1 {
					t.Errorf("own count %d, want 1", n)
				}
				expectProblem(t, e.do(method, rw.path(t, mineAccount, "", "marker="+theirs.ID), tok, nil, ""), http.StatusNotFound)
				n := countOf(t, e.do(method, rw.path(t, "", ""), admin, nil, ""))
				if ids := listIDs(t, e.get(withQuery(listPathOf(rw.path(t, "", "")), "limit=1000")), jsonMedia); n != len(ids) || !isSubsequence([]string{theirs.ID, mine.ID}, ids) {
					t.Errorf("admin's count %d should count its list of both accounts' tickets: %v", n, ids)
				}
			case bulkDeleteRoute:
				expectNoBody(t, e.do(method, rw.path(t, mineAccount, ""), tok, nil, ""), http.StatusNoContent)
				m.expectGone(t, mine)
				m.expectUnchanged(t, theirs)
			case getRoute, restartRoute, deleteRoute:
				for _, a := range []string{"", xmlMedia} {
					expectProblemAs(t, e.do(method, rw.path(t, "", theirs.ID), tok, accept(a), ""), http.StatusNotFound, a == xmlMedia)
				}
				m.expectUnchanged(t, theirs)
				expectStatus(t, e.do(method, rw.path(t, "", mine.ID), tok, nil, ""), rw.kind.success())
				m.settle(t, rw, mine)
			}
		})
	}
}

// routeFor is the route of httpapi.Routes that serves the method on the concrete path, if
// any: literal segments must be equal, a {value} takes any segment.
func routeFor(method, path string) (httpapi.Route, bool) {
	got := strings.Split(path, "/")
	for _, rt := range httpapi.Routes {
		want := strings.Split(rt.Path, "/")
		if rt.Method != method || len(want) != len(got) {
			continue
		}
		match := true
		for i, seg := range want {
			if !(strings.HasPrefix(seg, "{") && got[i] != "") && seg != got[i] {
				match = false
			}
		}
		if match {
			return rt, true
		}
	}
	return httpapi.Route{}, false
}

// The gateway answers a path it has no route for, or a method no route serves on a path (HEAD
// included), with 404 before any authorizer runs, in JSON, as API Gateway answers with the
// template's MISSING_AUTHENTICATION_TOKEN response.
func TestJobPathsAnswer404ToMethodsNoRouteServes(t *testing.T) {
	m := startMatrix(t)
	e := m.client(t)
	var paths []string
	for _, rw := range jobRoutes {
		if p := strings.Split(rw.path(t, "x", "ffffffffffffffffffffffff"), "?")[0]; !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	paths = append(paths, "/jobs", "/job/a/b", "/job/error/USER_INPUT/count/more", "/job/status/ERROR/count/more")
	for _, p := range paths {
		for _, method := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"} {
			if _, served := routeFor(method, p); served {
				continue
			}
			for name, tok := range map[string]string{"admin": m.stack.AdminToken, "no token": ""} {
				t.Run(method+" "+p+"/"+name, func(t *testing.T) {
					r := e.do(method, p, tok, accept(xmlMedia), "")
					if method == "HEAD" {
						expectNoBody(t, r, http.StatusNotFound)
						return
					}
					expectProblem(t, r, http.StatusNotFound)
				})
			}
		}
	}
}

func TestGetWithTimeOutAnswers404WhenTheTicketIsDeletedDuringTheWait(t *testing.T) {
	m := startMatrix(t)
	for _, a := range []string{"", xmlMedia} {
		e := m.client(t)
		tk := m.make(t, m.account(), shape{status: ticket.Running})
		gone := make(chan error, 1)
		go func() {
			time.Sleep(200 * time.Millisecond)
			_, err := m.stack.DB.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{
				TableName: aws.String("tickets"),
				Key:       map[string]types.AttributeValue{"ticketId": &types.AttributeValueMemberS{Value: tk.ID}},
			})
			gone <- err
		}()
		r := e.do("GET", "/job/"+tk.ID+"?timeOut=1500", m.stack.AdminToken, accept(a), "")
		if err := <-gone; err != nil {
			t.Fatal(err)
		}
		expectProblemAs(t, r, http.StatusNotFound, a == xmlMedia)
	}
}
