package actions_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/actionservice/actionservice/local/stepfunctions"
	"github.com/actionservice/actionservice/shared/actions"
)

var substitutions = map[string]string{
	"IdentityFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:StepIdentityFunction",
	"KmsFunctionArn":      "arn:aws:lambda:us-east-1:123456789012:function:StepKmsFunction",
	"CrmFunctionArn":      "arn:aws:lambda:us-east-1:123456789012:function:StepCrmFunction",
	"BillingFunctionArn":  "arn:aws:lambda:us-east-1:123456789012:function:StepBillingFunction",
	"TicketsFunctionArn":  "arn:aws:lambda:us-east-1:123456789012:function:StepTicketsFunction",
}

func generate(t *testing.T, a actions.Action) []byte {
	t.Helper()
	def, err := a.StateMachine()
	if err != nil {
		t.Fatalf("%s.StateMachine(): %v", a.Name, err)
	}
	return def
}

func load(t *testing.T, a actions.Action) *stepfunctions.StateMachine {
	t.Helper()
	sm, err := stepfunctions.LoadWithSubstitutions(generate(t, a), substitutions)
	if err != nil {
		t.Fatalf("%s: the engine rejects the generated machine: %v", a.Name, err)
	}
	return sm
}

func TestCommittedStateMachinesMatchCatalogue(t *testing.T) {
	dir := filepath.Join("..", "..", "statemachines")
	want := map[string]bool{}
	for _, a := range actions.Catalogue() {
		file := actions.StateMachineFile(a.Name)
		want[file] = true
		committed, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Errorf("statemachines/%s: %v; run `go run ./cmd/genasl` (or `go generate ./shared/actions`) and commit it", file, err)
			continue
		}
		if !bytes.Equal(committed, generate(t, a)) {
			t.Errorf("statemachines/%s differs from what the catalogue generates; run `go run ./cmd/genasl` (or `go generate ./shared/actions`) and commit it", file)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.asl.json"))
	for _, f := range files {
		if !want[filepath.Base(f)] {
			t.Errorf("statemachines/%s belongs to no action of the catalogue; delete it", filepath.Base(f))
		}
	}
}

func TestEveryStateMachineLoadsInTheEngine(t *testing.T) {
	for _, a := range actions.Catalogue() {
		sm := load(t, a)
		if sm.StartAt != a.Steps[0].Name {
			t.Errorf("%s starts at %s", a.Name, sm.StartAt)
		}
		if _, err := stepfunctions.LoadWithSubstitutions(generate(t, a), map[string]string{}); err == nil {
			t.Errorf("%s: every Resource should be a ${…FunctionArn} substitution", a.Name)
		}
	}
}

func TestStateMachineIsStable(t *testing.T) {
	for _, a := range actions.Catalogue() {
		if !bytes.Equal(generate(t, a), generate(t, a)) {
			t.Errorf("%s: two generations differ", a.Name)
		}
	}
}

// rollback follows the path a States.ALL failure of the named state takes, assuming every
// compensation succeeds, until a Fail state.
func rollback(t *testing.T, sm *stepfunctions.StateMachine, from string) []string {
	t.Helper()
	st := sm.States[from]
	next := st.Catch[len(st.Catch)-1].Next
	var path []string
	for seen := 0; seen < 100; seen++ {
		path = append(path, next)
		s := sm.States[next]
		if s == nil {
			t.Fatalf("no state %s", next)
		}
		if s.Type == "Fail" {
			return path
		}
		next = s.Next
	}
	t.Fatalf("rollback from %s does not end", from)
	return nil
}

func TestCreateDomainFailureRollsBackNewestFirst(t *testing.T) {
	a, _ := actions.Lookup("createDomain")
	sm := load(t, a)
	cases := map[string][]string{
		// A failing step enters the rollback at its own compensation: its call may have
		// taken effect even though the step failed.
		"CreateUmsDomain":          {"UndoCreateUmsDomain", "RecordFailure", "JobFailed"},
		"CreateKmsDomain":          {"UndoCreateKmsDomain", "UndoCreateUmsDomain", "RecordFailure", "JobFailed"},
		"CreateSalesforceAccount":  {"UndoCreateSalesforceAccount", "UndoCreateKmsDomain", "UndoCreateUmsDomain", "RecordFailure", "JobFailed"},
		"CreateZuoraDomainAccount": {"UndoCreateZuoraDomainAccount", "UndoCreateSalesforceAccount", "UndoCreateKmsDomain", "UndoCreateUmsDomain", "RecordFailure", "JobFailed"},
	}
	for from, want := range cases {
		if got := rollback(t, sm, from); !slices.Equal(got, want) {
			t.Errorf("failure at %s: %v, want %v", from, got, want)
		}
	}
	// A failed compensation is recorded, then the rollback goes on.
	if s := sm.States["UndoCreateKmsDomain"]; s.Catch[0].Next != "UndoFailedCreateKmsDomain" || sm.States["UndoFailedCreateKmsDomain"].Next != "UndoCreateUmsDomain" {
		t.Error("UndoCreateKmsDomain failing should go to UndoFailedCreateKmsDomain, then UndoCreateUmsDomain")
	}
}

func TestSkipsStepsWithoutCompensation(t *testing.T) {
	a, _ := actions.Lookup("activateService")
	sm := load(t, a)
	if got := rollback(t, sm, "CreateZuoraSubscription"); !slices.Equal(got, []string{"UndoCreateZuoraSubscription", "UndoCreateSubscription", "RecordFailure", "JobFailed"}) {
		t.Errorf("failure at CreateZuoraSubscription: %v", got)
	}
	if got := rollback(t, sm, "CreateSubscription"); !slices.Equal(got, []string{"UndoCreateSubscription", "RecordFailure", "JobFailed"}) {
		t.Errorf("failure at CreateSubscription: %v", got)
	}
	if _, ok := sm.States["UndoCheckSubscribeable"]; ok {
		t.Error("CheckSubscribeable has no compensation state")
	}
	p, _ := actions.Lookup("purgeDomain")
	sm = load(t, p)
	for _, s := range p.Steps {
		if got := rollback(t, sm, s.Name); !slices.Equal(got, []string{"RecordFailure", "JobFailed"}) {
			t.Errorf("purgeDomain failure at %s: %v, want straight to RecordFailure", s.Name, got)
		}
	}
	for name := range sm.States {
		if len(name) > 4 && name[:4] == "Undo" {
			t.Errorf("purgeDomain has a compensation state %s", name)
		}
	}
}

func TestStateMachineStructure(t *testing.T) {
	for _, a := range actions.Catalogue() {
		sm := load(t, a)
		for name, s := range sm.States {
			for _, next := range append([]string{s.Next}, catchNexts(s)...) {
				if next != "" && sm.States[next] == nil {
					t.Errorf("%s.%s: Next %s does not exist", a.Name, name, next)
				}
			}
			if s.Type != "Task" {
				continue
			}
			if s.TimeoutSeconds == 0 {
				t.Errorf("%s.%s has no TimeoutSeconds", a.Name, name)
			}
			if len(s.Retry) == 0 || !slices.Equal(s.Retry[0].ErrorEquals, []string{"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"}) || !s.Retry[0].JitterFull || s.Retry[0].MaxDelaySeconds == 0 {
				t.Errorf("%s.%s does not retry Lambda's service exceptions first, with MaxDelaySeconds and full jitter", a.Name, name)
			}
			for i, c := range s.Catch {
				if slices.Contains(c.ErrorEquals, "States.ALL") && (i != len(s.Catch)-1 || len(c.ErrorEquals) != 1) {
					t.Errorf("%s.%s: States.ALL must be alone in the last catcher", a.Name, name)
				}
			}
		}
		for _, st := range a.Steps {
			s := sm.States[st.Name]
			if s == nil {
				t.Fatalf("%s: no state %s", a.Name, st.Name)
			}
			wantTimeout := 10
			if st.System.Outside() {
				wantTimeout = 30
			}
			if s.TimeoutSeconds != wantTimeout {
				t.Errorf("%s.%s: TimeoutSeconds %d, want %d", a.Name, st.Name, s.TimeoutSeconds, wantTimeout)
			}
			r := s.Retry[len(s.Retry)-1]
			if !slices.Equal(r.ErrorEquals, []string{"StepTransient", "States.Timeout", "Sandbox.Timedout"}) || r.MaxAttempts != st.Retry.MaxAttempts {
				t.Errorf("%s.%s: step retrier %+v", a.Name, st.Name, r)
			}
			if len(s.Catch) != 2 || s.Catch[0].Next != st.TimedOutState() || !slices.Equal(s.Catch[0].ErrorEquals, []string{"StepTransient", "States.Timeout", "Sandbox.Timedout"}) {
				t.Errorf("%s.%s: the StepTransient/States.Timeout catcher to %s must come first, before States.ALL", a.Name, st.Name, st.TimedOutState())
			}
			if sm.States[st.TimedOutState()].Next != "JobTimedOut" {
				t.Errorf("%s: %s does not end at JobTimedOut", a.Name, st.TimedOutState())
			}
		}
		for name, want := range map[string]string{"JobFailed": "JobFailed", "JobTimedOut": "JobTimedOut"} {
			if s := sm.States[name]; s == nil || s.Type != "Fail" || s.Error != want {
				t.Errorf("%s: %s is not a Fail state with Error %s", a.Name, name, want)
			}
		}
		last := a.Steps[len(a.Steps)-1].Name
		if s := sm.States["JobComplete"]; s == nil || s.Type != "Succeed" || sm.States[last].Next != "JobComplete" {
			t.Errorf("%s: the happy path does not end %s -> JobComplete (Succeed)", a.Name, last)
		}
	}
}

func catchNexts(s *stepfunctions.State) []string {
	var out []string
	for _, c := range s.Catch {
		out = append(out, c.Next)
	}
	return out
}

func TestTimeoutSecondsCoversTheWorstCase(t *testing.T) {
	for _, a := range actions.Catalogue() {
		budget, err := a.Budget()
		if err != nil {
			t.Fatal(err)
		}
		sm := load(t, a)
		if float64(sm.TimeoutSeconds) < budget*1.2 || sm.TimeoutSeconds%60 != 0 {
			t.Errorf("%s: TimeoutSeconds %d for a worst case of %.0f s", a.Name, sm.TimeoutSeconds, budget)
		}
		if !bytes.Contains([]byte(sm.Comment), []byte("Time budget")) {
			t.Errorf("%s: the Comment does not budget the time", a.Name)
		}
	}
	// createDomain at worst: the four steps after all their retries (identity 6 calls × 10 s
	// + 1+2+4 + 1+2 s of backoff = 70 s; outside 7 × 30 s + 2×(1+2+4) s = 224 s), the last
	// one's RecordTimedOut failing (70 s) and all four compensations failing (224 or 70 s
	// each, + 70 s to record), then RecordFailure (70 s).
	a, _ := actions.Lookup("createDomain")
	want := 70 + 3*224 + 70 + (3*224 + 70) + 4*70 + 70.0
	if got, _ := a.Budget(); got != want {
		t.Errorf("createDomain budget %.0f s, want %.0f s", got, want)
	}
}

func TestPayloadsFollowTheContract(t *testing.T) {
	a, _ := actions.Lookup("createDomain")
	var def struct {
		States map[string]struct {
			Resource   string
			Parameters map[string]any
			ResultPath *string
		}
	}
	if err := json.Unmarshal(generate(t, a), &def); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		resource string
		params   map[string]any
	}{
		"CreateKmsDomain":                    {"${KmsFunctionArn}", map[string]any{"accountId.$": "$.accountId", "step": "CreateKmsDomain", "phase": "do"}},
		"UndoCreateKmsDomain":                {"${KmsFunctionArn}", map[string]any{"step": "CreateKmsDomain", "phase": "undo"}},
		"UndoFailedCreateKmsDomain":          {"${TicketsFunctionArn}", map[string]any{"step": "CreateKmsDomain", "phase": "undoFailed", "error.$": "$.undoError"}},
		"RecordTimedOutCreateKmsDomain":      {"${TicketsFunctionArn}", map[string]any{"step": "CreateKmsDomain", "phase": "timedOut", "error.$": "$.error"}},
		"RecordFailure":                      {"${TicketsFunctionArn}", map[string]any{"phase": "failed", "error.$": "$.error"}},
		"CreateUmsDomain":                    {"${IdentityFunctionArn}", map[string]any{"accountId.$": "$.accountId", "step": "CreateUmsDomain", "phase": "do"}},
		"CreateZuoraDomainAccount":           {"${BillingFunctionArn}", map[string]any{"accountId.$": "$.accountId", "step": "CreateZuoraDomainAccount", "phase": "do", "final": true}},
		"UndoCreateSalesforceAccount":        {"${CrmFunctionArn}", map[string]any{"step": "CreateSalesforceAccount", "phase": "undo"}},
		"UndoCreateZuoraDomainAccount":       {"${BillingFunctionArn}", map[string]any{"step": "CreateZuoraDomainAccount", "phase": "undo"}},
		"RecordTimedOutCreateUmsDomain":      {"${TicketsFunctionArn}", map[string]any{"step": "CreateUmsDomain", "phase": "timedOut", "error.$": "$.error"}},
		"UndoFailedCreateZuoraDomainAccount": {"${TicketsFunctionArn}", map[string]any{"step": "CreateZuoraDomainAccount", "phase": "undoFailed", "error.$": "$.undoError"}},
	}
	for name, w := range want {
		s, ok := def.States[name]
		if !ok {
			t.Errorf("no state %s", name)
			continue
		}
		w.params["ticketId.$"] = "$.ticketId"
		w.params["deadline.$"] = "$.deadline"
		got, _ := json.Marshal(s.Parameters)
		exp, _ := json.Marshal(w.params)
		if s.Resource != w.resource || !bytes.Equal(got, exp) || s.ResultPath != nil {
			t.Errorf("%s: %s %s ResultPath %v, want %s %s null", name, s.Resource, got, s.ResultPath, w.resource, exp)
		}
	}
}
