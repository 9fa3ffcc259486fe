// Package lambdafn invokes a typed Go handler through the Lambda contract (a JSON event in,
// a JSON response or an error out) as the local stack needs: safe to call concurrently.
// aws-lambda-go's lambda.NewHandler returns bytes from a pooled buffer that it has already
// put back by the time Invoke returns, which is harmless in a Lambda runtime (one event at a
// time) but races when the local stack invokes one handler from many goroutines.
package lambdafn

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda"
)

type handler[In, Out any] func(context.Context, In) (Out, error)

// New adapts fn to lambda.Handler. Errors are returned as fn returned them, so the caller
// (the local engine) reports their type names as aws-lambda-go would.
func New[In, Out any](fn func(context.Context, In) (Out, error)) lambda.Handler {
	return handler[In, Out](fn)
}

// Invoke decodes the event, runs the handler and encodes its result.
func (h handler[In, Out]) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var in In
	if err := json.Unmarshal(payload, &in); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	out, err := h(ctx, in)
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}
