package sfnlocal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/actionservice/actionservice/shared/sfnlocal"
	"github.com/actionservice/actionservice/shared/sfnlocal/sfntest"
)

// motoDisagreements are conformance cases where moto 5.2.1 and sfnlocal differ; the ASL
// specification (and AWS's documented behaviour) decides, and sfnlocal follows it.
var motoDisagreements = map[string]string{
	"ParallelRunsBranchesAndCollectsOutputs": "moto evaluates the definite path $[0].N as a list ([8]); " +
		"in JSONPath a path of names and indices selects one node, and AWS yields 8",
	"ParametersPathSelectingNothingIsRuntime": "moto lets States.ALL catch a Parameters path that selects nothing; " +
		"AWS fails the execution with States.Runtime, which States.ALL does not match",
	"ChoiceTypeTests": "moto's IsTimestamp accepts only YYYY-MM-DDTHH:MM:SSZ; the ASL spec takes RFC3339 " +
		"timestamps, so fractional seconds and offsets are timestamps too",
	"ChoiceTimestampComparisons": "moto parses only YYYY-MM-DDTHH:MM:SSZ and so never matches an offset timestamp; " +
		"the ASL spec compares RFC3339 instants",
	"ChoiceStringMatchesWildcardsAndEscapes": "moto uses Python fnmatch (no \\* escape, [] classes); the ASL spec " +
		"defines only * as a wildcard with \\* and \\\\ as escapes",
	"ChoiceWithoutMatchFailsNoChoiceMatched": "moto fails with States.Runtime; the ASL spec and AWS name the error " +
		"States.NoChoiceMatched",
	"ChoiceOnMissingVariableFailsRuntime": "moto treats a missing Variable as no match and takes Default; AWS fails " +
		"with States.Runtime (invalid path in a Choice rule)",
}

// motoOutput reads moto's execution output: moto 5.2.1 returns a string output as the bare
// string rather than its JSON text ("mid" comes back as mid).
func motoOutput(s string) string {
	if sfnlocal.JSONEqual(s, s) {
		return s
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// TestDifferentialAgainstMoto runs the conformance definitions that moto supports on both
// engines with the same Go handlers and compares final status, output and error.
func TestDifferentialAgainstMoto(t *testing.T) {
	reg := sfnlocal.NewRegistry()
	sfnlocal.RegisterTestHandlers(reg)
	moto := sfntest.StartMoto(t, reg)
	for i, c := range sfnlocal.DiffCases() {
		t.Run(c.Name, func(t *testing.T) {
			if c.SkipMoto != "" {
				t.Skipf("not compared with moto: %s", c.SkipMoto)
			}
			if why, ok := motoDisagreements[c.Name]; ok {
				t.Skipf("moto disagrees, the ASL specification decides: %s", why)
			}
			t.Parallel()
			local := sfnlocal.RunDiffCase(t, c)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			d, err := moto.Run(ctx, fmt.Sprintf("diff%d", i), c.Definition, c.Input)
			if err != nil {
				t.Fatalf("moto: %v", err)
			}
			if string(d.Status) != local.Status {
				t.Fatalf("status: moto %s (%s %s), sfnlocal %s (%s %s)", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), local.Status, local.Error, local.Cause)
			}
			if local.Output != nil && !sfnlocal.JSONEqual(*local.Output, motoOutput(aws.ToString(d.Output))) {
				t.Errorf("output: moto %s, sfnlocal %s", aws.ToString(d.Output), *local.Output)
			}
			if local.Error != aws.ToString(d.Error) {
				t.Errorf("error: moto %q (%s), sfnlocal %q (%s)", aws.ToString(d.Error), aws.ToString(d.Cause), local.Error, local.Cause)
			}
			if strings.HasPrefix(local.Cause, "{") && local.Cause != aws.ToString(d.Cause) {
				t.Errorf("cause: moto %s, sfnlocal %s", aws.ToString(d.Cause), local.Cause)
			}
		})
	}
}
