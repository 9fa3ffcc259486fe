// Package metrics writes the service's CloudWatch metrics as Embedded Metric Format lines:
// one JSON object per line on the function's stdout, which CloudWatch Logs turns into metrics
// in namespace ActionService (AWS ships no Go EMF library; the format is small). A line is
// never inside a log record: CloudWatch reads only a top-level _aws key.
//
// The metrics, their dimensions and units (the template's dashboard and alarm read these):
//
//	Jobs            Count         Action, Outcome   a job ended: COMPLETE, ERROR, TIMEDOUT, CANCELLED
//	StepDuration    Milliseconds  Step, Phase, Outcome  one run of a step's phase; Outcome is
//	                                                    OK or the ASL error it answered
//	Retries         Count         Step              a step answered StepTransient: its Task retries
//	Rollbacks       Count         Step              a compensation undid a step
//	RollbackFailed  Count         Step              a compensation failed: ROLLBACK_FAILED
//	Latency         Milliseconds  Route             one API request, by routing-table name
package metrics

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Namespace is the CloudWatch namespace of every metric.
const Namespace = "ActionService"

// Metric names.
const (
	Jobs           = "Jobs"
	StepDuration   = "StepDuration"
	Retries        = "Retries"
	Rollbacks      = "Rollbacks"
	RollbackFailed = "RollbackFailed"
	Latency        = "Latency"
)

// Units of CloudWatch.
const (
	Count        = "Count"
	Milliseconds = "Milliseconds"
)

// Dimension is a dimension's name and value.
type Dimension struct{ Name, Value string }

// Emitter writes EMF lines to its writer, one Write per line, so that lines of concurrent
// invocations (the local stack) never interleave.
type Emitter struct {
	w   io.Writer
	now func() time.Time
	mu  sync.Mutex
}

// New is an emitter on w (os.Stdout when nil: Lambda ships stdout to CloudWatch Logs) with the
// clock now (time.Now when nil).
func New(w io.Writer, now func() time.Time) *Emitter {
	if w == nil {
		w = os.Stdout
	}
	if now == nil {
		now = time.Now
	}
	return &Emitter{w: w, now: now}
}

// Put writes one line: metric name of unit with value, under dims, plus properties that are
// no dimension (a ticket id, say: searchable in Logs Insights, without a metric per ticket).
// The Lambda request id of ctx's invocation is a property too. A nil emitter writes nothing.
func (e *Emitter) Put(ctx context.Context, name, unit string, value float64, dims []Dimension, props map[string]string) {
	if e == nil {
		return
	}
	names := make([]string, len(dims))
	line := map[string]any{}
	for k, v := range props {
		line[k] = v
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		line["requestId"] = lc.AwsRequestID
	}
	for i, d := range dims {
		names[i] = d.Name
		line[d.Name] = d.Value
	}
	line[name] = value
	line["_aws"] = map[string]any{
		"Timestamp": e.now().UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  Namespace,
			"Dimensions": [][]string{names},
			"Metrics":    []any{map[string]string{"Name": name, "Unit": unit}},
		}},
	}
	b, err := json.Marshal(line)
	if err != nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, _ = e.w.Write(append(b, '\n'))
}

// Millis is d in the milliseconds StepDuration and Latency record.
func Millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
