package stack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	localdynamodb "github.com/actionservice/actionservice/local/dynamodb"
	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/metrics"
)

// uuid is the form of Lambda's and API Gateway's request ids.
var uuid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// traceID is the form of an X-Ray trace id.
var traceID = regexp.MustCompile(`^1-[0-9a-f]{8}-[0-9a-f]{24}$`)

// jsonLines parses what a buffer holds, one JSON object a line, failing on anything else.
func jsonLines(t *testing.T, what, text string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%s line is not one JSON object: %v: %s", what, err, l)
		}
		out = append(out, m)
	}
	return out
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// A job's whole story, as an operator reads it in CloudWatch Logs Insights: every line that
// names the ticket carries the Lambda request id of its invocation; the API's lines carry API
// Gateway's request id too (the one the client read), each step's run is an invocation of its
// own, and the steps of one execution share its trace.
func TestAJobsLogLinesCarryTheirInvocationsRequestIDAndTheTicketID(t *testing.T) {
	e := startActions(t, true)
	a, _ := actions.Lookup("createDomain")
	r := e.do("POST", "/action/createDomain?timeOut=60000", e.stack.AdminToken,
		map[string]string{"Content-Type": "application/json"}, submitBody(e.prepare(a.Name)))
	expectStatus(t, r, http.StatusCreated)
	id := decodeJob(t, r).TicketID
	if j := e.waitJob(id); j.Status != "COMPLETE" {
		t.Fatalf("job: %+v", j)
	}
	get := e.get("/job/" + id)
	expectStatus(t, get, http.StatusOK)

	var story []map[string]any
	for _, l := range jsonLines(t, "log", e.logs.String()) {
		for _, k := range []string{"timestamp", "level", "message"} {
			if _, ok := l[k]; !ok {
				t.Errorf("log line without %s (Lambda's JSON log format): %v", k, l)
			}
		}
		if _, ok := l["_aws"]; ok {
			t.Errorf("a metric inside the log: %v", l)
		}
		if str(l, "ticketId") == id {
			story = append(story, l)
		}
	}
	byMessage := map[string][]map[string]any{}
	for _, l := range story {
		if !uuid.MatchString(str(l, "requestId")) {
			t.Errorf("a line of the job without its Lambda request id: %v", l)
		}
		if !traceID.MatchString(str(l, "traceId")) {
			t.Errorf("a line of the job without its trace id: %v", l)
		}
		byMessage[str(l, "message")] = append(byMessage[str(l, "message")], l)
	}

	submitted := byMessage["action submitted"]
	if len(submitted) != 1 || str(submitted[0], "apiRequestId") != r.header.Get("X-Amzn-Requestid") ||
		str(submitted[0], "requestId") == str(submitted[0], "apiRequestId") {
		t.Errorf("submit's line should carry API Gateway's request id %s beside its own: %v", r.header.Get("X-Amzn-Requestid"), submitted)
	}
	var read map[string]any
	for _, l := range byMessage["request"] {
		if str(l, "route") == "get-job" && str(l, "apiRequestId") == get.header.Get("X-Amzn-Requestid") {
			read = l
		}
	}
	if read == nil || fmt.Sprint(read["status"]) != "200" {
		t.Errorf("no request line of GET /job/%s with its API request id and status: %v", id, byMessage["request"])
	}

	done := byMessage["step complete"]
	if len(done) != len(a.Steps) {
		t.Fatalf("%d step complete lines, want one per step (%d): %v", len(done), len(a.Steps), done)
	}
	requests, traces := map[string]bool{}, map[string]bool{}
	for _, l := range done {
		requests[str(l, "requestId")] = true
		traces[str(l, "traceId")] = true
	}
	if len(requests) != len(a.Steps) || len(traces) != 1 {
		t.Errorf("each step's run is an invocation of its own (%d request ids, want %d) in the execution's one trace (%d trace ids)",
			len(requests), len(a.Steps), len(traces))
	}
	if len(byMessage["job complete"]) != 1 {
		t.Errorf("no job complete line: %v", story)
	}
}

// emfLine is one Embedded Metric Format line as CloudWatch reads it.
type emfLine struct {
	namespace string
	name      string
	unit      string
	value     float64
	dims      map[string]string
	raw       map[string]any
}

// emfLines parses metric lines as CloudWatch does: a top-level _aws with one directive whose
// dimension names and metric name are keys of the same object.
func emfLines(t *testing.T, text string) []emfLine {
	t.Helper()
	var out []emfLine
	for _, m := range jsonLines(t, "metric", text) {
		var aws struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		}
		b, _ := json.Marshal(m["_aws"])
		if err := json.Unmarshal(b, &aws); err != nil || aws.Timestamp == 0 || len(aws.CloudWatchMetrics) != 1 {
			t.Fatalf("not an EMF line: %v", m)
		}
		d := aws.CloudWatchMetrics[0]
		if len(d.Metrics) != 1 || len(d.Dimensions) != 1 {
			t.Fatalf("want one metric under one dimension set: %v", m)
		}
		l := emfLine{namespace: d.Namespace, name: d.Metrics[0].Name, unit: d.Metrics[0].Unit, dims: map[string]string{}, raw: m}
		var ok bool
		if l.value, ok = m[l.name].(float64); !ok {
			t.Fatalf("metric %s has no numeric value: %v", l.name, m)
		}
		for _, n := range d.Dimensions[0] {
			v, ok := m[n].(string)
			if !ok || v == "" {
				t.Fatalf("dimension %s has no value: %v", n, m)
			}
			l.dims[n] = v
		}
		out = append(out, l)
	}
	return out
}

// The functions' metrics, as CloudWatch reads them from their EMF lines: a job that retried a
// step and completed, and one that failed, rolled back two steps and failed to roll back the
// third.
func TestMetricLinesNameTheirDimensionsUnitsAndValues(t *testing.T) {
	e := startActions(t, true)
	sim := e.stack.Simulator
	a, _ := actions.Lookup("createDomain")
	_, _ = sim.Inject(simulator.Fault{Operation: "CreateSalesforceAccount", Mode: simulator.Transient, Times: 1})
	ok := e.waitJob(e.submit(a.Name, e.prepare(a.Name), 60000).TicketID)
	if ok.Status != "COMPLETE" {
		t.Fatalf("job: %+v", ok)
	}
	sim.ClearFaults()
	_, _ = sim.Inject(simulator.Fault{Operation: "CreateZuoraDomainAccount", Mode: simulator.Permanent, Status: 400})
	_, _ = sim.Inject(simulator.Fault{Operation: "DeleteKmsDomain", Mode: simulator.Permanent, Status: 403})
	defer sim.ClearFaults()
	failed := e.waitJob(e.submit(a.Name, e.prepare(a.Name), 60000).TicketID)
	if failed.Status != "ERROR" {
		t.Fatalf("job: %+v", failed)
	}

	type key struct{ name, dims string }
	seen := map[key][]emfLine{}
	for _, l := range emfLines(t, e.metrics.String()) {
		if l.namespace != metrics.Namespace {
			t.Errorf("namespace %q, want %s: %v", l.namespace, metrics.Namespace, l.raw)
		}
		if _, ok := l.raw["message"]; ok {
			t.Errorf("a log record in the metrics: %v", l.raw)
		}
		if !uuid.MatchString(str(l.raw, "requestId")) {
			t.Errorf("metric line without its invocation's request id: %v", l.raw)
		}
		want := map[string]string{metrics.Jobs: metrics.Count, metrics.StepDuration: metrics.Milliseconds, metrics.Retries: metrics.Count,
			metrics.Rollbacks: metrics.Count, metrics.RollbackFailed: metrics.Count, metrics.Latency: metrics.Milliseconds}[l.name]
		if l.unit != want || l.value < 0 {
			t.Errorf("%s: unit %q value %v, want unit %q", l.name, l.unit, l.value, want)
		}
		seen[key{l.name, fmt.Sprint(l.dims)}] = append(seen[key{l.name, fmt.Sprint(l.dims)}], l)
	}
	expect := func(name string, dims map[string]string, count int, ticketID string) {
		t.Helper()
		got := seen[key{name, fmt.Sprint(dims)}]
		if count >= 0 && len(got) != count || count < 0 && len(got) == 0 {
			t.Errorf("%s %v: %d lines, want %d; lines by metric: %v", name, dims, len(got), count, keys(seen))
			return
		}
		if ticketID == "" {
			return
		}
		for _, l := range got {
			if str(l.raw, "ticketId") == ticketID {
				if name == metrics.Jobs || name == metrics.Retries || name == metrics.Rollbacks || name == metrics.RollbackFailed {
					if l.value != 1 {
						t.Errorf("%s %v counts %v, want 1", name, dims, l.value)
					}
				}
				return
			}
		}
		t.Errorf("%s %v: no line names ticket %s", name, dims, ticketID)
	}
	// prepare's createDomain jobs complete too, so COMPLETE and the steps' OK runs are ≥ 1.
	expect(metrics.Jobs, map[string]string{"Action": a.Name, "Outcome": "COMPLETE"}, -1, ok.TicketID)
	expect(metrics.Jobs, map[string]string{"Action": a.Name, "Outcome": "ERROR"}, 1, failed.TicketID)
	expect(metrics.Retries, map[string]string{"Step": "CreateSalesforceAccount"}, 1, ok.TicketID)
	expect(metrics.StepDuration, map[string]string{"Step": "CreateSalesforceAccount", "Phase": "do", "Outcome": "StepTransient"}, 1, ok.TicketID)
	expect(metrics.StepDuration, map[string]string{"Step": "CreateKmsDomain", "Phase": "do", "Outcome": "OK"}, -1, ok.TicketID)
	expect(metrics.StepDuration, map[string]string{"Step": "CreateZuoraDomainAccount", "Phase": "do", "Outcome": "StepFailed"}, 1, failed.TicketID)
	expect(metrics.StepDuration, map[string]string{"Step": "CreateKmsDomain", "Phase": "undo", "Outcome": "StepFailed"}, 1, failed.TicketID)
	expect(metrics.Rollbacks, map[string]string{"Step": "CreateSalesforceAccount"}, 1, failed.TicketID)
	expect(metrics.Rollbacks, map[string]string{"Step": "CreateUmsDomain"}, 1, failed.TicketID)
	expect(metrics.RollbackFailed, map[string]string{"Step": "CreateKmsDomain"}, 1, failed.TicketID)
	expect(metrics.Latency, map[string]string{"Route": "submit-action"}, -1, "")
	expect(metrics.Latency, map[string]string{"Route": "get-job"}, -1, "")
}

func keys[K comparable, V any](m map[K]V) []K {
	var out []K
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The functions that no route or execution invokes log as the others do when invoked as
// Lambda invokes them (and make invoke runs them): with the request id of the invocation.
func TestTheReconcilerAndAuthorizerLogTheirInvocationsRequestID(t *testing.T) {
	e := startActions(t, true)
	for _, c := range []struct{ fn, event, message, requestID string }{
		{"ReconcilerFunction", "../../events/ReconcilerFunction/scheduled.json", "reconcile sweep", "11111111-2222-3333-4444-555555555555"},
		{"AuthorizerFunction", "../../events/AuthorizerFunction/token.json", "authorizer could not judge token", "66666666-7777-8888-9999-000000000000"},
	} {
		h, ok := e.stack.Function(c.fn)
		if !ok {
			t.Fatalf("no function %s", c.fn)
		}
		event, err := os.ReadFile(c.event)
		if err != nil {
			t.Fatal(err)
		}
		if c.fn == "AuthorizerFunction" {
			// The tokens store fails: the one case the authorizer logs (and answers 500).
			remove, err := e.stack.InjectDynamoDBFault(localdynamodb.Fault{Table: "tokens", Mode: localdynamodb.Deny})
			if err != nil {
				t.Fatal(err)
			}
			defer remove()
		}
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: c.requestID})
		_, _ = h.Invoke(ctx, event)
		found := false
		for _, l := range jsonLines(t, "log", e.logs.String()) {
			found = found || (str(l, "message") == c.message && str(l, "requestId") == c.requestID)
		}
		if !found {
			t.Errorf("%s: no %q line with requestId %s in:\n%s", c.fn, c.message, c.requestID, e.logs.String())
		}
	}
}
