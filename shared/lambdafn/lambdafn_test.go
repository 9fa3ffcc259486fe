package lambdafn

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
)

// One handler invoked from many goroutines, as the local stack invokes a route's function:
// every caller keeps its own answer after the others' invocations ran. aws-lambda-go's
// lambda.NewHandler fails this (its answers are slices of a pooled buffer, overwritten by a
// later invocation); `make test-race` also runs it under the race detector.
func TestConcurrentInvocationsKeepTheirOwnAnswers(t *testing.T) {
	type in struct{ N int }
	type out struct{ Echo string }
	h := New(func(_ context.Context, e in) (out, error) {
		return out{Echo: fmt.Sprintf("event %d", e.N)}, nil
	})
	const callers, calls = 8, 200
	answers := make([][][]byte, callers)
	var wg sync.WaitGroup
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				b, err := h.Invoke(context.Background(), fmt.Appendf(nil, `{"N":%d}`, c*calls+i))
				if err != nil {
					t.Errorf("Invoke: %v", err)
					return
				}
				answers[c] = append(answers[c], b)
			}
		}()
	}
	wg.Wait()
	for c, bs := range answers {
		for i, b := range bs {
			var got out
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("answer %d of caller %d: %v in %q", i, c, err, b)
			}
			if want := fmt.Sprintf("event %d", c*calls+i); got.Echo != want {
				t.Fatalf("answer %d of caller %d = %q, want %q", i, c, got.Echo, want)
			}
		}
	}
}
