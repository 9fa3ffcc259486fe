package stack_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actionservice/actionservice/local/dynamodblocal"
	"github.com/actionservice/actionservice/local/stack"
)

// loadLevel is what one level of load measured: clients in parallel, each submitting
// createDomain and waiting for its end through the API (timeOut), as a user's script would.
type loadLevel struct {
	clients, actions int
	rate             float64 // actions ended per second
	p50, p99         time.Duration
}

func (l loadLevel) String() string {
	return fmt.Sprintf("%2d clients: %4d actions, %6.1f actions/s, p50 %4d ms, p99 %4d ms",
		l.clients, l.actions, l.rate, l.p50.Milliseconds(), l.p99.Milliseconds())
}

// drive runs createDomain from clients in parallel until n actions have been submitted or
// limit has passed, whichever comes first, and measures submit→COMPLETE of each.
func drive(tb testing.TB, e *e2e, clients, n int, limit time.Duration) loadLevel {
	var (
		mu      sync.Mutex
		lat     []time.Duration
		started atomic.Int64
		wg      sync.WaitGroup
	)
	deadline := time.Now().Add(limit)
	begin := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for started.Add(1) <= int64(n) && time.Now().Before(deadline) {
				t0 := time.Now()
				j := e.submit("createDomain", map[string]string{"name": uniqueName("Load")}, 20000)
				d := time.Since(t0)
				if j.Status != "COMPLETE" {
					tb.Errorf("job %s: %s %s", j.TicketID, j.Status, j.ErrorDescription)
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	slices.Sort(lat)
	return loadLevel{clients: clients, actions: len(lat), rate: float64(len(lat)) / elapsed.Seconds(),
		p50: percentile(lat, 0.50), p99: percentile(lat, 0.99)}
}

// percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(p*float64(len(sorted)-1))]
}

// loadLevels are the numbers of clients of the load curve; each level runs
// max(levelActions, 8 × clients) actions or levelLimit, whichever ends first.
var loadLevels = []int{1, 8, 32, 64}

const (
	levelActions = 120
	levelLimit   = 90 * time.Second
	// fillClients fill the store between the curves, unmeasured.
	fillClients = 32
)

// BenchmarkLoadCurve drives the local stack (HTTP on loopback, gateway, store, engine, step
// Lambdas, simulator) at 1, 8, 32 and 64 clients and reports actions/s and p50/p99
// submit→COMPLETE per level, and how far throughput past the peak level falls below it
// (past-peak-%: the lowest rate after the peak as a share of the peak). BENCH_STORED (a list
// of counts, default 0) repeats the curve once the store holds that many completed actions,
// filled by 32 clients between the curves: BENCH_STORED=1000,10000,50000 gives the growth
// curve. BENCH_BACKENDS picks the DynamoDB (embedded, dynamodb-local; default both; AWS's
// DynamoDB Local when installed, which make run uses).
func BenchmarkLoadCurve(b *testing.B) {
	stored := []int{0}
	if v := os.Getenv("BENCH_STORED"); v != "" {
		stored = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 0 || (len(stored) > 0 && n <= stored[len(stored)-1]) {
				b.Fatalf("BENCH_STORED=%q: want increasing counts, like 1000,10000,50000", v)
			}
			stored = append(stored, n)
		}
	}
	backends := []string{"embedded", "dynamodb-local"}
	if v := os.Getenv("BENCH_BACKENDS"); v != "" {
		backends = strings.Split(v, ",")
	}
	for _, backend := range backends {
		b.Run(backend, func(b *testing.B) {
			endpoint := ""
			switch backend {
			case "embedded":
			case "dynamodb-local":
				if err := dynamodblocal.Installed(); err != nil {
					b.Skip(err)
				}
				s, err := dynamodblocal.StartServing(context.Background()) // make run's
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(s.Stop)
				endpoint = s.URL
			default:
				b.Fatalf("BENCH_BACKENDS: no backend %q (embedded, dynamodb-local)", backend)
			}
			e := startWith(b, func(c *stack.Config) {
				c.DynamoDBEndpoint, c.Samples, c.Service.WaitCap = endpoint, false, 20*time.Second
			})
			done := 0
			for _, n := range stored {
				if n > done {
					fill := drive(b, e, fillClients, n-done, 24*time.Hour)
					done += fill.actions
					b.Logf("%s: filled to %d stored actions at %.1f actions/s", backend, done, fill.rate)
				}
				b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
					var curve []loadLevel
					for _, c := range loadLevels {
						l := drive(b, e, c, max(levelActions, 8*c), levelLimit)
						done += l.actions
						curve = append(curve, l)
						b.Logf("%s, %d stored: %s", backend, n, l)
						b.ReportMetric(l.rate, fmt.Sprintf("c%d-actions/s", c))
						b.ReportMetric(float64(l.p99.Microseconds())/1000, fmt.Sprintf("c%d-p99-ms", c))
					}
					b.ReportMetric(pastPeak(curve), "past-peak-%")
				})
			}
		})
	}
}

// pastPeak is the lowest rate of the levels after the fastest, as a percentage of it (100
// when the fastest is the last).
func pastPeak(curve []loadLevel) float64 {
	peak := 0
	for i, l := range curve {
		if l.rate > curve[peak].rate {
			peak = i
		}
	}
	lowest := curve[peak].rate
	for _, l := range curve[peak:] {
		lowest = min(lowest, l.rate)
	}
	return 100 * lowest / curve[peak].rate
}
