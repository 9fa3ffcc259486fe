package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/ticket"
)

func TestHeadAndNoContentAnswersCarryNoBody(t *testing.T) {
	h := newHarness(t)
	done := h.create(alice.AccountID, ticket.Complete, "")
	for _, c := range []struct {
		route, method, target string
		status                int
	}{
		{"get-job", "HEAD", "/job/" + done.ID, http.StatusOK},
		{"get-job", "HEAD", "/job/0123456789abcdef01234567", http.StatusNotFound},
		{"list-error-jobs", "HEAD", "/job/error?limit=0", http.StatusBadRequest},
		{"count-error-jobs", "HEAD", "/job/error/count", http.StatusOK},
		{"delete-job", "DELETE", "/job/" + done.ID, http.StatusNoContent},
		{"delete-error-jobs-by-category", "DELETE", "/job/error/AUTH", http.StatusNoContent},
	} {
		r := h.call(c.route, gatewayEvent(alice, c.method, c.target))
		if r.StatusCode != c.status || r.Body != "" {
			t.Errorf("%s %s: %d %q, want %d and no body", c.method, c.target, r.StatusCode, r.Body, c.status)
		}
	}
	if _, err := h.tickets.Get(t.Context(), done.ID); err == nil {
		t.Errorf("the ticket answered 204 to DELETE is still there")
	}
}

func TestLimitMustBeAWholeNumberFrom1To1000(t *testing.T) {
	h := newHarness(t)
	h.create(alice.AccountID, ticket.Error, ticket.Dependency)
	routes := []struct{ route, path string }{
		{"list-jobs", "/job"},
		{"list-error-jobs", "/job/error"},
		{"list-jobs-by-status", "/job/status/ERROR"},
		{"count-error-jobs", "/job/error/count"},
		{"count-jobs-by-status", "/job/status/ERROR/count"},
		{"list-actions", "/action"},
	}
	for _, rt := range routes {
		for _, limit := range []string{"0", "-1", "abc", "1001", "2.5", "1e3", " 5"} {
			r := h.call(rt.route, gatewayEvent(alice, "GET", rt.path+"?limit="+url.QueryEscape(limit)))
			p := expectProblem(t, r, http.StatusBadRequest)
			if !strings.Contains(p.Detail, "limit") {
				t.Errorf("%s limit=%q: %q does not name the parameter", rt.path, limit, p.Detail)
			}
		}
		for _, limit := range []string{"1", "1000"} {
			expectStatus(t, h.call(rt.route, gatewayEvent(alice, "GET", rt.path+"?limit="+limit)), http.StatusOK)
		}
	}
}

func TestUnknownMarkerIs404(t *testing.T) {
	h := newHarness(t)
	h.create(alice.AccountID, ticket.Error, ticket.Dependency)
	for _, c := range []struct{ route, target string }{
		{"list-error-jobs", "/job/error?marker=0123456789abcdef01234567"},
		{"list-error-jobs", "/job/error?marker=not-a-ticket"},
		{"list-jobs", "/job?marker=0123456789abcdef01234567"},
		{"count-error-jobs", "/job/error/count?marker=0123456789abcdef01234567"},
		{"list-actions", "/action?marker=noSuchAction"},
	} {
		expectProblem(t, h.call(c.route, gatewayEvent(alice, "GET", c.target)), http.StatusNotFound)
	}
}

func TestMarkerOfATicketOutsideTheListIs404(t *testing.T) {
	h := newHarness(t)
	failedA := h.create("acct-a", ticket.Error, ticket.Dependency)
	doneA := h.create("acct-a", ticket.Complete, "")
	userA := h.create("acct-a", ticket.Complete, "")
	if _, err := h.tickets.Update(t.Context(), userA.ID, func(t *ticket.Ticket) error { t.Action = "createUser"; return nil }); err != nil {
		t.Fatal(err)
	}
	failedB := h.create("acct-b", ticket.Error, ticket.Dependency)
	for _, c := range []struct {
		name   string
		caller auth.Principal
		route  string
		target string
		status int
	}{
		{"status list, marker in it", admin, "list-jobs-by-status", "/job/status/COMPLETE?marker=" + doneA.ID, 200},
		// Status and category change as jobs move on: any ticket of the account marks a position.
		{"status list, marker of another status", admin, "list-jobs-by-status", "/job/status/COMPLETE?marker=" + failedA.ID, 200},
		{"account list, marker of another account", admin, "list-jobs", "/job?accountId=acct-a&marker=" + failedB.ID, 404},
		{"account list by action, marker in it", admin, "list-jobs", "/job?accountId=acct-a&action=createUser&marker=" + userA.ID, 200},
		{"account list by action, marker of another action", admin, "list-jobs", "/job?accountId=acct-a&action=createUser&marker=" + doneA.ID, 404},
		{"account list by status, marker of another status", admin, "list-jobs", "/job?accountId=acct-a&status=COMPLETE&marker=" + failedA.ID, 200},
		{"error list, marker of a complete job", admin, "list-error-jobs", "/job/error?marker=" + doneA.ID, 200},
		{"category list, marker of another category", admin, "list-error-jobs-by-category", "/job/error/AUTH?marker=" + failedA.ID, 200},
		{"caller's error list, marker of another account's error job", alice, "list-error-jobs", "/job/error?marker=" + failedB.ID, 404},
		{"another account's list, which the caller sees empty", alice, "list-jobs", "/job?accountId=acct-b&marker=" + failedB.ID, 404},
		{"status count, marker of another status", admin, "count-jobs-by-status", "/job/status/COMPLETE/count?marker=" + failedA.ID, 200},
		{"error count, marker of a complete job", admin, "count-error-jobs", "/job/error/count?marker=" + doneA.ID, 200},
		{"unknown ticket", admin, "list-jobs-by-status", "/job/status/COMPLETE?marker=ffffffffffffffffffffffff", 404},
		{"caller's error count, marker of another account's error job", alice, "count-error-jobs", "/job/error/count?marker=" + failedB.ID, 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := h.call(c.route, gatewayEvent(c.caller, "GET", c.target))
			if c.status == 404 {
				p := expectProblem(t, r, 404)
				if !strings.Contains(p.Detail, "marker") {
					t.Errorf("the problem does not blame the marker: %q", p.Detail)
				}
				return
			}
			expectStatus(t, r, c.status)
		})
	}
}

func TestPagingAStatusListGoesOnWhenTheMarkersJobHasMovedOn(t *testing.T) {
	h := newHarness(t)
	older := h.create("acct-a", ticket.Running, "")
	newer := h.create("acct-a", ticket.Running, "")
	first := ticketIDs(t, h.call("list-jobs-by-status", gatewayEvent(admin, "GET", "/job/status/RUNNING?limit=1")))
	if len(first) != 1 || first[0] != newer.ID {
		t.Fatalf("first page %v, want [%s]", first, newer.ID)
	}
	if _, err := h.tickets.Update(t.Context(), newer.ID, func(t *ticket.Ticket) error {
		t.Status, t.Completion = ticket.Complete, time.Now()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	next := ticketIDs(t, h.call("list-jobs-by-status", gatewayEvent(admin, "GET", "/job/status/RUNNING?limit=1&marker="+newer.ID)))
	if len(next) != 1 || next[0] != older.ID {
		t.Errorf("next page after the marker's job completed: %v, want [%s]", next, older.ID)
	}
}

func TestUnknownOrRepeatedQueryParameterIs400(t *testing.T) {
	h := newHarness(t)
	done := h.create(alice.AccountID, ticket.Complete, "")
	for _, c := range []struct{ route, target, names string }{
		{"list-error-jobs", "/job/error?limt=5", "limt"},
		{"list-jobs", "/job?account=acct-a", "account"},
		{"get-job", "/job/" + done.ID + "?timeout=5", "timeout"},
		// Count routes take limit and marker, not the list's skip.
		{"count-error-jobs", "/job/error/count?skip=1", "skip"},
		{"count-jobs-by-status", "/job/status/COMPLETE/count?accountId=acct-a", "accountId"},
		{"list-error-jobs", "/job/error?limit=1&limit=2", "limit"},
	} {
		p := expectProblem(t, h.call(c.route, gatewayEvent(alice, "GET", c.target)), http.StatusBadRequest)
		if !strings.Contains(p.Detail, `"`+c.names+`"`) {
			t.Errorf("%s: the problem does not name %q: %q", c.target, c.names, p.Detail)
		}
	}
}

var nextLink = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

func TestNextPageLinkKeepsTheStageTheClientCalled(t *testing.T) {
	h := newHarness(t)
	var newestFirst []string
	for range 3 {
		newestFirst = append([]string{h.create("acct-a", ticket.Complete, "").ID}, newestFirst...)
	}
	e := gatewayEvent(admin, "GET", "/job?accountId=acct-a&limit=2")
	if e.Path != "/job" || e.RequestContext.Path != "/dev/job" {
		t.Fatalf("the event is not the one API Gateway sends on the dev stage: %q, %q", e.Path, e.RequestContext.Path)
	}
	r := h.call("list-jobs", e)
	expectStatus(t, r, http.StatusOK)
	want := fmt.Sprintf(`</dev/job?accountId=acct-a&limit=2&marker=%s>; rel="next"`, newestFirst[1])
	if got := r.header("Link"); got != want {
		t.Fatalf("Link %q\nwant %q", got, want)
	}
	// Following the link reaches the last page, which has no next.
	link, _ := url.Parse(nextLink.FindStringSubmatch(r.header("Link"))[1])
	next := gatewayEvent(admin, "GET", strings.TrimPrefix(link.Path, "/dev")+"?"+link.RawQuery)
	r = h.call("list-jobs", next)
	if ids := ticketIDs(t, r); fmt.Sprint(ids) != fmt.Sprint(newestFirst[2:]) || r.header("Link") != "" {
		t.Errorf("second page %v (Link %q), want %v and no Link", ids, r.header("Link"), newestFirst[2:])
	}
	// The catalogue pages the same way.
	r = h.call("list-actions", gatewayEvent(admin, "GET", "/action?limit=1"))
	if l := r.header("Link"); !strings.HasPrefix(l, "</dev/action?limit=1&marker=") {
		t.Errorf("catalogue Link %q is not under the stage", l)
	}
}

func TestNextPageLinkIsTheEventPathWhenTheContextHasNoPath(t *testing.T) {
	h := newHarness(t)
	for range 2 {
		h.create("acct-a", ticket.Error, ticket.Dependency)
	}
	e := gatewayEvent(admin, "GET", "/job/error?limit=1")
	e.RequestContext.Path = ""
	r := h.call("list-error-jobs", e)
	if l := r.header("Link"); !strings.HasPrefix(l, "</job/error?limit=1&marker=") {
		t.Errorf("Link %q, want one on the event's path /job/error", l)
	}
}

func TestCountRoutesCountWhatTheListYieldsAfterMarkerUpToLimit(t *testing.T) {
	h := newHarness(t)
	var newestFirst []string
	for range 5 {
		newestFirst = append([]string{h.create("acct-a", ticket.Error, ticket.Dependency).ID}, newestFirst...)
	}
	h.create("acct-b", ticket.Error, ticket.Auth)
	for _, c := range []struct {
		caller        auth.Principal
		route, target string
		want          string
	}{
		{admin, "count-error-jobs", "/job/error/count", "6"},
		{admin, "count-error-jobs", "/job/error/count?limit=4", "4"},
		{admin, "count-error-jobs", "/job/error/count?limit=1000", "6"},
		{alice, "count-error-jobs", "/job/error/count", "5"},
		{alice, "count-error-jobs", "/job/error/count?marker=" + newestFirst[1], "3"},
		{alice, "count-error-jobs", "/job/error/count?marker=" + newestFirst[1] + "&limit=2", "2"},
		{alice, "count-error-jobs", "/job/error/count?marker=" + newestFirst[4], "0"},
		{admin, "count-error-jobs-by-category", "/job/error/DEPENDENCY/count?marker=" + newestFirst[0] + "&limit=10", "4"},
		{admin, "count-error-jobs-by-category", "/job/error/AUTH/count", "1"},
		{admin, "count-jobs-by-status", "/job/status/ERROR/count?limit=3", "3"},
		{admin, "count-jobs-by-status", "/job/status/COMPLETE/count", "0"},
	} {
		r := h.call(c.route, gatewayEvent(c.caller, "GET", c.target))
		expectStatus(t, r, http.StatusOK)
		if r.Body != c.want {
			t.Errorf("%s by %s: %q, want %q", c.target, c.caller.UserID, r.Body, c.want)
		}
	}
	// A count and its list agree: the count is the size of the list's page.
	r := h.call("list-error-jobs", gatewayEvent(alice, "GET", "/job/error?marker="+newestFirst[1]+"&limit=2"))
	if ids := ticketIDs(t, r); len(ids) != 2 {
		t.Errorf("list after the same marker has %d tickets, the count said 2", len(ids))
	}
}

func TestGetJobOfATicketDeletedWhileWaitingIs404(t *testing.T) {
	h := newHarness(t)
	running := h.create(alice.AccountID, ticket.Running, "")
	answered := make(chan response, 1)
	start := time.Now()
	go func() {
		answered <- h.call("get-job", gatewayEvent(alice, "GET", "/job/"+running.ID+"?timeOut=20000"))
	}()
	// The request has read the RUNNING ticket once it has made its first GetItem; from then on
	// it waits.
	for h.server.Requests()["GetItem"] < 1 {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the request never read the ticket")
		}
		time.Sleep(time.Millisecond)
	}
	// Removed outright rather than ended and then deleted, so that no poll can see it COMPLETE
	// in between: the handler cannot tell the two apart.
	if _, err := h.db.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{
		TableName: aws.String(table),
		Key:       map[string]types.AttributeValue{"ticketId": &types.AttributeValueMemberS{Value: running.ID}},
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-answered:
		p := expectProblem(t, r, http.StatusNotFound)
		if !strings.Contains(p.Detail, "deleted") || strings.Contains(r.Body, "RUNNING") {
			t.Errorf("the answer is not that the ticket was deleted: %s", r.Body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request kept waiting for a deleted ticket")
	}
}

func TestSubmitLocationIsUnderTheStageTheClientCalled(t *testing.T) {
	h := newHarness(t)
	e := gatewayEvent(admin, "POST", "/action/createTenant", "Content-Type", "application/json")
	e.Body = `{"JobTicket":{"actionParams":{"domainId":"47161213735800","name":"tenant-1"}}}`
	r := h.call("submit-action", e)
	expectStatus(t, r, http.StatusCreated)
	loc := r.header("Location")
	id := strings.TrimPrefix(loc, "/dev/job/")
	if !ticket.ValidID(id) {
		t.Fatalf("Location %q is not /dev/job/{ticketId}", loc)
	}
	if !strings.Contains(r.Body, `"ticketId":"`+id+`"`) {
		t.Errorf("Location names another ticket than the body: %s", r.Body)
	}
}

func TestListsAndCountsQueryAnIndexAndNeverScan(t *testing.T) {
	h := newHarness(t)
	failed := h.create(alice.AccountID, ticket.Error, ticket.Dependency)
	done := h.create(alice.AccountID, ticket.Complete, "")
	for _, caller := range []auth.Principal{admin, alice} {
		for _, c := range []struct{ route, target string }{
			{"list-jobs", "/job?accountId=acct-a&action=createDomain&status=COMPLETE&marker=" + done.ID},
			{"list-error-jobs", "/job/error?marker=" + failed.ID},
			{"list-error-jobs-by-category", "/job/error/DEPENDENCY?skip=1"},
			{"list-jobs-by-status", "/job/status/COMPLETE?limit=1"},
			{"count-error-jobs", "/job/error/count?marker=" + failed.ID},
			{"count-error-jobs-by-category", "/job/error/DEPENDENCY/count?limit=1"},
			{"count-jobs-by-status", "/job/status/ERROR/count"},
		} {
			expectStatus(t, h.call(c.route, gatewayEvent(caller, "GET", c.target)), http.StatusOK)
		}
	}
	ops := h.server.Requests()
	if ops["Scan"] != 0 || ops["Query"] == 0 {
		t.Errorf("DynamoDB requests %v: want Queries and no Scan", ops)
	}
}

func TestBulkDeleteOutOfTimeSays503AndARepeatFinishes(t *testing.T) {
	h := newHarness(t)
	for range 30 {
		h.create("acct-a", ticket.Error, ticket.Dependency)
	}
	h.api.WaitCap = time.Nanosecond
	r := h.call("delete-error-jobs-by-category", gatewayEvent(admin, "DELETE", "/job/error/DEPENDENCY"))
	p := expectProblem(t, r, http.StatusServiceUnavailable)
	if r.header("Retry-After") != "0" || !strings.Contains(p.Detail, "repeat the request") {
		t.Errorf("503 without the way on: Retry-After %q, %q", r.header("Retry-After"), p.Detail)
	}
	h.api.WaitCap = 0
	expectStatus(t, h.call("delete-error-jobs-by-category", gatewayEvent(admin, "DELETE", "/job/error/DEPENDENCY")), http.StatusNoContent)
	if r := h.call("count-error-jobs", gatewayEvent(admin, "GET", "/job/error/count", "Accept", "text/plain")); r.Body != "0" {
		t.Errorf("after the repeat, %s error jobs left", r.Body)
	}
}
