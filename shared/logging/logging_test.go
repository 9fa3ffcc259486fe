package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/actionservice/actionservice/shared/logging"
)

func lines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("not a JSON line: %s", l)
		}
		out = append(out, m)
	}
	return out
}

// A handler run as the Lambda runtime runs it (lambda.NewHandler is what lambda.Start
// invokes; the runtime loop puts the LambdaContext and the trace header in the context).
func TestALineHasLambdasJSONKeysTheInvocationsRequestIDAndTraceID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(logging.NewHandler(&buf, slog.LevelInfo))
	h := lambda.NewHandler(func(ctx context.Context, in struct{ TicketID string }) (string, error) {
		ctx = logging.With(ctx, slog.String("ticketId", in.TicketID))
		log.ErrorContext(ctx, "step failed", "err", "boom")
		return "ok", nil
	})
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	ctx = logging.WithTraceHeader(ctx, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	if _, err := h.Invoke(ctx, []byte(`{"TicketID":"t-1"}`)); err != nil {
		t.Fatal(err)
	}
	ls := lines(t, &buf)
	if len(ls) != 1 {
		t.Fatalf("lines: %v", ls)
	}
	l := ls[0]
	want := map[string]any{"level": "ERROR", "message": "step failed", "err": "boom", "requestId": "req-1",
		"traceId": "1-5759e988-bd862e3fe1be46a994272793", "ticketId": "t-1"}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("%s = %v, want %v (line %v)", k, l[k], v, l)
		}
	}
	if _, ok := l["timestamp"]; !ok {
		t.Errorf("no timestamp: %v", l)
	}
}

func TestTheTraceIDComesFromTheEnvironmentWhenTheContextHasNone(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "Root=1-00000001-000000000000000000000002;Sampled=0")
	if got := logging.TraceID(context.Background()); got != "1-00000001-000000000000000000000002" {
		t.Errorf("TraceID = %q", got)
	}
	t.Setenv("_X_AMZN_TRACE_ID", "")
	if got := logging.TraceID(context.Background()); got != "" {
		t.Errorf("TraceID without a trace = %q", got)
	}
}

func TestTheLevelIsAWSLambdaLogLevel(t *testing.T) {
	t.Setenv("AWS_LAMBDA_LOG_LEVEL", "WARN")
	var buf bytes.Buffer
	log := logging.New(&buf)
	log.Info("dropped")
	log.Debug("dropped")
	log.Warn("kept")
	if ls := lines(t, &buf); len(ls) != 1 || ls[0]["message"] != "kept" {
		t.Errorf("at WARN: %v", ls)
	}
	for name, want := range map[string]slog.Level{"": slog.LevelInfo, "DEBUG": slog.LevelDebug, "INFO": slog.LevelInfo,
		"ERROR": slog.LevelError, "TRACE": slog.LevelDebug - 4, "FATAL": slog.LevelError + 4, "nonsense": slog.LevelInfo} {
		if got := logging.Level(name); got != want {
			t.Errorf("Level(%q) = %v, want %v", name, got, want)
		}
	}
}

// One key, one value: a JSON object with a key twice reads as either value.
func TestAKeyIsWrittenOnceTheLinesOwnOrTheLatestContexts(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(logging.NewHandler(&buf, slog.LevelInfo))
	ctx := logging.With(context.Background(), slog.String("ticketId", "old"), slog.String("step", "A"))
	ctx = logging.With(ctx, slog.String("ticketId", "new"))
	log.InfoContext(ctx, "from the context")
	log.InfoContext(ctx, "its own", "ticketId", "mine")
	raw := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	for _, l := range raw {
		if n := bytes.Count(l, []byte(`"ticketId"`)); n != 1 {
			t.Errorf("ticketId %d times: %s", n, l)
		}
	}
	ls := lines(t, &buf)
	if ls[0]["ticketId"] != "new" || ls[0]["step"] != "A" || ls[1]["ticketId"] != "mine" {
		t.Errorf("lines: %v", ls)
	}
}
