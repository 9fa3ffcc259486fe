package stack_test

import (
	"sort"
	"sync"
	"testing"
	"time"
)

// BenchmarkCreateDomainSubmitToComplete measures submit→COMPLETE of createDomain through
// the local stack (HTTP, gateway, store, engine, step handlers, simulator), with 8 clients
// in parallel; it reports latency percentiles and actions per second.
func BenchmarkCreateDomainSubmitToComplete(b *testing.B) {
	e := startActionsTB(b, true)
	var mu sync.Mutex
	var lat []time.Duration
	start := time.Now()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t0 := time.Now()
			j := e.submit("createDomain", map[string]string{"name": uniqueName("Bench")}, 20000)
			d := time.Since(t0)
			if j.Status != "COMPLETE" {
				b.Errorf("job %s: %s %s", j.TicketID, j.Status, j.ErrorDescription)
			}
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}
	})
	b.StopTimer()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "actions/s")
}
