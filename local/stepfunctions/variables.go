package stepfunctions

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"unicode/utf8"
)

// Workflow variables (the ASL specification's "Variables"; the developer guide's "Passing
// data between states with variables"). A state's Assign writes variables of its scope: the
// execution's top level, or one Parallel branch or Map iteration. An inner scope reads the
// variables of the scopes around it and cannot assign them (refused at load time), so each
// scope's own map is written only by the thread that runs it.

// Variable limits, as the developer guide's "Passing data between states with variables"
// states them: one variable's value, and all the values one Assign writes, 256 KiB each; all
// the variables an execution holds, 10 MiB.
const (
	MaxVariableSize      = 256 * 1024
	MaxAssignSize        = 256 * 1024
	MaxExecutionVarsSize = 10 * 1024 * 1024
)

// varNameRE is a variable name: a letter or underscore, then letters, digits and
// underscores, at most 80 characters (checked apart); "states" is reserved for $states.
var varNameRE = regexp.MustCompile(`^[\p{L}_][\p{L}\p{Nd}_]*$`)

func checkVarName(name string) error {
	switch {
	case !varNameRE.MatchString(name):
		return fmt.Errorf("variable name %q must start with a letter or underscore and hold only letters, digits and underscores", name)
	case utf8.RuneCountInString(name) > 80:
		return fmt.Errorf("variable name %q is longer than 80 characters", name)
	case name == "states":
		return fmt.Errorf("variable name \"states\" is reserved ($states)")
	}
	return nil
}

// varScope is one scope's variables; parent is the scope around it (nil at the top).
type varScope struct {
	parent *varScope
	vals   map[string]any
	size   map[string]int
}

func newVarScope(parent *varScope) *varScope {
	return &varScope{parent: parent, vals: map[string]any{}, size: map[string]int{}}
}

// get finds a variable in this scope or the scopes around it.
func (v *varScope) get(name string) (any, bool) {
	for s := v; s != nil; s = s.parent {
		if val, ok := s.vals[name]; ok {
			return val, true
		}
	}
	return nil, false
}

// all returns every visible variable, inner scopes' shadowing none (the loader refuses an
// inner Assign of an outer name).
func (v *varScope) all() map[string]any {
	out := map[string]any{}
	for s := v; s != nil; s = s.parent {
		for k, val := range s.vals {
			if _, seen := out[k]; !seen {
				out[k] = val
			}
		}
	}
	return out
}

func (v *varScope) totalSize() int {
	n := 0
	for s := v; s != nil; s = s.parent {
		for _, sz := range s.size {
			n += sz
		}
	}
	return n
}

// assign commits one state's assignments, checking the limits first so that a failed
// Assign writes nothing.
func (v *varScope) assign(state string, vals map[string]any) *stateError {
	total := 0
	sizes := map[string]int{}
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		n := len(encodeJSON(vals[k]))
		if n > MaxVariableSize {
			return &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("The variable '%s' assigned in state '%s' has a size of %d bytes, exceeding the maximum of %d bytes for one variable.", k, state, n, MaxVariableSize)}
		}
		sizes[k] = n
		total += n
	}
	if total > MaxAssignSize {
		return &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("The variables assigned in state '%s' have a combined size of %d bytes, exceeding the maximum of %d bytes for one Assign.", state, total, MaxAssignSize)}
	}
	after := v.totalSize() + total
	for k := range vals {
		after -= v.size[k]
	}
	if after > MaxExecutionVarsSize {
		return &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("Assigning the variables of state '%s' would make the execution's variables %d bytes, exceeding the maximum of %d bytes.", state, after, MaxExecutionVarsSize)}
	}
	for k, val := range vals {
		v.vals[k] = val
		v.size[k] = sizes[k]
	}
	return nil
}

// assignedDetails renders assignments as the assignedVariables of a StateExited event: each
// name with its value's JSON text.
func assignedDetails(vals map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range vals {
		out[k] = encodeJSON(v)
	}
	return out
}
