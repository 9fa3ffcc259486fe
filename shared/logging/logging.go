// Package logging is how every Lambda of the service logs: slog in Lambda's JSON log format
// (timestamp, level, message — the keys of aws-lambda-go's lambdacontext.NewLogger), with the
// Lambda request id of the invocation (requestId), its X-Ray trace id (traceId), and what the
// code learns about the request on the way (the API Gateway request id, the ticket id, the
// step) carried in the context, so that every line of one invocation can be found by any of
// them. Errors go under the one key "err".
//
// lambdacontext.NewLogger itself writes only to os.Stdout in the format its process started
// with; this handler is the same one on any writer, so the local stack and the tests read the
// very lines Lambda ships to CloudWatch Logs.
package logging

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// The keys the handler adds; the README's "Operating it" queries by them.
const (
	KeyRequestID = "requestId" // the Lambda invocation's, as lambdacontext.NewLogger names it
	KeyTraceID   = "traceId"   // the X-Ray trace id (1-…-…)
)

// New is the service's logger on w, at the level AWS_LAMBDA_LOG_LEVEL names (Lambda sets it
// from the function's ApplicationLogLevel; INFO when unset).
func New(w io.Writer) *slog.Logger {
	return slog.New(NewHandler(w, Level(os.Getenv("AWS_LAMBDA_LOG_LEVEL"))))
}

// Level reads a Lambda application log level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL).
func Level(name string) slog.Level {
	switch strings.ToUpper(name) {
	case "TRACE":
		return slog.LevelDebug - 4
	case "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR":
		return slog.LevelError
	case "FATAL":
		return slog.LevelError + 4
	}
	return slog.LevelInfo
}

// NewHandler is the JSON handler on w at level, adding the invocation's fields to each record.
func NewHandler(w io.Writer, level slog.Leveler) slog.Handler {
	return handler{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: lambdacontext.ReplaceAttr})}
}

type handler struct{ next slog.Handler }

func (h handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		r.AddAttrs(slog.String(KeyRequestID, lc.AwsRequestID))
	}
	if id := TraceID(ctx); id != "" {
		r.AddAttrs(slog.String(KeyTraceID, id))
	}
	fields, _ := ctx.Value(fieldsKey{}).([]slog.Attr)
	for _, f := range fields {
		// A key the line gives itself is the line's: JSON with a key twice reads as either.
		if !recordHas(r, f.Key) {
			r.AddAttrs(f)
		}
	}
	return h.next.Handle(ctx, r)
}

func recordHas(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == key
		return !found
	})
	return found
}

func (h handler) WithAttrs(as []slog.Attr) slog.Handler { return handler{h.next.WithAttrs(as)} }
func (h handler) WithGroup(name string) slog.Handler    { return handler{h.next.WithGroup(name)} }

type fieldsKey struct{}

// With is ctx whose log lines carry attrs too (after those ctx carries already). A key given
// again replaces its earlier value, so a line never names two ticket ids.
func With(ctx context.Context, attrs ...slog.Attr) context.Context {
	old, _ := ctx.Value(fieldsKey{}).([]slog.Attr)
	fields := make([]slog.Attr, 0, len(old)+len(attrs))
	for _, a := range old {
		if !has(attrs, a.Key) {
			fields = append(fields, a)
		}
	}
	return context.WithValue(ctx, fieldsKey{}, append(fields, attrs...))
}

func has(attrs []slog.Attr, key string) bool {
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}

// traceContextKey is where aws-lambda-go's runtime loop puts the invocation's
// Lambda-Runtime-Trace-Id (a plain string key, its choice). It sets _X_AMZN_TRACE_ID too, but
// only when the function runs one invocation at a time.
const traceContextKey = "x-amzn-trace-id"

// WithTraceHeader is ctx as aws-lambda-go gives it to a handler invoked with that
// X-Amzn-Trace-Id header: the local stack passes its trace ids the same way.
func WithTraceHeader(ctx context.Context, header string) context.Context {
	return context.WithValue(ctx, traceContextKey, header)
}

// TraceID is the X-Ray trace id of the invocation (the Root of its X-Amzn-Trace-Id header),
// or "" when it is not traced.
func TraceID(ctx context.Context) string {
	header, _ := ctx.Value(traceContextKey).(string)
	if header == "" {
		header = os.Getenv("_X_AMZN_TRACE_ID")
	}
	for _, part := range strings.Split(header, ";") {
		if root, ok := strings.CutPrefix(strings.TrimSpace(part), "Root="); ok {
			return root
		}
	}
	return ""
}
