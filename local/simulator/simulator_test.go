package simulator_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/outside"
)

func newServer(t *testing.T) (*simulator.Simulator, *httptest.Server) {
	t.Helper()
	sim := simulator.New()
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		srv.Close()
	})
	return sim, srv
}

func do(t *testing.T, method, url, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

// checkProblem asserts an RFC 9457 problem document with the given status.
func checkProblem(t *testing.T, resp *http.Response, data []byte, status int) map[string]any {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d (%s)", resp.StatusCode, status, data)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("body %s: %v", data, err)
	}
	for _, f := range []string{"type", "title", "status", "detail", "instance"} {
		if _, ok := doc[f]; !ok {
			t.Fatalf("problem %s lacks %q", data, f)
		}
	}
	if doc["status"] != float64(status) || doc["title"] != http.StatusText(status) {
		t.Fatalf("problem %s: status/title disagree with %d", data, status)
	}
	return doc
}

func TestPostFaultAnswers201WithTheFaultAndItsDefaults(t *testing.T) {
	sim, srv := newServer(t)
	cases := []struct{ body, want string }{
		{`{"operation":"CreateSalesforceAccount","mode":"permanent","status":409}`,
			`{"operation":"CreateSalesforceAccount","mode":"permanent","status":409}`},
		{`{"operation":"CreateKmsDomain","mode":"permanent"}`,
			`{"operation":"CreateKmsDomain","mode":"permanent","status":400}`},
		{`{"operation":"CreateZuoraDomainAccount","mode":"transient","times":2}`,
			`{"operation":"CreateZuoraDomainAccount","mode":"transient","status":503,"times":2}`},
		{`{"operation":"DeleteKmsUser","mode":"hang"}`,
			`{"operation":"DeleteKmsUser","mode":"hang"}`},
	}
	for _, c := range cases {
		resp, data := do(t, "POST", srv.URL+"/_sim/faults", c.body)
		if resp.StatusCode != 201 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %s", c.body, resp.StatusCode, data)
		}
		if got := strings.TrimSpace(string(data)); got != c.want {
			t.Fatalf("%s answered %s, want %s", c.body, got, c.want)
		}
	}
	if n := len(sim.Faults()); n != 4 {
		t.Fatalf("%d faults in force, want 4", n)
	}
	resp, data := do(t, "GET", srv.URL+"/_sim/faults", "")
	if resp.StatusCode != 200 || !strings.Contains(string(data), `"CreateSalesforceAccount"`) {
		t.Fatalf("GET faults: %d %s", resp.StatusCode, data)
	}
}

func TestPostFaultWithBadBodyIs400Problem(t *testing.T) {
	sim, srv := newServer(t)
	for name, body := range map[string]string{
		"not JSON":               `operation=CreateKmsDomain`,
		"empty":                  ``,
		"unknown field":          `{"operation":"CreateKmsDomain","mode":"permanent","colour":"red"}`,
		"two objects":            `{"operation":"CreateKmsDomain","mode":"hang"}{}`,
		"status not a number":    `{"operation":"CreateKmsDomain","mode":"permanent","status":"409"}`,
		"missing operation":      `{"mode":"permanent"}`,
		"unknown operation":      `{"operation":"LaunchRocket","mode":"permanent"}`,
		"missing mode":           `{"operation":"CreateKmsDomain"}`,
		"unknown mode":           `{"operation":"CreateKmsDomain","mode":"flaky"}`,
		"permanent with 5xx":     `{"operation":"CreateKmsDomain","mode":"permanent","status":503}`,
		"permanent with 429":     `{"operation":"CreateKmsDomain","mode":"permanent","status":429}`,
		"transient with 4xx":     `{"operation":"CreateKmsDomain","mode":"transient","status":404}`,
		"negative times":         `{"operation":"CreateKmsDomain","mode":"transient","times":-1}`,
		"hang with status":       `{"operation":"CreateKmsDomain","mode":"hang","status":504}`,
		"permanent with success": `{"operation":"CreateKmsDomain","mode":"permanent","status":200}`,
	} {
		t.Run(name, func(t *testing.T) {
			resp, data := do(t, "POST", srv.URL+"/_sim/faults", body)
			doc := checkProblem(t, resp, data, 400)
			if doc["instance"] != "/_sim/faults" || doc["detail"] == "" {
				t.Fatalf("problem %s", data)
			}
		})
	}
	if n := len(sim.Faults()); n != 0 {
		t.Fatalf("bad bodies left %d faults", n)
	}
}

func TestDeleteFaultsClearsEveryFaultWith204(t *testing.T) {
	sim, srv := newServer(t)
	sim.Inject(simulator.Fault{Operation: actions.CreateKmsDomain, Mode: simulator.Permanent})
	sim.Inject(simulator.Fault{Operation: actions.CreateKmsUser, Mode: simulator.Transient})
	resp, data := do(t, "DELETE", srv.URL+"/_sim/faults", "")
	if resp.StatusCode != 204 || len(data) != 0 {
		t.Fatalf("DELETE faults: %d %q", resp.StatusCode, data)
	}
	resp, data = do(t, "POST", srv.URL+"/_sim/kms/CreateKmsDomain", `{}`)
	if resp.StatusCode != 200 {
		t.Fatalf("call after clearing: %d %s", resp.StatusCode, data)
	}
}

func TestGetStateShowsRecordsPerSystemAndCallsPerOperation(t *testing.T) {
	sim, srv := newServer(t)
	do(t, "POST", srv.URL+"/_sim/crm/CreateSalesforceAccount", `{"name":"acme"}`)
	sim.Inject(simulator.Fault{Operation: actions.CreateKmsDomain, Mode: simulator.Transient})
	do(t, "POST", srv.URL+"/_sim/kms/CreateKmsDomain", `{}`)

	resp, data := do(t, "GET", srv.URL+"/_sim/state", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET state: %d %s", resp.StatusCode, data)
	}
	var st simulator.State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	crm := st.Records[actions.CRM]
	if len(crm) != 1 || crm[0].Kind != "account" || crm[0].Params["name"] != "acme" || !strings.HasPrefix(crm[0].ID, "001") {
		t.Fatalf("crm records %+v", crm)
	}
	if len(st.Records[actions.KMS]) != 0 || st.Records[actions.Billing] == nil {
		t.Fatalf("records %+v", st.Records)
	}
	if st.Calls[actions.CreateSalesforceAccount] != 1 || st.Calls[actions.CreateKmsDomain] != 1 || st.Calls[actions.DeleteKmsDomain] != 0 {
		t.Fatalf("calls %v", st.Calls)
	}
	if len(st.Calls) != len(outside.Operations()) {
		t.Fatalf("calls lists %d operations, want all %d", len(st.Calls), len(outside.Operations()))
	}
	if len(st.Faults) != 1 || st.Faults[0].Operation != actions.CreateKmsDomain {
		t.Fatalf("faults %+v", st.Faults)
	}
}

func TestDeleteStateForgetsEverything(t *testing.T) {
	sim, srv := newServer(t)
	do(t, "POST", srv.URL+"/_sim/billing/CreateZuoraDomainAccount", `{}`)
	sim.Inject(simulator.Fault{Operation: actions.CreateKmsDomain, Mode: simulator.Hang})
	if resp, _ := do(t, "DELETE", srv.URL+"/_sim/state", ""); resp.StatusCode != 204 {
		t.Fatalf("DELETE state: %d", resp.StatusCode)
	}
	if len(sim.Records(actions.Billing)) != 0 || sim.Calls(actions.CreateZuoraDomainAccount) != 0 || len(sim.Faults()) != 0 {
		t.Fatal("reset left state behind")
	}
}

func TestUnknownSystemOrOperationIs404Problem(t *testing.T) {
	_, srv := newServer(t)
	for _, path := range []string{
		"/_sim/erp/CreateKmsDomain",
		"/_sim/kms/LaunchRocket",
		"/_sim/crm/CreateKmsDomain", // an operation of another system
	} {
		resp, data := do(t, "POST", srv.URL+path, `{}`)
		if doc := checkProblem(t, resp, data, 404); doc["instance"] != path {
			t.Fatalf("%s: %s", path, data)
		}
	}
	resp, data := do(t, "GET", srv.URL+"/_sim/nothing/here/at/all", "")
	checkProblem(t, resp, data, 404)
}

func TestWrongMethodIs405ProblemWithAllow(t *testing.T) {
	_, srv := newServer(t)
	for path, allow := range map[string]string{
		"/_sim/faults":              "GET, POST, DELETE",
		"/_sim/state":               "GET, DELETE",
		"/_sim/kms/CreateKmsDomain": "POST",
	} {
		resp, data := do(t, "PUT", srv.URL+path, `{}`)
		checkProblem(t, resp, data, 405)
		if resp.Header.Get("Allow") != allow {
			t.Fatalf("%s: Allow %q, want %q", path, resp.Header.Get("Allow"), allow)
		}
	}
}

func TestOperationWithBadBodyIs400ButCounts(t *testing.T) {
	sim, srv := newServer(t)
	resp, data := do(t, "POST", srv.URL+"/_sim/kms/CreateKmsDomain", `{"name":7}`)
	checkProblem(t, resp, data, 400)
	if sim.Calls(actions.CreateKmsDomain) != 1 || len(sim.Records(actions.KMS)) != 0 {
		t.Fatal("a bad body must count as a call and create nothing")
	}
}

func TestPermanentFaultAnswersProblemWithMessage(t *testing.T) {
	_, srv := newServer(t)
	do(t, "POST", srv.URL+"/_sim/faults", `{"operation":"CreateSalesforceAccount","mode":"permanent","status":409,"message":"account name already exists"}`)
	resp, data := do(t, "POST", srv.URL+"/_sim/crm/CreateSalesforceAccount", `{}`)
	if doc := checkProblem(t, resp, data, 409); doc["detail"] != "account name already exists" {
		t.Fatalf("problem %s", data)
	}
}

func TestHangIsReleasedByClose(t *testing.T) {
	sim, srv := newServer(t)
	sim.Inject(simulator.Fault{Operation: actions.CreateKmsDomain, Mode: simulator.Hang})
	done := make(chan int)
	go func() {
		resp, err := http.Post(srv.URL+"/_sim/kms/CreateKmsDomain", "application/json", strings.NewReader(`{}`))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	for sim.Calls(actions.CreateKmsDomain) == 0 {
		runtimeYield()
	}
	sim.Close()
	if status := <-done; status != 503 {
		t.Fatalf("released hang answered %d, want 503", status)
	}
	// After Close, hang faults answer at once.
	resp, data := do(t, "POST", srv.URL+"/_sim/kms/CreateKmsDomain", `{}`)
	checkProblem(t, resp, data, 503)
}

func TestHangEndsWhenTheCallerGivesUp(t *testing.T) {
	sim := simulator.New()
	srv := httptest.NewServer(sim)
	sim.Inject(simulator.Fault{Operation: actions.DeleteSalesforceContact, Mode: simulator.Hang})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/_sim/crm/DeleteSalesforceContact", strings.NewReader(`{}`))
		_, err := http.DefaultClient.Do(req)
		errc <- err
	}()
	for sim.Calls(actions.DeleteSalesforceContact) == 0 {
		runtimeYield()
	}
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("hung call answered")
	}
	// Close waits for every handler: it returns only because the hung one ended with its caller.
	srv.Close()
}

func TestLoopbackOnlyRefusesOtherCallers(t *testing.T) {
	h := simulator.LoopbackOnly(simulator.New())
	for addr, want := range map[string]int{"192.0.2.1:1234": 403, "127.0.0.1:5555": 200, "[::1]:5555": 200} {
		req := httptest.NewRequest("GET", "/_sim/state", nil)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", addr, rec.Code, want)
		}
	}
}

// runtimeYield lets the goroutine under test run while a test polls for its effect.
func runtimeYield() { time.Sleep(time.Millisecond) }

func TestDeletingARecordDeletesWhatWasMadeUnderIt(t *testing.T) {
	sim, srv := newServer(t)
	create := func(sys, op, body, key string) string {
		resp, data := do(t, "POST", srv.URL+"/_sim/"+sys+"/"+op, body)
		var answer map[string]string
		if resp.StatusCode != 200 || json.Unmarshal(data, &answer) != nil || answer[key] == "" {
			t.Fatalf("%s: %d %s", op, resp.StatusCode, data)
		}
		return answer[key]
	}
	tenant := create("kms", actions.CreateKmsDomain, `{"name":"acme"}`, actions.KeyKmsTenant)
	other := create("kms", actions.CreateKmsDomain, `{"name":"other"}`, actions.KeyKmsTenant)
	user := create("kms", actions.CreateKmsUser, `{"KMS_TENANT":"`+tenant+`"}`, actions.KeyKmsUser)
	create("kms", actions.CreateKmsUserKeys, `{"KMS_USER":"`+user+`"}`, actions.KeyKmsAccessKey)
	create("kms", actions.CreateKmsUser, `{"KMS_TENANT":"`+other+`"}`, actions.KeyKmsUser)

	if resp, data := do(t, "POST", srv.URL+"/_sim/kms/"+actions.DeleteKmsDomain, `{"KMS_TENANT":"`+tenant+`"}`); resp.StatusCode != 200 {
		t.Fatalf("delete tenant: %d %s", resp.StatusCode, data)
	}
	left := sim.Records(actions.KMS)
	if len(left) != 2 {
		t.Fatalf("KMS holds %+v; want the other tenant and its user only", left)
	}
	for _, r := range left {
		if r.ID != other && r.Params[actions.KeyKmsTenant] != other {
			t.Errorf("%s %s outlived its tenant", r.Kind, r.ID)
		}
	}
}

func TestDeleteSwiftAccountsDeletesEveryAccountOfTheDomainAndNoOther(t *testing.T) {
	sim, srv := newServer(t)
	for _, domain := range []string{"111", "111", "222"} {
		if resp, data := do(t, "POST", srv.URL+"/_sim/storage/"+actions.CreateSwiftAccount, `{"domainId":"`+domain+`","regionCode":"region-a.geo-1"}`); resp.StatusCode != 200 {
			t.Fatalf("create: %d %s", resp.StatusCode, data)
		}
	}
	if resp, data := do(t, "POST", srv.URL+"/_sim/storage/"+actions.DeleteSwiftAccounts, `{"domainId":"111"}`); resp.StatusCode != 200 {
		t.Fatalf("delete the domain's accounts: %d %s", resp.StatusCode, data)
	}
	left := sim.Records(actions.Storage)
	if len(left) != 1 || left[0].Params["domainId"] != "222" {
		t.Errorf("object storage holds %+v; want domain 222's account only", left)
	}
	resp, data := do(t, "POST", srv.URL+"/_sim/storage/"+actions.DeleteSwiftAccounts, `{}`)
	checkProblem(t, resp, data, http.StatusBadRequest)
}
