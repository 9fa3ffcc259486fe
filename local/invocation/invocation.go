// Package invocation gives the local stack's Lambda invocations what Lambda gives each: a
// request id of its own in a lambdacontext, and the X-Amzn-Trace-Id that API Gateway and
// Step Functions pass on when tracing is active, so that the local log lines carry the
// requestId and traceId they carry on AWS. It records no traces: there is no X-Ray daemon.
package invocation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/actionservice/actionservice/shared/logging"
)

// Context is parent as a handler sees it in one invocation: a new request id, and the trace
// of traceHeader (none when empty).
func Context(parent context.Context, traceHeader string) context.Context {
	ctx := lambdacontext.NewContext(parent, &lambdacontext.LambdaContext{AwsRequestID: NewRequestID()})
	if traceHeader == "" {
		return ctx
	}
	return logging.WithTraceHeader(ctx, traceHeader)
}

// NewRequestID is a random UUID, the form of Lambda's and API Gateway's request ids.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	s := hex.EncodeToString(b[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// NewTraceHeader is a sampled trace header with a new root id: 1-, the start time in epoch
// seconds as 8 hex digits, -, 96 random bits as 24 hex digits (X-Ray's trace id format).
func NewTraceHeader(start time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Sampled=1", start.Unix(), hex.EncodeToString(b[:]))
}
