package stepfunctions

import (
	"fmt"
	"strconv"
	"strings"
)

// pathSeg is one step of a JSONPath: a field name, an array index, a wildcard, a slice, a
// union of names or indices, or a recursive descent to a name.
type pathSeg struct {
	kind    segKind
	name    string
	index   int
	names   []string
	indices []int
	start   *int
	end     *int
	step    int
	filter  *filterExpr
}

type segKind int

const (
	segField segKind = iota
	segIndex
	segWildcard
	segSlice
	segUnionNames
	segUnionIndices
	segDescend
	segFilter
)

// jsonPath is a parsed JSONPath over the state input ($) or the context object ($$).
type jsonPath struct {
	text    string
	context bool
	// variable is the workflow variable the path starts at ($name.field), "" for $ and $$.
	variable string
	segs     []pathSeg
}

// definite reports whether the path selects at most one node (no wildcard, slice, union or
// recursive descent), in which case its value is that node rather than a list of matches.
func (p *jsonPath) definite() bool {
	for _, s := range p.segs {
		if s.kind != segField && s.kind != segIndex {
			return false
		}
	}
	return true
}

// parsePath parses a JSONPath. A reference path (reference=true) may only name fields and
// indices, as ResultPath and the Choice Variable require.
func parsePath(text string, reference bool) (*jsonPath, error) {
	p := &jsonPath{text: text}
	rest := text
	switch {
	case strings.HasPrefix(rest, "$$"):
		p.context = true
		rest = rest[2:]
	case strings.HasPrefix(rest, "$"):
		rest = rest[1:]
		if name, n := scanName(rest); n > 0 {
			if err := checkVarName(name); err != nil {
				return nil, fmt.Errorf("path %q: %v", text, err)
			}
			p.variable = name
			rest = rest[n:]
		}
	default:
		return nil, fmt.Errorf("path %q must start with $", text)
	}
	for len(rest) > 0 {
		switch {
		case strings.HasPrefix(rest, ".."):
			rest = rest[2:]
			name, n := scanName(rest)
			if n == 0 {
				return nil, fmt.Errorf("path %q: expected a name after '..'", text)
			}
			p.segs = append(p.segs, pathSeg{kind: segDescend, name: name})
			rest = rest[n:]
		case rest[0] == '.':
			rest = rest[1:]
			if strings.HasPrefix(rest, "*") {
				p.segs = append(p.segs, pathSeg{kind: segWildcard})
				rest = rest[1:]
				continue
			}
			name, n := scanName(rest)
			if n == 0 {
				return nil, fmt.Errorf("path %q: expected a name after '.'", text)
			}
			p.segs = append(p.segs, pathSeg{kind: segField, name: name})
			rest = rest[n:]
		case rest[0] == '[':
			end := closingBracket(rest)
			if end < 0 {
				return nil, fmt.Errorf("path %q: unclosed '['", text)
			}
			seg, err := parseBracket(rest[1:end])
			if err != nil {
				return nil, fmt.Errorf("path %q: %v", text, err)
			}
			p.segs = append(p.segs, seg)
			rest = rest[end+1:]
		default:
			return nil, fmt.Errorf("path %q: unexpected %q", text, rest[:1])
		}
	}
	if reference && !p.definite() {
		return nil, fmt.Errorf("path %q is not a reference path (no wildcards, slices, unions, filters or '..')", text)
	}
	return p, nil
}

func scanName(s string) (string, int) {
	i := 0
	for i < len(s) && s[i] != '.' && s[i] != '[' {
		i++
	}
	return s[:i], i
}

func closingBracket(s string) int {
	at := -1
	eachUnquoted(s, 1, func(i int) bool {
		if s[i] == ']' {
			at = i
			return false
		}
		return true
	})
	return at
}

// eachUnquoted calls visit with the index of each byte of s, from start on, that lies outside
// a quoted string ('…' or "…", with backslash escapes), until visit returns false.
func eachUnquoted(s string, start int, visit func(i int) bool) {
	var quote byte
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '\'' || c == '"':
			quote = c
		case !visit(i):
			return
		}
	}
}

func parseBracket(in string) (pathSeg, error) {
	s := strings.TrimSpace(in)
	switch {
	case s == "*":
		return pathSeg{kind: segWildcard}, nil
	case strings.HasPrefix(s, "?"):
		f, err := parseFilter(s)
		if err != nil {
			return pathSeg{}, err
		}
		return pathSeg{kind: segFilter, filter: f}, nil
	case strings.HasPrefix(s, "'") || strings.HasPrefix(s, "\""):
		var names []string
		for _, part := range splitTop(s) {
			part = strings.TrimSpace(part)
			if len(part) < 2 || (part[0] != '\'' && part[0] != '"') || part[len(part)-1] != part[0] {
				return pathSeg{}, fmt.Errorf("bad quoted name %s", part)
			}
			names = append(names, unescapeQuoted(part[1:len(part)-1]))
		}
		if len(names) == 1 {
			return pathSeg{kind: segField, name: names[0]}, nil
		}
		return pathSeg{kind: segUnionNames, names: names}, nil
	case strings.Contains(s, ":"):
		parts := strings.Split(s, ":")
		if len(parts) > 3 {
			return pathSeg{}, fmt.Errorf("bad slice [%s]", s)
		}
		seg := pathSeg{kind: segSlice, step: 1}
		for i, part := range parts {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			n, err := strconv.Atoi(part)
			if err != nil {
				return pathSeg{}, fmt.Errorf("bad slice [%s]", s)
			}
			switch i {
			case 0:
				seg.start = &n
			case 1:
				seg.end = &n
			case 2:
				if n <= 0 {
					return pathSeg{}, fmt.Errorf("slice step must be positive in [%s]", s)
				}
				seg.step = n
			}
		}
		return seg, nil
	default:
		var idx []int
		for _, part := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil {
				return pathSeg{}, fmt.Errorf("bad index [%s]", s)
			}
			idx = append(idx, n)
		}
		if len(idx) == 1 {
			return pathSeg{kind: segIndex, index: idx[0]}, nil
		}
		return pathSeg{kind: segUnionIndices, indices: idx}, nil
	}
}

func splitTop(s string) []string {
	var out []string
	last := 0
	eachUnquoted(s, 0, func(i int) bool {
		if s[i] == ',' {
			out = append(out, s[last:i])
			last = i + 1
		}
		return true
	})
	return append(out, s[last:])
}

func unescapeQuoted(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// root is the document the path starts at: the input, the context object or a variable.
// A variable that no Assign set is an error.
func (p *jsonPath) root(input any, ctx map[string]any, vars *varScope) (any, error) {
	switch {
	case p.context:
		return ctx, nil
	case p.variable != "":
		v, ok := vars.get(p.variable)
		if !ok {
			return nil, &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("The variable '$%s' referenced by the path '%s' is not defined.", p.variable, p.text)}
		}
		return v, nil
	}
	return input, nil
}

// eval applies the path to doc. A definite path yields its single node (ok=false when it
// selects nothing); an indefinite path yields the list of matches, possibly empty.
func (p *jsonPath) eval(doc any) (any, bool) {
	nodes := []any{doc}
	for _, s := range p.segs {
		var next []any
		for _, n := range nodes {
			next = s.apply(n, next)
		}
		nodes = next
	}
	if p.definite() {
		if len(nodes) == 0 {
			return nil, false
		}
		return nodes[0], true
	}
	if nodes == nil {
		nodes = []any{}
	}
	return nodes, true
}

func (s pathSeg) apply(n any, out []any) []any {
	switch s.kind {
	case segField:
		if m, ok := n.(map[string]any); ok {
			if v, ok := m[s.name]; ok {
				out = append(out, v)
			}
		}
	case segIndex:
		if a, ok := n.([]any); ok {
			i := s.index
			if i < 0 {
				i += len(a)
			}
			if i >= 0 && i < len(a) {
				out = append(out, a[i])
			}
		}
	case segWildcard:
		switch v := n.(type) {
		case []any:
			out = append(out, v...)
		case map[string]any:
			for _, k := range sortedKeys(v) {
				out = append(out, v[k])
			}
		}
	case segUnionNames:
		if m, ok := n.(map[string]any); ok {
			for _, name := range s.names {
				if v, ok := m[name]; ok {
					out = append(out, v)
				}
			}
		}
	case segUnionIndices:
		if a, ok := n.([]any); ok {
			for _, i := range s.indices {
				if i < 0 {
					i += len(a)
				}
				if i >= 0 && i < len(a) {
					out = append(out, a[i])
				}
			}
		}
	case segSlice:
		if a, ok := n.([]any); ok {
			start, end := 0, len(a)
			if s.start != nil {
				start = clampIndex(*s.start, len(a))
			}
			if s.end != nil {
				end = clampIndex(*s.end, len(a))
			}
			for i := start; i < end; i += s.step {
				out = append(out, a[i])
			}
		}
	case segDescend:
		out = descend(n, s.name, out)
	case segFilter:
		switch v := n.(type) {
		case []any:
			for _, e := range v {
				if s.filter.match(e) {
					out = append(out, e)
				}
			}
		case map[string]any:
			for _, k := range sortedKeys(v) {
				if s.filter.match(v[k]) {
					out = append(out, v[k])
				}
			}
		}
	}
	return out
}

func clampIndex(i, n int) int {
	if i < 0 {
		i += n
	}
	return max(0, min(i, n))
}

func descend(n any, name string, out []any) []any {
	switch v := n.(type) {
	case map[string]any:
		if c, ok := v[name]; ok {
			out = append(out, c)
		}
		for _, k := range sortedKeys(v) {
			out = descend(v[k], name, out)
		}
	case []any:
		for _, c := range v {
			out = descend(c, name, out)
		}
	}
	return out
}

// set writes value at the reference path inside doc, creating objects on the way, and
// returns the new document. It fails when a step of the path meets a non-object.
func (p *jsonPath) set(doc, value any) (any, error) {
	if len(p.segs) == 0 {
		return value, nil
	}
	return setIn(doc, p.segs, value, p.text)
}

func setIn(node any, segs []pathSeg, value any, text string) (any, error) {
	if len(segs) == 0 {
		return value, nil
	}
	s := segs[0]
	switch s.kind {
	case segField:
		m, ok := node.(map[string]any)
		if !ok {
			if node != nil {
				return nil, fmt.Errorf("unable to apply ResultPath %q: %q is not an object", text, s.name)
			}
			m = map[string]any{}
		}
		cp := make(map[string]any, len(m)+1)
		for k, v := range m {
			cp[k] = v
		}
		child, err := setIn(m[s.name], segs[1:], value, text)
		if err != nil {
			return nil, err
		}
		cp[s.name] = child
		return cp, nil
	case segIndex:
		a, ok := node.([]any)
		if !ok || s.index < 0 || s.index >= len(a) {
			return nil, fmt.Errorf("unable to apply ResultPath %q: index %d out of range", text, s.index)
		}
		cp := append([]any(nil), a...)
		child, err := setIn(a[s.index], segs[1:], value, text)
		if err != nil {
			return nil, err
		}
		cp[s.index] = child
		return cp, nil
	}
	return nil, fmt.Errorf("unable to apply ResultPath %q", text)
}
