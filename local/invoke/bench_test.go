package invoke_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actionservice/actionservice/local/invoke"
)

// BenchmarkColdStart reports, for every function of the template, the size of its bootstrap
// as it deploys (linux/arm64, stripped, the Makefile's recipe) and the median init duration
// of its cold starts, one per iteration: its bootstrap, built for this machine, started
// afresh under the Runtime Interface Emulator and invoked once with its first sample event,
// on the local stack's tables. Init is what the emulator reports, as Lambda does: from the
// process's start to its first request for an event.
func BenchmarkColdStart(b *testing.B) {
	rie, _, env := emulated(b)
	evs := generated(b)
	first := map[string]string{}
	for path := range evs {
		fn := strings.SplitN(path, "/", 2)[0]
		if p, ok := first[fn]; !ok || path < p {
			first[fn] = path
		}
	}
	ctx := context.Background()
	root := moduleRoot(b)
	for _, fn := range slices.Sorted(maps.Keys(first)) {
		deployed, err := invoke.BuildFor(ctx, root, fn, b.TempDir(), "arm64")
		if err != nil {
			b.Fatal(err)
		}
		info, err := os.Stat(deployed)
		if err != nil {
			b.Fatal(err)
		}
		bootstrap, err := invoke.Build(ctx, root, fn, filepath.Join(b.TempDir(), "host"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fn, func(b *testing.B) {
			inits := make([]time.Duration, 0, b.N)
			for range b.N {
				out, err := invoke.Emulated(ctx, rie, bootstrap, env, evs[first[fn]])
				var fe *invoke.FunctionError
				if err != nil && !errors.As(err, &fe) {
					b.Fatal(err)
				}
				inits = append(inits, out.Init)
			}
			slices.Sort(inits)
			b.ReportMetric(float64(inits[len(inits)/2].Microseconds())/1000, "init-ms")
			b.ReportMetric(float64(info.Size())/(1<<20), "bootstrap-MiB")
		})
	}
}
