package stack_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/ticket"
)

// domainWorld is a domain made through the API, with a user and a tenant.
type domainWorld struct{ domain, user, tenant string }

func (e *e2e) makeDomainWorld() domainWorld {
	e.t.Helper()
	p := e.prepare("userState") // a domain and a user in it
	u, err := e.stack.Identity.GetUser(context.Background(), p["accountId"])
	if err != nil {
		e.t.Fatal(err)
	}
	tn := e.submit("createTenant", map[string]string{"domainId": u.DomainID, "name": uniqueName("tenant")}, 20000)
	if tn.Status != "COMPLETE" {
		e.t.Fatalf("tenant: %+v", tn)
	}
	return domainWorld{domain: u.DomainID, user: u.UserID, tenant: tn.ActionResults["tenantId"]}
}

// paramsOn are an action's valid parameters aimed at w's domain, user and tenant.
func paramsOn(action string, w domainWorld) map[string]string {
	switch action {
	case "createDomain":
		return map[string]string{"name": uniqueName("PolicyDom")}
	case "createUser":
		return map[string]string{"domainId": w.domain, "username": uniqueName("user"), "emailAddress": "p@example.com"}
	case "createTenant":
		return map[string]string{"domainId": w.domain, "name": uniqueName("tenant")}
	case "activateService":
		return map[string]string{"domainId": w.domain, "tenantId": w.tenant, "endpointTemplateId": "100"}
	case "domainState":
		return map[string]string{"domainId": w.domain, "state": "enabled"}
	case "userState":
		return map[string]string{"accountId": w.user, "state": "enabled"}
	case "purgeDomain":
		return map[string]string{"domainId": w.domain}
	case "createSwiftAccount":
		return map[string]string{"serviceName": "Object Storage", "productRatePlan": "standard", "regionCode": "region-a.geo-1", "domainId": w.domain, "accountId": w.user}
	}
	return nil
}

// varying are the parts of an answer that differ between two submissions of the same kind:
// ids and times.
var varying = regexp.MustCompile(`"(ticketId|submission|completion)":("[^"]*"|[0-9]+)|\[[0-9]+\]|/job/[0-9a-f]{24}`)

func normalized(body string) string { return varying.ReplaceAllString(body, "«varies»") }

// outsideRecords counts what the outside systems hold.
func outsideRecords(e *e2e) int {
	n := 0
	for _, sys := range outside.Systems {
		n += len(e.stack.Simulator.Records(sys))
	}
	return n
}

// TestPolicyMatrixOverEveryActionRoleAndTarget is API.md §4 over real HTTP: every action ×
// {admin, domainadmin of D, member of D, no account, no domain} × target {in D, in another
// domain, nonexistent}. A role that may not run an action gets 403 and no ticket; a target in
// another domain ends exactly as a nonexistent one (ERROR/NOT_FOUND, no execution, nothing
// changed anywhere), byte for byte apart from ids and times.
func TestPolicyMatrixOverEveryActionRoleAndTarget(t *testing.T) {
	e := startActions(t, true)
	own, other := e.makeDomainWorld(), e.makeDomainWorld()
	none := domainWorld{domain: "99999999999999", user: "99999999999998", tenant: "99999999999997"}
	const account = "000000007001"
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
	domainAdminMay := []string{"createUser", "createTenant", "activateService", "createSwiftAccount", "userState"}
	post := func(token, action string, params map[string]string) response {
		return e.do("POST", "/action/"+action+"?timeOut=20000", token, map[string]string{"Content-Type": "application/json"}, submitBody(params))
	}
	otherBefore, _ := e.stack.Identity.GetDomain(context.Background(), other.domain)
	otherUsers, _ := e.stack.Identity.Users(context.Background(), other.domain)

	for _, a := range actions.Catalogue() {
		for who, tok := range tokens {
			mayRun := who == "admin" || (who == "domainadmin" && slices.Contains(domainAdminMay, a.Name))
			t.Run(a.Name+"/"+who, func(t *testing.T) {
				if !mayRun {
					before := len(tickets(t, e.get("/job?accountId="+account+"&limit=1000")))
					expectProblem(t, post(tok, a.Name, paramsOn(a.Name, own)), http.StatusForbidden)
					if after := len(tickets(t, e.get("/job?accountId="+account+"&limit=1000"))); after != before {
						t.Errorf("a refused submission stored a ticket: %d → %d", before, after)
					}
					return
				}
				if a.Name == "createDomain" {
					if j := decodeJob(t, post(tok, a.Name, paramsOn(a.Name, own))); j.Status != "COMPLETE" {
						t.Errorf("admin's createDomain: %+v", j)
					}
					return
				}
				outsideBefore := outsideRecords(e)
				missing := post(tok, a.Name, paramsOn(a.Name, none))
				expectStatus(t, missing, http.StatusCreated)
				j := decodeJob(t, missing)
				what, id := "Domain", none.domain
				if a.UserParam != "" {
					what, id = "User", none.user
				}
				if j.Status != "ERROR" || j.ErrorCategory != "NOT_FOUND" || j.ErrorDescription != fmt.Sprintf("%s [%s] not found", what, id) {
					t.Errorf("nonexistent target: %s %s %q", j.Status, j.ErrorCategory, j.ErrorDescription)
				}
				for step, s := range j.StepStatus {
					if s != string(ticket.StepPending) {
						t.Errorf("nonexistent target: step %s is %s, no step should have run", step, s)
					}
				}
				if who == "admin" {
					return // an admin reaches every domain; TestEveryActionCompletes runs them
				}
				theirs := post(tok, a.Name, paramsOn(a.Name, other))
				expectStatus(t, theirs, http.StatusCreated)
				// The other domain's ids differ from the nonexistent ones, so compare with
				// the ids masked: nothing else may tell the two apart.
				if normalized(theirs.body) != normalized(missing.body) {
					t.Errorf("another domain's target answers otherwise than a nonexistent one:\n%s\n%s", theirs.body, missing.body)
				}
				if n := outsideRecords(e); n != outsideBefore {
					t.Errorf("the outside systems changed: %d records → %d", outsideBefore, n)
				}
				mine := decodeJob(t, post(tok, a.Name, paramsOn(a.Name, own)))
				if mine.Status != "COMPLETE" {
					t.Errorf("own domain: %s %s %q", mine.Status, mine.ErrorCategory, mine.ErrorDescription)
				}
			})
		}
	}
	otherAfter, err := e.stack.Identity.GetDomain(context.Background(), other.domain)
	if err != nil || !reflect.DeepEqual(otherAfter, otherBefore) {
		t.Errorf("the other domain changed: %+v → %+v (%v)", otherBefore, otherAfter, err)
	}
	if users, _ := e.stack.Identity.Users(context.Background(), other.domain); !slices.Equal(users, otherUsers) {
		t.Errorf("the other domain's users changed: %v → %v", otherUsers, users)
	}
	if _, err := e.stack.Identity.GetTenant(context.Background(), other.domain, other.tenant); identity.IsNotFound(err) {
		t.Errorf("the other domain's tenant is gone")
	}
}

// TestPrincipalWithoutAccountOrDomainSeesNothing: fail closed on every job route.
func TestPrincipalWithoutAccountOrDomainSeesNothing(t *testing.T) {
	e := start(t)
	const account = "000000007002"
	tk := e.create(&ticket.Ticket{Action: "createTenant", AccountID: account, DomainID: "d-" + account, Status: ticket.Error,
		ErrorCategory: ticket.UserInput, ErrorDescription: "x", Submission: time.Now(), Completion: time.Now()})
	for name, p := range map[string]auth.Principal{
		"no account": {UserID: "u", DomainID: "d-" + account, Status: auth.StatusEnabled},
		"no domain":  {UserID: "u", AccountID: account, Status: auth.StatusEnabled},
	} {
		t.Run(name, func(t *testing.T) {
			tok := e.tokenFor(p)
			for _, path := range []string{"/job", "/job?accountId=" + account, "/job/error", "/job/error/USER_INPUT", "/job/status/ERROR"} {
				if l := tickets(t, e.do("GET", path, tok, nil, "")); len(l) != 0 {
					t.Errorf("%s lists %d tickets", path, len(l))
				}
			}
			for _, path := range []string{"/job/error/count", "/job/error/USER_INPUT/count", "/job/status/ERROR/count"} {
				if r := e.do("GET", path, tok, nil, ""); r.status != http.StatusOK || r.body != "0" {
					t.Errorf("%s: %d %q, want 200 0", path, r.status, r.body)
				}
			}
			expectProblem(t, e.do("GET", "/job/"+tk.ID, tok, nil, ""), http.StatusNotFound)
			expectProblem(t, e.do("PUT", "/job/"+tk.ID, tok, nil, ""), http.StatusNotFound)
			expectProblem(t, e.do("DELETE", "/job/"+tk.ID, tok, nil, ""), http.StatusNotFound)
			expectStatus(t, e.do("DELETE", "/job/error/USER_INPUT", tok, nil, ""), http.StatusNoContent)
			if _, err := e.stack.Tickets.Get(context.Background(), tk.ID); err != nil {
				t.Errorf("its bulk delete deleted a ticket: %v", err)
			}
		})
	}
}

func TestTicketsRecordWhoRanThemAndOnlyAValidatedResolvedDomain(t *testing.T) {
	e := startActions(t, true)
	own := e.makeDomainWorld()
	tok := e.tokenFor(auth.Principal{UserID: own.user, AccountID: "000000007003", DomainID: own.domain,
		Roles: []string{auth.RoleDomainAdmin}, Status: auth.StatusEnabled})
	post := func(params map[string]string) jobView {
		r := e.do("POST", "/action/createTenant?timeOut=20000", tok, map[string]string{"Content-Type": "application/json"}, submitBody(params))
		expectStatus(t, r, http.StatusCreated)
		return decodeJob(t, r)
	}
	for name, c := range map[string]struct {
		params     map[string]string
		wantDomain string
	}{
		"valid":      {map[string]string{"domainId": own.domain, "name": uniqueName("t")}, own.domain},
		"invalid id": {map[string]string{"domainId": "<script>", "name": uniqueName("t")}, ""},
		// Refused for its name, but its domainId is valid and resolved: the ticket is part of
		// that domain's operation history.
		"control in name": {map[string]string{"domainId": own.domain, "name": "t\x00"}, own.domain},
		"missing name":    {map[string]string{"domainId": own.domain}, own.domain},
		"nonexistent":     {map[string]string{"domainId": "99999999999999", "name": uniqueName("t")}, ""},
	} {
		j := post(c.params)
		stored, err := e.stack.Tickets.Get(context.Background(), j.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.SubmitterID != own.user || stored.SubmitterDomain != own.domain {
			t.Errorf("%s: submitted by %q of %q, want %q of %q", name, stored.SubmitterID, stored.SubmitterDomain, own.user, own.domain)
		}
		if stored.DomainID != c.wantDomain {
			t.Errorf("%s: the ticket's clear domainId is %q, want %q", name, stored.DomainID, c.wantDomain)
		}
	}
}
