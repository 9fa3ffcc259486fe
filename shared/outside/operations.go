package outside

import (
	"maps"
	"slices"

	"github.com/actionservice/actionservice/shared/actions"
)

// System names an outside system: one of [actions.OutsideSystems]. Its value is the
// lower-case path segment the simulator serves it under and the middle word of its
// environment variables (OUTSIDE_<SYSTEM>_URL).
type System = actions.System

// Systems lists every outside system.
var Systems = actions.OutsideSystems()

// operationSystem is the catalogue's operations on outside systems: its outside steps and
// their compensations.
var operationSystem = func() map[string]System {
	out := map[string]System{}
	for op, sys := range actions.Operations() {
		if sys.Outside() {
			out[op] = sys
		}
	}
	return out
}()

// SystemOf tells which system serves an operation.
func SystemOf(operation string) (System, bool) {
	s, ok := operationSystem[operation]
	return s, ok
}

// Operations lists every operation the outside systems serve, sorted.
func Operations() []string {
	return slices.Sorted(maps.Keys(operationSystem))
}

// The params and answer of actions.SetZuoraAccountState on the wire: it takes zuoraDomainAcct and
// "state", and answers "state" (now) and "previousState" (what to set to undo it).
const (
	KeyState         = "state"
	KeyPreviousState = "previousState"
)

// KeyCreatedUnder names, in the params of a create's compensation, the idempotency key the
// create was called under, instead of the id it answered: the way to undo a create whose
// answer was lost or never recorded. A system answers NOT_FOUND when nothing was created
// under the key.
const KeyCreatedUnder = "createdUnder"

// KeyChangedUnder names, in the params of a state change's compensation (the same operation),
// the idempotency key the change was called under, instead of the state to set: the way to
// undo a change whose answer, and so the state it replaced, was lost. The system sets back the
// state that call replaced, or answers NOT_FOUND when it changed nothing under the key.
const KeyChangedUnder = "changedUnder"
