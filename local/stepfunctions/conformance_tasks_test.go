package stepfunctions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConformanceTaskTimeoutCancelsHandlerContext: when a Task's TimeoutSeconds runs out,
// the handler's context is cancelled, so a handler that honours its context stops; the task
// fails with States.Timeout at the timeout, on the fake clock.
func TestConformanceTaskTimeoutCancelsHandlerContext(t *testing.T) {
	for _, c := range []struct {
		name, def, events, timedOut string
	}{
		{
			name:     "LambdaArn",
			def:      `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:observe","TimeoutSeconds":5,"End":true}}}`,
			events:   "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionTimedOut ExecutionFailed",
			timedOut: "LambdaFunctionTimedOut",
		},
		{
			name:     "LambdaInvoke",
			def:      `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"observe"},"TimeoutSeconds":5,"End":true}}}`,
			events:   "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskTimedOut ExecutionFailed",
			timedOut: "TaskTimedOut",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			started := make(chan struct{})
			observed := make(chan error, 1)
			e := newTestEngine()
			e.Registry().RegisterFunc("observe", func(ctx context.Context) error {
				close(started)
				<-ctx.Done()
				observed <- ctx.Err()
				return ctx.Err()
			})
			x, h := runOn(t, e, confCase{def: c.def, input: `{}`})
			assertCase(t, confCase{status: StatusFailed, err: ErrTimeout, events: c.events}, x, h)
			assertTimes(t, h, c.timedOut, 5*time.Second)
			select {
			case <-started:
			default:
				t.Fatal("the handler never ran")
			}
			select {
			case err := <-observed:
				if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("the handler's ctx.Err() = %v, want it cancelled", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the handler's context was not cancelled when the task timed out")
			}
		})
	}
}

// gauge is a Lambda handler that records how many of its invocations overlap. Each
// invocation waits (a little real time) for want invocations to be running at once, so a
// Map that runs fewer iterations concurrently than allowed is seen too.
type gauge struct {
	want int
	mu   sync.Mutex
	cur  int
	peak int
	full chan struct{}
}

func newGauge(want int) *gauge { return &gauge{want: want, full: make(chan struct{})} }

func (g *gauge) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	g.mu.Lock()
	g.cur++
	if g.cur > g.peak {
		g.peak = g.cur
		if g.peak == g.want {
			close(g.full)
		}
	}
	g.mu.Unlock()
	select {
	case <-g.full:
	case <-time.After(300 * time.Millisecond):
	}
	time.Sleep(10 * time.Millisecond) // an iteration beyond the limit would overlap here
	g.mu.Lock()
	g.cur--
	g.mu.Unlock()
	return payload, nil
}

// TestConformanceMapMaxConcurrencyBoundsRunningIterations: a Map runs at most MaxConcurrency
// (or MaxConcurrencyPath's value) iterations at once, and uses that many; 0 means no limit.
func TestConformanceMapMaxConcurrencyBoundsRunningIterations(t *testing.T) {
	for _, c := range []struct {
		name  string
		field string // the Map's concurrency field(s)
		input string
		items int
		peak  int
	}{
		{"MaxConcurrency2", `"MaxConcurrency":2,`, `{}`, 7, 2},
		{"MaxConcurrency1RunsOneAtATime", `"MaxConcurrency":1,`, `{}`, 4, 1},
		{"MaxConcurrencyPath3", `"MaxConcurrencyPath":"$.limit",`, `{"limit":3}`, 8, 3},
		{"MaxConcurrency0IsUnbounded", `"MaxConcurrency":0,`, `{}`, 6, 6},
		{"NoMaxConcurrencyIsUnbounded", ``, `{}`, 5, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			items := make([]string, c.items)
			for i := range items {
				items[i] = fmt.Sprint(i)
			}
			input := strings.TrimSuffix(c.input, "}")
			if input != "{" {
				input += ","
			}
			input += `"items":[` + strings.Join(items, ",") + `]}`
			def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",` + c.field + `
				"ItemProcessor":{"StartAt":"G","States":{"G":{"Type":"Task","Resource":"λ:gauge","End":true}}},"End":true}}}`
			g := newGauge(c.peak)
			e := newTestEngine()
			e.Registry().RegisterFunction("gauge", g)
			x, h := runOn(t, e, confCase{def: def, input: input})
			assertCase(t, confCase{
				status: StatusSucceeded, output: "[" + strings.Join(items, ",") + "]",
				events: "ExecutionStarted MapStateEntered MapStateStarted " +
					iterations(c.items, "MapIterationStarted "+taskOK+" MapIterationSucceeded") +
					" MapStateSucceeded MapStateExited ExecutionSucceeded",
			}, x, h)
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.peak != c.peak {
				t.Errorf("at most %d iterations ran at once, want %d", g.peak, c.peak)
			}
		})
	}
}
