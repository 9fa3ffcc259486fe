package stepfunctions

import (
	"fmt"
	"strings"
)

// Filter expressions in Paths ($.items[?(@.price >= 5)]), as the developer guide's "Paths"
// page shows them: comparisons of a path from the current node @ with a literal (==, !=,
// <, <=, >, >=), a path alone for existence, joined by && and ||. They select, so a path with
// one is indefinite; Reference Paths refuse them.

// filterExpr is a parsed filter: an || of && of comparisons.
type filterExpr struct {
	any [][]filterCmp
}

type filterCmp struct {
	path    *jsonPath // relative to @
	op      string    // "" = the path exists
	operand any
}

func parseFilter(s string) (*filterExpr, error) {
	body := strings.TrimSpace(strings.TrimPrefix(s, "?"))
	if !strings.HasPrefix(body, "(") || !strings.HasSuffix(body, ")") {
		return nil, fmt.Errorf("filter [%s] must be ?(…)", s)
	}
	body = body[1 : len(body)-1]
	f := &filterExpr{}
	for _, alt := range splitUnquoted(body, "||") {
		var all []filterCmp
		for _, term := range splitUnquoted(alt, "&&") {
			c, err := parseFilterCmp(strings.TrimSpace(term))
			if err != nil {
				return nil, fmt.Errorf("filter [%s]: %v", s, err)
			}
			all = append(all, c)
		}
		f.any = append(f.any, all)
	}
	return f, nil
}

// splitUnquoted splits s at each sep outside a quoted string.
func splitUnquoted(s, sep string) []string {
	var out []string
	last := 0
	eachUnquoted(s, 0, func(i int) bool {
		if strings.HasPrefix(s[i:], sep) && i >= last {
			out = append(out, s[last:i])
			last = i + len(sep)
		}
		return true
	})
	return append(out, s[last:])
}

var filterOps = []string{"==", "!=", "<=", ">=", "<", ">"}

func parseFilterCmp(term string) (filterCmp, error) {
	if !strings.HasPrefix(term, "@") {
		return filterCmp{}, fmt.Errorf("a term must start with @, got %q", term)
	}
	at := -1
	op := ""
	eachUnquoted(term, 0, func(i int) bool {
		for _, o := range filterOps {
			if strings.HasPrefix(term[i:], o) {
				at, op = i, o
				return false
			}
		}
		return true
	})
	left := term
	if at >= 0 {
		left = strings.TrimSpace(term[:at])
	}
	p, err := parsePath("$"+left[1:], true)
	if err != nil {
		return filterCmp{}, err
	}
	c := filterCmp{path: p, op: op}
	if at < 0 {
		return c, nil
	}
	lit := strings.TrimSpace(term[at+len(op):])
	switch {
	case len(lit) >= 2 && (lit[0] == '\'' || lit[0] == '"') && lit[len(lit)-1] == lit[0]:
		c.operand = unescapeQuoted(lit[1 : len(lit)-1])
	default:
		v, err := decodeJSON([]byte(lit))
		if err != nil {
			return filterCmp{}, fmt.Errorf("bad literal %q", lit)
		}
		if _, isObj := v.(map[string]any); isObj {
			return filterCmp{}, fmt.Errorf("bad literal %q", lit)
		}
		if _, isArr := v.([]any); isArr {
			return filterCmp{}, fmt.Errorf("bad literal %q", lit)
		}
		c.operand = v
	}
	return c, nil
}

// match reports whether the node passes the filter.
func (f *filterExpr) match(node any) bool {
	for _, all := range f.any {
		ok := true
		for _, c := range all {
			if !c.match(node) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c filterCmp) match(node any) bool {
	v, ok := c.path.eval(node)
	if !ok {
		return false
	}
	switch c.op {
	case "":
		return true
	case "==":
		return jsonEqual(v, c.operand)
	case "!=":
		return !jsonEqual(v, c.operand)
	}
	var cmp int
	if a, ok := toFloat(v); ok {
		b, ok := toFloat(c.operand)
		if !ok {
			return false
		}
		cmp = cmpFloat(a, b)
	} else {
		a, ok1 := v.(string)
		b, ok2 := c.operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		cmp = strings.Compare(a, b)
	}
	switch c.op {
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	}
	return cmp >= 0
}
