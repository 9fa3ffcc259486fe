package stepfunctions

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Loading JSONata states (QueryLanguage JSONata): every field that takes a value may hold
// JSONata expressions as strings "{% … %}", alone or anywhere inside objects and arrays.

// exprText returns the expression of a "{% … %}" string.
func exprText(v any) (string, bool) {
	s, ok := v.(string)
	if !ok || !strings.HasPrefix(s, "{%") || !strings.HasSuffix(s, "%}") || len(s) < 4 {
		return "", false
	}
	return strings.TrimSpace(s[2 : len(s)-2]), true
}

// compileQueryTemplate compiles a JSONata state's field value.
func compileQueryTemplate(v any, where string) (*template, error) {
	if text, ok := exprText(v); ok {
		if text == "" {
			return nil, fail(where, "SCHEMA_VALIDATION_FAILED: the JSONata expression is empty")
		}
		q, err := jsonataLang.compile(text)
		if err != nil {
			return nil, fail(where, "SCHEMA_VALIDATION_FAILED: the JSONata expression '%s' is not valid: %v", text, err)
		}
		return &template{query: q, queryText: text}, nil
	}
	switch x := v.(type) {
	case map[string]any:
		t := &template{obj: []tmplField{}}
		for _, k := range sortedKeys(x) {
			sub, err := compileQueryTemplate(x[k], where+"."+k)
			if err != nil {
				return nil, err
			}
			t.obj = append(t.obj, tmplField{key: k, val: sub})
		}
		return t, nil
	case []any:
		t := &template{arr: []*template{}}
		for i, e := range x {
			sub, err := compileQueryTemplate(e, fmt.Sprintf("%s[%d]", where, i))
			if err != nil {
				return nil, err
			}
			t.arr = append(t.arr, sub)
		}
		return t, nil
	}
	return &template{isLit: true, value: v}, nil
}

func loadQueryField(obj map[string]any, field, where string) (*template, error) {
	v, ok := obj[field]
	if !ok {
		return nil, nil
	}
	return compileQueryTemplate(v, where+"."+field)
}

// loadQueryAssign compiles a JSONata Assign: variable names to values or expressions.
func loadQueryAssign(obj map[string]any, where string) (*template, error) {
	v, ok := obj["Assign"]
	if !ok {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fail(where, "Assign must be an object")
	}
	for k := range m {
		if err := checkVarName(k); err != nil {
			return nil, fail(where+".Assign", "%v", err)
		}
	}
	return compileQueryTemplate(m, where+".Assign")
}

// loadQueryInt reads an integer field that may instead be an expression.
func loadQueryInt(obj map[string]any, field, where string, lo, hi int, dst *int) (*template, error) {
	v, ok := obj[field]
	if !ok {
		return nil, nil
	}
	if _, isExpr := exprText(v); isExpr {
		return compileQueryTemplate(v, where+"."+field)
	}
	n, err := posInt(obj, field, where, lo, hi)
	*dst = n
	return nil, err
}

// loadQueryString reads a string field that may instead be an expression.
func loadQueryString(obj map[string]any, field, where string, dst *string) (*template, error) {
	v, ok := obj[field]
	if !ok {
		return nil, nil
	}
	if _, isExpr := exprText(v); isExpr {
		return compileQueryTemplate(v, where+"."+field)
	}
	s, ok := v.(string)
	if !ok {
		return nil, fail(where, "%s must be a string or a JSONata expression", field)
	}
	*dst = s
	return nil, nil
}

func (l *loader) jsonataState(st *State, obj map[string]any, where string) error {
	var err error
	if _, ok := obj["Next"]; ok || st.Type == "Pass" || st.Type == "Task" || st.Type == "Wait" || st.Type == "Parallel" || st.Type == "Map" {
		if err := loadTransition(st, obj, where); err != nil {
			return err
		}
	}
	if st.Output, err = loadQueryField(obj, "Output", where); err != nil {
		return err
	}
	if st.Assign, err = loadQueryAssign(obj, where); err != nil {
		return err
	}
	if st.Arguments, err = loadQueryField(obj, "Arguments", where); err != nil {
		return err
	}
	switch st.Type {
	case "Task", "Parallel", "Map":
		if st.Retry, err = loadRetry(obj, where); err != nil {
			return err
		}
		if st.Catch, err = loadCatch(obj, where, true); err != nil {
			return err
		}
	}
	switch st.Type {
	case "Task":
		if err := loadResource(st, obj, where, "Arguments", st.Arguments); err != nil {
			return err
		}
		if st.TimeoutExpr, err = loadQueryInt(obj, "TimeoutSeconds", where, 1, 99999999, &st.TimeoutSeconds); err != nil {
			return err
		}
		if st.HeartbeatExpr, err = loadQueryInt(obj, "HeartbeatSeconds", where, 1, 99999999, &st.HeartbeatSeconds); err != nil {
			return err
		}
		return checkHeartbeat(st, where)
	case "Choice":
		return loadJSONataChoice(st, obj, where)
	case "Wait":
		n := 0
		for _, k := range []string{"Seconds", "Timestamp"} {
			if _, ok := obj[k]; ok {
				n++
			}
		}
		if n != 1 {
			return fail(where, "a JSONata Wait state needs exactly one of Seconds and Timestamp")
		}
		if _, ok := obj["Seconds"]; ok {
			st.HasSeconds = true
			st.SecondsExpr, err = loadQueryInt(obj, "Seconds", where, 0, 99999999, &st.Seconds)
			return err
		}
		if st.TimestampExpr, err = loadQueryString(obj, "Timestamp", where, &st.Timestamp); err != nil {
			return err
		}
		if st.TimestampExpr == nil {
			if _, ok := parseTimestamp(st.Timestamp); !ok {
				return fail(where, "Timestamp %q is not an RFC3339 timestamp", st.Timestamp)
			}
		}
	case "Fail":
		if st.ErrorExpr, err = loadQueryString(obj, "Error", where, &st.Error); err != nil {
			return err
		}
		st.CauseExpr, err = loadQueryString(obj, "Cause", where, &st.Cause)
		return err
	case "Parallel":
		return l.loadParallel(st, obj, where)
	case "Map":
		return l.loadJSONataMap(st, obj, where)
	}
	return nil
}

func loadJSONataChoice(st *State, obj map[string]any, where string) error {
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
		r := &ChoiceRule{}
		for _, k := range sortedKeys(m) {
			switch k {
			case "Condition", "Next", "Assign", "Output", "Comment":
			default:
				if _, isOp := comparisonOps[strings.TrimSuffix(k, "Path")]; isOp || k == "Variable" || k == "And" || k == "Or" || k == "Not" {
					return fail(w, "SCHEMA_VALIDATION_FAILED: The field %q is not supported for JSONata; a JSONata Choice rule has a Condition", k)
				}
				return fail(w, "unknown Choice rule field %q", k)
			}
		}
		var err error
		if r.Next, err = reqString(m, "Next", w); err != nil {
			return err
		}
		c, ok := m["Condition"]
		if !ok {
			return fail(w, "a JSONata Choice rule needs a Condition")
		}
		if _, isBool := c.(bool); !isBool {
			if _, isExpr := exprText(c); !isExpr {
				return fail(w, "Condition must be a boolean or a JSONata expression")
			}
		}
		if r.Condition, err = compileQueryTemplate(c, w+".Condition"); err != nil {
			return err
		}
		if r.Assign, err = loadQueryAssign(m, w); err != nil {
			return err
		}
		if r.Output, err = loadQueryField(m, "Output", w); err != nil {
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

func (l *loader) loadJSONataMap(st *State, obj map[string]any, where string) error {
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
	if v, ok := obj["Items"]; ok {
		if _, isExpr := exprText(v); !isExpr {
			if _, isArr := v.([]any); !isArr {
				return fail(where, "Items must be an array or a JSONata expression")
			}
		}
	}
	if st.Items, err = loadQueryField(obj, "Items", where); err != nil {
		return err
	}
	if st.ItemSelector, err = loadQueryField(obj, "ItemSelector", where); err != nil {
		return err
	}
	st.MaxConcExpr, err = loadQueryInt(obj, "MaxConcurrency", where, 0, math.MaxInt32, &st.MaxConcurrency)
	return err
}

// checkVarScopes refuses an Assign, in a Parallel branch or Map iteration, of a variable
// that a scope around it assigns: inner scopes read outer variables but cannot set them.
func checkVarScopes(sm *StateMachine, outer map[string]string, where string) error {
	own := map[string]string{}
	for _, name := range sortedStateNames(sm) {
		for _, v := range assignedNames(sm.States[name]) {
			if at, ok := outer[v]; ok {
				return fail("state "+name, "Assign sets the variable $%s, which the outer scope assigns (%s): a Parallel branch or Map iteration cannot assign an outer scope's variables; return values through its output instead", v, at)
			}
			own[v] = "state " + name
		}
	}
	inner := map[string]string{}
	for k, v := range outer {
		inner[k] = v
	}
	for k, v := range own {
		inner[k] = v
	}
	for _, name := range sortedStateNames(sm) {
		st := sm.States[name]
		for i, b := range st.Branches {
			if err := checkVarScopes(b, inner, fmt.Sprintf("state %s.Branches[%d]", name, i)); err != nil {
				return err
			}
		}
		if st.ItemProcessor != nil {
			if err := checkVarScopes(st.ItemProcessor, inner, "state "+name+".ItemProcessor"); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedStateNames(sm *StateMachine) []string { return slices.Sorted(maps.Keys(sm.States)) }

// assignedNames is every variable a state's Assign fields (its own, its Choice rules', its
// Catchers') set.
func assignedNames(st *State) []string {
	var out []string
	add := func(t *template) {
		if t == nil {
			return
		}
		for _, f := range t.obj {
			out = append(out, f.key)
		}
	}
	add(st.Assign)
	for _, r := range st.Choices {
		add(r.Assign)
	}
	for _, c := range st.Catch {
		add(c.Assign)
	}
	return out
}
