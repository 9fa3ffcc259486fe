// Package actions is the catalogue of the actions the service runs: for each action its
// parameters, its steps in order, the system each step calls, how a step is retried and
// compensated, and the results it produces. The catalogue is the single source from which the
// API validates submissions (Validate), lists actions (GET /action) and from which the Step
// Functions definitions in statemachines/ are generated (StateMachine); docs/saga.md is the
// contract between them. It imports no AWS package.
package actions

import (
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParamType is the kind of value a parameter takes.
type ParamType string

const (
	// String is any non-blank text.
	String ParamType = "string"
	// ID is a numeric string, as the domain, user, tenant and account ids are.
	ID ParamType = "id"
	// Email is a bare email address (no display name).
	Email ParamType = "email"
	// Enum is one of the parameter's Values.
	Enum ParamType = "enum"
)

// Param is one parameter of an action.
type Param struct {
	Name     string
	Required bool
	Type     ParamType
	// Values are the allowed values of an Enum parameter, in the order they are documented.
	Values []string
}

// System is the system a step calls; each is served by one step function.
type System string

const (
	Identity System = "identity" // the identity records in DynamoDB (Ums* steps)
	KMS      System = "kms"      // key management (Kms* steps)
	CRM      System = "crm"      // the CRM (Salesforce* steps)
	Billing  System = "billing"  // billing (Zuora* steps)
	Storage  System = "storage"  // object storage (Swift* steps)
)

// Outside reports whether the system is reached through the outside-system adapter (over
// HTTP, slower, its failures partly transient) rather than being the service's own tables.
func (s System) Outside() bool { return s != Identity }

// Systems lists every system a step calls, the service's own identity tables first.
var Systems = []System{Identity, KMS, CRM, Billing, Storage}

// OutsideSystems lists the systems reached through the outside-system adapter.
func OutsideSystems() []System {
	var out []System
	for _, s := range Systems {
		if s.Outside() {
			out = append(out, s)
		}
	}
	return out
}

// Valid reports whether s is one of [Systems].
func (s System) Valid() bool { return slices.Contains(Systems, s) }

// String is the name shown to clients in error messages ("CRM refused …").
func (s System) String() string {
	switch s {
	case KMS, CRM:
		return strings.ToUpper(string(s))
	case Identity, Billing, Storage:
		return strings.ToUpper(string(s[:1])) + string(s[1:])
	}
	return string(s)
}

// title is the system's name as it appears in identifiers: Identity, Kms, Crm, Billing.
func (s System) title() string { return strings.ToUpper(string(s[:1])) + string(s[1:]) }

// Function is the DefinitionSubstitutions name of the step function serving the system
// (IdentityFunctionArn, KmsFunctionArn, …), or "" for a system that is not one of [Systems].
func (s System) Function() string {
	if !s.Valid() {
		return ""
	}
	return s.title() + "FunctionArn"
}

// LogicalID is the template.yaml logical id of the step function serving the system
// (StepIdentityFunction, StepKmsFunction, …); its main package is functions/steps/<system>.
func (s System) LogicalID() string { return "Step" + s.title() + "Function" }

// TimeoutSeconds is how long one call of a step of this system may take, unless the step's
// catalogue entry says otherwise.
func (s System) TimeoutSeconds() int {
	if s.Outside() {
		return 30
	}
	return 10
}

// TicketsFunction is the DefinitionSubstitutions name of the bookkeeping function that records
// a job's outcome on its ticket (phases undoFailed, timedOut, failed, complete).
const TicketsFunction = "TicketsFunctionArn"

// TicketsLogicalID is the template.yaml logical id of the bookkeeping function.
const TicketsLogicalID = "StepTicketsFunction"

// BookkeepingTimeoutSeconds is how long one call of the tickets function may take.
const BookkeepingTimeoutSeconds = 10

// RetryPolicy is how a step is retried after StepTransient or States.Timeout, in the terms of an
// ASL Retrier: MaxAttempts counts retries, so a step runs at most 1+MaxAttempts times.
type RetryPolicy struct {
	IntervalSeconds int
	MaxAttempts     int
	BackoffRate     float64
	// MaxDelaySeconds caps an interval; 0 means no cap.
	MaxDelaySeconds int
	// JitterStrategy is "FULL" or "" (none).
	JitterStrategy string
}

var (
	// OutsideRetry is the policy of steps calling an outside system: their 5xx, 429 and network
	// failures are usually over within seconds.
	OutsideRetry = RetryPolicy{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 8, JitterStrategy: "FULL"}
	// IdentityRetry is the policy of steps writing the identity tables: a DynamoDB throttle
	// either clears at once or is not worth waiting for.
	IdentityRetry = RetryPolicy{IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2}
)

// delays are the intervals before each retry, as Step Functions computes them without jitter
// (jitter only shortens them).
func (p RetryPolicy) delays() []float64 {
	out := make([]float64, p.MaxAttempts)
	d := float64(p.IntervalSeconds)
	for i := range out {
		out[i] = d
		if p.MaxDelaySeconds > 0 && out[i] > float64(p.MaxDelaySeconds) {
			out[i] = float64(p.MaxDelaySeconds)
		}
		d *= p.BackoffRate
	}
	return out
}

// Step is one step of an action.
type Step struct {
	// Name is the step's operation, and the name of its state.
	Name   string
	System System
	// Compensation is the operation undoing the step ("" when the step has nothing to undo):
	// CreateX ↔ DeleteX, SetX ↔ SetX back to the state it replaced.
	Compensation string
	Retry        RetryPolicy
	// TimeoutSeconds is how long one call of the step (or of its compensation) may take.
	TimeoutSeconds int
	// Results are the actionResults keys the step produces.
	Results []string
}

// Function is the DefinitionSubstitutions name of the function running the step.
func (s Step) Function() string { return s.System.Function() }

// Compensable reports whether the step has a compensation.
func (s Step) Compensable() bool { return s.Compensation != "" }

// UndoState is the name of the state running the step's compensation.
func (s Step) UndoState() string { return "Undo" + s.Name }

// UndoFailedState is the name of the state recording that the compensation failed.
func (s Step) UndoFailedState() string { return "UndoFailed" + s.Name }

// TimedOutState is the name of the state recording that the step's retries were used up.
func (s Step) TimedOutState() string { return "RecordTimedOut" + s.Name }

// Action is one action of the catalogue: one state machine, one kind of job ticket.
type Action struct {
	Name        string
	Description string
	Params      []Param
	Steps       []Step
	// DomainParam is the parameter naming the domain the action targets, so that tickets can
	// be listed per domain; "" when the target domain is not a parameter. When the parameter
	// is optional and absent, the target is the domain of the UserParam's user, else the
	// caller's own domain, and submit fills the parameter in.
	DomainParam string
	// DomainResult is the result naming the target domain when the action creates it.
	DomainResult string
	// UserParam names the user the action targets (its domain is the target domain), and
	// TenantParam the tenant of DomainParam's domain it targets; "" when none. Submit resolves
	// them before an execution starts, so an action never runs on what its caller may not see.
	UserParam   string
	TenantParam string
}

// Domain is the id of the domain the job targets, from its parameters or, for an action that
// creates the domain, its results; "" when not known (yet).
func (a Action) Domain(params, results map[string]string) string {
	if a.DomainParam != "" {
		return params[a.DomainParam]
	}
	if a.DomainResult != "" {
		return results[a.DomainResult]
	}
	return ""
}

// Results are the actionResults keys the action produces, in step order.
func (a Action) Results() []string {
	var out []string
	for _, s := range a.Steps {
		out = append(out, s.Results...)
	}
	return out
}

// Param returns the declared parameter of that name.
func (a Action) Param(name string) (Param, bool) {
	for _, p := range a.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Step returns the step of that name.
func (a Action) Step(name string) (Step, bool) {
	for _, s := range a.Steps {
		if s.Name == name {
			return s, true
		}
	}
	return Step{}, false
}

// ParamErrorKind says what is wrong with a parameter.
type ParamErrorKind int

const (
	MissingParam ParamErrorKind = iota + 1 // a required parameter is absent or blank
	UnknownParam                           // a parameter the action does not declare
	InvalidParam                           // a value not of the parameter's type
)

// ParamError is a submission's parameter problem; its message is what the ticket records as
// errorDescription (category USER_INPUT).
type ParamError struct {
	Kind  ParamErrorKind
	Param string
	// Reason says why an invalid value is invalid.
	Reason string
}

func (e *ParamError) Error() string {
	switch e.Kind {
	case MissingParam:
		return fmt.Sprintf("Missing required parameter [%s]", e.Param)
	case UnknownParam:
		return fmt.Sprintf("Unknown parameter [%s]", printable(e.Param))
	default:
		return fmt.Sprintf("Invalid parameter [%s]: %s", e.Param, e.Reason)
	}
}

// printable is a name the caller typed, as an error message may show it: quoted when it
// holds control characters, cut at MaxValueLength characters.
func printable(name string) string {
	if r := []rune(name); len(r) > MaxValueLength {
		name = string(r[:MaxValueLength]) + "…"
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return strconv.Quote(name)
	}
	return name
}

// Validate checks a submission's parameters and returns a *ParamError for the first problem:
// a missing required parameter (in declared order), else an unknown parameter (in name order),
// else an invalid value (in declared order). A blank value counts as absent.
func (a Action) Validate(params map[string]string) error {
	for _, p := range a.Params {
		if p.Required && strings.TrimSpace(params[p.Name]) == "" {
			return &ParamError{Kind: MissingParam, Param: p.Name}
		}
	}
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := a.Param(name); !ok {
			return &ParamError{Kind: UnknownParam, Param: name}
		}
	}
	for _, p := range a.Params {
		v, ok := params[p.Name]
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		if why := p.check(v); why != "" {
			return &ParamError{Kind: InvalidParam, Param: p.Name, Reason: why}
		}
	}
	return nil
}

// NamesTarget reports whether the parameters name the action's target — its DomainParam or
// UserParam given — by values valid for those parameters, whatever the other parameters
// hold. A submission refused for its other parameters still tells which domain it was
// meant for.
func (a Action) NamesTarget(params map[string]string) bool {
	named := false
	for _, name := range []string{a.DomainParam, a.UserParam, a.TenantParam} {
		v := params[name]
		if name == "" || strings.TrimSpace(v) == "" {
			continue
		}
		if p, ok := a.Param(name); !ok || p.check(v) != "" {
			return false
		}
		named = named || name != a.TenantParam
	}
	return named
}

// MaxValueLength bounds every parameter value that is not an id (API.md §1: names ≤ 255
// characters); ids are bounded by their own rule (at most 19 digits).
const MaxValueLength = 255

// check returns why v is not a valid value of p, or "".
func (p Param) check(v string) string {
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return "contains control characters"
	}
	if utf8.RuneCountInString(v) > MaxValueLength {
		return fmt.Sprintf("longer than %d characters", MaxValueLength)
	}
	switch p.Type {
	case ID:
		if len(v) > 19 || strings.Trim(v, "0123456789") != "" {
			return "not a numeric id"
		}
	case Email:
		if a, err := mail.ParseAddress(v); err != nil || a.Address != v || a.Name != "" {
			return "not an email address"
		}
	case Enum:
		if !slices.Contains(p.Values, v) {
			return "not one of " + strings.Join(p.Values, ", ")
		}
	}
	return ""
}

// Catalogue returns every action, in a stable order. The slice and everything in it belong to
// the caller.
func Catalogue() []Action {
	return catalogue()
}

// Steps returns every step of the catalogue once, in catalogue order. A step that several
// actions share is declared alike in each (TestStepNamesAreOneStepEach holds it).
func Steps() []Step {
	var out []Step
	seen := map[string]bool{}
	for _, a := range catalogue() {
		for _, st := range a.Steps {
			if !seen[st.Name] {
				seen[st.Name] = true
				out = append(out, st)
			}
		}
	}
	return out
}

// Operations maps every operation the steps of the catalogue call — the steps themselves and
// their compensations — to the system that serves it.
func Operations() map[string]System {
	out := map[string]System{}
	for _, st := range Steps() {
		out[st.Name] = st.System
		if st.Compensable() {
			out[st.Compensation] = st.System
		}
	}
	return out
}

// Lookup returns the action of that name.
func Lookup(name string) (Action, bool) {
	for _, a := range catalogue() {
		if a.Name == name {
			return a, true
		}
	}
	return Action{}, false
}
