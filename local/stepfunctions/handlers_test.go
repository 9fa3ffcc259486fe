package stepfunctions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// StepFailed is a permanent step error; its type name is its ASL error name.
type StepFailed struct{ Reason string }

func (e *StepFailed) Error() string { return "step failed: " + e.Reason }

// StepTransient is a retriable step error.
type StepTransient struct{ Reason string }

func (e *StepTransient) Error() string { return "transient: " + e.Reason }

// flakyCounter counts calls per key so a handler can fail its first N calls.
type flakyCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (f *flakyCounter) next(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[key]++
	return f.calls[key]
}

// testHandlers registers the handlers the conformance definitions invoke.
func testHandlers(reg *Registry) {
	fc := &flakyCounter{calls: map[string]int{}}
	reg.RegisterFunc("echo", func(in any) (any, error) { return in, nil })
	reg.RegisterFunc("double", func(in struct{ N int }) (map[string]int, error) {
		return map[string]int{"N": in.N * 2}, nil
	})
	reg.RegisterFunc("add", func(in struct{ A, B int }) (int, error) { return in.A + in.B, nil })
	reg.RegisterFunc("fail", func(in struct{ Reason string }) (any, error) {
		return nil, &StepFailed{Reason: in.Reason}
	})
	reg.RegisterFunc("plainerr", func() error { return errors.New("boom") })
	reg.RegisterFunc("panic", func() error { panic("kaboom") })
	reg.RegisterFunc("hang", func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	reg.RegisterFunc("flaky", func(in struct {
		Key       string
		FailTimes int
	}) (map[string]any, error) {
		n := fc.next(in.Key)
		if n <= in.FailTimes {
			return nil, &StepTransient{Reason: fmt.Sprintf("call %d", n)}
		}
		return map[string]any{"calls": n}, nil
	})
	reg.RegisterFunc("big", func() (string, error) { return strings.Repeat("x", 300*1024), nil })
	reg.RegisterFunc("retrycount", func(in struct{ Count int }) (any, error) {
		if in.Count < 2 {
			return nil, &StepTransient{Reason: "again"}
		}
		return map[string]int{"sawRetryCount": in.Count}, nil
	})
}
