package stack_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/actionservice/actionservice/local/dynamodblocal"
	"github.com/actionservice/actionservice/local/stack"
)

// BenchmarkThroughputAsActionsAccumulate runs createDomain in rounds of 500 (8 clients) on one
// stack until BENCH_ACTIONS (default 2000) have completed, and reports the actions per second
// of the first round and of the last: how an action's cost grows with the data already stored.
// On the embedded DynamoDB and on AWS's DynamoDB Local (when installed), which make run uses.
func BenchmarkThroughputAsActionsAccumulate(b *testing.B) {
	total := 2000
	if v, err := strconv.Atoi(os.Getenv("BENCH_ACTIONS")); err == nil && v > 0 {
		total = v
	}
	backends := map[string]func(b *testing.B) string{
		"embedded": func(*testing.B) string { return "" },
		"dynamodb-local": func(b *testing.B) string {
			if err := dynamodblocal.Installed(); err != nil {
				b.Skip(err)
			}
			s, err := dynamodblocal.Start(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(s.Stop)
			return s.URL
		},
	}
	for _, name := range []string{"embedded", "dynamodb-local"} {
		b.Run(name, func(b *testing.B) {
			endpoint := backends[name](b)
			e := startWith(b, func(c *stack.Config) { c.DynamoDBEndpoint, c.Samples = endpoint, false })
			const round, clients = 500, 8
			var first, last float64
			for done := 0; done < total; done += round {
				start := time.Now()
				var wg sync.WaitGroup
				for c := range clients {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := c; i < round; i += clients {
							if j := e.submit("createDomain", map[string]string{"name": uniqueName("Grow")}, 20000); j.Status != "COMPLETE" {
								b.Errorf("job %s: %s %s", j.TicketID, j.Status, j.ErrorDescription)
							}
						}
					}()
				}
				wg.Wait()
				rate := round / time.Since(start).Seconds()
				if done == 0 {
					first = rate
				}
				last = rate
				b.Logf("%s: %d actions stored, %.0f actions/s", name, done+round, rate)
			}
			b.ReportMetric(first, "first-actions/s")
			b.ReportMetric(last, fmt.Sprintf("at-%d-actions/s", total))
		})
	}
}
