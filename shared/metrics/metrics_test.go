package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/actionservice/actionservice/shared/metrics"
)

// What CloudWatch needs of an EMF line: _aws at the top with the timestamp and one directive
// naming the namespace, the dimension set and the metric with its unit; the dimensions' and
// the metric's values beside it, as keys of the same object.
func TestPutWritesOneEMFLineCloudWatchReads(t *testing.T) {
	var buf bytes.Buffer
	at := time.UnixMilli(1764676800123)
	e := metrics.New(&buf, func() time.Time { return at })
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	e.Put(ctx, metrics.StepDuration, metrics.Milliseconds, 12.5,
		[]metrics.Dimension{{Name: "Step", Value: "CreateKmsDomain"}, {Name: "Phase", Value: "do"}, {Name: "Outcome", Value: "OK"}},
		map[string]string{"ticketId": "t-1"})
	if bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
		t.Fatalf("want one line: %q", buf.String())
	}
	var line struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		StepDuration         float64
		Step, Phase, Outcome string
	}
	raw := map[string]any{}
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	d := line.AWS.CloudWatchMetrics
	if line.AWS.Timestamp != at.UnixMilli() || len(d) != 1 || d[0].Namespace != "ActionService" ||
		len(d[0].Dimensions) != 1 || len(d[0].Dimensions[0]) != 3 || d[0].Dimensions[0][0] != "Step" || d[0].Dimensions[0][1] != "Phase" || d[0].Dimensions[0][2] != "Outcome" ||
		len(d[0].Metrics) != 1 || d[0].Metrics[0].Name != "StepDuration" || d[0].Metrics[0].Unit != "Milliseconds" {
		t.Errorf("directive: %s", buf.String())
	}
	if line.StepDuration != 12.5 || line.Step != "CreateKmsDomain" || line.Phase != "do" || line.Outcome != "OK" ||
		raw["ticketId"] != "t-1" || raw["requestId"] != "req-1" {
		t.Errorf("values: %s", buf.String())
	}
}

func TestConcurrentPutsWriteWholeLines(t *testing.T) {
	var buf bytes.Buffer
	e := metrics.New(&buf, nil)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.Put(context.Background(), metrics.Latency, metrics.Milliseconds, 1, []metrics.Dimension{{Name: "Route", Value: "get-job"}}, nil)
		}()
	}
	wg.Wait()
	ls := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(ls) != 50 {
		t.Fatalf("%d lines, want 50", len(ls))
	}
	for _, l := range ls {
		if !json.Valid(l) {
			t.Fatalf("broken line: %s", l)
		}
	}
}

func TestANilEmitterWritesNothing(t *testing.T) {
	var e *metrics.Emitter
	e.Put(context.Background(), metrics.Jobs, metrics.Count, 1, nil, nil)
}
