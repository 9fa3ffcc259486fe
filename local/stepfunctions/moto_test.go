package stepfunctions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/actionservice/actionservice/local/stepfunctions"
	"github.com/actionservice/actionservice/local/stepfunctions/stepfunctionstest"
)

// The differential tier runs the conformance definitions on sfnlocal and on moto's engine
// (moto 5's ASL interpreter, derived from LocalStack's), with the same Go handlers, and
// compares the outcomes: status, output, error, and the cause where the case asserts one.
//
// A case where moto departs from AWS carries a recorded moto outcome and the reason, citing
// the ASL specification or AWS's documentation, why sfnlocal's answer is AWS's. Such a case
// still runs on moto, and the test fails if moto stops giving the recorded outcome, so the
// record stays true. A case runs nowhere but on sfnlocal only when moto cannot run it in
// reasonable real time; its reason says so.

// motoOutput reads moto's execution output: moto 5.2.1 returns a string output as the bare
// string rather than its JSON text ("mid" comes back as mid).
func motoOutput(s string) string {
	if stepfunctions.JSONEqual(s, s) {
		return s
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// tally counts what the differential tier did, and logs it when the test ends.
type tally struct {
	mu       sync.Mutex
	compared []string
	differs  []string
	skipped  map[string][]string // reason → cases
}

func (ty *tally) add(list *[]string, name string) {
	ty.mu.Lock()
	defer ty.mu.Unlock()
	*list = append(*list, name)
}

func (ty *tally) skip(name, why string) {
	ty.mu.Lock()
	defer ty.mu.Unlock()
	if ty.skipped == nil {
		ty.skipped = map[string][]string{}
	}
	ty.skipped[why] = append(ty.skipped[why], name)
}

func (ty *tally) report(t *testing.T) {
	ty.mu.Lock()
	defer ty.mu.Unlock()
	n := 0
	var reasons []string
	for why, names := range ty.skipped {
		n += len(names)
		reasons = append(reasons, fmt.Sprintf("%s: %s", strings.Join(names, ", "), why))
	}
	sort.Strings(reasons)
	t.Logf("moto differential: %d cases agree with sfnlocal, %d differ as recorded (moto departs from AWS), %d not run on moto",
		len(ty.compared), len(ty.differs), n)
	for _, r := range reasons {
		t.Logf("  not run on moto: %s", r)
	}
}

// causeFields reads errorType and errorMessage from a Lambda error cause.
func causeFields(cause string) (string, bool) {
	var e struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if !strings.HasPrefix(cause, "{") || json.Unmarshal([]byte(cause), &e) != nil {
		return "", false
	}
	return e.ErrorType + ": " + e.ErrorMessage, true
}

func runOnMoto(t *testing.T, moto *stepfunctionstest.Moto, name string, c stepfunctions.MotoCase) (*sfn.DescribeExecutionOutput, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	return moto.Run(ctx, name, c.Definition, c.Input)
}

// assertAgrees checks that moto's outcome is sfnlocal's.
func assertAgrees(t *testing.T, c stepfunctions.MotoCase, local stepfunctions.Execution, d *sfn.DescribeExecutionOutput) {
	t.Helper()
	if string(d.Status) != local.Status {
		t.Fatalf("status: moto %s (%s %s), sfnlocal %s (%s %s)", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), local.Status, local.Error, local.Cause)
	}
	out := motoOutput(aws.ToString(d.Output))
	if c.Shape != nil {
		c.Shape(t, out)
	} else if local.Output != nil && !stepfunctions.JSONEqual(*local.Output, out) {
		t.Errorf("output: moto %s, sfnlocal %s", aws.ToString(d.Output), *local.Output)
	}
	if local.Error != aws.ToString(d.Error) {
		t.Errorf("error: moto %q (%s), sfnlocal %q (%s)", aws.ToString(d.Error), aws.ToString(d.Cause), local.Error, local.Cause)
	}
	if lf, ok := causeFields(local.Cause); ok {
		// A handler's error: the same type and message (stack traces differ in their frames).
		if mf, _ := causeFields(aws.ToString(d.Cause)); mf != lf {
			t.Errorf("cause: moto %s, sfnlocal %s", aws.ToString(d.Cause), local.Cause)
		}
	} else if c.Cause != "" && !strings.Contains(aws.ToString(d.Cause), c.Cause) {
		t.Errorf("cause: moto %q lacks %q (sfnlocal %q)", aws.ToString(d.Cause), c.Cause, local.Cause)
	}
}

// assertRecorded checks that moto still gives the recorded outcome that departs from AWS.
func assertRecorded(t *testing.T, c stepfunctions.MotoCase, d *sfn.DescribeExecutionOutput, err error) {
	t.Helper()
	r := c.Differs
	stale := fmt.Sprintf("\nmoto no longer answers as recorded (%s); if it now agrees with sfnlocal, drop the record", r.Why)
	if r.RunError != "" {
		if err == nil || !strings.Contains(err.Error(), r.RunError) {
			t.Fatalf("moto run error %v, recorded %q%s", err, r.RunError, stale)
		}
		return
	}
	if err != nil {
		t.Fatalf("moto: %v", err)
	}
	if string(d.Status) != r.Status || aws.ToString(d.Error) != r.Error {
		t.Fatalf("moto status %s error %q (cause %q output %s), recorded %s %q%s",
			d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), aws.ToString(d.Output), r.Status, r.Error, stale)
	}
	if r.Output != "" && !stepfunctions.JSONEqual(motoOutput(aws.ToString(d.Output)), r.Output) {
		t.Errorf("moto output %s, recorded %s%s", aws.ToString(d.Output), r.Output, stale)
	}
	if r.Cause != "" && !strings.Contains(aws.ToString(d.Cause), r.Cause) {
		t.Errorf("moto cause %q, recorded to contain %q%s", aws.ToString(d.Cause), r.Cause, stale)
	}
}

func runDifferential(t *testing.T, cases []stepfunctions.MotoCase) {
	reg := stepfunctions.NewRegistry()
	stepfunctions.RegisterConformanceHandlers(reg)
	moto := stepfunctionstest.StartMoto(t, reg)
	ty := &tally{}
	t.Cleanup(func() { ty.report(t) })
	for i, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if c.Skip != "" {
				ty.skip(c.Name, c.Skip)
				t.Skipf("not run on moto: %s", c.Skip)
			}
			t.Parallel()
			local := stepfunctions.RunMotoCase(t, c)
			d, err := runOnMoto(t, moto, fmt.Sprintf("diff%d", i), c)
			if c.Differs != nil {
				assertRecorded(t, c, d, err)
				if !t.Failed() {
					ty.add(&ty.differs, c.Name)
				}
				return
			}
			if err != nil {
				t.Fatalf("moto: %v", err)
			}
			assertAgrees(t, c, local, d)
			if !t.Failed() {
				ty.add(&ty.compared, c.Name)
			}
		})
	}
}

// TestDifferentialAgainstMoto runs every conformance definition on both engines with the
// same Go handlers: the outcomes agree, or moto gives its recorded departure from AWS.
func TestDifferentialAgainstMoto(t *testing.T) {
	runDifferential(t, stepfunctions.MotoCases())
}

// TestDifferentialIntrinsicsAgainstMoto compares the deterministic intrinsic functions one
// at a time on both engines.
func TestDifferentialIntrinsicsAgainstMoto(t *testing.T) {
	runDifferential(t, stepfunctions.IntrinsicMotoCases())
}
