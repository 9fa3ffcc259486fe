package stepfunctions

import (
	"fmt"
	"strings"
)

// template is a compiled payload template (Parameters, ResultSelector, ItemSelector), or
// the dynamic value of a field such as ErrorPath: a literal, an object or array of
// templates, a path, or an intrinsic function call.
type template struct {
	isLit bool
	value any
	obj   []tmplField
	arr   []*template
	path  *jsonPath
	call  *intrinsicCall
	// query is a JSONata expression ("{% … %}" in a JSONata state).
	query     query
	queryText string
}

type tmplField struct {
	key     string
	dynamic bool // the key ended in ".$"
	val     *template
}

func compileTemplate(v any, where string) (*template, error) {
	switch x := v.(type) {
	case map[string]any:
		t := &template{obj: []tmplField{}}
		for _, k := range sortedKeys(x) {
			if name, ok := strings.CutSuffix(k, ".$"); ok {
				s, ok := x[k].(string)
				if !ok {
					return nil, fail(where, "field %q must be a string path or intrinsic function", k)
				}
				dyn, err := compileDynamic(s, where+"."+k)
				if err != nil {
					return nil, err
				}
				t.obj = append(t.obj, tmplField{key: name, dynamic: true, val: dyn})
				continue
			}
			sub, err := compileTemplate(x[k], where+"."+k)
			if err != nil {
				return nil, err
			}
			t.obj = append(t.obj, tmplField{key: k, val: sub})
		}
		return t, nil
	case []any:
		t := &template{arr: []*template{}}
		for i, e := range x {
			sub, err := compileTemplate(e, fmt.Sprintf("%s[%d]", where, i))
			if err != nil {
				return nil, err
			}
			t.arr = append(t.arr, sub)
		}
		return t, nil
	}
	return &template{isLit: true, value: v}, nil
}

// scope is what paths and intrinsics in a state see: the state's (effective) input as $ and
// the context object as $$.
type scope struct {
	exec  *execution
	input any
	ctx   map[string]any
	field string
	// vars are the variables the state sees ($name).
	vars *varScope
	// In a JSONata state: the state's name, and $states (input, context, and result or
	// errorOutput where the field has them).
	state  string
	states map[string]any
}

func (s *scope) selectPath(p *jsonPath) (any, error) {
	doc, err := p.root(s.input, s.ctx, s.vars)
	if err != nil {
		return nil, err
	}
	v, ok := p.eval(doc)
	if !ok {
		where := "input"
		switch {
		case p.context:
			where = "context object"
		case p.variable != "":
			where = "variable $" + p.variable
		}
		return nil, &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("The JSONPath '%s' specified for the field '%s' could not be found in the %s '%s'", p.text, s.field, where, encodeJSON(doc))}
	}
	return v, nil
}

// evalQuery evaluates a JSONata expression of the state; a failure or a result that is no
// JSON value is States.QueryEvaluationError, in AWS's words.
func (s *scope) evalQuery(t *template) (any, error) {
	vars := s.vars.all()
	vars["states"] = s.states
	v, undefined, err := t.query.eval(vars, &sfnFunctions{ex: s.exec})
	switch {
	case err != nil:
		return nil, &stateError{Name: ErrQueryEvaluationError, Cause: fmt.Sprintf("An error occurred while evaluating the state '%s': the JSONata expression '%s' specified for the field '%s' threw an error: %v", s.state, t.queryText, s.field, err)}
	case undefined:
		return nil, &stateError{Name: ErrQueryEvaluationError, Cause: fmt.Sprintf("An error occurred while evaluating the state '%s': the JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", s.state, t.queryText, s.field)}
	}
	return v, nil
}

func (t *template) eval(s *scope) (any, error) {
	switch {
	case t.isLit:
		return deepCopy(t.value), nil
	case t.path != nil:
		v, err := s.selectPath(t.path)
		if err != nil {
			return nil, err
		}
		return deepCopy(v), nil
	case t.call != nil:
		v, err := t.call.eval(s)
		if err != nil {
			return nil, err
		}
		return v, nil
	case t.query != nil:
		return s.evalQuery(t)
	case t.obj != nil:
		out := make(map[string]any, len(t.obj))
		for _, f := range t.obj {
			saved := s.field
			if f.dynamic {
				s.field = f.key + ".$"
			}
			v, err := f.val.eval(s)
			s.field = saved
			if err != nil {
				return nil, err
			}
			out[f.key] = v
		}
		return out, nil
	default:
		out := make([]any, len(t.arr))
		for i, e := range t.arr {
			v, err := e.eval(s)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
}
