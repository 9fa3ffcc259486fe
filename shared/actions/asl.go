package actions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Names of the states every machine shares, and the error names the machines rely on
// (the step runner's Go error type names, see docs/saga.md).
const (
	RecordFailureState = "RecordFailure"
	JobCompleteState   = "JobComplete"
	JobFailedState     = "JobFailed"
	JobTimedOutState   = "JobTimedOut"

	ErrStepFailed    = "StepFailed"
	ErrStepTransient = "StepTransient"
	ErrJobCancelled  = "JobCancelled"
	// ErrTaskTimeout is a Task that did not answer within its TimeoutSeconds, and
	// ErrFunctionTimeout a step Lambda that ran past its own Timeout. The two are equal (so a
	// hung call does not outlive the Task and act after the saga moved on), so either may
	// come first: both mean the system did not answer.
	ErrTaskTimeout     = "States.Timeout"
	ErrFunctionTimeout = "Sandbox.Timedout"
)

// transientErrors are retried with the step's retry policy; once retries are used up the
// step and the job are TIMEDOUT (docs/saga.md).
var transientErrors = []string{ErrStepTransient, ErrTaskTimeout, ErrFunctionTimeout}

// lambdaErrors are the Lambda service's own failures, retried on every Task.
var lambdaErrors = []string{
	"Lambda.ServiceException",
	"Lambda.AWSLambdaException",
	"Lambda.SdkClientException",
	"Lambda.TooManyRequestsException",
}

// lambdaRetry is how Lambda service failures are retried, on every Task.
var lambdaRetry = OutsideRetry

// bookkeepingRetry is how the tickets function is retried after StepTransient (a DynamoDB
// throttle).
var bookkeepingRetry = IdentityRetry

// budgetMargin is the share of the worst case added to it for the machine's TimeoutSeconds,
// which is then rounded up to a whole minute.
const budgetMargin = 0.2

// StateMachine returns the action's Step Functions definition (Amazon States Language, JSONPath),
// indented and stable, as docs/saga.md shapes it: the steps in order, each compensated on a later
// failure by its Undo<Step> state, newest first; a step whose transient failures outlast its
// retries is recorded TIMEDOUT without rollback. Resources are ${…FunctionArn} placeholders for
// DefinitionSubstitutions.
func (a Action) StateMachine() ([]byte, error) {
	m, err := a.machine()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := encode(&buf, m); err != nil {
		return nil, fmt.Errorf("state machine %s: %w", a.Name, err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("state machine %s: %w", a.Name, err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// Budget is the worst-case duration of an execution of the action, in seconds: every call runs
// to its timeout and every retry is used, along the longest path through the machine.
func (a Action) Budget() (float64, error) {
	g := a.graph()
	return g.longest(a.Steps[0].Name)
}

// TimeoutSeconds is the machine's TimeoutSeconds: the budget plus a margin of budgetMargin,
// rounded up to a whole minute.
func (a Action) TimeoutSeconds() (int, error) {
	b, err := a.Budget()
	if err != nil {
		return 0, err
	}
	return int(math.Ceil(b*(1+budgetMargin)/60)) * 60, nil
}

// state is one state under construction: its JSON fields in order and, for the budget, its
// worst-case duration and the states it may go to.
type state struct {
	name   string
	fields object
	cost   float64
	next   []string
}

type graph struct {
	order  []string
	states map[string]*state
}

func (g *graph) add(s *state) {
	g.order = append(g.order, s.name)
	g.states[s.name] = s
}

// longest is the costliest path from start, in seconds.
func (g *graph) longest(start string) (float64, error) {
	memo := map[string]float64{}
	visiting := map[string]bool{}
	var walk func(name string) (float64, error)
	walk = func(name string) (float64, error) {
		if c, ok := memo[name]; ok {
			return c, nil
		}
		s, ok := g.states[name]
		if !ok {
			return 0, fmt.Errorf("no state %q", name)
		}
		if visiting[name] {
			return 0, fmt.Errorf("state %q is on a cycle: no worst case", name)
		}
		visiting[name] = true
		best := 0.0
		for _, n := range s.next {
			c, err := walk(n)
			if err != nil {
				return 0, err
			}
			best = max(best, c)
		}
		visiting[name] = false
		memo[name] = s.cost + best
		return memo[name], nil
	}
	return walk(start)
}

// rollbackEntry is where a failure after the steps before k have run enters the rollback: the
// compensation of the last compensable step before k, or RecordFailure.
func (a Action) rollbackEntry(k int) string {
	for j := k - 1; j >= 0; j-- {
		if a.Steps[j].Compensable() {
			return a.Steps[j].UndoState()
		}
	}
	return RecordFailureState
}

// failureEntry is where step k's own failure enters the rollback: its compensation, which
// finds and undoes whatever the failed call made anyway (an answer lost, a follow-up write
// refused) and does nothing when it made nothing; then the steps before it. A step without
// a compensation enters where a failure after it would.
func (a Action) failureEntry(k int) string {
	if a.Steps[k].Compensable() {
		return a.Steps[k].UndoState()
	}
	return a.rollbackEntry(k)
}

func (a Action) graph() *graph {
	g := &graph{states: map[string]*state{}}
	n := len(a.Steps)
	for k, s := range a.Steps {
		next := JobCompleteState
		if k+1 < n {
			next = a.Steps[k+1].Name
		}
		undo := "no compensation"
		if s.Compensable() {
			undo = "undone by " + s.Compensation + " (" + s.UndoState() + ")"
		}
		g.add(task(taskSpec{
			name:     s.Name,
			comment:  fmt.Sprintf("Step %d of %d, on %s; %s.", k+1, n, string(s.System), undo),
			resource: s.Function(),
			step:     s.Name,
			phase:    "do",
			account:  true,
			final:    k == n-1,
			timeout:  s.TimeoutSeconds,
			retry:    []retrier{{lambdaErrors, lambdaRetry}, {transientErrors, s.Retry}},
			catch: []catcher{
				{transientErrors, "$.error", s.TimedOutState()},
				{[]string{"States.ALL"}, "$.error", a.failureEntry(k)},
			},
			next: next,
		}))
	}
	g.add(&state{name: JobCompleteState, fields: object{{"Type", "Succeed"}}})

	for k, s := range a.Steps {
		g.add(task(taskSpec{
			name:     s.TimedOutState(),
			comment:  s.Name + " kept failing transiently: it and the job are TIMEDOUT, completed steps are kept so that a restart resumes here.",
			resource: TicketsFunction,
			step:     s.Name,
			phase:    "timedOut",
			errorAt:  "$.error",
			timeout:  BookkeepingTimeoutSeconds,
			retry:    bookkeepingRetriers(),
			catch:    []catcher{{[]string{"States.ALL"}, "$.error", a.failureEntry(k)}},
			next:     JobTimedOutState,
		}))
	}
	g.add(&state{name: JobTimedOutState, fields: object{
		{"Type", "Fail"},
		{"Error", "JobTimedOut"},
		{"Cause", "A step's transient failures outlasted its retries; completed steps are kept and PUT /job/{ticketId} resumes the job."},
	}})

	for k := n - 1; k >= 0; k-- {
		s := a.Steps[k]
		if !s.Compensable() {
			continue
		}
		next := a.rollbackEntry(k)
		g.add(task(taskSpec{
			name:     s.UndoState(),
			comment:  s.Compensation + ": compensate " + s.Name + " if it is COMPLETE.",
			resource: s.Function(),
			step:     s.Name,
			phase:    "undo",
			timeout:  s.TimeoutSeconds,
			retry:    []retrier{{lambdaErrors, lambdaRetry}, {[]string{ErrStepTransient}, s.Retry}},
			catch:    []catcher{{[]string{"States.ALL"}, "$.undoError", s.UndoFailedState()}},
			next:     next,
		}))
		g.add(task(taskSpec{
			name:     s.UndoFailedState(),
			comment:  s.Compensation + " failed: " + s.Name + " is ROLLBACK_FAILED for an operator to see; the rollback goes on.",
			resource: TicketsFunction,
			step:     s.Name,
			phase:    "undoFailed",
			errorAt:  "$.undoError",
			timeout:  BookkeepingTimeoutSeconds,
			retry:    bookkeepingRetriers(),
			catch:    []catcher{{[]string{"States.ALL"}, "$.undoError", next}},
			next:     next,
		}))
	}
	g.add(task(taskSpec{
		name:     RecordFailureState,
		comment:  "The job failed: ERROR, or CANCELLED when its deadline passed, with the cause in $.error.",
		resource: TicketsFunction,
		phase:    "failed",
		errorAt:  "$.error",
		timeout:  BookkeepingTimeoutSeconds,
		retry:    bookkeepingRetriers(),
		next:     JobFailedState,
	}))
	g.add(&state{name: JobFailedState, fields: object{
		{"Type", "Fail"},
		{"Error", "JobFailed"},
		{"Cause", "A step failed; the steps done before it were compensated, newest first."},
	}})
	return g
}

func bookkeepingRetriers() []retrier {
	return []retrier{{lambdaErrors, lambdaRetry}, {[]string{ErrStepTransient}, bookkeepingRetry}}
}

type retrier struct {
	errors []string
	policy RetryPolicy
}

type catcher struct {
	errors     []string
	resultPath string
	next       string
}

type taskSpec struct {
	name, comment string
	// resource is the substitution name of the function.
	resource string
	// step is the step the call is about ("" for the job as a whole).
	step, phase string
	// errorAt is the path of the caught error passed as the payload's error ("" for none).
	errorAt string
	// account passes the execution input's accountId; final marks the last step, whose do
	// phase also records the job COMPLETE.
	account, final bool
	timeout        int
	retry          []retrier
	catch          []catcher
	next           string
}

// task builds a Task state calling the function with the step payload of docs/saga.md, keeping
// the state {ticketId, deadline, accountId} (ResultPath null).
func task(t taskSpec) *state {
	params := object{{"ticketId.$", "$.ticketId"}, {"deadline.$", "$.deadline"}}
	if t.account {
		params = append(params, field{"accountId.$", "$.accountId"})
	}
	if t.step != "" {
		params = append(params, field{"step", t.step})
	}
	params = append(params, field{"phase", t.phase})
	if t.final {
		params = append(params, field{"final", true})
	}
	if t.errorAt != "" {
		params = append(params, field{"error.$", t.errorAt})
	}
	s := &state{name: t.name, next: []string{t.next}}
	attempts := 1
	var waits float64
	var retry []object
	for _, r := range t.retry {
		o := object{
			{"ErrorEquals", r.errors},
			{"IntervalSeconds", r.policy.IntervalSeconds},
			{"MaxAttempts", r.policy.MaxAttempts},
			{"BackoffRate", r.policy.BackoffRate},
		}
		if r.policy.MaxDelaySeconds > 0 {
			o = append(o, field{"MaxDelaySeconds", r.policy.MaxDelaySeconds})
		}
		if r.policy.JitterStrategy != "" {
			o = append(o, field{"JitterStrategy", r.policy.JitterStrategy})
		}
		retry = append(retry, o)
		attempts += r.policy.MaxAttempts
		for _, d := range r.policy.delays() {
			waits += d
		}
	}
	// Each retrier counts its own attempts, so in the worst case all of them are used.
	s.cost = float64(attempts*t.timeout) + waits
	var catch []object
	for _, c := range t.catch {
		catch = append(catch, object{{"ErrorEquals", c.errors}, {"ResultPath", c.resultPath}, {"Next", c.next}})
		s.next = append(s.next, c.next)
	}
	s.fields = object{
		{"Type", "Task"},
		{"Comment", t.comment},
		{"Resource", "${" + t.resource + "}"},
		{"Parameters", params},
		{"ResultPath", nil},
		{"TimeoutSeconds", t.timeout},
		{"Retry", retry},
	}
	if len(catch) > 0 {
		s.fields = append(s.fields, field{"Catch", catch})
	}
	s.fields = append(s.fields, field{"Next", t.next})
	return s
}

func (a Action) machine() (object, error) {
	if len(a.Steps) == 0 {
		return nil, fmt.Errorf("state machine %s: no steps", a.Name)
	}
	g := a.graph()
	budget, err := g.longest(a.Steps[0].Name)
	if err != nil {
		return nil, fmt.Errorf("state machine %s: %w", a.Name, err)
	}
	timeout, err := a.TimeoutSeconds()
	if err != nil {
		return nil, fmt.Errorf("state machine %s: %w", a.Name, err)
	}
	states := make(object, 0, len(g.order))
	for _, name := range g.order {
		states = append(states, field{name, g.states[name].fields})
	}
	return object{
		{"Comment", a.story(budget, timeout)},
		{"StartAt", a.Steps[0].Name},
		{"TimeoutSeconds", timeout},
		{"States", states},
	}, nil
}

// story is the machine's Comment: what the action does, how it fails, and its time budget.
func (a Action) story(budget float64, timeout int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s ", a.Name, a.Description)
	var fwd, undo []string
	for k := len(a.Steps) - 1; k >= 0; k-- {
		if a.Steps[k].Compensable() {
			undo = append(undo, a.Steps[k].UndoState())
		}
	}
	for _, s := range a.Steps {
		fwd = append(fwd, fmt.Sprintf("%s (%s)", s.Name, string(s.System)))
	}
	fmt.Fprintf(&b, "Happy path: %s -> %s; the last step records the job COMPLETE. ", strings.Join(fwd, " -> "), JobCompleteState)
	if len(undo) > 0 {
		fmt.Fprintf(&b, "A step that fails (StepFailed, JobCancelled, a crash) enters the rollback at its own compensation, which undoes what its call may have made anyway and nothing else: %s -> %s -> %s; a compensation that fails is recorded by UndoFailed<Step> and the rollback goes on. ",
			strings.Join(undo, " -> "), RecordFailureState, JobFailedState)
	} else {
		fmt.Fprintf(&b, "Nothing is compensated: a step that fails (StepFailed, JobCancelled, a crash) goes straight to %s -> %s, the steps before it stay done. ", RecordFailureState, JobFailedState)
	}
	fmt.Fprintf(&b, "A step still failing with StepTransient or States.Timeout after its retries goes to RecordTimedOut<Step> -> %s without rollback, so that a restart resumes there. ", JobTimedOutState)
	fmt.Fprintf(&b, "Time budget: at worst %s (every call runs to its TimeoutSeconds and uses every retry with its full backoff, along the longest path through the states), so TimeoutSeconds %d leaves %s of margin.",
		seconds(budget), timeout, seconds(float64(timeout)-budget))
	return b.String()
}

func seconds(s float64) string {
	n := int(math.Ceil(s))
	if n < 60 {
		return fmt.Sprintf("%d s", n)
	}
	return fmt.Sprintf("%d s (%d min %02d s)", n, n/60, n%60)
}

// object is a JSON object whose keys keep their order, so that a definition reads top to bottom
// as the story it tells.
type object []field

type field struct {
	key string
	val any
}

func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := encode(&buf, f.key); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := encode(&buf, f.val); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// encode writes v as compact JSON without HTML escaping, so comments keep "->" and "<Step>".
func encode(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	return nil
}
