package samtemplate_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/actionservice/actionservice/shared/metrics"
)

func TestEveryFunctionLogsJSONAtTheTemplatesLevelsAndIsTraced(t *testing.T) {
	tm := load(t)
	fn, _ := tm.Globals["Function"].(map[string]any)
	if fn["Tracing"] != "Active" {
		t.Errorf("Globals.Function.Tracing = %v, want Active", fn["Tracing"])
	}
	lc, _ := fn["LoggingConfig"].(map[string]any)
	want := map[string]any{
		"LogFormat":           "JSON",
		"ApplicationLogLevel": map[string]any{"Ref": "LogLevel"},
		"SystemLogLevel":      map[string]any{"Ref": "SystemLogLevel"},
	}
	if !sameJSON(lc, want) {
		t.Errorf("Globals.Function.LoggingConfig = %s, want %s", jsonOf(lc), jsonOf(want))
	}
	for id, r := range tm.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		// A function of its own LoggingConfig or Tracing would replace the Globals' (SAM
		// merges maps key by key, but a partial one is easy to get wrong): none has one.
		for _, k := range []string{"LoggingConfig", "Tracing"} {
			if _, ok := r.Properties[k]; ok {
				t.Errorf("%s sets its own %s; the Globals' are the service's", id, k)
			}
		}
	}
	api := tm.Resources["Api"]
	if api.Properties["TracingEnabled"] != true {
		t.Errorf("Api.TracingEnabled = %v, want true", api.Properties["TracingEnabled"])
	}
}

// The dashboard's body is a !Sub of JSON: with its ${…} filled in it must parse, and its
// Metrics Insights queries must read every metric shared/metrics writes, by the dimensions it
// writes them with.
func TestDashboardShowsEveryMetricTheFunctionsWrite(t *testing.T) {
	tm := load(t)
	d, ok := tm.Resources["Dashboard"]
	if !ok || d.Type != "AWS::CloudWatch::Dashboard" {
		t.Fatalf("no AWS::CloudWatch::Dashboard Dashboard: %+v", d)
	}
	sub, _ := d.Properties["DashboardBody"].(map[string]any)
	src, _ := sub["Fn::Sub"].(string)
	body := regexp.MustCompile(`\$\{[^}]+\}`).ReplaceAllString(src, "x")
	var doc struct {
		Widgets []struct {
			Type       string
			Properties struct {
				Title   string
				Metrics [][]any
				Alarms  []string
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("DashboardBody is not JSON: %v\n%s", err, body)
	}
	var queries []string
	alarm := false
	for _, w := range doc.Widgets {
		alarm = alarm || (w.Type == "alarm" && strings.Contains(src, "${RollbackFailedAlarm.Arn}"))
		for _, line := range w.Properties.Metrics {
			for _, item := range line {
				if m, ok := item.(map[string]any); ok {
					if q, ok := m["expression"].(string); ok {
						queries = append(queries, q)
					}
				}
			}
		}
	}
	for name, dims := range map[string]string{
		metrics.Jobs:           "Action, Outcome",
		metrics.StepDuration:   "Step, Phase, Outcome",
		metrics.Retries:        "Step",
		metrics.Rollbacks:      "Step",
		metrics.RollbackFailed: "Step",
		metrics.Latency:        "Route",
	} {
		want := `(` + name + `) FROM SCHEMA("` + metrics.Namespace + `", ` + dims + `)`
		found := false
		for _, q := range queries {
			found = found || strings.Contains(q, want)
		}
		if !found {
			t.Errorf("no dashboard query reads %s; queries: %q", want, queries)
		}
	}
	if !alarm {
		t.Error("the dashboard shows no alarm widget of RollbackFailedAlarm")
	}
}
