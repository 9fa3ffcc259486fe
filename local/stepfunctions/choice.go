package stepfunctions

import (
	"fmt"
	"strings"
	"time"
)

func parseTimestamp(s string) (time.Time, bool) {
	if !strings.Contains(s, "T") {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// eval decides a Choice rule against the state's effective input.
func (r *ChoiceRule) eval(s *scope) (bool, error) {
	switch r.Op {
	case "And":
		for _, sub := range r.And {
			ok, err := sub.eval(s)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case "Or":
		for _, sub := range r.Or {
			ok, err := sub.eval(s)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case "Not":
		ok, err := r.Not.eval(s)
		return !ok && err == nil, err
	}
	v, present := r.Variable.evalRoot(s)
	if r.Op == "IsPresent" {
		return present == r.Operand.(bool), nil
	}
	if !present {
		return false, &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("Invalid path '%s': The choice state's condition path references an invalid value.", r.Variable.text)}
	}
	operand := r.Operand
	if r.OperandPath != nil {
		ov, ok := r.OperandPath.evalRoot(s)
		if !ok {
			return false, &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("Invalid path '%s': The choice state's condition path references an invalid value.", r.OperandPath.text)}
		}
		operand = ov
	}
	switch r.Op {
	case "IsNull":
		return (v == nil) == operand.(bool), nil
	case "IsNumeric":
		return isNumber(v) == operand.(bool), nil
	case "IsString":
		_, ok := v.(string)
		return ok == operand.(bool), nil
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == operand.(bool), nil
	case "IsTimestamp":
		str, ok := v.(string)
		if ok {
			_, ok = parseTimestamp(str)
		}
		return ok == operand.(bool), nil
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b, nil
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && wildcardMatch(b, a), nil
	}
	kind, cmpOp := splitOp(r.Op)
	var c int
	switch kind {
	case "String":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		c = strings.Compare(a, b)
	case "Numeric":
		a, ok1 := toFloat(v)
		b, ok2 := toFloat(operand)
		if !ok1 || !ok2 {
			return false, nil
		}
		c = cmpFloat(a, b)
	case "Timestamp":
		as, ok1 := v.(string)
		bs, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		a, ok1 := parseTimestamp(as)
		b, ok2 := parseTimestamp(bs)
		if !ok1 || !ok2 {
			return false, nil
		}
		c = a.Compare(b)
	default:
		return false, fmt.Errorf("unknown operator %s", r.Op)
	}
	switch cmpOp {
	case "Equals":
		return c == 0, nil
	case "LessThan":
		return c < 0, nil
	case "GreaterThan":
		return c > 0, nil
	case "LessThanEquals":
		return c <= 0, nil
	case "GreaterThanEquals":
		return c >= 0, nil
	}
	return false, fmt.Errorf("unknown operator %s", r.Op)
}

// evalRoot evaluates a Choice path over the input, the context object or a variable; a
// variable that no Assign set is not present.
func (p *jsonPath) evalRoot(s *scope) (any, bool) {
	doc, err := p.root(s.input, s.ctx, s.vars)
	if err != nil {
		return nil, false
	}
	return p.eval(doc)
}

func splitOp(op string) (kind, cmp string) {
	for _, k := range []string{"String", "Numeric", "Timestamp"} {
		if rest, ok := strings.CutPrefix(op, k); ok {
			return k, rest
		}
	}
	return "", op
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// wildcardMatch implements StringMatches: '*' matches any run of characters, '\*' a literal
// star and '\\' a literal backslash.
func wildcardMatch(pattern, s string) bool {
	type tok struct {
		star bool
		ch   rune
	}
	var toks []tok
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == '\\' && i+1 < len(rs):
			i++
			toks = append(toks, tok{ch: rs[i]})
		case rs[i] == '*':
			toks = append(toks, tok{star: true})
		default:
			toks = append(toks, tok{ch: rs[i]})
		}
	}
	in := []rune(s)
	// Classic greedy matching with backtracking to the last star.
	ti, si := 0, 0
	starT, starS := -1, 0
	for si < len(in) {
		switch {
		case ti < len(toks) && !toks[ti].star && toks[ti].ch == in[si]:
			ti++
			si++
		case ti < len(toks) && toks[ti].star:
			starT, starS = ti, si
			ti++
		case starT >= 0:
			starS++
			si = starS
			ti = starT + 1
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].star {
		ti++
	}
	return ti == len(toks)
}
