package outside_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/ticket"
)

// stack is an adapter talking to a simulator over real HTTP.
type stack struct {
	sim    *simulator.Simulator
	srv    *httptest.Server
	client *outside.Client
	keys   chan string // Idempotency-Key headers the simulator received
}

func newStack(t *testing.T, timeout time.Duration) *stack {
	t.Helper()
	st := &stack{sim: simulator.New(), keys: make(chan string, 1000)}
	st.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case st.keys <- r.Header.Get("Idempotency-Key"):
		default:
		}
		st.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		st.sim.Close()
		st.srv.Close()
	})
	st.client = outside.NewClient(outside.SimulatorConfig(st.srv.URL+"/_sim", timeout), nil)
	return st
}

func (st *stack) inject(t *testing.T, f simulator.Fault) {
	t.Helper()
	if _, err := st.sim.Inject(f); err != nil {
		t.Fatalf("inject %+v: %v", f, err)
	}
}

func TestCreatesAnswerIdsInTheSeedsShapes(t *testing.T) {
	st := newStack(t, 0)
	cases := []struct {
		op, key string
		shape   *regexp.Regexp
	}{
		{actions.CreateKmsDomain, actions.KeyKmsTenant, regexp.MustCompile(`^[1-9][0-9]{13}$`)},
		{actions.CreateKmsUser, actions.KeyKmsUser, regexp.MustCompile(`^[1-9][0-9]{13}$`)},
		{actions.CreateKmsUserKeys, actions.KeyKmsAccessKey, regexp.MustCompile(`^[A-Z0-9]{20}$`)},
		{actions.CreateSalesforceAccount, actions.KeySalesforceAccount, regexp.MustCompile(`^001[0-9A-Za-z]{15}$`)},
		{actions.CreateSalesforceContact, actions.KeySalesforceContact, regexp.MustCompile(`^003[0-9A-Za-z]{15}$`)},
		{actions.CreateZuoraDomainAccount, actions.KeyZuoraAccount, regexp.MustCompile(`^[0-9a-f]{32}$`)},
		{actions.CreateZuoraSubscription, actions.KeyZuoraSubscription, regexp.MustCompile(`^[0-9a-f]{32}$`)},
	}
	for _, c := range cases {
		t.Run(c.op, func(t *testing.T) {
			res, err := st.client.Invoke(context.Background(), c.op, "t1/"+c.op, map[string]string{"name": "acme"})
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			if !c.shape.MatchString(res[c.key]) {
				t.Fatalf("%s = %q, want %v (results %v)", c.key, res[c.key], c.shape, res)
			}
		})
	}
	if got := len(st.sim.Records(actions.KMS)); got != 3 {
		t.Errorf("KMS holds %d records, want 3", got)
	}
}

func TestRecordKeepsTheParamsSent(t *testing.T) {
	st := newStack(t, 0)
	params := map[string]string{"name": "acme", "emailAddress": "ops@acme.example"}
	res, err := st.client.Call(context.Background(), actions.CRM, actions.CreateSalesforceAccount, "t1/CreateSalesforceAccount", params)
	if err != nil {
		t.Fatal(err)
	}
	recs := st.sim.Records(actions.CRM)
	if len(recs) != 1 || recs[0].ID != res[actions.KeySalesforceAccount] || recs[0].Params["emailAddress"] != "ops@acme.example" ||
		recs[0].IdempotencyKey != "t1/CreateSalesforceAccount" {
		t.Fatalf("records %+v, want the account %s with its params and key", recs, res[actions.KeySalesforceAccount])
	}
}

func permanent(t *testing.T, err error) *outside.PermanentError {
	t.Helper()
	var pe *outside.PermanentError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T), want *outside.PermanentError", err, err)
	}
	if outside.IsTransient(err) {
		t.Fatalf("permanent error %v also reads as transient", err)
	}
	return pe
}

func transient(t *testing.T, err error) *outside.TransientError {
	t.Helper()
	var te *outside.TransientError
	if !errors.As(err, &te) {
		t.Fatalf("error %v (%T), want *outside.TransientError", err, err)
	}
	var pe *outside.PermanentError
	if errors.As(err, &pe) {
		t.Fatalf("transient error %v also reads as permanent", err)
	}
	return te
}

func TestPermanent409IsConflict(t *testing.T) {
	st := newStack(t, 0)
	st.inject(t, simulator.Fault{Operation: actions.CreateSalesforceAccount, Mode: simulator.Permanent,
		Status: 409, Message: "account name already exists"})
	_, err := st.client.Call(context.Background(), actions.CRM, actions.CreateSalesforceAccount, "t1/CreateSalesforceAccount", nil)
	pe := permanent(t, err)
	if pe.Category != ticket.Conflict || pe.Status != 409 || pe.System != actions.CRM || pe.Operation != actions.CreateSalesforceAccount {
		t.Fatalf("got %+v", pe)
	}
	if want := "CRM refused CreateSalesforceAccount: 409 Conflict: account name already exists"; err.Error() != want {
		t.Fatalf("message %q, want %q", err.Error(), want)
	}
	if outside.CategoryOf(fmt.Errorf("step: %w", err)) != ticket.Conflict {
		t.Fatalf("CategoryOf a wrapped 409 = %s, want CONFLICT", outside.CategoryOf(err))
	}
}

func TestPermanentStatusesCarryTheirCategory(t *testing.T) {
	cases := []struct {
		status int
		want   outside.Category
	}{
		{400, ticket.UserInput},
		{401, ticket.Auth},
		{403, ticket.Auth},
		{404, ticket.NotFound},
		{409, ticket.Conflict},
		{410, ticket.UserInput},
		{422, ticket.UserInput},
	}
	st := newStack(t, 0)
	for _, c := range cases {
		t.Run(fmt.Sprint(c.status), func(t *testing.T) {
			st.inject(t, simulator.Fault{Operation: actions.CreateKmsDomain, Mode: simulator.Permanent, Status: c.status})
			_, err := st.client.Call(context.Background(), actions.KMS, actions.CreateKmsDomain, "k", nil)
			pe := permanent(t, err)
			if pe.Category != c.want || pe.Status != c.status {
				t.Fatalf("got %s %d, want %s %d (%v)", pe.Category, pe.Status, c.want, c.status, err)
			}
			if outside.CategoryOf(err) != c.want {
				t.Fatalf("CategoryOf = %s, want %s", outside.CategoryOf(err), c.want)
			}
		})
	}
	if n := len(st.sim.Records(actions.KMS)); n != 0 {
		t.Fatalf("a refused create left %d records", n)
	}
}

func TestPermanentFaultWithoutStatusIs400UserInput(t *testing.T) {
	st := newStack(t, 0)
	st.inject(t, simulator.Fault{Operation: actions.CreateZuoraDomainAccount, Mode: simulator.Permanent})
	_, err := st.client.Invoke(context.Background(), actions.CreateZuoraDomainAccount, "k", nil)
	if pe := permanent(t, err); pe.Status != 400 || pe.Category != ticket.UserInput || pe.System != actions.Billing {
		t.Fatalf("got %+v", pe)
	}
}

func TestServerErrorsAnd429AreTransient(t *testing.T) {
	st := newStack(t, 0)
	for _, status := range []int{429, 500, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			st.inject(t, simulator.Fault{Operation: actions.CreateKmsUser, Mode: simulator.Transient, Status: status, Message: "down for maintenance"})
			_, err := st.client.Invoke(context.Background(), actions.CreateKmsUser, "k", nil)
			te := transient(t, err)
			if te.Status != status || te.Timeout || te.Category() != ticket.Dependency || outside.CategoryOf(err) != ticket.Dependency {
				t.Fatalf("got %+v", te)
			}
			want := fmt.Sprintf("KMS unavailable for CreateKmsUser: %d %s: down for maintenance", status, http.StatusText(status))
			if err.Error() != want {
				t.Fatalf("message %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestTransientFaultWithoutStatusIs503(t *testing.T) {
	st := newStack(t, 0)
	st.inject(t, simulator.Fault{Operation: actions.CreateKmsUser, Mode: simulator.Transient})
	_, err := st.client.Invoke(context.Background(), actions.CreateKmsUser, "k", nil)
	if te := transient(t, err); te.Status != 503 {
		t.Fatalf("got %+v", te)
	}
}

func TestClosedPortIsTransient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := outside.NewClient(outside.Config{CRM: outside.SystemConfig{BaseURL: "http://" + addr}}, nil)
	_, err = c.Call(context.Background(), actions.CRM, actions.CreateSalesforceContact, "k", nil)
	te := transient(t, err)
	if te.Status != 0 || te.Timeout || te.Err == nil || te.Category() != ticket.Dependency {
		t.Fatalf("got %+v", te)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Fatalf("error %v does not unwrap to the network error", err)
	}
}

func TestHangPastSystemTimeoutIsTransientTimeout(t *testing.T) {
	st := newStack(t, 50*time.Millisecond)
	st.inject(t, simulator.Fault{Operation: actions.CreateSalesforceAccount, Mode: simulator.Hang})
	_, err := st.client.Invoke(context.Background(), actions.CreateSalesforceAccount, "k", nil)
	te := transient(t, err)
	if !te.Timeout || te.Category() != ticket.Timeout || outside.CategoryOf(err) != ticket.Timeout {
		t.Fatalf("got %+v", te)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v does not wrap context.DeadlineExceeded", err)
	}
	if want := "CRM did not answer CreateSalesforceAccount in time: no answer within 50ms"; err.Error() != want {
		t.Fatalf("message %q, want %q", err.Error(), want)
	}
	if n := st.sim.Calls(actions.CreateSalesforceAccount); n != 1 {
		t.Fatalf("hung call counted %d times, want 1", n)
	}
	if n := len(st.sim.Records(actions.CRM)); n != 0 {
		t.Fatalf("a hung create left %d records", n)
	}
}

func TestHangPastCallerDeadlineIsTransientTimeout(t *testing.T) {
	st := newStack(t, time.Hour)
	st.inject(t, simulator.Fault{Operation: actions.CreateKmsDomain, Mode: simulator.Hang})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := st.client.Invoke(ctx, actions.CreateKmsDomain, "k", nil)
	if te := transient(t, err); !te.Timeout {
		t.Fatalf("got %+v", te)
	}
}

func TestCallerCancelIsTransientButNoTimeout(t *testing.T) {
	st := newStack(t, time.Hour)
	st.inject(t, simulator.Fault{Operation: actions.CreateKmsDomain, Mode: simulator.Hang})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := st.client.Invoke(ctx, actions.CreateKmsDomain, "k", nil)
		done <- err
	}()
	for st.sim.Calls(actions.CreateKmsDomain) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	err := <-done
	if te := transient(t, err); te.Timeout || !errors.Is(err, context.Canceled) || te.Category() != ticket.Dependency {
		t.Fatalf("got %+v", te)
	}
	if want := "KMS call CreateKmsDomain cancelled by the caller"; err.Error() != want {
		t.Fatalf("message %q, want %q", err.Error(), want)
	}
}

func TestExpiredCallerDeadlineIsTransientTimeout(t *testing.T) {
	st := newStack(t, 0)
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	_, err := st.client.Invoke(ctx, actions.CreateKmsDomain, "k", nil)
	if te := transient(t, err); !te.Timeout {
		t.Fatalf("got %+v", te)
	}
	if n := len(st.sim.Records(actions.KMS)); n != 0 {
		t.Fatalf("an expired call created %d records", n)
	}
}

func TestRedirectIsPermanentDependency(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login", http.StatusFound)
	}))
	defer srv.Close()
	c := outside.NewClient(outside.Config{Billing: outside.SystemConfig{BaseURL: srv.URL}}, nil)
	_, err := c.Invoke(context.Background(), actions.CreateZuoraSubscription, "k", nil)
	if pe := permanent(t, err); pe.Status != 302 || pe.Category != ticket.Dependency {
		t.Fatalf("got %+v", pe)
	}
}

func TestIdempotencyKeyIsSentAndHonoured(t *testing.T) {
	st := newStack(t, 0)
	params := map[string]string{"name": "acme"}
	first, err := st.client.Invoke(context.Background(), actions.CreateSalesforceAccount, "4e89f121318cd70066d68c31/CreateSalesforceAccount", params)
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.client.Invoke(context.Background(), actions.CreateSalesforceAccount, "4e89f121318cd70066d68c31/CreateSalesforceAccount", params)
	if err != nil {
		t.Fatal(err)
	}
	if first[actions.KeySalesforceAccount] != second[actions.KeySalesforceAccount] {
		t.Fatalf("repeat answered %v, first %v", second, first)
	}
	if n := len(st.sim.Records(actions.CRM)); n != 1 {
		t.Fatalf("two calls with one key made %d records, want 1", n)
	}
	if n := st.sim.Calls(actions.CreateSalesforceAccount); n != 2 {
		t.Fatalf("calls = %d, want 2", n)
	}
	for range 2 {
		if k := <-st.keys; k != "4e89f121318cd70066d68c31/CreateSalesforceAccount" {
			t.Fatalf("Idempotency-Key sent %q", k)
		}
	}
	other, err := st.client.Invoke(context.Background(), actions.CreateSalesforceAccount, "another/CreateSalesforceAccount", params)
	if err != nil {
		t.Fatal(err)
	}
	if other[actions.KeySalesforceAccount] == first[actions.KeySalesforceAccount] || len(st.sim.Records(actions.CRM)) != 2 {
		t.Fatalf("another key did not create another account")
	}
}

func TestKeyReusedWithOtherParamsIsUserInput(t *testing.T) {
	st := newStack(t, 0)
	if _, err := st.client.Invoke(context.Background(), actions.CreateKmsDomain, "t/CreateKmsDomain", map[string]string{"name": "a"}); err != nil {
		t.Fatal(err)
	}
	_, err := st.client.Invoke(context.Background(), actions.CreateKmsDomain, "t/CreateKmsDomain", map[string]string{"name": "b"})
	if pe := permanent(t, err); pe.Status != 422 || pe.Category != ticket.UserInput {
		t.Fatalf("got %+v", pe)
	}
}

func TestCompensationDeletesTheRecordItNames(t *testing.T) {
	st := newStack(t, 0)
	ctx := context.Background()
	keep, err := st.client.Invoke(ctx, actions.CreateZuoraDomainAccount, "t1/CreateZuoraDomainAccount", nil)
	if err != nil {
		t.Fatal(err)
	}
	gone, err := st.client.Invoke(ctx, actions.CreateZuoraDomainAccount, "t2/CreateZuoraDomainAccount", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.client.Invoke(ctx, actions.DeleteZuoraDomainAccount, "t2/DeleteZuoraDomainAccount", gone); err != nil {
		t.Fatalf("compensation: %v", err)
	}
	recs := st.sim.Records(actions.Billing)
	if len(recs) != 1 || recs[0].ID != keep[actions.KeyZuoraAccount] {
		t.Fatalf("billing holds %+v, want only %s", recs, keep[actions.KeyZuoraAccount])
	}
	// A retried compensation (same key) replays its success; a fresh one finds nothing.
	if _, err := st.client.Invoke(ctx, actions.DeleteZuoraDomainAccount, "t2/DeleteZuoraDomainAccount", gone); err != nil {
		t.Fatalf("retried compensation: %v", err)
	}
	_, err = st.client.Invoke(ctx, actions.DeleteZuoraDomainAccount, "t3/DeleteZuoraDomainAccount", gone)
	if pe := permanent(t, err); pe.Category != ticket.NotFound {
		t.Fatalf("got %+v", pe)
	}
}

func TestEveryCompensationUndoesItsCreate(t *testing.T) {
	st := newStack(t, 0)
	ctx := context.Background()
	pairs := [][2]string{
		{actions.CreateKmsDomain, actions.DeleteKmsDomain},
		{actions.CreateKmsUser, actions.DeleteKmsUser},
		{actions.CreateKmsUserKeys, actions.DeleteKmsUserKeys},
		{actions.CreateSalesforceAccount, actions.DeleteSalesforceAccount},
		{actions.CreateSalesforceContact, actions.DeleteSalesforceContact},
		{actions.CreateZuoraDomainAccount, actions.DeleteZuoraDomainAccount},
		{actions.CreateZuoraSubscription, actions.DeleteZuoraSubscription},
	}
	for _, p := range pairs {
		res, err := st.client.Invoke(ctx, p[0], "t/"+p[0], nil)
		if err != nil {
			t.Fatalf("%s: %v", p[0], err)
		}
		if _, err := st.client.Invoke(ctx, p[1], "t/"+p[1], res); err != nil {
			t.Fatalf("%s with %v: %v", p[1], res, err)
		}
	}
	for _, sys := range outside.Systems {
		if recs := st.sim.Records(sys); len(recs) != 0 {
			t.Errorf("%s still holds %+v", sys, recs)
		}
	}
}

func TestCompensationWithoutItsParamIsUserInput(t *testing.T) {
	st := newStack(t, 0)
	_, err := st.client.Invoke(context.Background(), actions.DeleteKmsDomain, "t/DeleteKmsDomain", nil)
	if pe := permanent(t, err); pe.Category != ticket.UserInput || pe.Message != `missing required param "KMS_TENANT"` {
		t.Fatalf("got %+v", pe)
	}
}

func TestSetZuoraAccountStateIsUndoneWithPreviousState(t *testing.T) {
	st := newStack(t, 0)
	ctx := context.Background()
	acct, err := st.client.Invoke(ctx, actions.CreateZuoraDomainAccount, "t1/CreateZuoraDomainAccount", nil)
	if err != nil {
		t.Fatal(err)
	}
	id := acct[actions.KeyZuoraAccount]
	res, err := st.client.Invoke(ctx, actions.SetZuoraAccountState, "t2/SetZuoraAccountState",
		map[string]string{actions.KeyZuoraAccount: id, outside.KeyState: "suspended"})
	if err != nil {
		t.Fatal(err)
	}
	if res[outside.KeyState] != "suspended" || res[outside.KeyPreviousState] != "enabled" {
		t.Fatalf("answer %v", res)
	}
	if _, err := st.client.Invoke(ctx, actions.SetZuoraAccountState, "t2/UndoSetZuoraAccountState",
		map[string]string{actions.KeyZuoraAccount: id, outside.KeyState: res[outside.KeyPreviousState]}); err != nil {
		t.Fatal(err)
	}
	if recs := st.sim.Records(actions.Billing); recs[0].State != "enabled" {
		t.Fatalf("state after undo %q, want enabled", recs[0].State)
	}
	_, err = st.client.Invoke(ctx, actions.SetZuoraAccountState, "t3/SetZuoraAccountState",
		map[string]string{actions.KeyZuoraAccount: id, outside.KeyState: "sleepy"})
	if pe := permanent(t, err); pe.Category != ticket.UserInput {
		t.Fatalf("got %+v", pe)
	}
}

func TestTransientTimesCountsDownThenCallsSucceed(t *testing.T) {
	st := newStack(t, 0)
	st.inject(t, simulator.Fault{Operation: actions.CreateZuoraSubscription, Mode: simulator.Transient, Times: 2})
	key := "t1/CreateZuoraSubscription"
	for i := range 2 {
		_, err := st.client.Invoke(context.Background(), actions.CreateZuoraSubscription, key, nil)
		if te := transient(t, err); te.Status != 503 {
			t.Fatalf("call %d: %+v", i+1, te)
		}
	}
	res, err := st.client.Invoke(context.Background(), actions.CreateZuoraSubscription, key, nil)
	if err != nil {
		t.Fatalf("third call: %v", err)
	}
	if res[actions.KeyZuoraSubscription] == "" {
		t.Fatalf("answer %v", res)
	}
	if n := st.sim.Calls(actions.CreateZuoraSubscription); n != 3 {
		t.Fatalf("calls = %d, want 3 (faulted calls count)", n)
	}
	if n := len(st.sim.Records(actions.Billing)); n != 1 {
		t.Fatalf("records = %d, want 1", n)
	}
	if f := st.sim.Faults(); len(f) != 0 {
		t.Fatalf("spent fault still in force: %+v", f)
	}
}

func TestClearedPermanentFaultLetsTheSameKeyRun(t *testing.T) {
	st := newStack(t, 0)
	st.inject(t, simulator.Fault{Operation: actions.CreateKmsUserKeys, Mode: simulator.Permanent, Status: 403})
	key := "t1/CreateKmsUserKeys"
	if _, err := st.client.Invoke(context.Background(), actions.CreateKmsUserKeys, key, nil); permanent(t, err).Category != ticket.Auth {
		t.Fatalf("want AUTH, got %v", err)
	}
	st.sim.ClearFaults()
	if _, err := st.client.Invoke(context.Background(), actions.CreateKmsUserKeys, key, nil); err != nil {
		t.Fatalf("after clearing: %v", err)
	}
}

func TestConcurrentCallsCreateOncePerKey(t *testing.T) {
	st := newStack(t, 0)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Go(func() {
			_, err := st.client.Invoke(context.Background(), actions.CreateKmsDomain, fmt.Sprintf("t%d/CreateKmsDomain", i%100), nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(st.sim.Records(actions.KMS)); n != 100 {
		t.Fatalf("records = %d, want 100", n)
	}
	if n := st.sim.Calls(actions.CreateKmsDomain); n != 200 {
		t.Fatalf("calls = %d, want 200", n)
	}
}

func TestUnconfiguredSystemIsInternal(t *testing.T) {
	c := outside.NewClient(outside.Config{}, nil)
	_, err := c.Invoke(context.Background(), actions.CreateKmsDomain, "k", nil)
	if !errors.Is(err, outside.ErrNotConfigured) || outside.CategoryOf(err) != ticket.Internal {
		t.Fatalf("got %v", err)
	}
	if _, err := c.Invoke(context.Background(), "LaunchRocket", "k", nil); err == nil || outside.CategoryOf(err) != ticket.Internal {
		t.Fatalf("unknown operation: %v", err)
	}
}

func TestUnreadableSuccessIsTransient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>gateway login</html>"))
	}))
	defer srv.Close()
	c := outside.NewClient(outside.Config{CRM: outside.SystemConfig{BaseURL: srv.URL}}, nil)
	_, err := c.Call(context.Background(), actions.CRM, actions.CreateSalesforceAccount, "k", nil)
	if te := transient(t, err); te.Status != 200 {
		t.Fatalf("got %+v", te)
	}
}

func TestErrorMessagesComeFromPlainTextAndJSONBodies(t *testing.T) {
	cases := []struct {
		contentType, body, want string
	}{
		{"text/plain", "bad\ncredentials", "bad credentials"},
		{"application/json", `{"message":"token expired"}`, "token expired"},
		{"application/json", `{"error":{"message":"quota"}}`, "quota"},
		{"application/problem+json", `{"title":"Forbidden"}`, "Forbidden"},
		{"application/octet-stream", "\x00\x01", ""},
	}
	for _, c := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", c.contentType)
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(c.body))
		}))
		cl := outside.NewClient(outside.Config{KMS: outside.SystemConfig{BaseURL: srv.URL}}, nil)
		_, err := cl.Call(context.Background(), actions.KMS, actions.CreateKmsUser, "k", nil)
		srv.Close()
		if pe := permanent(t, err); pe.Message != c.want || pe.Category != ticket.Auth {
			t.Errorf("%s %q: message %q category %s, want %q AUTH", c.contentType, c.body, pe.Message, pe.Category, c.want)
		}
	}
}

func TestRequestIsAJSONPostToBaseSlashOperation(t *testing.T) {
	type seen struct{ method, path, contentType, body string }
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 100)
		n, _ := r.Body.Read(b)
		got <- seen{r.Method, r.URL.Path, r.Header.Get("Content-Type"), string(b[:n])}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"SALESFORCE_ACCOUNT":"001V0000003cerDIAQ","count":3,"gone":null}`))
	}))
	defer srv.Close()
	c := outside.NewClient(outside.Config{CRM: outside.SystemConfig{BaseURL: srv.URL + "/api/"}}, nil)
	res, err := c.Call(context.Background(), actions.CRM, actions.CreateSalesforceAccount, "k", map[string]string{"name": "acme"})
	if err != nil {
		t.Fatal(err)
	}
	s := <-got
	if s.method != "POST" || s.path != "/api/CreateSalesforceAccount" || s.contentType != "application/json" || s.body != `{"name":"acme"}` {
		t.Fatalf("request %+v", s)
	}
	if len(res) != 2 || res["SALESFORCE_ACCOUNT"] != "001V0000003cerDIAQ" || res["count"] != "3" {
		t.Fatalf("results %v", res)
	}
}

func TestSetZuoraAccountStateWhoseAnswerWasLostIsSetBackByItsKey(t *testing.T) {
	st := newStack(t, 0)
	ctx := context.Background()
	acct, err := st.client.Invoke(ctx, actions.CreateZuoraDomainAccount, "t1/CreateZuoraDomainAccount", nil)
	if err != nil {
		t.Fatal(err)
	}
	id := acct[actions.KeyZuoraAccount]
	if _, err := st.sim.Inject(simulator.Fault{Operation: actions.SetZuoraAccountState, Mode: simulator.ApplyThenFail, Status: 500, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.client.Invoke(ctx, actions.SetZuoraAccountState, "t2/SetZuoraAccountState",
		map[string]string{actions.KeyZuoraAccount: id, outside.KeyState: "suspended"}); err == nil {
		t.Fatal("the faulted call answered")
	}
	if recs := st.sim.Records(actions.Billing); recs[0].State != "suspended" {
		t.Fatalf("the faulted call did not apply: %q", recs[0].State)
	}
	undo := map[string]string{outside.KeyChangedUnder: "t2/SetZuoraAccountState"}
	if _, err := st.client.Invoke(ctx, actions.SetZuoraAccountState, "t2/UndoSetZuoraAccountState", undo); err != nil {
		t.Fatal(err)
	}
	if recs := st.sim.Records(actions.Billing); recs[0].State != "enabled" {
		t.Fatalf("state after undo %q, want enabled", recs[0].State)
	}
	// Nothing changed under a key: NOT_FOUND, which a compensation counts as nothing to undo.
	_, err = st.client.Invoke(ctx, actions.SetZuoraAccountState, "t3/UndoSetZuoraAccountState",
		map[string]string{outside.KeyChangedUnder: "t3/SetZuoraAccountState"})
	if pe := permanent(t, err); pe.Category != ticket.NotFound {
		t.Fatalf("got %+v", pe)
	}
}
