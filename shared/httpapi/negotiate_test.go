package httpapi_test

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

func TestAcceptChoosesTheTicketRepresentation(t *testing.T) {
	h := newHarness(t)
	tk := h.create(alice.AccountID, ticket.Complete, "")
	for _, c := range []struct{ accept, want string }{
		{"", "application/json"},
		{"*/*", "application/json"},
		{"application/*", "application/json"},
		{"application/json", "application/json"},
		{"application/xml", "application/xml"},
		{"application/json;q=0.5, application/xml", "application/xml"},
		{"application/xml;q=0.9, application/json", "application/json"},
		// Equal quality: the server's preference, JSON.
		{"application/xml, application/json", "application/json"},
		// The most specific range sets an offer's quality: XML is refused, JSON accepted.
		{"application/xml;q=0, */*", "application/json"},
		// text/xml is XML under its older name; a client asking for it alone gets it.
		{"text/xml", "text/xml"},
		{"text/*", "text/xml"},
		{"application/xml, text/xml", "application/xml"},
	} {
		r := h.call("get-job", gatewayEvent(alice, "GET", "/job/"+tk.ID, "Accept", c.accept))
		expectStatus(t, r, http.StatusOK)
		if got := r.header("Content-Type"); got != c.want {
			t.Errorf("Accept %q: Content-Type %q, want %q", c.accept, got, c.want)
		}
		if strings.HasSuffix(c.want, "xml") {
			var doc struct {
				XMLName  xml.Name `xml:"JobTicket"`
				TicketID string   `xml:"ticketId"`
			}
			if err := xml.Unmarshal([]byte(r.Body), &doc); err != nil || doc.TicketID != tk.ID {
				t.Errorf("Accept %q: not the ticket in XML (%v): %s", c.accept, err, r.Body)
			}
		} else if !strings.HasPrefix(r.Body, `{"JobTicket":`) {
			t.Errorf("Accept %q: not the ticket in JSON: %s", c.accept, r.Body)
		}
	}
}

func TestAcceptOfNothingTheRouteServesIs406(t *testing.T) {
	h := newHarness(t)
	tk := h.create(alice.AccountID, ticket.Complete, "")
	for _, accept := range []string{"text/html", "image/png, text/plain", "application/json;q=0, application/xml;q=0, text/xml;q=0"} {
		r := h.call("get-job", gatewayEvent(alice, "GET", "/job/"+tk.ID, "Accept", accept))
		p := expectProblem(t, r, http.StatusNotAcceptable)
		if !strings.Contains(p.Detail, "application/json") {
			t.Errorf("Accept %q: the problem does not say what the route serves: %q", accept, p.Detail)
		}
	}
	r := h.call("list-error-jobs", gatewayEvent(admin, "GET", "/job/error", "Accept", "text/csv"))
	expectProblem(t, r, http.StatusNotAcceptable)
}

func TestCountRoutesAnswerTextPlainOnly(t *testing.T) {
	h := newHarness(t)
	h.create(alice.AccountID, ticket.Error, ticket.Dependency)
	for _, accept := range []string{"", "text/plain", "text/*", "*/*", "application/json;q=0.1, text/plain"} {
		for _, c := range []struct{ route, target string }{
			{"count-error-jobs", "/job/error/count"},
			{"count-error-jobs-by-category", "/job/error/DEPENDENCY/count"},
			{"count-jobs-by-status", "/job/status/ERROR/count"},
		} {
			r := h.call(c.route, gatewayEvent(alice, "GET", c.target, "Accept", accept))
			expectStatus(t, r, http.StatusOK)
			if ct := r.header("Content-Type"); ct != "text/plain; charset=utf-8" || r.Body != "1" {
				t.Errorf("Accept %q, %s: %s", accept, c.target, r)
			}
		}
	}
	r := h.call("count-error-jobs", gatewayEvent(alice, "GET", "/job/error/count", "Accept", "application/json"))
	expectProblem(t, r, http.StatusNotAcceptable)
	// The client that asked for XML reads the problem in XML.
	r = h.call("count-error-jobs", gatewayEvent(alice, "GET", "/job/error/count", "Accept", "application/xml"))
	expectStatus(t, r, http.StatusNotAcceptable)
	if ct := r.header("Content-Type"); ct != "application/problem+xml" {
		t.Errorf("406 for an XML client: %s", r)
	}
}

func TestBodyInAMediaTypeTheAPICannotReadIs415(t *testing.T) {
	h := newHarness(t)
	timedOut := h.create(alice.AccountID, ticket.TimedOut, ticket.Dependency)
	for _, c := range []struct{ route, method, target, contentType, body string }{
		{"submit-action", "POST", "/action/createTenant", "text/csv", "domainId,name\n1,t"},
		{"submit-action", "POST", "/action/createTenant", "application/x-www-form-urlencoded", "domainId=1&name=t"},
		{"submit-action", "POST", "/action/createTenant", "application/json; charset", `{"JobTicket":{}}`},
		{"restart-job", "PUT", "/job/" + timedOut.ID, "text/plain", "restart"},
	} {
		e := gatewayEvent(alice, c.method, c.target, "Content-Type", c.contentType)
		e.Body = c.body
		p := expectProblem(t, h.call(c.route, e), http.StatusUnsupportedMediaType)
		if !strings.Contains(p.Detail, "application/json") {
			t.Errorf("%s: the problem does not say what the API reads: %q", c.contentType, p.Detail)
		}
	}
	if n, _ := h.tickets.Count(t.Context(), store.Query{Account: alice.AccountID}); n != 1 {
		t.Errorf("a refused body left tickets behind: %d, want the one created", n)
	}
	if got, _ := h.tickets.Get(t.Context(), timedOut.ID); got.Status != ticket.TimedOut {
		t.Errorf("a refused restart changed the ticket to %s", got.Status)
	}
}
