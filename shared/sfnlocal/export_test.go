package sfnlocal

import "testing"

// DiffCase is a conformance case as the differential tier (package sfnlocal_test) sees it.
type DiffCase struct {
	Name, Definition, Input string
	Status, Output, Error   string
	// SkipMoto is why the case is not run on moto; "" = run.
	SkipMoto string
}

// DiffCases exports the conformance cases to the differential tier.
func DiffCases() []DiffCase {
	var out []DiffCase
	for _, c := range conformanceCases {
		out = append(out, DiffCase{Name: c.name, Definition: expandDef(c.def), Input: c.input, Status: c.status, Output: c.output, Error: c.err, SkipMoto: c.moto})
	}
	return out
}

// RegisterTestHandlers registers the conformance handlers.
func RegisterTestHandlers(reg *Registry) { testHandlers(reg) }

// RunDiffCase runs a case on a fresh engine with a fake clock.
func RunDiffCase(t *testing.T, c DiffCase) Execution {
	x, _ := runOnEngine(t, confCase{name: c.Name, def: c.Definition, input: c.Input})
	return x
}

// JSONEqual compares two JSON texts structurally.
func JSONEqual(a, b string) bool {
	va, err1 := decodeJSON([]byte(a))
	vb, err2 := decodeJSON([]byte(b))
	return err1 == nil && err2 == nil && jsonEqual(va, vb)
}
