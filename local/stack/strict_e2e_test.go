package stack_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/actionservice/actionservice/shared/ticket"
)

// adminTickets counts the tickets of the admin's account.
func adminTickets(t *testing.T, e *e2e) int {
	t.Helper()
	return len(tickets(t, e.get("/job?accountId="+e.stack.AdminAccount+"&limit=1000")))
}

func TestMalformedBodiesAre400AndStoreNothing(t *testing.T) {
	e := startActions(t, true)
	jsonType := map[string]string{"Content-Type": "application/json"}
	xmlType := map[string]string{"Content-Type": "application/xml"}
	entry := "<entry><key>name</key><value>D</value></entry>"
	for name, c := range map[string]struct {
		header map[string]string
		body   string
	}{
		"JSON duplicate key":         {jsonType, `{"JobTicket":{"actionParams":{"name":"a","name":"b"}}}`},
		"JSON envelope in lowercase": {jsonType, `{"jobticket":{"actionParams":{"name":"a"}}}`},
		"JSON field in uppercase":    {jsonType, `{"JobTicket":{"ACTIONPARAMS":{"name":"a"}}}`},
		"JSON invalid UTF-8":         {jsonType, "{\"JobTicket\":{\"actionParams\":{\"name\":\"\xff\"}}}"},
		"JSON trailing data":         {jsonType, `{"JobTicket":{"actionParams":{"name":"a"}}}{}`},
		"XML DTD":                    {xmlType, `<!DOCTYPE JobTicket [<!ENTITY e "D">]><JobTicket><actionParams>` + entry + `</actionParams></JobTicket>`},
		"XML trailing content":       {xmlType, `<JobTicket><actionParams>` + entry + `</actionParams></JobTicket><JobTicket/>`},
		"XML duplicate key":          {xmlType, `<JobTicket><actionParams>` + entry + entry + `</actionParams></JobTicket>`},
	} {
		t.Run(name, func(t *testing.T) {
			before := adminTickets(t, e)
			r := e.doMalformed("POST", "/action/createDomain", e.stack.AdminToken, c.header, c.body)
			expectProblem(t, r, http.StatusBadRequest)
			if after := adminTickets(t, e); after != before {
				t.Errorf("a malformed body stored a ticket: %d → %d", before, after)
			}
		})
	}
}

func TestParameterValuesWithControlCharactersOrOverLongCreateNothing(t *testing.T) {
	e := startActions(t, true)
	for name, value := range map[string]string{
		"NUL": "Dom\x00A", "CR LF": "Dom\r\nSet-Cookie: x", "DEL": "Dom\x7f", "C1": "Dom\u0085", "256 characters": strings.Repeat("d", 256),
	} {
		t.Run(name, func(t *testing.T) {
			before := outsideRecords(e)
			j := e.submit("createDomain", map[string]string{"name": value}, 20000)
			if j.Status != "ERROR" || j.ErrorCategory != string(ticket.UserInput) || !strings.HasPrefix(j.ErrorDescription, "Invalid parameter [name]") {
				t.Errorf("%s %s %q", j.Status, j.ErrorCategory, j.ErrorDescription)
			}
			for step, s := range j.StepStatus {
				if s != string(ticket.StepPending) {
					t.Errorf("step %s ran (%s)", step, s)
				}
			}
			if n := outsideRecords(e); n != before {
				t.Errorf("the outside systems changed: %d → %d records", before, n)
			}
			if ok, err := e.stack.Identity.DomainNameExists(t.Context(), value); ok || err != nil {
				t.Errorf("a domain was made with the value (%v)", err)
			}
		})
	}
}

func TestMalformedPathsAreProblemDocumentsNeverRedirectsOr5xx(t *testing.T) {
	e := start(t)
	for path, want := range map[string]int{
		"/job/%00":             http.StatusBadRequest,
		"/job/%0d%0aX:%20y":    http.StatusBadRequest,
		"/job/..%2F..%2Fetc":   http.StatusNotFound,
		"/job/../job":          http.StatusNotFound,
		"/job/./error":         http.StatusNotFound,
		"//job":                http.StatusNotFound,
		"/job//error":          http.StatusNotFound,
		"/job/":                http.StatusNotFound,
		"/job/error/%ff/count": http.StatusBadRequest,
	} {
		t.Run(path, func(t *testing.T) {
			r := e.doMalformed("GET", path, e.stack.AdminToken, nil, "")
			expectProblem(t, r, want)
			if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
		})
	}
}

func TestEveryAnswerSaysNosniff(t *testing.T) {
	e := start(t)
	for name, r := range map[string]response{
		"a list":              e.get("/job"),
		"a count":             e.get("/job/error/count"),
		"a route's problem":   e.getMalformed("/job/error?limit=0"),
		"the gateway's 401":   e.do("GET", "/job", "", nil, ""),
		"the gateway's 404":   e.get("/nothing"),
		"the catalogue (XML)": e.do("GET", "/action", e.stack.AdminToken, map[string]string{"Accept": "application/xml"}, ""),
	} {
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q (status %d)", name, got, r.status)
		}
	}
}

func TestMoreThanOneXAuthTokenIs401(t *testing.T) {
	e := start(t)
	req, err := http.NewRequest("GET", e.stack.URL+"/job", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Add("X-Auth-Token", e.stack.AdminToken)
	req.Header.Add("X-Auth-Token", "ast_someone_else")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", resp.StatusCode)
	}
}
