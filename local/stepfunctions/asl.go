package stepfunctions

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
)

// StateMachine is a loaded, validated Amazon States Language definition (JSONPath mode).
// Branches of Parallel states and the processors of Map states are StateMachines too.
type StateMachine struct {
	StartAt        string
	Comment        string
	TimeoutSeconds int
	States         map[string]*State
}

// State is one validated state. Only the fields of its Type are set.
type State struct {
	Name    string
	Type    string
	Next    string
	End     bool
	Comment string

	InputPath, OutputPath, ResultPath optPath
	Parameters, ResultSelector        *template
	Result                            any
	HasResult                         bool

	// Task
	Resource           string
	TimeoutSeconds     int
	TimeoutSecondsPath *jsonPath
	Retry              []*Retrier
	Catch              []*Catcher

	// Choice
	Choices []*ChoiceRule
	Default string

	// Wait
	Seconds       int
	HasSeconds    bool
	SecondsPath   *jsonPath
	Timestamp     string
	TimestampPath *jsonPath

	// Fail
	Error, Cause         string
	ErrorPath, CausePath *template

	// Parallel
	Branches []*StateMachine

	// Map
	ItemsPath      optPath
	ItemSelector   *template
	ItemProcessor  *StateMachine
	MaxConcurrency int
	MaxConcPath    *jsonPath

	// Task HeartbeatSeconds: a Lambda task still running then fails with States.HeartbeatTimeout.
	HeartbeatSeconds     int
	HeartbeatSecondsPath *jsonPath

	// Assign sets variables when the state exits (JSONPath: a payload template whose $ is the
	// state's result, before ResultSelector; JSONata: a template of {% %} expressions).
	Assign *template

	// JSONata states (QueryLanguage JSONata): Output, Arguments and Items, and the fields that
	// a JSONata state may give as an expression (nil = the literal field above).
	JSONata                                 bool
	Output, Arguments, Items                *template
	SecondsExpr, TimestampExpr, TimeoutExpr *template
	HeartbeatExpr, MaxConcExpr              *template
	ErrorExpr, CauseExpr                    *template
}

// optPath is a path field that may be absent (default "$") or null (discard).
type optPath struct {
	set  bool
	null bool
	path *jsonPath
}

// Retrier is one element of a Retry field.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds float64
	MaxAttempts     int
	BackoffRate     float64
	MaxDelaySeconds float64
	JitterFull      bool
}

// Catcher is one element of a Catch field.
type Catcher struct {
	ErrorEquals []string
	ResultPath  optPath
	Next        string
	// Assign and (JSONata) Output see the error output.
	Assign, Output *template
}

// ChoiceRule is a Choice rule: a comparison on Variable, or And/Or/Not of nested rules.
type ChoiceRule struct {
	Next        string
	Variable    *jsonPath
	Op          string
	Operand     any
	OperandPath *jsonPath
	And, Or     []*ChoiceRule
	Not         *ChoiceRule
	// Assign is the variables a top-level rule sets when it matches; Condition and Output
	// are a JSONata rule's.
	Assign, Condition, Output *template
}

// DefinitionError is a definition rejected at load time, naming where and why.
type DefinitionError struct {
	Where  string
	Reason string
}

func (e *DefinitionError) Error() string {
	if e.Where == "" {
		return e.Reason
	}
	return e.Where + ": " + e.Reason
}

var substitutionRE = regexp.MustCompile(`\$\{([A-Za-z0-9_.:-]+)\}`)

// ApplySubstitutions replaces each ${Name} in a definition with its value, as
// CloudFormation's DefinitionSubstitutions do. A ${Name} without a value is an error.
func ApplySubstitutions(definition []byte, subs map[string]string) ([]byte, error) {
	var missing []string
	out := substitutionRE.ReplaceAllFunc(definition, func(m []byte) []byte {
		name := string(m[2 : len(m)-1])
		v, ok := subs[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		return []byte(v)
	})
	if len(missing) > 0 {
		return nil, &DefinitionError{Reason: fmt.Sprintf("no DefinitionSubstitutions value for ${%s}", strings.Join(missing, "}, ${"))}
	}
	return out, nil
}

// LoadWithSubstitutions applies DefinitionSubstitutions, then loads the definition.
func LoadWithSubstitutions(definition []byte, subs map[string]string) (*StateMachine, error) {
	def, err := ApplySubstitutions(definition, subs)
	if err != nil {
		return nil, err
	}
	return Load(def)
}

// Load parses and validates an ASL definition. Anything the engine does not implement is
// rejected with an error naming the state and field.
func Load(definition []byte) (*StateMachine, error) {
	raw, err := decodeJSON(definition)
	if err != nil {
		return nil, &DefinitionError{Reason: "definition is not valid JSON: " + err.Error()}
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, &DefinitionError{Reason: "definition must be a JSON object"}
	}
	ql := queryJSONPath
	if v, ok := obj["QueryLanguage"]; ok {
		if v != queryJSONPath && v != queryJSONata {
			return nil, fail("", "QueryLanguage must be %q or %q, got %s", queryJSONPath, queryJSONata, encodeJSON(v))
		}
		ql = v.(string)
	}
	l := &loader{names: map[string]string{}, ql: ql}
	sm, err := l.machine(obj, "", true)
	if err != nil {
		return nil, err
	}
	if err := checkVarScopes(sm, nil, ""); err != nil {
		return nil, err
	}
	return sm, nil
}

// Query languages.
const (
	queryJSONPath = "JSONPath"
	queryJSONata  = "JSONata"
)

type loader struct {
	// names records every state name in the whole definition: names are unique across
	// branches and processors too.
	names map[string]string
	// ql is the machine's QueryLanguage, every state's default.
	ql string
}

func fail(where, format string, args ...any) error {
	return &DefinitionError{Where: where, Reason: fmt.Sprintf(format, args...)}
}

var topFields = map[string]bool{"StartAt": true, "States": true, "Comment": true, "Version": true, "TimeoutSeconds": true, "QueryLanguage": true}
var nestedFields = map[string]bool{"StartAt": true, "States": true, "Comment": true, "ProcessorConfig": true}

func (l *loader) machine(obj map[string]any, where string, top bool) (*StateMachine, error) {
	allowed := nestedFields
	if top {
		allowed = topFields
	}
	for _, k := range sortedKeys(obj) {
		if !allowed[k] {
			return nil, fail(where, "unknown or unimplemented field %q", k)
		}
	}
	if v, ok := obj["Version"]; ok && v != "1.0" {
		return nil, fail(where, "Version must be \"1.0\"")
	}
	if pc, ok := obj["ProcessorConfig"]; ok {
		m, ok := pc.(map[string]any)
		if !ok {
			return nil, fail(where, "ProcessorConfig must be an object")
		}
		for _, k := range sortedKeys(m) {
			if k != "Mode" || m[k] != "INLINE" {
				return nil, fail(where+".ProcessorConfig", "only Mode INLINE is implemented (distributed Map is not), got %s=%v", k, m[k])
			}
		}
	}
	sm := &StateMachine{States: map[string]*State{}}
	var err error
	if sm.StartAt, err = reqString(obj, "StartAt", where); err != nil {
		return nil, err
	}
	sm.Comment, _ = obj["Comment"].(string)
	if _, ok := obj["TimeoutSeconds"]; ok {
		if sm.TimeoutSeconds, err = posInt(obj, "TimeoutSeconds", where, 1, 99999999); err != nil {
			return nil, err
		}
	}
	states, ok := obj["States"].(map[string]any)
	if !ok || len(states) == 0 {
		return nil, fail(where, "States must be a non-empty object")
	}
	for _, name := range sortedKeys(states) {
		if len(name) > 80 {
			return nil, fail(where, "state name %q is longer than 80 characters", name)
		}
		if prev, dup := l.names[name]; dup {
			return nil, fail(where, "state name %q is not unique (also in %s)", name, prev)
		}
		l.names[name] = where
		so, ok := states[name].(map[string]any)
		if !ok {
			return nil, fail("state "+name, "must be an object")
		}
		st, err := l.state(name, so)
		if err != nil {
			return nil, err
		}
		sm.States[name] = st
	}
	if _, ok := sm.States[sm.StartAt]; !ok {
		return nil, fail(where, "StartAt %q names no state", sm.StartAt)
	}
	for _, name := range sortedKeys(states) {
		st := sm.States[name]
		targets := map[string]string{"Next": st.Next, "Default": st.Default}
		for i, c := range st.Catch {
			targets[fmt.Sprintf("Catch[%d].Next", i)] = c.Next
		}
		for i, c := range st.Choices {
			targets[fmt.Sprintf("Choices[%d].Next", i)] = c.Next
		}
		for field, t := range targets {
			if t != "" && sm.States[t] == nil {
				return nil, fail("state "+name, "%s %q names no state in this scope", field, t)
			}
		}
	}
	return sm, checkReachable(sm, where)
}

// checkReachable rejects what CreateStateMachine rejects: a state that no path from StartAt
// enters (MISSING_TRANSITION_TARGET "State … is not reachable."), and a machine or branch in
// which no path can end (MISSING_END_STATE "Workflow has no terminal state").
func checkReachable(sm *StateMachine, where string) error {
	seen := map[string]bool{sm.StartAt: true}
	queue := []string{sm.StartAt}
	terminal := false
	for len(queue) > 0 {
		st := sm.States[queue[0]]
		queue = queue[1:]
		next := []string{st.Next, st.Default}
		for _, c := range st.Choices {
			next = append(next, c.Next)
		}
		for _, c := range st.Catch {
			next = append(next, c.Next)
		}
		if st.End || st.Type == "Succeed" || st.Type == "Fail" {
			terminal = true
		}
		for _, n := range next {
			if n != "" && !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	if !terminal {
		return fail(where, "no path from StartAt %q reaches a terminal state (End, Succeed or Fail)", sm.StartAt)
	}
	for _, name := range slices.Sorted(maps.Keys(sm.States)) {
		if !seen[name] {
			return fail("state "+name, "is not reachable: no path from StartAt %q leads to it through Next, Default, Choices or Catch", sm.StartAt)
		}
	}
	return nil
}

var commonFields = []string{"Type", "Comment", "QueryLanguage"}

var stateFields = map[string][]string{
	"Pass":     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Assign"},
	"Task":     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Retry", "Catch", "Assign"},
	"Choice":   {"InputPath", "OutputPath", "Choices", "Default", "Assign"},
	"Wait":     {"Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp", "TimestampPath", "Assign"},
	"Succeed":  {"InputPath", "OutputPath"},
	"Fail":     {"Error", "ErrorPath", "Cause", "CausePath"},
	"Parallel": {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Branches", "Retry", "Catch", "Assign"},
	"Map":      {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "ItemsPath", "ItemSelector", "ItemProcessor", "Iterator", "MaxConcurrency", "MaxConcurrencyPath", "Retry", "Catch", "Assign"},
}

// jsonataStateFields are the fields of each state type in a JSONata state.
var jsonataStateFields = map[string][]string{
	"Pass":     {"Next", "End", "Output", "Assign"},
	"Task":     {"Next", "End", "Output", "Assign", "Arguments", "Resource", "TimeoutSeconds", "HeartbeatSeconds", "Retry", "Catch"},
	"Choice":   {"Choices", "Default", "Output", "Assign"},
	"Wait":     {"Next", "End", "Output", "Assign", "Seconds", "Timestamp"},
	"Succeed":  {"Output"},
	"Fail":     {"Error", "Cause"},
	"Parallel": {"Next", "End", "Output", "Assign", "Arguments", "Branches", "Retry", "Catch"},
	"Map":      {"Next", "End", "Output", "Assign", "Items", "ItemSelector", "ItemProcessor", "Iterator", "MaxConcurrency", "Retry", "Catch"},
}

// jsonPathOnlyFields are refused in a JSONata state with AWS's SCHEMA_VALIDATION_FAILED.
var jsonPathOnlyFields = map[string]bool{
	"InputPath": true, "OutputPath": true, "ResultPath": true, "Parameters": true, "ResultSelector": true,
	"Result": true, "TimeoutSecondsPath": true, "HeartbeatSecondsPath": true, "ItemsPath": true,
	"MaxConcurrencyPath": true, "SecondsPath": true, "TimestampPath": true, "ErrorPath": true, "CausePath": true,
}

// unimplementedFields names real ASL fields this engine refuses, with the reason.
var unimplementedFields = map[string]string{
	"Credentials":                "cross-account Credentials are not implemented",
	"ItemReader":                 "ItemReader (distributed Map) is not implemented",
	"ItemBatcher":                "ItemBatcher (distributed Map) is not implemented",
	"ResultWriter":               "ResultWriter (distributed Map) is not implemented",
	"ToleratedFailureCount":      "ToleratedFailureCount (distributed Map) is not implemented",
	"ToleratedFailurePercentage": "ToleratedFailurePercentage (distributed Map) is not implemented",
	"Label":                      "Label (distributed Map) is not implemented",
	"Arguments":                  "Arguments is JSONata-only (set \"QueryLanguage\": \"JSONata\")",
	"Output":                     "Output is JSONata-only (set \"QueryLanguage\": \"JSONata\")",
	"Items":                      "Items is JSONata-only (set \"QueryLanguage\": \"JSONata\")",
}

func (l *loader) state(name string, obj map[string]any) (*State, error) {
	where := "state " + name
	typ, err := reqString(obj, "Type", where)
	if err != nil {
		return nil, err
	}
	if _, ok := stateFields[typ]; !ok {
		return nil, fail(where, "unknown state Type %q", typ)
	}
	ql := l.ql
	if v, ok := obj["QueryLanguage"]; ok {
		switch {
		case v != queryJSONPath && v != queryJSONata:
			return nil, fail(where, "QueryLanguage must be %q or %q, got %s", queryJSONPath, queryJSONata, encodeJSON(v))
		case v == queryJSONPath && l.ql == queryJSONata:
			return nil, schemaFail(name, "QueryLanguage", "The QueryLanguage of a state cannot be JSONPath when the state machine's QueryLanguage is JSONata")
		}
		ql = v.(string)
	}
	fields := stateFields[typ]
	if ql == queryJSONata {
		fields = jsonataStateFields[typ]
	}
	allowed := map[string]bool{}
	for _, f := range append(fields, commonFields...) {
		allowed[f] = true
	}
	for _, k := range sortedKeys(obj) {
		if !allowed[k] {
			if ql == queryJSONata && jsonPathOnlyFields[k] {
				return nil, schemaFail(name, k, fmt.Sprintf("The field %q is not supported for JSONata", k))
			}
			if why, ok := unimplementedFields[k]; ok {
				return nil, fail(where, "field %q: %s", k, why)
			}
			return nil, fail(where, "field %q is not valid in a %s state", k, typ)
		}
	}
	st := &State{Name: name, Type: typ, JSONata: ql == queryJSONata}
	st.Comment, _ = obj["Comment"].(string)
	if st.JSONata {
		return st, l.jsonataState(st, obj, where)
	}
	if allowed["Assign"] {
		if st.Assign, err = loadAssign(obj, where); err != nil {
			return nil, err
		}
	}

	if allowed["Next"] {
		if err := loadTransition(st, obj, where); err != nil {
			return nil, err
		}
	}

	for _, f := range []struct {
		name string
		dst  *optPath
	}{{"InputPath", &st.InputPath}, {"OutputPath", &st.OutputPath}, {"ResultPath", &st.ResultPath}} {
		if !allowed[f.name] {
			continue
		}
		if *f.dst, err = loadOptPath(obj, f.name, where, f.name == "ResultPath"); err != nil {
			return nil, err
		}
	}
	if allowed["Parameters"] {
		if st.Parameters, err = loadTemplate(obj, "Parameters", where); err != nil {
			return nil, err
		}
	}
	if allowed["ResultSelector"] {
		if st.ResultSelector, err = loadTemplate(obj, "ResultSelector", where); err != nil {
			return nil, err
		}
	}
	if allowed["Retry"] {
		if st.Retry, err = loadRetry(obj, where); err != nil {
			return nil, err
		}
		if st.Catch, err = loadCatch(obj, where, false); err != nil {
			return nil, err
		}
	}

	switch typ {
	case "Pass":
		st.Result, st.HasResult = obj["Result"]
	case "Task":
		err = loadTask(st, obj, where)
	case "Choice":
		err = loadChoice(st, obj, where)
	case "Wait":
		err = loadWait(st, obj, where)
	case "Fail":
		err = loadFail(st, obj, where)
	case "Parallel":
		err = l.loadParallel(st, obj, where)
	case "Map":
		err = l.loadMap(st, obj, where)
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

func loadTransition(st *State, obj map[string]any, where string) error {
	var err error
	_, hasNext := obj["Next"]
	_, hasEnd := obj["End"]
	if hasNext {
		if st.Next, err = reqString(obj, "Next", where); err != nil {
			return err
		}
	}
	if hasEnd {
		b, ok := obj["End"].(bool)
		if !ok {
			return fail(where, "End must be a boolean")
		}
		st.End = b
	}
	switch {
	case hasNext && st.End:
		return fail(where, "has both Next and End")
	case !hasNext && !st.End:
		return fail(where, "needs Next or \"End\": true")
	}
	return nil
}

// schemaFail is a JSONata or query-language refusal in the shape of AWS's validation
// message: SCHEMA_VALIDATION_FAILED: … at /States/<name>/<field>.
func schemaFail(state, field, reason string) error {
	return &DefinitionError{Reason: fmt.Sprintf("SCHEMA_VALIDATION_FAILED: %s at /States/%s/%s", reason, state, field)}
}

// loadAssign compiles a JSONPath state's Assign: an object whose keys are variable names
// (ending in .$ for a path or intrinsic function, as in Parameters).
func loadAssign(obj map[string]any, where string) (*template, error) {
	v, ok := obj["Assign"]
	if !ok {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fail(where, "Assign must be an object")
	}
	for k := range m {
		if err := checkVarName(strings.TrimSuffix(k, ".$")); err != nil {
			return nil, fail(where+".Assign", "%v", err)
		}
	}
	return compileTemplate(m, where+".Assign")
}

func reqString(obj map[string]any, field, where string) (string, error) {
	v, ok := obj[field]
	if !ok {
		return "", fail(where, "missing required field %s", field)
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fail(where, "%s must be a non-empty string", field)
	}
	return s, nil
}

func posInt(obj map[string]any, field, where string, lo, hi int) (int, error) {
	n, ok := toInt(obj[field])
	if !ok || n < lo || n > hi {
		return 0, fail(where, "%s must be an integer from %d to %d, got %s", field, lo, hi, encodeJSON(obj[field]))
	}
	return n, nil
}

func loadPathField(obj map[string]any, field, where string, reference bool) (*jsonPath, error) {
	s, err := reqString(obj, field, where)
	if err != nil {
		return nil, err
	}
	p, err := parsePath(s, reference)
	if err != nil {
		return nil, fail(where, "%s: %v", field, err)
	}
	return p, nil
}

func loadOptPath(obj map[string]any, field, where string, reference bool) (optPath, error) {
	v, ok := obj[field]
	if !ok {
		return optPath{}, nil
	}
	if v == nil {
		return optPath{set: true, null: true}, nil
	}
	p, err := loadPathField(obj, field, where, reference)
	if err != nil {
		return optPath{}, err
	}
	if p.context && field == "ResultPath" {
		return optPath{}, fail(where, "ResultPath cannot refer to the context object")
	}
	if p.variable != "" && field == "ResultPath" {
		return optPath{}, fail(where, "ResultPath cannot refer to a variable ($%s): variables are set with Assign", p.variable)
	}
	return optPath{set: true, path: p}, nil
}

func loadTemplate(obj map[string]any, field, where string) (*template, error) {
	v, ok := obj[field]
	if !ok {
		return nil, nil
	}
	if _, isObj := v.(map[string]any); !isObj && field != "Parameters" {
		return nil, fail(where, "%s must be an object", field)
	}
	t, err := compileTemplate(v, where+"."+field)
	if err != nil {
		return nil, err
	}
	return t, nil
}

var knownErrorNames = map[string]bool{
	ErrAll: true, ErrTimeout: true, ErrHeartbeatTimeout: true, ErrTaskFailed: true,
	ErrPermissions: true, ErrResultPathMatchFailure: true, ErrParameterPathFailure: true,
	ErrBranchFailed: true, ErrNoChoiceMatched: true, ErrIntrinsicFailure: true,
	ErrDataLimitExceeded: true, ErrRuntime: true, ErrExceedToleratedFailureThreshold: true,
	ErrItemReaderFailed: true, ErrResultWriterFailed: true, ErrQueryEvaluationError: true,
}

func loadErrorEquals(obj map[string]any, where string) ([]string, error) {
	arr, ok := obj["ErrorEquals"].([]any)
	if !ok || len(arr) == 0 {
		return nil, fail(where, "ErrorEquals must be a non-empty array of strings")
	}
	var out []string
	for _, e := range arr {
		s, ok := e.(string)
		if !ok || s == "" {
			return nil, fail(where, "ErrorEquals must be a non-empty array of strings")
		}
		if strings.HasPrefix(s, "States.") && !knownErrorNames[s] {
			return nil, fail(where, "ErrorEquals: unknown error name %q", s)
		}
		out = append(out, s)
	}
	for _, s := range out {
		if s == ErrAll && len(out) > 1 {
			return nil, fail(where, "ErrorEquals: States.ALL must appear alone")
		}
	}
	return out, nil
}

func checkAllLast(lists [][]string, where, field string) error {
	for i, l := range lists {
		if len(l) == 1 && l[0] == ErrAll && i != len(lists)-1 {
			return fail(where, "%s: the element with States.ALL must be the last one", field)
		}
	}
	return nil
}

func loadRetry(obj map[string]any, where string) ([]*Retrier, error) {
	v, ok := obj["Retry"]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, fail(where, "Retry must be an array")
	}
	var out []*Retrier
	var lists [][]string
	for i, e := range arr {
		w := fmt.Sprintf("%s.Retry[%d]", where, i)
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fail(w, "must be an object")
		}
		r := &Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2}
		for _, k := range sortedKeys(m) {
			switch k {
			case "ErrorEquals":
			case "IntervalSeconds":
				n, err := posInt(m, k, w, 1, 99999999)
				if err != nil {
					return nil, err
				}
				r.IntervalSeconds = float64(n)
			case "MaxAttempts":
				n, err := posInt(m, k, w, 0, 99999999)
				if err != nil {
					return nil, err
				}
				r.MaxAttempts = n
			case "BackoffRate":
				f, ok := toFloat(m[k])
				if !ok || f < 1 {
					return nil, fail(w, "BackoffRate must be a number >= 1.0")
				}
				r.BackoffRate = f
			case "MaxDelaySeconds":
				n, err := posInt(m, k, w, 1, 31622400)
				if err != nil {
					return nil, err
				}
				r.MaxDelaySeconds = float64(n)
			case "JitterStrategy":
				switch m[k] {
				case "FULL":
					r.JitterFull = true
				case "NONE":
				default:
					return nil, fail(w, "JitterStrategy must be FULL or NONE")
				}
			case "Comment":
			default:
				return nil, fail(w, "unknown field %q", k)
			}
		}
		var err error
		if r.ErrorEquals, err = loadErrorEquals(m, w); err != nil {
			return nil, err
		}
		lists = append(lists, r.ErrorEquals)
		out = append(out, r)
	}
	return out, checkAllLast(lists, where, "Retry")
}

func loadCatch(obj map[string]any, where string, jsonataMode bool) ([]*Catcher, error) {
	v, ok := obj["Catch"]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, fail(where, "Catch must be an array")
	}
	var out []*Catcher
	var lists [][]string
	for i, e := range arr {
		w := fmt.Sprintf("%s.Catch[%d]", where, i)
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fail(w, "must be an object")
		}
		for _, k := range sortedKeys(m) {
			switch {
			case k == "ErrorEquals", k == "Next", k == "Comment", k == "Assign":
			case k == "ResultPath" && !jsonataMode, k == "Output" && jsonataMode:
			case jsonataMode && jsonPathOnlyFields[k]:
				return nil, fail(w, "SCHEMA_VALIDATION_FAILED: The field %q is not supported for JSONata", k)
			default:
				if why, ok := unimplementedFields[k]; ok {
					return nil, fail(w, "field %q: %s", k, why)
				}
				return nil, fail(w, "unknown field %q", k)
			}
		}
		c := &Catcher{}
		var err error
		if c.ErrorEquals, err = loadErrorEquals(m, w); err != nil {
			return nil, err
		}
		if c.Next, err = reqString(m, "Next", w); err != nil {
			return nil, err
		}
		if jsonataMode {
			if c.Output, err = loadQueryField(m, "Output", w); err != nil {
				return nil, err
			}
			if c.Assign, err = loadQueryAssign(m, w); err != nil {
				return nil, err
			}
		} else {
			if c.ResultPath, err = loadOptPath(m, "ResultPath", w, true); err != nil {
				return nil, err
			}
			if c.Assign, err = loadAssign(m, w); err != nil {
				return nil, err
			}
		}
		lists = append(lists, c.ErrorEquals)
		out = append(out, c)
	}
	return out, checkAllLast(lists, where, "Catch")
}

// Task resources this engine runs.
const (
	resourceLambdaInvoke = "arn:aws:states:::lambda:invoke"
)

var lambdaARNRE = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$`)

var lambdaInvokeParams = map[string]bool{"FunctionName": true, "Payload": true, "Qualifier": true, "InvocationType": true, "ClientContext": true, "LogType": true}

func loadTask(st *State, obj map[string]any, where string) error {
	if err := loadResource(st, obj, where, "Parameters", st.Parameters); err != nil {
		return err
	}
	return loadTaskTimeouts(st, obj, where)
}

// loadResource checks a Task's Resource, and for lambda:invoke its parameters (field is
// Parameters, or Arguments in a JSONata state).
func loadResource(st *State, obj map[string]any, where, field string, params *template) error {
	var err error
	if st.Resource, err = reqString(obj, "Resource", where); err != nil {
		return err
	}
	switch {
	case st.Resource == resourceLambdaInvoke:
		if params == nil || params.obj == nil {
			return fail(where, "Resource %s needs %s with FunctionName", st.Resource, field)
		}
		hasName := false
		for _, f := range params.obj {
			if !lambdaInvokeParams[f.key] {
				return fail(where, "%s.%s is not a lambda:invoke parameter", field, f.key)
			}
			if f.key == "FunctionName" {
				hasName = true
			}
			if f.key == "InvocationType" && f.val.isLit && f.val.value != "RequestResponse" {
				return fail(where, "%s.InvocationType %v is not implemented (only RequestResponse)", field, f.val.value)
			}
		}
		if !hasName {
			return fail(where, "%s.FunctionName is required for %s", field, st.Resource)
		}
	case lambdaARNRE.MatchString(st.Resource):
	case strings.HasSuffix(st.Resource, ".waitForTaskToken"):
		return fail(where, "Resource %s: the callback pattern (.waitForTaskToken) is not implemented", st.Resource)
	case strings.HasSuffix(st.Resource, ".sync") || strings.Contains(st.Resource, ".sync:"):
		return fail(where, "Resource %s: the job run pattern (.sync) is not implemented", st.Resource)
	default:
		return fail(where, "Resource %q is not implemented (only Lambda function ARNs and %s)", st.Resource, resourceLambdaInvoke)
	}
	return nil
}

func loadTaskTimeouts(st *State, obj map[string]any, where string) error {
	var err error
	for _, f := range []struct {
		name string
		n    *int
		path **jsonPath
	}{{"TimeoutSeconds", &st.TimeoutSeconds, &st.TimeoutSecondsPath}, {"HeartbeatSeconds", &st.HeartbeatSeconds, &st.HeartbeatSecondsPath}} {
		_, hasN := obj[f.name]
		_, hasP := obj[f.name+"Path"]
		if hasN && hasP {
			return fail(where, "%s and %sPath are mutually exclusive", f.name, f.name)
		}
		if hasN {
			if *f.n, err = posInt(obj, f.name, where, 1, 99999999); err != nil {
				return err
			}
		}
		if hasP {
			if *f.path, err = loadPathField(obj, f.name+"Path", where, true); err != nil {
				return err
			}
		}
	}
	return checkHeartbeat(st, where)
}

// checkHeartbeat refuses what CreateStateMachine refuses: a HeartbeatSeconds not below the
// task's TimeoutSeconds (or the default timeout, 99999999 seconds).
func checkHeartbeat(st *State, where string) error {
	if st.HeartbeatSeconds > 0 && st.TimeoutSeconds > 0 && st.HeartbeatSeconds >= st.TimeoutSeconds {
		return fail(where, "HeartbeatSeconds (%d) must be smaller than TimeoutSeconds (%d)", st.HeartbeatSeconds, st.TimeoutSeconds)
	}
	return nil
}

func loadWait(st *State, obj map[string]any, where string) error {
	n := 0
	var err error
	for _, k := range []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"} {
		if _, ok := obj[k]; ok {
			n++
		}
	}
	if n != 1 {
		return fail(where, "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath")
	}
	_, hasSeconds := obj["Seconds"]
	_, hasSecondsPath := obj["SecondsPath"]
	_, hasTimestamp := obj["Timestamp"]
	switch {
	case hasSeconds:
		st.HasSeconds = true
		st.Seconds, err = posInt(obj, "Seconds", where, 0, 99999999)
	case hasSecondsPath:
		st.SecondsPath, err = loadPathField(obj, "SecondsPath", where, true)
	case hasTimestamp:
		if st.Timestamp, err = reqString(obj, "Timestamp", where); err == nil {
			if _, ok := parseTimestamp(st.Timestamp); !ok {
				err = fail(where, "Timestamp %q is not an RFC3339 timestamp", st.Timestamp)
			}
		}
	default:
		st.TimestampPath, err = loadPathField(obj, "TimestampPath", where, true)
	}
	return err
}

func loadFail(st *State, obj map[string]any, where string) error {
	var err error
	for _, f := range []struct {
		name, pathName string
		lit            *string
		path           **template
	}{{"Error", "ErrorPath", &st.Error, &st.ErrorPath}, {"Cause", "CausePath", &st.Cause, &st.CausePath}} {
		_, hasLit := obj[f.name]
		pv, hasPath := obj[f.pathName]
		if hasLit && hasPath {
			return fail(where, "%s and %s are mutually exclusive", f.name, f.pathName)
		}
		if hasLit {
			s, ok := obj[f.name].(string)
			if !ok {
				return fail(where, "%s must be a string", f.name)
			}
			*f.lit = s
		}
		if hasPath {
			s, ok := pv.(string)
			if !ok {
				return fail(where, "%s must be a string", f.pathName)
			}
			if *f.path, err = compileDynamic(s, where+"."+f.pathName); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *loader) loadParallel(st *State, obj map[string]any, where string) error {
	arr, ok := obj["Branches"].([]any)
	if !ok || len(arr) == 0 {
		return fail(where, "Branches must be a non-empty array")
	}
	for i, b := range arr {
		m, ok := b.(map[string]any)
		if !ok {
			return fail(where, "Branches[%d] must be an object", i)
		}
		sm, err := l.machine(m, fmt.Sprintf("%s.Branches[%d]", where, i), false)
		if err != nil {
			return err
		}
		if _, ok := m["ProcessorConfig"]; ok {
			return fail(where, "Branches[%d]: ProcessorConfig is only valid in a Map", i)
		}
		st.Branches = append(st.Branches, sm)
	}
	return nil
}

func (l *loader) loadMap(st *State, obj map[string]any, where string) error {
	var err error
	_, hasProc := obj["ItemProcessor"]
	_, hasIter := obj["Iterator"]
	if hasProc == hasIter {
		return fail(where, "a Map state needs exactly one of ItemProcessor and Iterator")
	}
	field := "ItemProcessor"
	if hasIter {
		field = "Iterator"
	}
	m, ok := obj[field].(map[string]any)
	if !ok {
		return fail(where, "%s must be an object", field)
	}
	if st.ItemProcessor, err = l.machine(m, where+"."+field, false); err != nil {
		return err
	}
	if _, ok := obj["ItemSelector"]; ok {
		if st.Parameters != nil {
			return fail(where, "ItemSelector and Parameters are mutually exclusive")
		}
		if st.ItemSelector, err = loadTemplate(obj, "ItemSelector", where); err != nil {
			return err
		}
	} else {
		// In a Map, the legacy Parameters field is the ItemSelector.
		st.ItemSelector, st.Parameters = st.Parameters, nil
	}
	if st.ItemsPath, err = loadOptPath(obj, "ItemsPath", where, true); err != nil {
		return err
	}
	if st.ItemsPath.null {
		return fail(where, "ItemsPath cannot be null")
	}
	if _, ok := obj["MaxConcurrency"]; ok {
		if st.MaxConcurrency, err = posInt(obj, "MaxConcurrency", where, 0, math.MaxInt32); err != nil {
			return err
		}
	}
	if _, ok := obj["MaxConcurrencyPath"]; ok {
		if _, both := obj["MaxConcurrency"]; both {
			return fail(where, "MaxConcurrency and MaxConcurrencyPath are mutually exclusive")
		}
		if st.MaxConcPath, err = loadPathField(obj, "MaxConcurrencyPath", where, true); err != nil {
			return err
		}
	}
	return nil
}

// Choice operators: each comparison takes a literal operand, or with the Path suffix a
// reference path to the operand.
var comparisonOps = map[string]string{
	"StringEquals": "string", "StringLessThan": "string", "StringGreaterThan": "string",
	"StringLessThanEquals": "string", "StringGreaterThanEquals": "string", "StringMatches": "pattern",
	"NumericEquals": "number", "NumericLessThan": "number", "NumericGreaterThan": "number",
	"NumericLessThanEquals": "number", "NumericGreaterThanEquals": "number",
	"BooleanEquals":   "bool",
	"TimestampEquals": "timestamp", "TimestampLessThan": "timestamp", "TimestampGreaterThan": "timestamp",
	"TimestampLessThanEquals": "timestamp", "TimestampGreaterThanEquals": "timestamp",
	"IsNull": "bool", "IsPresent": "bool", "IsNumeric": "bool", "IsString": "bool",
	"IsBoolean": "bool", "IsTimestamp": "bool",
}

func loadChoice(st *State, obj map[string]any, where string) error {
	arr, ok := obj["Choices"].([]any)
	if !ok || len(arr) == 0 {
		return fail(where, "Choices must be a non-empty array")
	}
	for i, e := range arr {
		w := fmt.Sprintf("%s.Choices[%d]", where, i)
		m, ok := e.(map[string]any)
		if !ok {
			return fail(w, "must be an object")
		}
		r, err := loadRule(m, w, true)
		if err != nil {
			return err
		}
		st.Choices = append(st.Choices, r)
	}
	if d, ok := obj["Default"]; ok {
		s, ok := d.(string)
		if !ok || s == "" {
			return fail(where, "Default must be a state name")
		}
		st.Default = s
	}
	return nil
}

func loadRule(m map[string]any, where string, top bool) (*ChoiceRule, error) {
	r := &ChoiceRule{}
	var ops []string
	for _, k := range sortedKeys(m) {
		switch {
		case k == "Next":
			if !top {
				return nil, fail(where, "Next is only allowed in a top-level Choice rule")
			}
		case k == "Variable", k == "Comment":
		case k == "And", k == "Or", k == "Not":
			ops = append(ops, k)
		case comparisonOps[k] != "":
			ops = append(ops, k)
		case strings.HasSuffix(k, "Path") && comparisonOps[strings.TrimSuffix(k, "Path")] != "" && !strings.HasPrefix(k, "Is") && k != "StringMatchesPath":
			ops = append(ops, k)
		case k == "Assign" && top:
		case k == "Condition" || k == "Output":
			return nil, fail(where, "SCHEMA_VALIDATION_FAILED: The field %q is supported only for JSONata", k)
		default:
			return nil, fail(where, "unknown or unimplemented Choice field %q", k)
		}
	}
	if top {
		var err error
		if r.Next, err = reqString(m, "Next", where); err != nil {
			return nil, err
		}
		if r.Assign, err = loadAssign(m, where); err != nil {
			return nil, err
		}
	}
	if len(ops) != 1 {
		return nil, fail(where, "a Choice rule needs exactly one comparison operator or And/Or/Not, found %d", len(ops))
	}
	op := ops[0]
	r.Op = op
	switch op {
	case "And", "Or":
		arr, ok := m[op].([]any)
		if !ok || len(arr) == 0 {
			return nil, fail(where, "%s must be a non-empty array of rules", op)
		}
		if _, ok := m["Variable"]; ok {
			return nil, fail(where, "Variable is not allowed beside %s", op)
		}
		for i, e := range arr {
			sm, ok := e.(map[string]any)
			if !ok {
				return nil, fail(where, "%s[%d] must be an object", op, i)
			}
			sub, err := loadRule(sm, fmt.Sprintf("%s.%s[%d]", where, op, i), false)
			if err != nil {
				return nil, err
			}
			if op == "And" {
				r.And = append(r.And, sub)
			} else {
				r.Or = append(r.Or, sub)
			}
		}
		return r, nil
	case "Not":
		sm, ok := m["Not"].(map[string]any)
		if !ok {
			return nil, fail(where, "Not must be an object")
		}
		if _, ok := m["Variable"]; ok {
			return nil, fail(where, "Variable is not allowed beside Not")
		}
		sub, err := loadRule(sm, where+".Not", false)
		if err != nil {
			return nil, err
		}
		r.Not = sub
		return r, nil
	}
	var err error
	if r.Variable, err = loadPathField(m, "Variable", where, false); err != nil {
		return nil, err
	}
	val := m[op]
	if base, isPath := strings.CutSuffix(op, "Path"); isPath && comparisonOps[op] == "" {
		s, ok := val.(string)
		if !ok {
			return nil, fail(where, "%s must be a path string", op)
		}
		if r.OperandPath, err = parsePath(s, false); err != nil {
			return nil, fail(where, "%s: %v", op, err)
		}
		r.Op = base
		return r, nil
	}
	switch comparisonOps[op] {
	case "string", "pattern":
		if _, ok := val.(string); !ok {
			return nil, fail(where, "%s needs a string operand", op)
		}
	case "number":
		if !isNumber(val) {
			return nil, fail(where, "%s needs a numeric operand", op)
		}
	case "bool":
		if _, ok := val.(bool); !ok {
			return nil, fail(where, "%s needs a boolean operand", op)
		}
	case "timestamp":
		s, ok := val.(string)
		if _, valid := parseTimestamp(s); !ok || !valid {
			return nil, fail(where, "%s needs an RFC3339 timestamp operand", op)
		}
	}
	r.Operand = val
	return r, nil
}

// compileDynamic compiles the value of an ErrorPath or CausePath: a path or an intrinsic.
func compileDynamic(s, where string) (*template, error) {
	if isIntrinsic(s) {
		c, err := parseIntrinsic(s)
		if err != nil {
			return nil, fail(where, "%v", err)
		}
		return &template{call: c}, nil
	}
	p, err := parsePath(s, false)
	if err != nil {
		return nil, fail(where, "%v", err)
	}
	return &template{path: p}, nil
}
