package stack_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/auth"
)

func TestCreateSwiftAccountCompletesWithTheAccountAndItsEndpoint(t *testing.T) {
	e := startActions(t, true)
	params := e.prepare("createSwiftAccount")
	j := e.submit("createSwiftAccount", params, 20000)
	if j.Status != "COMPLETE" || j.StepStatus["CreateSwiftAccount"] != "COMPLETE" || j.StepStatus["CreateZuoraSubscription"] != "COMPLETE" {
		t.Fatalf("ticket: %+v", j)
	}
	acct := j.ActionResults["swiftAccountId"]
	if acct == "" || j.ActionResults["swiftEndpoint"] != "https://region-a.geo-1.objects.example.com/v1/AUTH_"+acct || j.ActionResults["zuoraSubscription"] == "" {
		t.Errorf("results: %v", j.ActionResults)
	}
	var held *simulator.Record
	for _, r := range e.stack.Simulator.Records(actions.Storage) {
		if r.ID == acct {
			held = &r
		}
	}
	if held == nil || held.Params["domainId"] != params["domainId"] || held.Params["serviceName"] != "Object Storage" || held.Params["regionCode"] != "region-a.geo-1" {
		t.Errorf("object storage holds %+v for account %s", held, acct)
	}
	for _, r := range e.stack.Simulator.Records(actions.Billing) {
		if r.ID == j.ActionResults["zuoraSubscription"] && (r.Params["productRatePlan"] != "standard" || r.Params["swiftAccountId"] != acct) {
			t.Errorf("billing subscribed %+v", r.Params)
		}
	}
}

func TestCreateSwiftAccountFailureRollsBackTheAccount(t *testing.T) {
	e := startActions(t, true)
	params := e.prepare("createSwiftAccount")
	if _, err := e.stack.Simulator.Inject(simulator.Fault{Operation: "CreateZuoraSubscription", Mode: simulator.Permanent, Status: 400, Message: "no such rate plan"}); err != nil {
		t.Fatal(err)
	}
	j := e.submit("createSwiftAccount", params, 20000)
	if j.Status != "ERROR" || j.ErrorCategory != "USER_INPUT" || j.StepStatus["CreateSwiftAccount"] != "ROLLED_BACK" || j.StepStatus["CreateZuoraSubscription"] != "ERROR" {
		t.Fatalf("ticket: %+v", j)
	}
	if held := heldBy(e.stack.Simulator, j.TicketID); len(held) != 0 {
		t.Errorf("after the rollback the outside systems hold %v", held)
	}
}

// TestCreateSwiftAccountMissingParamIsTheSeedsTicket: the seed's three createSwiftAccount
// tickets, each missing one required parameter.
func TestCreateSwiftAccountMissingParamIsTheSeedsTicket(t *testing.T) {
	e := startActions(t, true)
	params := e.prepare("createSwiftAccount")
	for _, missing := range []string{"regionCode", "productRatePlan", "serviceName"} {
		p := map[string]string{}
		for k, v := range params {
			if k != missing {
				p[k] = v
			}
		}
		j := e.submit("createSwiftAccount", p, 0)
		if j.Status != "ERROR" || j.ErrorCategory != "USER_INPUT" || j.ErrorDescription != "Missing required parameter ["+missing+"]" {
			t.Errorf("without %s: %+v", missing, j)
		}
	}
}

// TestCreateSwiftAccountDefaultsToTheCallersDomain: a domainadmin that names no domain makes
// the account in its own, and the ticket is in that domain's operation history.
func TestCreateSwiftAccountDefaultsToTheCallersDomain(t *testing.T) {
	e := startActions(t, true)
	w := e.makeDomainWorld()
	tok := e.tokenFor(auth.Principal{UserID: w.user, AccountID: "000000007003", DomainID: w.domain, Roles: []string{auth.RoleDomainAdmin}, Status: auth.StatusEnabled})
	r := e.do("POST", "/action/createSwiftAccount?timeOut=20000", tok, map[string]string{"Content-Type": "application/json"},
		submitBody(map[string]string{"serviceName": "Object Storage", "productRatePlan": "standard", "regionCode": "region-b.geo-1"}))
	expectStatus(t, r, http.StatusCreated)
	j := decodeJob(t, r)
	if j.Status != "COMPLETE" || !strings.HasPrefix(j.ActionResults["swiftEndpoint"], "https://region-b.geo-1.") {
		t.Fatalf("ticket: %+v", j)
	}
	for _, rec := range e.stack.Simulator.Records(actions.Storage) {
		if rec.ID == j.ActionResults["swiftAccountId"] && rec.Params["domainId"] != w.domain {
			t.Errorf("the account was made for domain %q, want the caller's %s", rec.Params["domainId"], w.domain)
		}
	}
	found := false
	for _, h := range historyOf(t, e.do("GET", "/domains/"+w.domain+"/jobs?action=Swift", tok, nil, "")) {
		found = found || (h.TicketID == j.TicketID && h.UserID == w.user)
	}
	if !found {
		t.Errorf("the ticket is not in the caller's domain's history as run by %s", w.user)
	}
}
