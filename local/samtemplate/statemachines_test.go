package samtemplate_test

// These tests hold the template's state machines, step functions, reconciler, params key and
// alarm to the catalogue (shared/actions), the generated definitions (statemachines/), the
// step runner (shared/steps), the identity store (shared/identity) and the routing table.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/actionservice/actionservice/local/samtemplate"
	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/metrics"
)

// stepFunctions maps each DefinitionSubstitutions name of docs/saga.md to its step function.
var stepFunctions = map[string]string{
	"IdentityFunctionArn": actions.Identity.LogicalID(),
	"KmsFunctionArn":      actions.KMS.LogicalID(),
	"CrmFunctionArn":      actions.CRM.LogicalID(),
	"BillingFunctionArn":  actions.Billing.LogicalID(),
	"StorageFunctionArn":  actions.Storage.LogicalID(),
	"TicketsFunctionArn":  actions.TicketsLogicalID,
}

// outsideURLs maps the step functions that call an outside system to that system's variables.
var outsideURLs = map[string]string{
	actions.KMS.LogicalID():     "OUTSIDE_KMS",
	actions.CRM.LogicalID():     "OUTSIDE_CRM",
	actions.Billing.LogicalID(): "OUTSIDE_BILLING",
	actions.Storage.LogicalID(): "OUTSIDE_STORAGE",
}

const stateMachineARNPrefix = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}-"

var placeholder = regexp.MustCompile(`\$\{([^}]*)\}`)

func stateMachineID(action string) string {
	return strings.ToUpper(action[:1]) + action[1:] + "StateMachine"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestEveryActionHasOneStateMachineWhoseSubstitutionsCoverItsDefinition(t *testing.T) {
	tm := load(t)
	root := filepath.Dir(tm.Path)
	byURI := map[string][]string{}
	for id, sm := range tm.StateMachines {
		byURI[sm.DefinitionURI] = append(byURI[sm.DefinitionURI], id)
	}
	catalogue := actions.Catalogue()
	if len(catalogue) == 0 {
		t.Fatal("empty catalogue")
	}
	for _, a := range catalogue {
		uri := "statemachines/" + actions.StateMachineFile(a.Name)
		ids := byURI[uri]
		delete(byURI, uri)
		if len(ids) != 1 {
			t.Errorf("action %s: state machines %v with DefinitionUri %s, want exactly one", a.Name, ids, uri)
			continue
		}
		id := ids[0]
		if id != stateMachineID(a.Name) {
			t.Errorf("action %s: state machine %s, want logical id %s", a.Name, id, stateMachineID(a.Name))
		}
		sm := tm.StateMachines[id]
		props := tm.Resources[id].Properties
		if sm.Type != "STANDARD" || props["Type"] != "STANDARD" {
			t.Errorf("%s: Type %v, want STANDARD written out (exactly-once steps, long waits)", id, props["Type"])
		}
		// STATE_MACHINE_ARN_PREFIX + action must be this machine's ARN.
		if want := map[string]any{"Fn::Sub": "${AWS::StackName}-" + a.Name}; !sameJSON(props["Name"], want) {
			t.Errorf("%s: Name = %v, want !Sub \"${AWS::StackName}-%s\"", id, jsonOf(props["Name"]), a.Name)
		}
		raw, err := os.ReadFile(filepath.Join(root, uri))
		if err != nil {
			t.Errorf("%s: definition: %v", id, err)
			continue
		}
		used := map[string]bool{}
		for _, m := range placeholder.FindAllStringSubmatch(string(raw), -1) {
			used[m[1]] = true
		}
		for name := range used {
			if _, ok := sm.DefinitionSubstitutions[name]; !ok {
				t.Errorf("%s: %s uses ${%s}, which has no DefinitionSubstitutions entry", id, uri, name)
			}
		}
		for name := range sm.DefinitionSubstitutions {
			if !used[name] {
				t.Errorf("%s: substitution %s is not used by %s (each machine names only the steps it runs)", id, name, uri)
			}
		}
		// The same substitution the local engine applies leaves no placeholder behind.
		subs, err := sm.Substitutions(func(r samtemplate.Ref) (string, error) {
			return "arn:aws:lambda:us-east-1:123456789012:function:" + r.LogicalID, nil
		})
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		if _, err := tm.Definition(sm, subs); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	for uri, ids := range byURI {
		t.Errorf("state machines %v (%s) belong to no action of the catalogue", ids, uri)
	}
}

func TestStateMachinesInvokeOnlyTheStepFunctionsTheirSubstitutionsName(t *testing.T) {
	tm := load(t)
	if len(tm.StateMachines) == 0 {
		t.Fatal("no state machines")
	}
	for _, id := range sortedKeys(tm.StateMachines) {
		sm := tm.StateMachines[id]
		want := map[string]bool{}
		for _, name := range sortedKeys(sm.DefinitionSubstitutions) {
			v := sm.DefinitionSubstitutions[name]
			fn, ok := stepFunctions[name]
			if !ok {
				t.Errorf("%s: substitution %s is none of docs/saga.md's %v", id, name, sortedKeys(stepFunctions))
				continue
			}
			if !sameJSON(v, map[string]any{"Fn::GetAtt": []any{fn, "Arn"}}) {
				t.Errorf("%s: %s = %s, want !GetAtt %s.Arn", id, name, jsonOf(v), fn)
			}
			if _, ok := tm.Functions[fn]; !ok {
				t.Errorf("%s: %s names %s, which is not a function of the template", id, name, fn)
			}
			want[fn] = true
		}
		props := tm.Resources[id].Properties
		got := map[string]bool{}
		policies, _ := props["Policies"].([]any)
		for _, p := range policies {
			m, _ := p.(map[string]any)
			if inv, ok := m["LambdaInvokePolicy"].(map[string]any); ok {
				r, ok := samtemplate.RefOf(inv["FunctionName"])
				if !ok || r.Attribute != "" {
					t.Errorf("%s: LambdaInvokePolicy on %s, want !Ref of a step function", id, jsonOf(inv["FunctionName"]))
					continue
				}
				got[r.LogicalID] = true
				continue
			}
			if strings.Contains(jsonOf(m), "lambda:") {
				t.Errorf("%s: policy %s grants Lambda access beside LambdaInvokePolicy", id, jsonOf(m))
			}
		}
		if !sameJSON(got, want) {
			t.Errorf("%s may invoke %v, want exactly the functions its substitutions name, %v", id, sortedKeys(got), sortedKeys(want))
		}
		if tr, _ := props["Tracing"].(map[string]any); tr["Enabled"] != true {
			t.Errorf("%s: Tracing = %v, want Enabled: true", id, props["Tracing"])
		}
		logging, _ := props["Logging"].(map[string]any)
		dests, _ := logging["Destinations"].([]any)
		if logging["Level"] != "ERROR" || logging["IncludeExecutionData"] != false || len(dests) != 1 {
			t.Errorf("%s: Logging = %s, want level ERROR to one log group, without execution data", id, jsonOf(logging))
		}
	}
}

func TestStartingRoutesMayStartTheActionStateMachinesAndSeal(t *testing.T) {
	tm := load(t)
	machines := map[string]bool{}
	for id := range tm.StateMachines {
		machines[id] = true
	}
	for _, r := range httpapi.Routes {
		f, ok := tm.Functions[r.LogicalID()]
		if !ok {
			continue // TestTemplateDeclaresExactlyTheRoutingTable reports it
		}
		started := map[string]bool{}
		seals := false
		for _, p := range f.Policies {
			switch {
			case p.Name == "StepFunctionsExecutionPolicy":
				ref, ok := samtemplate.RefOf(p.Parameters["StateMachineName"])
				if !ok || ref.Attribute != "Name" || !machines[ref.LogicalID] {
					t.Errorf("%s: StepFunctionsExecutionPolicy on %s, want !GetAtt <StateMachine>.Name", f.LogicalID, jsonOf(p.Parameters))
					continue
				}
				started[ref.LogicalID] = true
			case isParamsKeyGrant(p, "kms:GenerateDataKey"):
				seals = true
			case strings.Contains(jsonOf(p), "states:") || strings.Contains(jsonOf(p), "kms:") || strings.Contains(jsonOf(p), "ParamsKey"):
				t.Errorf("%s: policy %s reaches Step Functions or KMS outside the two grants allowed", f.LogicalID, jsonOf(p))
			}
		}
		env := envOf(tm, f.LogicalID)
		if !r.StartsExecutions {
			if len(started) > 0 || seals || env["STATE_MACHINE_ARN_PREFIX"] != nil || env["PARAMS_KMS_KEY_ID"] != nil {
				t.Errorf("%s starts no execution but may start %v / seal %v, or is configured to", f.LogicalID, sortedKeys(started), seals)
			}
			continue
		}
		if !sameJSON(started, machines) {
			t.Errorf("%s may start %v, want every action state machine %v", f.LogicalID, sortedKeys(started), sortedKeys(machines))
		}
		if !seals {
			t.Errorf("%s starts executions but may not kms:GenerateDataKey on ParamsKey (sealing parameters)", f.LogicalID)
		}
		if !sameJSON(env["STATE_MACHINE_ARN_PREFIX"], map[string]any{"Fn::Sub": stateMachineARNPrefix}) {
			t.Errorf("%s: STATE_MACHINE_ARN_PREFIX = %s, want !Sub %q", f.LogicalID, jsonOf(env["STATE_MACHINE_ARN_PREFIX"]), stateMachineARNPrefix)
		}
		if !sameJSON(env["PARAMS_KMS_KEY_ID"], map[string]any{"Fn::GetAtt": []any{"ParamsKey", "Arn"}}) {
			t.Errorf("%s: PARAMS_KMS_KEY_ID = %s, want !GetAtt ParamsKey.Arn", f.LogicalID, jsonOf(env["PARAMS_KMS_KEY_ID"]))
		}
	}
}

// envOf is a function's own Environment.Variables as written (Globals not included).
func envOf(tm *samtemplate.Template, id string) map[string]any {
	env, _ := tm.Resources[id].Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	if vars == nil {
		vars = map[string]any{}
	}
	return vars
}

func TestStepFunctionsAreLeastPrivilege(t *testing.T) {
	tm := load(t)
	for _, id := range sortedKeys(invert(stepFunctions)) {
		f, ok := tm.Functions[id]
		if !ok {
			t.Errorf("no step function %s", id)
			continue
		}
		if len(f.Events) != 0 {
			t.Errorf("%s has Api events; only the state machines invoke it", id)
		}
		bookkeeping := id == actions.TicketsLogicalID
		grants := map[string]bool{}
		for _, p := range f.Policies {
			s := jsonOf(p)
			switch {
			case strings.Contains(s, "TokensTable"):
				t.Errorf("%s may reach the tokens table: %s", id, s)
			case p.Name == "DynamoDBCrudPolicy" && (p.Table() == "TicketsTable" || p.Table() == "IdentityTable"):
				grants[p.Table()] = true
			case isParamsKeyGrant(p, "kms:Decrypt"):
				grants["decrypt"] = true
			default:
				t.Errorf("%s: unexpected policy %s", id, s)
			}
		}
		want := map[string]bool{"TicketsTable": true, "IdentityTable": true, "decrypt": true}
		if bookkeeping { // records outcomes only: no parameters, no identity records
			want = map[string]bool{"TicketsTable": true}
		}
		if !sameJSON(grants, want) {
			t.Errorf("%s has %v, want %v", id, sortedKeys(grants), sortedKeys(want))
		}
		env := envOf(tm, id)
		if _, ok := env["TOKENS_TABLE"]; ok || slices.Contains(f.Environment, "TOKENS_TABLE") {
			t.Errorf("%s is told the tokens table's name", id)
		}
		wantEnv := []string{}
		if !bookkeeping {
			wantEnv = append(wantEnv, "IDENTITY_TABLE", "PARAMS_KMS_KEY_ID")
		}
		if prefix, ok := outsideURLs[id]; ok {
			wantEnv = append(wantEnv, prefix+"_TIMEOUT", prefix+"_URL")
		}
		sort.Strings(wantEnv)
		if got := sortedKeys(env); !slices.Equal(got, wantEnv) {
			t.Errorf("%s: own environment %v, want %v (an outside system's URL only on its own step function)", id, got, wantEnv)
		}
		if !bookkeeping {
			if !sameJSON(env["IDENTITY_TABLE"], map[string]any{"Ref": "IdentityTable"}) || !sameJSON(env["PARAMS_KMS_KEY_ID"], map[string]any{"Fn::GetAtt": []any{"ParamsKey", "Arn"}}) {
				t.Errorf("%s: IDENTITY_TABLE %s, PARAMS_KMS_KEY_ID %s", id, jsonOf(env["IDENTITY_TABLE"]), jsonOf(env["PARAMS_KMS_KEY_ID"]))
			}
		}
		// A Task's TimeoutSeconds must not outlast the function: Step Functions would wait
		// for an answer Lambda has already given up on.
		wantTimeout := actions.BookkeepingTimeoutSeconds
		for _, sys := range actions.Systems {
			if sys.LogicalID() == id {
				wantTimeout = sys.TimeoutSeconds()
			}
		}
		if got := tm.Functions[id].Timeout; got != time.Duration(wantTimeout)*time.Second {
			t.Errorf("%s: Timeout %v, want %ds (the Task's TimeoutSeconds)", id, got, wantTimeout)
		}
	}
}

func invert(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[v] = k
	}
	return out
}

func TestIdentityTableIsTheIdentityStoresSchema(t *testing.T) {
	tb, ok := load(t).Tables["IdentityTable"]
	if !ok {
		t.Fatal("no IdentityTable")
	}
	if got, want := normalized(tb.CreateTableInput("identity")), normalized(identity.IdentityTable("identity")); got != want {
		t.Errorf("IdentityTable differs from identity.IdentityTable:\ntemplate %s\nidentity %s", got, want)
	}
}

func TestParamsKeyRotatesAndOnlyTheAccountAdministersIt(t *testing.T) {
	tm := load(t)
	key, ok := tm.Resources["ParamsKey"]
	if !ok || key.Type != "AWS::KMS::Key" {
		t.Fatalf("no AWS::KMS::Key ParamsKey: %+v", key)
	}
	if key.Properties["EnableKeyRotation"] != true {
		t.Error("ParamsKey: EnableKeyRotation is not true")
	}
	policy, _ := key.Properties["KeyPolicy"].(map[string]any)
	stmts, _ := policy["Statement"].([]any)
	root := map[string]any{"AWS": map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
	if len(stmts) != 1 || !sameJSON(stmts[0].(map[string]any)["Principal"], root) {
		t.Errorf("ParamsKey policy = %s, want one statement for the account root (IAM policies grant the rest)", jsonOf(policy))
	}
	alias, ok := tm.Resources["ParamsKeyAlias"]
	if !ok || alias.Type != "AWS::KMS::Alias" || !sameJSON(alias.Properties["TargetKeyId"], map[string]any{"Ref": "ParamsKey"}) {
		t.Errorf("ParamsKeyAlias = %+v, want an alias of ParamsKey", alias)
	}
	// Only the starting routes generate data keys, only the step functions decrypt.
	for _, id := range sortedKeys(tm.Functions) {
		for _, p := range tm.Functions[id].Policies {
			s := jsonOf(p)
			if !strings.Contains(s, "kms:") && !strings.Contains(s, "ParamsKey") {
				continue
			}
			_, step := invert(stepFunctions)[id]
			route, isRoute := httpapi.Route{}, false
			for _, r := range httpapi.Routes {
				if r.LogicalID() == id {
					route, isRoute = r, true
				}
			}
			switch {
			case step && isParamsKeyGrant(p, "kms:Decrypt"):
			case isRoute && route.StartsExecutions && isParamsKeyGrant(p, "kms:GenerateDataKey"):
			default:
				t.Errorf("%s may use a key through %s", id, s)
			}
		}
	}
}

func TestReconcilerHearsEveryStateMachinesAbnormalEnd(t *testing.T) {
	tm := load(t)
	f, ok := tm.Functions["ReconcilerFunction"]
	if !ok {
		t.Fatal("no ReconcilerFunction")
	}
	if len(f.Events) != 0 {
		t.Errorf("ReconcilerFunction has Api events %v", f.Events)
	}
	events, _ := tm.Resources["ReconcilerFunction"].Properties["Events"].(map[string]any)
	var rules []map[string]any
	for _, ev := range events {
		if m, _ := ev.(map[string]any); m["Type"] == "EventBridgeRule" {
			p, _ := m["Properties"].(map[string]any)
			rules = append(rules, p)
		}
	}
	if len(rules) != 1 {
		t.Fatalf("ReconcilerFunction has %d EventBridgeRule events, want 1", len(rules))
	}
	pattern, _ := rules[0]["Pattern"].(map[string]any)
	detail, _ := pattern["detail"].(map[string]any)
	if !sameJSON(pattern["source"], []any{"aws.states"}) || !sameJSON(pattern["detail-type"], []any{"Step Functions Execution Status Change"}) {
		t.Errorf("pattern = %s, want Step Functions execution status changes", jsonOf(pattern))
	}
	statuses, _ := detail["status"].([]any)
	if got := fmt.Sprint(statuses); got != "[FAILED TIMED_OUT ABORTED]" {
		t.Errorf("status = %s, want [FAILED TIMED_OUT ABORTED]", got)
	}
	heard := map[string]bool{}
	arns, _ := detail["stateMachineArn"].([]any)
	for _, a := range arns {
		if r, ok := samtemplate.RefOf(a); ok && r.Attribute == "" {
			heard[r.LogicalID] = true
		}
	}
	want := map[string]bool{}
	for id := range tm.StateMachines {
		want[id] = true
	}
	if !sameJSON(heard, want) || len(arns) != len(want) {
		t.Errorf("stateMachineArn = %s, want !Ref of every state machine %v", jsonOf(arns), sortedKeys(want))
	}
	grants := map[string]bool{}
	for _, p := range f.Policies {
		switch s := jsonOf(p); {
		case p.Name == "DynamoDBCrudPolicy" && p.Table() == "TicketsTable":
			grants["tickets"] = true
		case strings.Contains(s, "TokensTable") || strings.Contains(s, "kms:") || strings.Contains(s, "IdentityTable"):
			t.Errorf("ReconcilerFunction: policy %s", s)
		}
	}
	if !grants["tickets"] {
		t.Error("ReconcilerFunction may not change tickets")
	}
}

func TestRollbackFailedAlarmWatchesTheRunnersMetric(t *testing.T) {
	tm := load(t)
	alarm, ok := tm.Resources["RollbackFailedAlarm"]
	if !ok || alarm.Type != "AWS::CloudWatch::Alarm" {
		t.Fatalf("no AWS::CloudWatch::Alarm RollbackFailedAlarm: %+v", alarm)
	}
	p := alarm.Properties
	if p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || fmt.Sprint(p["Threshold"]) != "1" || p["TreatMissingData"] != "notBreaching" || fmt.Sprint(p["EvaluationPeriods"]) != "1" {
		t.Errorf("alarm = %s, want ≥ 1 in one period, missing data not breaching", jsonOf(p))
	}
	// The runner emits the metric with dimension Step (EMF), so the alarm must sum over it.
	queries, _ := p["Metrics"].([]any)
	if len(queries) != 1 {
		t.Fatalf("alarm Metrics = %s, want one Metrics Insights query", jsonOf(p["Metrics"]))
	}
	q, _ := queries[0].(map[string]any)
	want := fmt.Sprintf(`SELECT SUM(%s) FROM SCHEMA("%s", Step)`, metrics.RollbackFailed, metrics.Namespace)
	if q["Expression"] != want || fmt.Sprint(q["Period"]) != "300" || q["ReturnData"] != true {
		t.Errorf("alarm query = %s, want %s over 300 s", jsonOf(q), want)
	}
	topic, ok := tm.Resources["AlarmTopic"]
	if !ok || topic.Type != "AWS::SNS::Topic" || !sameJSON(p["AlarmActions"], []any{map[string]any{"Ref": "AlarmTopic"}}) {
		t.Errorf("AlarmActions = %s, want !Ref AlarmTopic (an SNS topic)", jsonOf(p["AlarmActions"]))
	}
}
