package stepfunctions

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"
)

// intrinsicCall is a parsed intrinsic function call such as States.Format('{}', $.a).
type intrinsicCall struct {
	name string
	args []intrinsicArg
}

type intrinsicArg struct {
	literal any
	// template is a string literal as States.Format reads it: with \{ and \} still escaped,
	// so that an escaped brace is text and an escaped backslash before {} is not an escape.
	template string
	path     *jsonPath
	call     *intrinsicCall
}

// intrinsicArity is the number of arguments each implemented function takes: min, max
// (-1 = unbounded).
var intrinsicArity = map[string][2]int{
	"States.Format":         {1, -1},
	"States.StringToJson":   {1, 1},
	"States.JsonToString":   {1, 1},
	"States.Array":          {0, -1},
	"States.ArrayPartition": {2, 2},
	"States.ArrayContains":  {2, 2},
	"States.ArrayRange":     {3, 3},
	"States.ArrayGetItem":   {2, 2},
	"States.ArrayLength":    {1, 1},
	"States.ArrayUnique":    {1, 1},
	"States.Base64Encode":   {1, 1},
	"States.Base64Decode":   {1, 1},
	"States.Hash":           {2, 2},
	"States.JsonMerge":      {3, 3},
	"States.MathRandom":     {2, 3},
	"States.MathAdd":        {2, 2},
	"States.StringSplit":    {2, 2},
	"States.UUID":           {0, 0},
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

func isIntrinsic(s string) bool {
	return strings.HasPrefix(strings.TrimSpace(s), "States.")
}

// parseIntrinsic parses a whole intrinsic function expression.
func parseIntrinsic(text string) (*intrinsicCall, error) {
	p := &intrinsicParser{s: text}
	p.skipSpace()
	call, err := p.call()
	if err != nil {
		return nil, fmt.Errorf("intrinsic function %q: %v", text, err)
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("intrinsic function %q: unexpected %q", text, p.s[p.i:])
	}
	return call, nil
}

type intrinsicParser struct {
	s string
	i int
}

func (p *intrinsicParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *intrinsicParser) call() (*intrinsicCall, error) {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != '(' {
		p.i++
	}
	if p.i == len(p.s) {
		return nil, fmt.Errorf("expected '('")
	}
	name := strings.TrimSpace(p.s[start:p.i])
	arity, ok := intrinsicArity[name]
	if !ok {
		return nil, fmt.Errorf("unknown or unimplemented function %s", name)
	}
	p.i++
	c := &intrinsicCall{name: name}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
	} else {
		for {
			p.skipSpace()
			arg, err := p.arg()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, arg)
			p.skipSpace()
			if p.i >= len(p.s) {
				return nil, fmt.Errorf("expected ')'")
			}
			if p.s[p.i] == ')' {
				p.i++
				break
			}
			if p.s[p.i] != ',' {
				return nil, fmt.Errorf("expected ',' or ')' at %q", p.s[p.i:])
			}
			p.i++
		}
	}
	if len(c.args) < arity[0] || (arity[1] >= 0 && len(c.args) > arity[1]) {
		return nil, fmt.Errorf("%s takes %s arguments, got %d", name, arityText(arity), len(c.args))
	}
	return c, nil
}

func arityText(a [2]int) string {
	switch {
	case a[1] < 0:
		return fmt.Sprintf("at least %d", a[0])
	case a[0] == a[1]:
		return strconv.Itoa(a[0])
	}
	return fmt.Sprintf("%d to %d", a[0], a[1])
}

func (p *intrinsicParser) arg() (intrinsicArg, error) {
	if p.i >= len(p.s) {
		return intrinsicArg{}, fmt.Errorf("missing argument")
	}
	switch c := p.s[p.i]; {
	case c == '\'':
		// The specification's reserved characters ' { } \ are escaped with \; the value is
		// the unescaped text, the template keeps \{ \} \\ escaped for States.Format.
		var b, tmpl strings.Builder
		p.i++
		for p.i < len(p.s) {
			ch := p.s[p.i]
			if ch == '\\' && p.i+1 < len(p.s) {
				nx := p.s[p.i+1]
				b.WriteByte(nx)
				if nx == '{' || nx == '}' || nx == '\\' {
					tmpl.WriteByte('\\')
				}
				tmpl.WriteByte(nx)
				p.i += 2
				continue
			}
			if ch == '\'' {
				p.i++
				return intrinsicArg{literal: b.String(), template: tmpl.String()}, nil
			}
			b.WriteByte(ch)
			tmpl.WriteByte(ch)
			p.i++
		}
		return intrinsicArg{}, fmt.Errorf("unterminated string")
	case c == '$':
		start := p.i
		depth := 0
		for p.i < len(p.s) {
			ch := p.s[p.i]
			if ch == '[' {
				depth++
			} else if ch == ']' {
				depth--
			} else if depth == 0 && (ch == ',' || ch == ')' || ch == ' ') {
				break
			}
			p.i++
		}
		path, err := parsePath(p.s[start:p.i], false)
		if err != nil {
			return intrinsicArg{}, err
		}
		return intrinsicArg{path: path}, nil
	case strings.HasPrefix(p.s[p.i:], "States."):
		call, err := p.call()
		if err != nil {
			return intrinsicArg{}, err
		}
		return intrinsicArg{call: call}, nil
	default:
		start := p.i
		for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != ')' {
			p.i++
		}
		tok := strings.TrimSpace(p.s[start:p.i])
		switch tok {
		case "true":
			return intrinsicArg{literal: true}, nil
		case "false":
			return intrinsicArg{literal: false}, nil
		case "null":
			return intrinsicArg{literal: nil}, nil
		}
		if _, err := strconv.ParseFloat(tok, 64); err == nil {
			return intrinsicArg{literal: json.Number(tok)}, nil
		}
		return intrinsicArg{}, fmt.Errorf("bad argument %q", tok)
	}
}

// intrinsicError is a failure while evaluating an intrinsic function (States.IntrinsicFailure),
// or a path argument selecting nothing (States.Runtime).
type intrinsicError struct {
	name  string
	cause string
}

func (e *intrinsicError) Error() string { return e.cause }

func (c *intrinsicCall) eval(r *scope) (any, error) {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		switch {
		case a.call != nil:
			v, err := a.call.eval(r)
			if err != nil {
				return nil, err
			}
			args[i] = v
		case a.path != nil:
			v, err := r.selectPath(a.path)
			if err != nil {
				return nil, err
			}
			args[i] = v
		case i == 0 && c.name == "States.Format" && isString(a.literal):
			args[i] = a.template
		default:
			args[i] = a.literal
		}
	}
	v, err := c.apply(r, args)
	if err != nil {
		return nil, &intrinsicError{name: ErrIntrinsicFailure, cause: fmt.Sprintf("Invalid arguments in %s: %v", c.name, err)}
	}
	return v, nil
}

func (c *intrinsicCall) apply(r *scope, args []any) (any, error) {
	switch c.name {
	case "States.Format":
		tmpl, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("the template must be a string")
		}
		return formatTemplate(tmpl, args[1:])
	case "States.StringToJson":
		s, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("the argument must be a string")
		}
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		v, err := decodeJSON([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("the argument is not valid JSON: %v", err)
		}
		return v, nil
	case "States.JsonToString":
		return encodeJSON(args[0]), nil
	case "States.Array":
		return append([]any{}, args...), nil
	case "States.ArrayPartition":
		a, ok := args[0].([]any)
		n, ok2 := toInt(args[1])
		if !ok || !ok2 || n <= 0 {
			return nil, fmt.Errorf("expected an array and a positive chunk size")
		}
		out := []any{}
		for i := 0; i < len(a); i += n {
			out = append(out, append([]any{}, a[i:min(i+n, len(a))]...))
		}
		return out, nil
	case "States.ArrayContains":
		a, ok := args[0].([]any)
		if !ok {
			return nil, fmt.Errorf("the first argument must be an array")
		}
		for _, e := range a {
			if jsonEqual(e, args[1]) {
				return true, nil
			}
		}
		return false, nil
	case "States.ArrayRange":
		start, ok1 := toInt(args[0])
		end, ok2 := toInt(args[1])
		step, ok3 := toInt(args[2])
		if !ok1 || !ok2 || !ok3 || step == 0 {
			return nil, fmt.Errorf("expected integer start, end and a non-zero step")
		}
		out := []any{}
		for i := start; (step > 0 && i <= end) || (step < 0 && i >= end); i += step {
			if len(out) == 1000 {
				return nil, fmt.Errorf("the range has more than 1000 items")
			}
			out = append(out, intNumber(i))
		}
		return out, nil
	case "States.ArrayGetItem":
		a, ok := args[0].([]any)
		i, ok2 := toInt(args[1])
		if !ok || !ok2 || i < 0 || i >= len(a) {
			return nil, fmt.Errorf("index out of range")
		}
		return a[i], nil
	case "States.ArrayLength":
		a, ok := args[0].([]any)
		if !ok {
			return nil, fmt.Errorf("the argument must be an array")
		}
		return intNumber(len(a)), nil
	case "States.ArrayUnique":
		a, ok := args[0].([]any)
		if !ok {
			return nil, fmt.Errorf("the argument must be an array")
		}
		out := []any{}
	next:
		for _, e := range a {
			for _, seen := range out {
				if jsonEqual(e, seen) {
					continue next
				}
			}
			out = append(out, e)
		}
		return out, nil
	case "States.Base64Encode":
		s, ok := args[0].(string)
		if !ok || len(s) > 10000 {
			return nil, fmt.Errorf("expected a string of at most 10000 characters")
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "States.Base64Decode":
		s, ok := args[0].(string)
		if !ok || len(s) > 10000 {
			return nil, fmt.Errorf("expected a string of at most 10000 characters")
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || !utf8.Valid(b) {
			return nil, fmt.Errorf("not valid base64 of UTF-8 text")
		}
		return string(b), nil
	case "States.Hash":
		data, ok := args[0].(string)
		if !ok {
			data = encodeJSON(args[0])
		}
		alg, _ := args[1].(string)
		var h hash.Hash
		switch alg {
		case "MD5":
			h = md5.New()
		case "SHA-1":
			h = sha1.New()
		case "SHA-256":
			h = sha256.New()
		case "SHA-384":
			h = sha512.New384()
		case "SHA-512":
			h = sha512.New()
		default:
			return nil, fmt.Errorf("unknown hash algorithm %q", alg)
		}
		h.Write([]byte(data))
		return hex.EncodeToString(h.Sum(nil)), nil
	case "States.JsonMerge":
		a, ok1 := args[0].(map[string]any)
		b, ok2 := args[1].(map[string]any)
		deep, ok3 := args[2].(bool)
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("expected two objects and a boolean")
		}
		if deep {
			return nil, fmt.Errorf("deep merging is not supported")
		}
		out := map[string]any{}
		for k, v := range a {
			out[k] = v
		}
		for k, v := range b {
			out[k] = v
		}
		return out, nil
	case "States.MathRandom":
		start, ok1 := toInt(args[0])
		end, ok2 := toInt(args[1])
		if !ok1 || !ok2 || end < start {
			return nil, fmt.Errorf("expected integers start <= end")
		}
		if len(args) == 3 {
			// The same seed gives the same number, as on AWS (whose generator differs).
			seed, ok := toInt(args[2])
			if !ok {
				return nil, fmt.Errorf("the seed must be an integer")
			}
			rnd := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
			return intNumber(start + rnd.IntN(end-start+1)), nil
		}
		return intNumber(start + r.exec.eng.randIntN(end-start+1)), nil
	case "States.MathAdd":
		a, ok1 := toInt(args[0])
		b, ok2 := toInt(args[1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("expected two integers")
		}
		return intNumber(a + b), nil
	case "States.StringSplit":
		s, ok1 := args[0].(string)
		d, ok2 := args[1].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("expected two strings")
		}
		out := []any{}
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(d, r) }) {
			out = append(out, part)
		}
		return out, nil
	case "States.UUID":
		return r.exec.eng.newUUID(), nil
	}
	return nil, fmt.Errorf("unimplemented")
}

func formatTemplate(tmpl string, args []any) (string, error) {
	var b strings.Builder
	n := 0
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case c == '\\' && i+1 < len(tmpl):
			i++
			b.WriteByte(tmpl[i])
		case c == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}':
			if n >= len(args) {
				return "", fmt.Errorf("more placeholders than arguments")
			}
			switch v := args[n].(type) {
			case string:
				b.WriteString(v)
			case map[string]any, []any:
				return "", fmt.Errorf("argument %d is not a string, number, boolean or null", n+1)
			default:
				b.WriteString(encodeJSON(v))
			}
			n++
			i++
		default:
			b.WriteByte(c)
		}
	}
	if n != len(args) {
		return "", fmt.Errorf("%d arguments for %d placeholders", len(args), n)
	}
	return b.String(), nil
}
