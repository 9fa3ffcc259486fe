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
}

func (s *scope) selectPath(p *jsonPath) (any, error) {
	doc := s.input
	if p.context {
		doc = s.ctx
	}
	v, ok := p.eval(doc)
	if !ok {
		where := "input"
		if p.context {
			where = "context object"
		}
		return nil, &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("The JSONPath '%s' specified for the field '%s' could not be found in the %s '%s'", p.text, s.field, where, encodeJSON(doc))}
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
