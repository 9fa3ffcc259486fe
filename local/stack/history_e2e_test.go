package stack_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/shared/auth"
)

// historyEntry is a ticket of an operation history as a client reads it.
type historyEntry struct {
	TicketID string `json:"ticketId"`
	Action   string `json:"action"`
	Status   string `json:"status"`
	UserID   string `json:"userId"`
}

func historyOf(t *testing.T, r response) []historyEntry {
	t.Helper()
	expectStatus(t, r, http.StatusOK)
	var doc struct {
		TicketList struct {
			Tickets []historyEntry `json:"Tickets"`
		} `json:"TicketList"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatalf("history: %v: %s", err, r.body)
	}
	return doc.TicketList.Tickets
}

func idsOf(h []historyEntry) []string {
	var out []string
	for _, e := range h {
		out = append(out, e.TicketID)
	}
	return out
}

var requestID = regexp.MustCompile(`"requestId":"[^"]*"`)

var nextLinkTarget = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// TestDomainHistoryHoldsExactlyItsOwnTicketsNewestFirst runs a mix of actions on two domains
// — successes, a failure rolled back, a job that timed out and was restarted, a submission
// refused for a missing parameter, and createDomain itself — and reads each domain's operation history: exactly its own tickets, newest first,
// each with who ran it; the action, status and latest filters; paging by Link; bad filters 400;
// and no DynamoDB Scan in any of it.
func TestDomainHistoryHoldsExactlyItsOwnTicketsNewestFirst(t *testing.T) {
	e := startActions(t, true)
	scansBefore := e.stack.DynamoDBRequests()["Scan"]
	var onA, onB []string
	mkA := e.submit("createDomain", map[string]string{"name": uniqueName("HistA")}, 20000)
	mkB := e.submit("createDomain", map[string]string{"name": uniqueName("HistB")}, 20000)
	a, b := mkA.ActionResults["domainId"], mkB.ActionResults["domainId"]
	onA, onB = append(onA, mkA.TicketID), append(onB, mkB.TicketID)

	user := e.submit("createUser", map[string]string{"domainId": a, "username": uniqueName("u"), "emailAddress": "u@example.com"}, 20000)
	onA = append(onA, user.TicketID)
	onB = append(onB, e.submit("createTenant", map[string]string{"domainId": b, "name": uniqueName("t")}, 20000).TicketID)
	if _, err := e.stack.Simulator.Inject(simulator.Fault{Operation: "CreateSalesforceContact", Mode: simulator.Permanent, Status: 409}); err != nil {
		t.Fatal(err)
	}
	failed := e.submit("createUser", map[string]string{"domainId": a, "username": uniqueName("u"), "emailAddress": "u@example.com"}, 20000)
	if failed.Status != "ERROR" {
		t.Fatalf("the failing createUser: %+v", failed)
	}
	onA = append(onA, failed.TicketID)
	e.stack.Simulator.ClearFaults()
	if _, err := e.stack.Simulator.Inject(simulator.Fault{Operation: "CreateSalesforceContact", Mode: simulator.Transient}); err != nil {
		t.Fatal(err)
	}
	timedOut := e.waitJob(e.submit("createUser", map[string]string{"domainId": a, "username": uniqueName("u"), "emailAddress": "u@example.com"}, 0).TicketID)
	if timedOut.Status != "TIMEDOUT" {
		t.Fatalf("the timed-out createUser: %+v", timedOut)
	}
	e.stack.Simulator.ClearFaults()
	expectStatus(t, e.do("PUT", "/job/"+timedOut.TicketID+"?timeOut=20000", e.stack.AdminToken, nil, ""), http.StatusOK)
	onA = append(onA, timedOut.TicketID)
	onA = append(onA, e.submit("domainState", map[string]string{"domainId": a, "state": "suspended"}, 20000).TicketID)
	// A submission refused for a missing parameter is in the history of the domain it named;
	// one naming no domain that exists is in none.
	refused := e.submit("createTenant", map[string]string{"domainId": a}, 0)
	if refused.Status != "ERROR" || refused.ErrorCategory != "USER_INPUT" {
		t.Fatalf("the refused createTenant: %+v", refused)
	}
	onA = append(onA, refused.TicketID)
	e.submit("createTenant", map[string]string{"domainId": "99999999999999"}, 0)

	newestFirst := func(ids []string) []string {
		out := slices.Clone(ids)
		slices.Sort(out)
		slices.Reverse(out)
		return out
	}
	histA := historyOf(t, e.get("/domains/"+a+"/jobs"))
	if got, want := idsOf(histA), newestFirst(onA); !slices.Equal(got, want) {
		t.Errorf("domain A's history %v, want %v", got, want)
	}
	if got, want := idsOf(historyOf(t, e.get("/domains/"+b+"/jobs"))), newestFirst(onB); !slices.Equal(got, want) {
		t.Errorf("domain B's history %v, want %v", got, want)
	}
	for _, h := range histA {
		if h.UserID != "admin" {
			t.Errorf("%s ran by %q, want admin", h.TicketID, h.UserID)
		}
		if h.TicketID == timedOut.TicketID && h.Status != "COMPLETE" {
			t.Errorf("the restarted job shows %s", h.Status)
		}
	}

	filtered := func(query string) []string {
		return idsOf(historyOf(t, e.get("/domains/"+a+"/jobs?"+query)))
	}
	if got, want := filtered("action="+url.QueryEscape("^createUser$")), newestFirst(onA[1:4]); !slices.Equal(got, want) {
		t.Errorf("action=^createUser$: %v, want %v", got, want)
	}
	if got := filtered("action=State"); !slices.Equal(got, onA[4:5]) {
		t.Errorf("action=State (unanchored): %v, want %v", got, onA[4:5])
	}
	if got, want := filtered("status=ERROR"), []string{refused.TicketID, failed.TicketID}; !slices.Equal(got, want) {
		t.Errorf("status=ERROR: %v, want %v", got, want)
	}
	if got := filtered("action=nothing-matches"); len(got) != 0 {
		t.Errorf("a pattern matching no action: %v", got)
	}
	// latest: the newest ticket of each action the domain ran.
	if got, want := filtered("latest=true"), []string{onA[5], onA[4], onA[3], onA[0]}; !slices.Equal(got, want) {
		t.Errorf("latest=true: %v, want %v", got, want)
	}
	// The actions whose latest run failed: createTenant's (refused), not createUser's (its
	// newest run was restarted and completed).
	if got := filtered("latest=true&status=ERROR"); !slices.Equal(got, []string{refused.TicketID}) {
		t.Errorf("latest=true&status=ERROR: %v, want %v", got, refused.TicketID)
	}
	if got := filtered("latest=true&action=Domain"); !slices.Equal(got, onA[:1]) {
		t.Errorf("latest=true&action=Domain: %v, want %v", got, onA[:1])
	}

	// Paging by Link, in both the full history and the latest one.
	for q, whole := range map[string][]string{"limit=2": idsOf(histA), "latest=true&limit=1": filtered("latest=true")} {
		var paged []string
		target := "/domains/" + a + "/jobs?" + q
		for range 10 {
			r := e.get(target)
			paged = append(paged, idsOf(historyOf(t, r))...)
			m := nextLinkTarget.FindStringSubmatch(r.header.Get("Link"))
			if m == nil {
				break
			}
			target = m[1]
		}
		if !slices.Equal(paged, whole) {
			t.Errorf("%s paged %v, want %v", q, paged, whole)
		}
	}

	x := e.do("GET", "/domains/"+a+"/jobs?limit=1", e.stack.AdminToken, map[string]string{"Accept": "application/xml"}, "")
	expectStatus(t, x, http.StatusOK)
	var doc struct {
		XMLName xml.Name `xml:"TicketList"`
		Tickets []struct {
			TicketID string `xml:"ticketId"`
			UserID   string `xml:"userId"`
		} `xml:"Tickets>JobTicket"`
	}
	if err := xml.Unmarshal([]byte(x.body), &doc); err != nil || len(doc.Tickets) != 1 || doc.Tickets[0].TicketID != histA[0].TicketID || doc.Tickets[0].UserID != "admin" {
		t.Errorf("XML history: %v %s", err, x.body)
	}

	for name, q := range map[string]string{
		"invalid regex":      "action=" + url.QueryEscape("create(User"),
		"over-long regex":    "action=" + strings.Repeat("a", 257),
		"unknown status":     "status=DONE",
		"latest not boolean": "latest=yes",
		"bad limit":          "limit=0",
		"unknown parameter":  "type=workflow",
	} {
		t.Run(name, func(t *testing.T) { expectProblem(t, e.getMalformed("/domains/"+a+"/jobs?"+q), http.StatusBadRequest) })
	}
	expectStatus(t, e.get("/domains/"+a+"/jobs?action="+strings.Repeat("a", 256)), http.StatusOK)
	expectProblem(t, e.get("/domains/99999999999999/jobs"), http.StatusNotFound)
	expectProblem(t, e.getMalformed("/domains/not-a-domain/jobs"), http.StatusNotFound)
	expectProblem(t, e.get("/domains/"+a+"/jobs?marker="+onB[0]), http.StatusNotFound)
	if n := e.stack.DynamoDBRequests()["Scan"] - scansBefore; n != 0 {
		t.Errorf("%d DynamoDB Scans; the history must Query", n)
	}
}

// TestDomainHistoryAuthorizationMatrix is API.md §4 for the history over real HTTP: an admin
// reads any domain's; a domainadmin of D reads D's; a member of D (or any other role) gets
// 403 for D's; another domain's history, and a nonexistent one, are 404 alike for everyone
// but the admin, and so is every history for a principal without an account or a domain.
func TestDomainHistoryAuthorizationMatrix(t *testing.T) {
	e := startActions(t, true)
	own, other := e.makeDomainWorld(), e.makeDomainWorld()
	const account = "000000007002"
	principals := map[string]auth.Principal{
		"domainadmin": {UserID: own.user, AccountID: account, DomainID: own.domain, Roles: []string{auth.RoleDomainAdmin}},
		"member":      {UserID: own.user, AccountID: account, DomainID: own.domain},
		"other-role":  {UserID: own.user, AccountID: account, DomainID: own.domain, Roles: []string{"superuser"}},
		"no-account":  {UserID: own.user, DomainID: own.domain, Roles: []string{auth.RoleDomainAdmin}},
		"no-domain":   {UserID: own.user, AccountID: account, Roles: []string{auth.RoleDomainAdmin}},
	}
	tokens := map[string]string{"admin": e.stack.AdminToken}
	for name, p := range principals {
		p.Status = auth.StatusEnabled
		tokens[name] = e.tokenFor(p)
	}
	want := map[string]map[string]int{
		"admin":       {"own": 200, "other": 200, "nonexistent": 404},
		"domainadmin": {"own": 200, "other": 404, "nonexistent": 404},
		"member":      {"own": 403, "other": 404, "nonexistent": 404},
		"other-role":  {"own": 403, "other": 404, "nonexistent": 404},
		"no-account":  {"own": 404, "other": 404, "nonexistent": 404},
		"no-domain":   {"own": 404, "other": 404, "nonexistent": 404},
	}
	// A domainadmin's refused submissions: the one naming its own domain is in that domain's
	// history, the one naming another domain in none.
	refuse := func(domain string) string {
		r := e.do("POST", "/action/createTenant", tokens["domainadmin"], map[string]string{"Content-Type": "application/json"},
			submitBody(map[string]string{"domainId": domain}))
		expectStatus(t, r, http.StatusCreated)
		return decodeJob(t, r).TicketID
	}
	mine, theirs := refuse(own.domain), refuse(other.domain)
	if h := idsOf(historyOf(t, e.get("/domains/"+own.domain+"/jobs"))); !slices.Contains(h, mine) {
		t.Errorf("the domainadmin's refused submission on its domain is not in its history %v", h)
	}
	if h := idsOf(historyOf(t, e.get("/domains/"+other.domain+"/jobs"))); slices.Contains(h, theirs) {
		t.Errorf("a refused submission aimed at another domain is in that domain's history %v", h)
	}
	targets := map[string]string{"own": own.domain, "other": other.domain, "nonexistent": "99999999999999"}
	for who, tok := range tokens {
		var notFound []string
		for tn, domain := range targets {
			r := e.do("GET", "/domains/"+domain+"/jobs", tok, nil, "")
			w := want[who][tn]
			if w == 200 {
				if h := historyOf(t, r); len(h) == 0 {
					t.Errorf("%s reading %s: an empty history", who, tn)
				}
				continue
			}
			expectProblem(t, r, w)
			if w == 404 {
				notFound = append(notFound, requestID.ReplaceAllString(strings.ReplaceAll(r.body, domain, "«id»"), ""))
			}
		}
		for _, nf := range notFound[min(1, len(notFound)):] {
			if nf != notFound[0] {
				t.Errorf("%s: another domain's history and a nonexistent one answer differently:\n%s\n%s", who, nf, notFound[0])
			}
		}
	}
}

// TestDomainHistoryRefusesAsEveryRouteDoes: the history answers API.md §1's errors as every
// route does — 401 without a valid token, 403 for a disabled or suspended caller (an admin
// too), both the gateway's and so always JSON, 406 for an Accept it cannot serve — and its
// own problems in XML when XML was asked for.
func TestDomainHistoryRefusesAsEveryRouteDoes(t *testing.T) {
	e := startActions(t, true)
	d := e.submit("createDomain", map[string]string{"name": uniqueName("HistErr")}, 20000).ActionResults["domainId"]
	path := "/domains/" + d + "/jobs"
	for _, a := range []string{"", xmlMedia} {
		for name, tok := range map[string]string{"no token": "", "unknown token": "no-such-token"} {
			t.Run(name+a, func(t *testing.T) { expectProblem(t, e.do("GET", path, tok, accept(a), ""), http.StatusUnauthorized) })
		}
		for _, status := range []string{auth.StatusDisabled, auth.StatusSuspended} {
			for role, roles := range map[string][]string{"admin": {auth.RoleAdmin}, "domainadmin": {auth.RoleDomainAdmin}} {
				tok := e.tokenFor(auth.Principal{UserID: "u", AccountID: "000000007004", DomainID: d, Roles: roles, Status: status})
				t.Run(status+"/"+role+a, func(t *testing.T) {
					expectProblem(t, e.do("GET", path, tok, accept(a), ""), http.StatusForbidden)
				})
			}
		}
	}
	for _, a := range []string{"text/html", "text/plain", "application/json;q=0, application/xml;q=0"} {
		expectProblem(t, e.do("GET", path, e.stack.AdminToken, accept(a), ""), http.StatusNotAcceptable)
	}
	expectProblemAs(t, e.doMalformed("GET", path+"?status=DONE", e.stack.AdminToken, accept(xmlMedia), ""), http.StatusBadRequest, true)
	expectProblemAs(t, e.do("GET", "/domains/99999999999999/jobs", e.stack.AdminToken, accept(xmlMedia), ""), http.StatusNotFound, true)
}
