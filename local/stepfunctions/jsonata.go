package stepfunctions

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	jsonata "github.com/blues/jsonata-go"
	"github.com/blues/jsonata-go/jlib"
	"github.com/blues/jsonata-go/jtypes"
)

// The engine evaluates JSONata through queryLanguage, so that the library behind it can be
// replaced without touching the interpreter. Values cross the interface in the engine's own
// shapes (json.Number numbers); the adapter converts.

// queryLanguage compiles JSONata expressions.
type queryLanguage interface {
	compile(expr string) (query, error)
}

// query is one compiled expression.
type query interface {
	// eval evaluates the expression with the variables bound (states is $states), calling
	// fns for Step Functions' own functions. undefined reports that the expression yields
	// no value.
	eval(vars map[string]any, fns *sfnFunctions) (v any, undefined bool, err error)
}

// jsonataLang is the JSONata implementation: github.com/blues/jsonata-go (JSONata 1.5 with
// later functions), with what Step Functions adds or changes supplied by the engine.
var jsonataLang queryLanguage = bluesJSONata{}

type bluesJSONata struct{}

type bluesQuery struct {
	expr *jsonata.Expr
	// names are the $names the expression mentions: only those variables are converted and
	// bound, and only those of the engine's functions registered, for each evaluation.
	names map[string]bool
}

// dollarNameRE finds a $name in an expression (with its strings blanked).
var dollarNameRE = regexp.MustCompile(`\$([\p{L}_][\p{L}\p{Nd}_]*)`)

// bluesEvalMu serialises evaluations: the library's built-in functions are package-level
// values that each call writes to (their name and context, callable.go's SetName and
// SetContext), so two evaluations calling a built-in at once race (the race detector shows it
// with Map iterations or concurrent executions).
var bluesEvalMu sync.Mutex

// evalRE finds a call of $eval, which Step Functions does not support in JSONata states.
var evalRE = regexp.MustCompile(`\$eval\s*\(`)

// bindingRE finds JSONata 1.6's positional (#$i) and context (@$v) variable bindings, which
// the library parses but evaluates to nothing; they are refused rather than answered wrongly.
var bindingRE = regexp.MustCompile(`[#@]\s*\$`)

func (bluesJSONata) compile(expr string) (query, error) {
	code := withoutStrings(expr)
	if evalRE.MatchString(code) {
		return nil, errors.New("the JSONata function $eval is not supported by Step Functions; use $parse to decode a JSON string")
	}
	if bindingRE.MatchString(code) {
		return nil, errors.New("positional (#$var) and context (@$var) variable bindings are not supported by this engine's JSONata")
	}
	e, err := jsonata.Compile(expr)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, m := range dollarNameRE.FindAllStringSubmatch(code, -1) {
		names[m[1]] = true
	}
	return &bluesQuery{expr: e, names: names}, nil
}

// withoutStrings blanks the string literals of an expression, so that a search for a
// function call does not match inside one.
func withoutStrings(s string) string {
	b := []byte(s)
	var quote byte
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0 && c == '\\':
			b[i] = ' '
			if i+1 < len(b) {
				i++
				b[i] = ' '
			}
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			b[i] = ' '
		case c == '\'' || c == '"':
			quote = c
		}
	}
	return string(b)
}

func (q *bluesQuery) eval(vars map[string]any, fns *sfnFunctions) (any, bool, error) {
	// An Expr's registry belongs to it; a shallow copy with its own registry is evaluated, so
	// that concurrent evaluations of one compiled expression share nothing they write.
	e := *q.expr
	bound := map[string]any{}
	for k, v := range vars {
		if q.names[k] {
			bound[k] = toJSONata(v)
		}
	}
	if err := e.RegisterVars(bound); err != nil {
		return nil, false, err
	}
	exts := map[string]jsonata.Extension{}
	for k, x := range fns.extensions() {
		if q.names[k] {
			exts[k] = x
		}
	}
	if err := e.RegisterExts(exts); err != nil {
		return nil, false, err
	}
	bluesEvalMu.Lock()
	v, err := e.Eval(nil)
	bluesEvalMu.Unlock()
	if errors.Is(err, jsonata.ErrUndefined) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	out, err := fromJSONata(v)
	return out, false, err
}

// toJSONata converts an engine value for the library, whose numbers are float64.
func toJSONata(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = toJSONata(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = toJSONata(e)
		}
		return a
	}
	return v
}

// fromJSONata converts a result to an engine value; a function or a non-finite number is no
// JSON value and fails, as Step Functions fails a non-JSON result.
func fromJSONata(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("the result %v is not a JSON number", x)
		}
		return jsNumber(x), nil
	case int:
		return intNumber(x), nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			c, err := fromJSONata(e)
			if err != nil {
				return nil, err
			}
			m[k] = c
		}
		return m, nil
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			c, err := fromJSONata(e)
			if err != nil {
				return nil, err
			}
			a[i] = c
		}
		return a, nil
	}
	// Other slices and maps the library builds (of strings, of numbers) are JSON too; a
	// function, which the library holds as a pointer or struct, is not.
	switch reflect.ValueOf(v).Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String, reflect.Bool, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		b, err := json.Marshal(v)
		if err == nil {
			return decodeJSON(b)
		}
	}
	return nil, fmt.Errorf("the result is not a JSON value (a function or another %T)", v)
}

// jsNumber writes a number as JavaScript's JSON.stringify does: the shortest digits that
// read back the same, without an exponent from 1e-6 up to 1e21.
func jsNumber(f float64) json.Number {
	if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if strings.Contains(s, "e") {
		// JavaScript writes 1e-7 and 1e+21 where Go writes 1e-07 and 1e+21.
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[:1]
		exp = strings.TrimLeft(exp[1:], "0")
		s = mant + "e" + sign + exp
	}
	return json.Number(s)
}

// roundTo15 rounds every number of a value to 15 significant digits, as JSONata's $string.
func roundTo15(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x
		}
		r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
		return jsNumber(r)
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = roundTo15(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = roundTo15(e)
		}
		return a
	}
	return v
}

// sfnFunctions are the JSONata functions Step Functions adds ($partition, $range, $hash,
// $random, $uuid, $parse) or whose library version departs from JSONata's reference
// ($encodeUrlComponent, $string, $keys, $spread), bound to one execution.
type sfnFunctions struct {
	ex *execution
}

func (f *sfnFunctions) extensions() map[string]jsonata.Extension {
	return map[string]jsonata.Extension{
		"partition": {Func: func(a []any, size float64) ([]any, error) {
			n := int(size)
			if float64(n) != size || n <= 0 {
				return nil, errors.New("$partition: the chunk size must be a positive integer")
			}
			out := []any{}
			for i := 0; i < len(a); i += n {
				out = append(out, append([]any{}, a[i:min(i+n, len(a))]...))
			}
			return out, nil
		}},
		"range": {Func: func(start, end, step float64) ([]any, error) {
			if start != math.Trunc(start) || end != math.Trunc(end) || step != math.Trunc(step) || step == 0 {
				return nil, errors.New("$range: start, end and step must be integers, step not 0")
			}
			out := []any{}
			for i := start; (step > 0 && i <= end) || (step < 0 && i >= end); i += step {
				if len(out) == 1000 {
					return nil, errors.New("$range: the range has more than 1000 items")
				}
				out = append(out, i)
			}
			return out, nil
		}},
		"hash": {Func: func(data any, alg string) (string, error) {
			s, ok := data.(string)
			if !ok {
				v, _ := fromJSONata(data)
				s = encodeJSON(v)
			}
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
				return "", fmt.Errorf("$hash: unknown algorithm %q (MD5, SHA-1, SHA-256, SHA-384, SHA-512)", alg)
			}
			h.Write([]byte(s))
			return hex.EncodeToString(h.Sum(nil)), nil
		}},
		"random": {Func: func(seed jtypes.OptionalFloat64) float64 {
			if seed.IsSet() {
				// The same seed gives the same number, as on AWS (whose generator differs).
				return rand.New(rand.NewPCG(uint64(int64(seed.Float64)), 0x5eed)).Float64()
			}
			return f.ex.eng.randFloat()
		}},
		"uuid": {Func: func() string { return f.ex.eng.newUUID() }},
		"parse": {Func: func(s string) (any, error) {
			v, err := decodeJSON([]byte(s))
			if err != nil {
				return nil, fmt.Errorf("$parse: the argument is not valid JSON: %v", err)
			}
			return toJSONata(v), nil
		}, UndefinedHandler: jtypes.ArgUndefined(0)},
		// JavaScript's encodeURIComponent, which the library writes as a query escape (a
		// space as + rather than %20).
		"encodeUrlComponent": {Func: func(s string) string {
			return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
		}, UndefinedHandler: jtypes.ArgUndefined(0)},
		// JSONata's $string writes numbers to 15 significant digits (0.1 + 0.2 is "0.3") and
		// JSON without HTML escapes; the library writes every digit and escapes < > &.
		// It takes one argument, so that $map($xs, $string) passes it the item alone.
		"string": {Func: func(v any) (string, error) {
			switch x := v.(type) {
			case string:
				return x, nil
			case jtypes.Callable:
				return "", nil
			}
			j, err := fromJSONata(v)
			if err != nil {
				return "", err
			}
			return encodeJSON(roundTo15(j)), nil
		}, UndefinedHandler: jtypes.ArgUndefined(0), EvalContextHandler: jtypes.ArgCountEquals(0)},
		// $keys and $spread of an object list its keys by name: the engine's objects, like
		// JSON's (RFC 8259, section 4), are unordered, and the library's order is random.
		"keys": {Func: func(v reflect.Value) (any, error) {
			if m, ok := jtypes.Resolve(v).Interface().(map[string]any); ok {
				keys := sortedKeys(m)
				if len(keys) == 1 {
					return keys[0], nil
				}
				out := make([]any, len(keys))
				for i, k := range keys {
					out[i] = k
				}
				return out, nil
			}
			return jlib.Keys(v)
		}, UndefinedHandler: jtypes.ArgUndefined(0), EvalContextHandler: jtypes.ArgCountEquals(0)},
		"spread": {Func: func(v reflect.Value) (any, error) {
			if m, ok := jtypes.Resolve(v).Interface().(map[string]any); ok {
				var out []any
				for _, k := range sortedKeys(m) {
					out = append(out, map[string]any{k: m[k]})
				}
				if len(out) == 1 {
					return out[0], nil
				}
				return out, nil
			}
			return jlib.Spread(v)
		}, UndefinedHandler: jtypes.ArgUndefined(0), EvalContextHandler: jtypes.ArgCountEquals(0)},
	}
}
