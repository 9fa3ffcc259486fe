package stepfunctions

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	// Aliased: the engine has its own type invocation (a result).
	lambdainvocation "github.com/actionservice/actionservice/local/invocation"
	"github.com/actionservice/actionservice/shared/logging"
)

// Options configure an Engine. The zero value is usable: real clock, empty registry,
// region us-east-1, account 123456789012.
type Options struct {
	// Clock drives waits, retries, timeouts and timestamps (default RealClock; tests use a
	// *FakeClock).
	Clock Clock
	// Registry holds the in-process Lambda handlers (default: a new empty one).
	Registry *Registry
	// LambdaEndpoint, if set, is where functions not in the registry are invoked through the
	// Lambda Invoke API, e.g. http://127.0.0.1:3001.
	LambdaEndpoint string
	// HTTPClient is used for LambdaEndpoint (default http.DefaultClient).
	HTTPClient *http.Client
	Region     string
	AccountID  string
	// Seed makes JitterStrategy FULL, States.MathRandom and States.UUID reproducible; 0 seeds
	// from the real time.
	Seed uint64
	// KeepEnded is how many ended executions the engine keeps, with their histories, so that
	// its memory does not grow with every execution it ever ran: past it, the oldest ended
	// execution is forgotten, and DescribeExecution and GetExecutionHistory answer
	// ExecutionDoesNotExist for it, as Step Functions does once it no longer holds one
	// (after its retention period). 0 means DefaultKeepEnded; a negative value keeps all.
	KeepEnded int
}

// DefaultKeepEnded is how many ended executions an engine keeps unless told otherwise.
const DefaultKeepEnded = 10000

// Engine runs state machines and keeps their executions and histories in memory.
type Engine struct {
	clock          Clock
	act            activity
	reg            *Registry
	lambdaEndpoint string
	httpClient     *http.Client
	region         string
	account        string

	randMu sync.Mutex
	rnd    *rand.Rand

	mu         sync.Mutex
	machines   map[string]*machine
	executions map[string]*execution
	// execOrder is every execution kept, oldest first, and some forgotten ones (not in
	// executions) until it is compacted; ended is the ended ones kept, in the order they ended.
	execOrder []*execution
	ended     []*execution
	keepEnded int
}

// machine is a created state machine.
type machine struct {
	arn, name, roleArn, typ string
	definition              string
	def                     *StateMachine
	created, updated        time.Time
}

// New returns an Engine.
func New(opts Options) *Engine {
	e := &Engine{
		clock:          opts.Clock,
		reg:            opts.Registry,
		lambdaEndpoint: opts.LambdaEndpoint,
		httpClient:     opts.HTTPClient,
		region:         opts.Region,
		account:        opts.AccountID,
		machines:       map[string]*machine{},
		executions:     map[string]*execution{},
		keepEnded:      opts.KeepEnded,
	}
	if e.keepEnded == 0 {
		e.keepEnded = DefaultKeepEnded
	}
	if e.clock == nil {
		e.clock = RealClock{}
	}
	if fc, ok := e.clock.(*FakeClock); ok {
		e.act = activity{fc: fc}
	}
	if e.reg == nil {
		e.reg = NewRegistry()
	}
	if e.httpClient == nil {
		e.httpClient = http.DefaultClient
	}
	if e.region == "" {
		e.region = "us-east-1"
	}
	if e.account == "" {
		e.account = "123456789012"
	}
	seed := opts.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	e.rnd = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return e
}

// Registry returns the engine's function registry.
func (e *Engine) Registry() *Registry { return e.reg }

// RegisterFunction registers a Lambda handler under a function name (see
// Registry.RegisterFunction).
func (e *Engine) RegisterFunction(name string, h lambda.Handler, opts ...FunctionOption) {
	e.reg.RegisterFunction(name, h, opts...)
}

// RegisterFunc registers a Lambda handler function under a function name (see
// Registry.RegisterFunc).
func (e *Engine) RegisterFunc(name string, fn any, opts ...FunctionOption) {
	e.reg.RegisterFunc(name, fn, opts...)
}

// Clock returns the engine's clock.
func (e *Engine) Clock() Clock { return e.clock }

func (e *Engine) randIntN(n int) int {
	e.randMu.Lock()
	defer e.randMu.Unlock()
	return e.rnd.IntN(n)
}

func (e *Engine) randFloat() float64 {
	e.randMu.Lock()
	defer e.randMu.Unlock()
	return e.rnd.Float64()
}

func (e *Engine) newUUID() string {
	e.randMu.Lock()
	a, b := e.rnd.Uint64(), e.rnd.Uint64()
	e.randMu.Unlock()
	return formatUUID(a, b)
}

// formatUUID renders 128 random bits as a version 4 UUID.
func formatUUID(a, b uint64) string {
	a = a&^(0xf<<12) | 0x4<<12
	b = b&^(0x3<<62) | 0x2<<62
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// APIError is a Step Functions API error, named as the service names it.
type APIError struct {
	Type    string
	Message string
}

func (e *APIError) Error() string { return e.Type + ": " + e.Message }

func apiErr(typ, format string, args ...any) *APIError {
	return &APIError{Type: typ, Message: fmt.Sprintf(format, args...)}
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// CreateStateMachine validates and stores a definition. Creating the same name with the
// same definition again returns the existing ARN, as AWS does.
func (e *Engine) CreateStateMachine(name string, definition []byte, roleArn string) (string, error) {
	return e.createStateMachine(name, definition, roleArn, "STANDARD")
}

// CreateStateMachineWithSubstitutions applies DefinitionSubstitutions, then creates.
func (e *Engine) CreateStateMachineWithSubstitutions(name string, definition []byte, subs map[string]string, roleArn string) (string, error) {
	def, err := ApplySubstitutions(definition, subs)
	if err != nil {
		return "", apiErr("InvalidDefinition", "Invalid State Machine Definition: '%v'", err)
	}
	return e.CreateStateMachine(name, def, roleArn)
}

func (e *Engine) createStateMachine(name string, definition []byte, roleArn, typ string) (string, error) {
	if !nameRE.MatchString(name) {
		return "", apiErr("InvalidName", "Invalid Name: '%s'", name)
	}
	def, err := Load(definition)
	if err != nil {
		return "", apiErr("InvalidDefinition", "Invalid State Machine Definition: '%v'", err)
	}
	if roleArn == "" {
		roleArn = fmt.Sprintf("arn:aws:iam::%s:role/sfnlocal", e.account)
	}
	arn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", e.region, e.account, name)
	e.mu.Lock()
	defer e.mu.Unlock()
	if m, ok := e.machines[arn]; ok {
		if m.definition == string(definition) && m.roleArn == roleArn {
			return arn, nil
		}
		return "", apiErr("StateMachineAlreadyExists", "State Machine Already Exists: '%s'", arn)
	}
	now := e.clock.Now()
	e.machines[arn] = &machine{arn: arn, name: name, roleArn: roleArn, typ: typ, definition: string(definition), def: def, created: now, updated: now}
	return arn, nil
}

// UpdateStateMachine replaces a state machine's definition and/or role. Running executions
// keep the definition they started with.
func (e *Engine) UpdateStateMachine(arn string, definition []byte, roleArn string) (time.Time, error) {
	var def *StateMachine
	if definition != nil {
		var err error
		if def, err = Load(definition); err != nil {
			return time.Time{}, apiErr("InvalidDefinition", "Invalid State Machine Definition: '%v'", err)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.machines[arn]
	if !ok {
		return time.Time{}, apiErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn)
	}
	cp := *m
	if def != nil {
		cp.def, cp.definition = def, string(definition)
	}
	if roleArn != "" {
		cp.roleArn = roleArn
	}
	cp.updated = e.clock.Now()
	e.machines[arn] = &cp
	return cp.updated, nil
}

// DeleteStateMachine removes a state machine; its executions stay readable.
func (e *Engine) DeleteStateMachine(arn string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.machines[arn]; !ok {
		if !arnRE.MatchString(arn) {
			return apiErr("InvalidArn", "Invalid Arn: '%s'", arn)
		}
	}
	delete(e.machines, arn)
	return nil
}

var arnRE = regexp.MustCompile(`^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:`)

func (e *Engine) machineByARN(arn string) (*machine, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.machines[arn]
	if !ok {
		if !arnRE.MatchString(arn) {
			return nil, apiErr("InvalidArn", "Invalid Arn: '%s'", arn)
		}
		return nil, apiErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn)
	}
	return m, nil
}

// StateMachineInfo describes a created state machine.
type StateMachineInfo struct {
	ARN, Name, Definition, RoleARN, Type string
	CreationDate                         time.Time
}

// DescribeStateMachine returns a state machine's description.
func (e *Engine) DescribeStateMachine(arn string) (StateMachineInfo, error) {
	m, err := e.machineByARN(arn)
	if err != nil {
		return StateMachineInfo{}, err
	}
	return StateMachineInfo{ARN: m.arn, Name: m.name, Definition: m.definition, RoleARN: m.roleArn, Type: m.typ, CreationDate: m.created}, nil
}

// ListStateMachines returns every state machine, ordered by name.
func (e *Engine) ListStateMachines() []StateMachineInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []StateMachineInfo
	for _, m := range e.machines {
		out = append(out, StateMachineInfo{ARN: m.arn, Name: m.name, Definition: m.definition, RoleARN: m.roleArn, Type: m.typ, CreationDate: m.created})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Execution statuses.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
)

// MaxPayloadSize is the Step Functions limit on execution input and state data (256 KiB).
const MaxPayloadSize = 262144

// Execution is a snapshot of an execution, as DescribeExecution reports it.
type Execution struct {
	ARN, StateMachineARN, Name string
	Status                     string
	Input                      string
	// Output is set when Status is SUCCEEDED.
	Output       *string
	Error, Cause string
	StartDate    time.Time
	StopDate     time.Time
}

// StartExecution starts an execution of a state machine. name may be empty (a UUID is
// chosen). Starting the same name again with the same input while it runs returns the same
// execution; any other reuse of a name is ExecutionAlreadyExists.
func (e *Engine) StartExecution(smArn, name, input string) (string, time.Time, error) {
	m, err := e.machineByARN(smArn)
	if err != nil {
		return "", time.Time{}, err
	}
	if name == "" {
		name = e.newUUID()
	} else if !nameRE.MatchString(name) {
		return "", time.Time{}, apiErr("InvalidName", "Invalid Name: '%s'", name)
	}
	if input == "" {
		input = "{}"
	}
	if len(input) > MaxPayloadSize {
		return "", time.Time{}, apiErr("ValidationException", "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to %d", MaxPayloadSize)
	}
	inputVal, err := decodeJSON([]byte(input))
	if err != nil {
		return "", time.Time{}, apiErr("InvalidExecutionInput", "Invalid State Machine Execution Input: '%v'", err)
	}
	arn := fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", e.region, e.account, m.name, name)
	e.mu.Lock()
	if ex, ok := e.executions[arn]; ok {
		e.mu.Unlock()
		snap := ex.snapshot()
		if snap.Status == StatusRunning && snap.Input == input {
			return arn, snap.StartDate, nil
		}
		return "", time.Time{}, apiErr("ExecutionAlreadyExists", "Execution Already Exists: '%s'", arn)
	}
	// Every Task of the execution runs in one trace, as Step Functions' active tracing gives it.
	ctx, cancel := context.WithCancel(logging.WithTraceHeader(context.Background(), lambdainvocation.NewTraceHeader(e.clock.Now())))
	ex := &execution{
		eng: e, machine: m, def: m.def, arn: arn, name: name, input: input, inputVal: inputVal,
		startDate: e.clock.Now(), status: StatusRunning, ctx: ctx, cancel: cancel, done: make(chan struct{}),
	}
	e.executions[arn] = ex
	e.execOrder = append(e.execOrder, ex)
	e.mu.Unlock()

	e.act.hold()
	go ex.run()
	return arn, ex.startDate, nil
}

func (e *Engine) executionByARN(arn string) (*execution, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ex, ok := e.executions[arn]
	if !ok {
		if !arnRE.MatchString(arn) {
			return nil, apiErr("InvalidArn", "Invalid Arn: '%s'", arn)
		}
		return nil, apiErr("ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", arn)
	}
	return ex, nil
}

// retire keeps an execution that just ended among the ended ones, forgetting the oldest
// ended execution past KeepEnded.
func (e *Engine) retire(ex *execution) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.keepEnded < 0 {
		return
	}
	e.ended = append(e.ended, ex)
	for len(e.ended) > e.keepEnded {
		old := e.ended[0]
		e.ended[0] = nil
		e.ended = e.ended[1:]
		if e.executions[old.arn] == old {
			delete(e.executions, old.arn)
		}
	}
	// The forgotten stay in execOrder until they are as many as those kept.
	if len(e.execOrder) > 2*len(e.executions)+64 {
		kept := e.execOrder[:0]
		for _, x := range e.execOrder {
			if e.executions[x.arn] == x {
				kept = append(kept, x)
			}
		}
		clear(e.execOrder[len(kept):])
		e.execOrder = kept
	}
}

// DescribeExecution returns the current state of an execution.
func (e *Engine) DescribeExecution(arn string) (Execution, error) {
	ex, err := e.executionByARN(arn)
	if err != nil {
		return Execution{}, err
	}
	return ex.snapshot(), nil
}

// Wait blocks until the execution has ended (or ctx is done) and returns its final state.
func (e *Engine) Wait(ctx context.Context, arn string) (Execution, error) {
	ex, err := e.executionByARN(arn)
	if err != nil {
		return Execution{}, err
	}
	select {
	case <-ex.done:
		return ex.snapshot(), nil
	case <-ctx.Done():
		return ex.snapshot(), ctx.Err()
	}
}

// StopExecution aborts a running execution.
func (e *Engine) StopExecution(arn, errName, cause string) (time.Time, error) {
	ex, err := e.executionByARN(arn)
	if err != nil {
		return time.Time{}, err
	}
	details := map[string]any{}
	if errName != "" {
		details["error"] = errName
	}
	if cause != "" {
		details["cause"] = cause
	}
	ex.finish(StatusAborted, "ExecutionAborted", details, nil, errName, cause)
	return ex.snapshot().StopDate, nil
}

// ListExecutions returns the executions of a state machine, newest first, optionally only
// those with the given status.
func (e *Engine) ListExecutions(smArn, status string) ([]Execution, error) {
	e.mu.Lock()
	_, known := e.machines[smArn]
	var list []*execution
	for _, ex := range e.execOrder {
		if e.executions[ex.arn] == ex {
			list = append(list, ex)
		}
	}
	e.mu.Unlock()
	var out []Execution
	for i := len(list) - 1; i >= 0; i-- {
		ex := list[i]
		if ex.machine.arn != smArn {
			continue
		}
		known = true
		s := ex.snapshot()
		if status == "" || s.Status == status {
			out = append(out, s)
		}
	}
	if !known {
		return nil, apiErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", smArn)
	}
	return out, nil
}

// History returns an execution's events in order.
func (e *Engine) History(arn string) ([]HistoryEvent, error) {
	ex, err := e.executionByARN(arn)
	if err != nil {
		return nil, err
	}
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return append([]HistoryEvent(nil), ex.events...), nil
}

// HistoryEvent is one event of an execution's history, in the service's shape.
type HistoryEvent struct {
	ID              int64
	PreviousEventID int64
	Timestamp       time.Time
	Type            string
	// DetailsField names the details member, e.g. "stateEnteredEventDetails".
	DetailsField string
	Details      map[string]any
}

// MarshalJSON renders the event as GetExecutionHistory does.
func (h HistoryEvent) MarshalJSON() ([]byte, error) {
	m := map[string]any{
		"id":              h.ID,
		"previousEventId": h.PreviousEventID,
		"timestamp":       epochSeconds(h.Timestamp),
		"type":            h.Type,
	}
	if h.DetailsField != "" {
		m[h.DetailsField] = h.Details
	}
	return json.Marshal(m)
}

func epochSeconds(t time.Time) json.Number {
	return json.Number(fmt.Sprintf("%.3f", float64(t.UnixMilli())/1000))
}
