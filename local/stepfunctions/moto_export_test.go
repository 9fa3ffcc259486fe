package stepfunctions

import (
	"encoding/json"
	"fmt"
	"sort"
	"testing"
)

// MotoCase is a conformance case as the differential tier (package sfnlocal_test) sees it.
type MotoCase struct {
	Name, Definition, Input string
	// What sfnlocal must answer: the conformance expectations.
	Status, Output, Error, Cause string
	Shape                        func(t *testing.T, output string)
	// Skip is why the case does not run on moto; "" = it runs.
	Skip string
	// Differs is moto's recorded departure from AWS, nil when moto must agree with sfnlocal.
	Differs *MotoOutcome
}

// MotoOutcome is what moto answers for a case where it departs from AWS, and why.
type MotoOutcome struct {
	Why, Status, Error, Output, Cause, RunError string
}

func motoCase(c confCase) MotoCase {
	mc := MotoCase{
		Name: c.name, Definition: expandDef(c.def), Input: c.input,
		Status: c.status, Output: c.output, Error: c.err, Cause: c.cause, Shape: c.shape, Skip: c.moto,
	}
	if d := c.motoDiffers; d != nil {
		mc.Differs = &MotoOutcome{Why: d.why, Status: d.status, Error: d.err, Output: d.output, Cause: d.cause, RunError: d.runErr}
	}
	return mc
}

// MotoCases exports every conformance case to the differential tier.
func MotoCases() []MotoCase {
	var out []MotoCase
	for _, c := range conformanceCases {
		out = append(out, motoCase(c))
	}
	return out
}

// intrinsicMotoDiffers records the intrinsic functions, by Parameters key of the
// IntrinsicFunctions case, that moto 5.2.1 evaluates otherwise than AWS.
var intrinsicMotoDiffers = map[string]*motoOutcome{
	"fmt": {
		why: "moto 5.2.1 fails on the escaped braces \\{ \\} in a States.Format template (States.Runtime, KeyError); the " +
			"ASL specification (\"Intrinsic Functions\": the characters ' { } \\ are escaped with \\) makes \\{literal\\} " +
			"the text {literal}",
		status: StatusFailed, err: ErrRuntime, cause: "KeyError",
	},
}

// IntrinsicMotoCases splits the IntrinsicFunctions conformance case into one Pass state per
// intrinsic function, so that the differential tier compares each function on its own.
// (States.UUID and States.MathRandom are the IntrinsicUUIDAndMathRandom case, compared by
// shape with the other cases.)
func IntrinsicMotoCases() []MotoCase {
	var base confCase
	for _, c := range conformanceCases {
		if c.name == "IntrinsicFunctions" {
			base = c
		}
	}
	var def struct {
		States struct {
			P struct {
				Parameters map[string]string
			}
		}
	}
	if err := json.Unmarshal([]byte(base.def), &def); err != nil {
		panic(err)
	}
	var want map[string]json.RawMessage
	if err := json.Unmarshal([]byte(base.output), &want); err != nil {
		panic(err)
	}
	keys := make([]string, 0, len(def.States.P.Parameters))
	for k := range def.States.P.Parameters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []MotoCase
	for _, k := range keys {
		name := k[:len(k)-2] // drop ".$"
		params, _ := json.Marshal(map[string]string{k: def.States.P.Parameters[k]})
		c := confCase{
			name:   fmt.Sprintf("%s/%s", base.name, name),
			def:    fmt.Sprintf(`{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":%s,"End":true}}}`, params),
			input:  base.input,
			status: StatusSucceeded,
			output: fmt.Sprintf(`{%q:%s}`, name, want[name]),
		}
		if want[name] == nil {
			panic("IntrinsicFunctions has no expected output for " + name)
		}
		c.motoDiffers = intrinsicMotoDiffers[name]
		out = append(out, motoCase(c))
	}
	return out
}

// RegisterConformanceHandlers registers every handler the conformance cases invoke.
func RegisterConformanceHandlers(reg *Registry) {
	testHandlers(reg)
	conformanceHandlers(reg)
}

// RunMotoCase runs a case on a fresh engine with a fake clock and asserts sfnlocal's
// expectations for it.
func RunMotoCase(t *testing.T, c MotoCase) Execution {
	t.Helper()
	cc := confCase{name: c.Name, def: c.Definition, input: c.Input, status: c.Status, output: c.Output, err: c.Error, cause: c.Cause, shape: c.Shape}
	x, h := runOnEngine(t, cc)
	assertCase(t, cc, x, h)
	return x
}
