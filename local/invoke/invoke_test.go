package invoke_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/events"

	"github.com/actionservice/actionservice/local/invoke"
	"github.com/actionservice/actionservice/local/samtemplate"
	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/shared/ticket"
)

func moduleRoot(t testing.TB) string {
	t.Helper()
	tpl, err := samtemplate.Find()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(tpl)
}

func generated(t testing.TB) map[string][]byte {
	t.Helper()
	evs, err := invoke.Events()
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestCommittedSampleEventsAreCurrent(t *testing.T) {
	dir := filepath.Join(moduleRoot(t), "events")
	want := generated(t)
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		seen[rel] = true
		got, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch w, ok := want[rel]; {
		case !ok:
			t.Errorf("events/%s is no sample event of the routing table or the catalogue: run make events", rel)
		case !bytes.Equal(got, w):
			t.Errorf("events/%s is stale: run make events", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel := range want {
		if !seen[rel] {
			t.Errorf("events/%s is missing: run make events", rel)
		}
	}
}

func TestEveryTemplateFunctionHasASampleEvent(t *testing.T) {
	tpl, err := samtemplate.Load()
	if err != nil {
		t.Fatal(err)
	}
	evs := generated(t)
	for id := range tpl.Functions {
		found := false
		for path := range evs {
			found = found || strings.HasPrefix(path, id+"/")
		}
		if !found {
			t.Errorf("function %s has no sample event", id)
		}
	}
}

func startStack(t testing.TB) *stack.Stack {
	t.Helper()
	s, err := invoke.Stack(context.Background(), "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// sampleTicket stores the ticket the step events name, as a submitted createDomain.
func sampleTicket(t testing.TB, s *stack.Stack) {
	t.Helper()
	now := time.Now()
	tk := &ticket.Ticket{
		ID: invoke.SampleTicketID, Action: "createDomain", AccountID: invoke.SampleAccount, Status: ticket.Pending,
		Submission: now, Params: map[string]string{"name": "Sample_" + now.Format("150405.000000")},
		Steps: map[string]ticket.StepStatus{},
	}
	for _, st := range []string{"CreateUmsDomain", "CreateKmsDomain", "CreateSalesforceAccount", "CreateZuoraDomainAccount"} {
		tk.Steps[st] = ticket.StepPending
	}
	if err := s.Tickets.Create(context.Background(), tk); err != nil {
		t.Fatal(err)
	}
}

// stepErrors are the errors a step function may answer, as Lambda names them.
var stepErrors = []string{"StepFailed", "StepTransient", "JobCancelled"}

// Every sample event runs on its function in process and gets the kind of answer that
// function gives: a route a proxy response (never a 5xx), the authorizer an Allow for the
// sample token, the reconciler none, a step {} or one of its typed errors.
func TestEverySampleEventRunsInProcess(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	for path, ev := range generated(t) {
		fn := strings.SplitN(path, "/", 2)[0]
		t.Run(path, func(t *testing.T) {
			out, err := invoke.InProcess(ctx, s, fn, ev)
			var fe *invoke.FunctionError
			switch {
			case strings.HasPrefix(fn, "Step"):
				if err != nil && (!errors.As(err, &fe) || !slices.Contains(stepErrors, fe.Type)) {
					t.Fatalf("%v", err)
				}
				if err == nil && string(out) != "{}" {
					t.Fatalf("answered %s", out)
				}
			case fn == "AuthorizerFunction":
				var resp events.APIGatewayCustomAuthorizerResponse
				if err != nil || json.Unmarshal(out, &resp) != nil || resp.PolicyDocument.Statement[0].Effect != "Allow" {
					t.Fatalf("%s %v", out, err)
				}
			case fn == "CatalogueFunction":
				var resp cfn.Response
				if err != nil || json.Unmarshal(out, &resp) != nil || resp.Status != cfn.StatusSuccess {
					t.Fatalf("%s %v", out, err)
				}
			case fn == "ReconcilerFunction":
				if err != nil {
					t.Fatal(err)
				}
			default:
				var resp events.APIGatewayProxyResponse
				if err != nil || json.Unmarshal(out, &resp) != nil || resp.StatusCode < 200 || resp.StatusCode >= 500 {
					t.Fatalf("%s %v", out, err)
				}
			}
		})
	}
}

// The step events are real payloads: run in order on a ticket by their id, createDomain's
// make the domain and end the job COMPLETE.
func TestCreateDomainsStepEventsRunItsTicketToComplete(t *testing.T) {
	s := startStack(t)
	sampleTicket(t, s)
	evs := generated(t)
	for _, path := range []string{
		"StepIdentityFunction/CreateUmsDomain.json", "StepKmsFunction/CreateKmsDomain.json",
		"StepCrmFunction/CreateSalesforceAccount.json", "StepBillingFunction/CreateZuoraDomainAccount.json",
	} {
		ev, ok := evs[path]
		if !ok {
			t.Fatalf("no sample event %s", path)
		}
		if _, err := invoke.InProcess(context.Background(), s, strings.SplitN(path, "/", 2)[0], ev); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	tk, err := s.Tickets.Get(context.Background(), invoke.SampleTicketID)
	if err != nil || tk.Status != ticket.Complete || tk.Results["domainId"] == "" {
		t.Fatalf("ticket %+v %v", tk, err)
	}
}

// rieBinary is the emulator make rie installs; without it the test skips, unless REQUIRE_RIE
// is set (as .ci/run sets it).
func rieBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(moduleRoot(t), ".local", "tools", "aws-lambda-rie")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("REQUIRE_RIE") != "" {
			t.Fatalf("REQUIRE_RIE is set but %s is missing (make rie)", bin)
		}
		t.Skipf("no %s: make rie installs the Runtime Interface Emulator", bin)
	}
	return bin
}

// emulated is what a bootstrap runs on under the emulator: the emulator, a stack with the
// sample ticket, and the environment pointing at it.
func emulated(t testing.TB) (rie string, s *stack.Stack, env []string) {
	t.Helper()
	rie = rieBinary(t)
	s = startStack(t)
	sampleTicket(t, s)
	env, err := invoke.Env(s)
	if err != nil {
		t.Fatal(err)
	}
	return rie, s, env
}

// A route, the authorizer and a step run as their built bootstraps under the Runtime
// Interface Emulator, through Lambda's Runtime API, on the local stack's tables.
func TestBootstrapsRunUnderTheRuntimeInterfaceEmulator(t *testing.T) {
	rie, s, env := emulated(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	evs := generated(t)
	run := func(fn, event string) []byte {
		t.Helper()
		bootstrap, err := invoke.Build(ctx, moduleRoot(t), fn, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		out, err := invoke.Emulated(ctx, rie, bootstrap, env, evs[event])
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		if out.Init <= 0 {
			t.Errorf("%s: the emulator reported no init phase", fn)
		}
		return out.Response
	}

	var route events.APIGatewayProxyResponse
	if err := json.Unmarshal(run("ListActionsFunction", "ListActionsFunction/list-actions.json"), &route); err != nil ||
		route.StatusCode != 200 || !strings.Contains(route.Body, `"createDomain"`) {
		t.Errorf("list-actions: %+v %v", route, err)
	}
	var policy events.APIGatewayCustomAuthorizerResponse
	if err := json.Unmarshal(run("AuthorizerFunction", "AuthorizerFunction/token.json"), &policy); err != nil ||
		policy.PrincipalID != "admin" || policy.PolicyDocument.Statement[0].Effect != "Allow" {
		t.Errorf("authorizer: %+v %v", policy, err)
	}
	if out := run("StepIdentityFunction", "StepIdentityFunction/CreateUmsDomain.json"); string(out) != "{}" {
		t.Errorf("step answered %s", out)
	}
	tk, err := s.Tickets.Get(ctx, invoke.SampleTicketID)
	if err != nil || tk.Steps["CreateUmsDomain"] != ticket.StepComplete || tk.Results["domainId"] == "" {
		t.Errorf("the step did not record its work on the ticket: %+v %v", tk, err)
	}
}
