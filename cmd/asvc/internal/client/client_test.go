package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/actionservice/actionservice/cmd/asvc/internal/client"
)

// flaky is an API whose first drops requests lose their connection before any answer, as a
// network failure would; the later ones get answer.
type flaky struct {
	mu     sync.Mutex
	drops  int
	seen   []*http.Request
	answer func(w http.ResponseWriter, r *http.Request)
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r.Clone(context.Background()))
	drop := f.drops > 0
	f.drops--
	f.mu.Unlock()
	if drop {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return
	}
	f.answer(w, r)
}

func (f *flaky) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.seen)
}

const ticketDoc = `{"JobTicket":{"ticketId":"T1","action":"createDomain","status":"PENDING","stepStatus":{},"actionParams":{},"actionResults":{}}}`

func serve(t *testing.T, f *flaky, path string) *client.Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL+path, "tok")
	if err != nil {
		t.Fatal(err)
	}
	c.Backoff = time.Millisecond
	return c
}

func answerTicket(status int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(ticketDoc))
	}
}

func TestAReadWhoseConnectionDropsIsRetriedWithBackoff(t *testing.T) {
	f := &flaky{drops: 2, answer: answerTicket(200)}
	c := serve(t, f, "")
	v, err := c.Job(context.Background(), "T1")
	if err != nil || v.TicketID != "T1" {
		t.Fatalf("Job: %v, %+v", err, v)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests; want 2 dropped and 1 answered", n)
	}
}

func TestRetriesStopAfterTheAttemptsAndReportTheNetworkError(t *testing.T) {
	f := &flaky{drops: 10, answer: answerTicket(200)}
	c := serve(t, f, "")
	c.Attempts = 3
	_, err := c.Job(context.Background(), "T1")
	var p *client.Problem
	if err == nil || errors.As(err, &p) {
		t.Fatalf("err %v; want the network error", err)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests; want 3 attempts", n)
	}
}

func TestASubmitIsRetriedUnderTheSameIdempotencyKey(t *testing.T) {
	f := &flaky{drops: 1, answer: answerTicket(201)}
	c := serve(t, f, "")
	if _, err := c.Submit(context.Background(), "createDomain", client.Submission{Params: map[string]string{"name": "Acme"}}); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests; want the lost one and its repeat", len(reqs))
	}
	k1, k2 := reqs[0].Header.Get("Idempotency-Key"), reqs[1].Header.Get("Idempotency-Key")
	if k1 == "" || k1 != k2 {
		t.Errorf("Idempotency-Keys %q and %q; want one key, sent twice", k1, k2)
	}
}

func TestARestartIsNeverRetried(t *testing.T) {
	f := &flaky{drops: 1, answer: answerTicket(200)}
	c := serve(t, f, "")
	if _, err := c.Restart(context.Background(), "T1"); err == nil {
		t.Fatal("a restart whose answer was lost reported success")
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests; a restart that applied answers a repeat with 409, so it is sent once", n)
	}
}

func TestAnUnavailableServiceIsRetriedButAnyOtherProblemIsFinal(t *testing.T) {
	for status, want := range map[int]int{503: 4, 502: 4, 500: 1, 409: 1} {
		f := &flaky{answer: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"type":"urn:x","title":"` + http.StatusText(status) + `","status":` + strconv.Itoa(status) + `}`))
		}}
		c := serve(t, f, "")
		if _, err := c.Job(context.Background(), "T1"); err == nil {
			t.Errorf("%d: no error", status)
		}
		if n := len(f.requests()); n != want {
			t.Errorf("%d: %d requests; want %d", status, n, want)
		}
	}
}

func TestAnAnswerFromBeforeTheAPIReadsAsAProblemWithTheGatewaysRequestID(t *testing.T) {
	f := &flaky{answer: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-RequestId", "abc-123")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"message":"User is not authorized to access this resource with an explicit deny"}`))
	}}
	c := serve(t, f, "")
	_, err := c.Job(context.Background(), "T1")
	want := "403 Forbidden: User is not authorized to access this resource with an explicit deny (request id abc-123)"
	if err == nil || err.Error() != want {
		t.Errorf("err %v; want %s", err, want)
	}
}

func TestPagesFollowTheLinkUnderTheEndpointsStage(t *testing.T) {
	f := &flaky{}
	f.answer = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("marker") == "" {
			w.Header().Set("Link", `</dev/job/status/ERROR?limit=1&marker=T1>; rel="next"`)
			_, _ = w.Write([]byte(`{"TicketList":{"Tickets":[{"ticketId":"T1"}]}}`))
			return
		}
		_, _ = w.Write([]byte(`{"TicketList":{"Tickets":[{"ticketId":"T2"}]}}`))
	}
	c := serve(t, f, "/dev/")
	p, err := c.Jobs(context.Background(), client.Filter{Status: "ERROR"}, client.Paging{Limit: 1})
	if err != nil || p.Next == "" {
		t.Fatalf("first page: %v, %+v", err, p)
	}
	p, err = c.NextJobs(context.Background(), p.Next)
	if err != nil || len(p.Tickets) != 1 || p.Tickets[0].TicketID != "T2" || p.Next != "" {
		t.Fatalf("second page: %v, %+v", err, p)
	}
	var paths []string
	for _, r := range f.requests() {
		paths = append(paths, r.URL.RequestURI())
		if r.Header.Get("X-Auth-Token") != "tok" {
			t.Errorf("%s without the token", r.URL)
		}
	}
	if want := []string{"/dev/job/status/ERROR?limit=1", "/dev/job/status/ERROR?limit=1&marker=T1"}; !slices.Equal(paths, want) {
		t.Errorf("requests %v; want %v", paths, want)
	}
}

func TestALinkToAnotherOriginIsNotFollowedSoTheTokenStaysHome(t *testing.T) {
	other := &flaky{answer: answerTicket(200)}
	elsewhere := httptest.NewServer(other)
	t.Cleanup(elsewhere.Close)
	f := &flaky{answer: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Link", "<"+elsewhere.URL+"/job/error?marker=T1>; rel=\"next\"")
		_, _ = w.Write([]byte(`{"TicketList":{"Tickets":[{"ticketId":"T1"}]}}`))
	}}
	c := serve(t, f, "")
	p, err := c.Jobs(context.Background(), client.Filter{Errors: true}, client.Paging{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.NextJobs(context.Background(), p.Next); err == nil {
		t.Error("followed a Link to another origin")
	}
	if n := len(other.requests()); n != 0 {
		t.Errorf("%d requests reached the other origin", n)
	}
}

func TestAnIDIsOnePathSegmentWhateverItHolds(t *testing.T) {
	f := &flaky{answer: answerTicket(200)}
	c := serve(t, f, "/dev")
	if _, err := c.Job(context.Background(), "a/b c"); err != nil {
		t.Fatal(err)
	}
	if got := f.requests()[0].URL.EscapedPath(); got != "/dev/job/a%2Fb%20c" {
		t.Errorf("path %s", got)
	}
}

func TestABulkDeleteIsRepeatedWhileTheAPISaysMoreRemain(t *testing.T) {
	f := &flaky{}
	f.answer = func(w http.ResponseWriter, _ *http.Request) {
		if len(f.requests()) < 3 {
			w.Header().Set("Retry-After", "0")
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"title":"Service Unavailable","status":503,"detail":"deleted 100 USER_INPUT error jobs before this request's time ran out; more remain: repeat the request"}`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	c := serve(t, f, "")
	c.Attempts = 1
	if err := c.DeleteErrors(context.Background(), "USER_INPUT"); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 3 || reqs[2].Method != http.MethodDelete || reqs[2].URL.Path != "/job/error/USER_INPUT" {
		t.Errorf("%d requests; want two partial deletes and the last", len(reqs))
	}
}

func TestAnOutageIsNoReasonToRepeatABulkDeleteForever(t *testing.T) {
	f := &flaky{answer: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"title":"Service Unavailable","status":503,"detail":"the ticket store is unavailable"}`))
	}}
	c := serve(t, f, "")
	if err := c.DeleteErrors(context.Background(), "USER_INPUT"); err == nil {
		t.Fatal("no error")
	}
	if n := len(f.requests()); n != 4 {
		t.Errorf("%d requests; want the 4 attempts of one call", n)
	}
}
