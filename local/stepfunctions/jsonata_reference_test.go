package stepfunctions

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The JSONata differential test: every JSONata expression the conformance suite evaluates,
// with the very variables it was evaluated with, and a corpus of expressions, are evaluated
// again by the reference implementation (npm jsonata 2.2.2, the version tools/asl-validator's
// package-lock.json pins; make test installs it), and the answers must agree: the same JSON
// value, both undefined, or both an error. A difference fails the test unless it is recorded
// in jsonataDifferences with the document that decides it.

// referenceJSONata is the reference implementation's package directory.
var referenceJSONata = filepath.Join("..", "..", "tools", "asl-validator", "node_modules", "jsonata")

// jsonataDifferences records where the engine's answer departs from the reference's, by
// expression, and why the engine's answer is the one Step Functions gives or the gap is
// accepted.
var jsonataDifferences = map[string]string{
	`$states.input.nope ?: "default"`: "JSONata 2.1's default operator ?: (JSONata documentation, \"Other operators\"); the library " +
		"implements JSONata 1.x and its parser refuses it, so a definition using it is refused at CreateStateMachine",
	`$states.input.nope ?? "default"`: "JSONata 2.1's coalescing operator ?? (JSONata documentation, \"Other operators\"); the library " +
		"implements JSONata 1.x and its parser refuses it, so a definition using it is refused at CreateStateMachine",
	`$string({"b":"<", "a":[0.1, 0.2]})`: "key order: the engine holds JSON objects unordered, as RFC 8259 (section 4) defines " +
		"them, and writes their keys by name; the reference keeps the order of the expression",
	`$keys({"b":1, "a":2})`: "key order: the engine holds JSON objects unordered, as RFC 8259 (section 4) defines them, and " +
		"lists their keys by name; the reference keeps the order of the expression",
	`$uppercase("straße")`: "the library upper-cases with Go's unicode.ToUpper, which keeps ß; JavaScript's toUpperCase " +
		"(ECMA-262, String.prototype.toUpperCase, with Unicode SpecialCasing) gives SS; accepted",
	`$states.input.objs.%.a`: "JSONata 1.6's parent operator % (JSONata documentation, \"Path operators\"): the library's " +
		"parser refuses it, so a definition using it is refused at CreateStateMachine",
	`$formatInteger(42, "000")`: "JSONata 1.6's $formatInteger (JSONata documentation, \"Numeric functions\") is not in the " +
		"library: an expression calling it fails with States.QueryEvaluationError",
	`$states.input.objs#$i.{"i": $i, "k": k}`: "JSONata 1.6's positional variable binding # (JSONata documentation, \"Path " +
		"operators\"): the library parses it but yields nothing, so the engine refuses it at CreateStateMachine",
}

// sfnFunctionRE finds Step Functions' own functions, which the reference implementation does
// not have; the conformance cases JSONataStepFunctionsFunctions and
// JSONataRandomWithSeedRepeatsAndUUIDIsVersion4 check them against the developer guide.
var sfnFunctionRE = regexp.MustCompile(`\$(partition|range|hash|random|uuid|parse)\s*\(`)

// recordingLang wraps the engine's JSONata so that the test sees each evaluation.
type recordingLang struct {
	inner queryLanguage
	mu    sync.Mutex
	evals []jsonataEval
}

type jsonataEval struct {
	expr      string
	vars      map[string]any
	value     any
	undefined bool
	err       error
}

type recordingQuery struct {
	lang *recordingLang
	expr string
	q    query
}

func (r *recordingLang) compile(expr string) (query, error) {
	q, err := r.inner.compile(expr)
	if err != nil {
		return nil, err
	}
	return &recordingQuery{lang: r, expr: expr, q: q}, nil
}

func (q *recordingQuery) eval(vars map[string]any, fns *sfnFunctions) (any, bool, error) {
	v, undefined, err := q.q.eval(vars, fns)
	q.lang.mu.Lock()
	q.lang.evals = append(q.lang.evals, jsonataEval{expr: q.expr, vars: deepCopy(vars).(map[string]any), value: v, undefined: undefined, err: err})
	q.lang.mu.Unlock()
	return v, undefined, err
}

// jsonataCorpusInput is the state input of the corpus's expressions.
const jsonataCorpusInput = `{"a":1,"s":"Hello World","xs":[3,1,2],"objs":[{"k":"a","v":1},{"k":"b","v":2}],"n":-2.5,
	"nested":{"deep":{"x":true}},"d":"2024-03-01T12:30:00.000Z","big":9007199254740993,"e":""}`

// jsonataCorpus probes the library beyond what the conformance cases use: each family of
// JSONata's functions and operators.
var jsonataCorpus = []string{
	// strings
	`$substring($states.input.s, 0, 5)`, `$substring($states.input.s, -5)`, `$substringBefore($states.input.s, " ")`,
	`$substringAfter($states.input.s, " ")`, `$uppercase($states.input.s)`, `$lowercase($states.input.s)`,
	`$length($states.input.s)`, `$trim("  a   b ")`, `$pad("x", -3, "#")`, `$pad("x", 3)`, `$contains($states.input.s, "World")`,
	`$split($states.input.s, " ")`, `$split("a,b,c", ",", 2)`, `$join(["a","b"], "-")`, `$match("ab12cd345", /\d+/).match`,
	`$replace($states.input.s, "o", "0")`, `$replace($states.input.s, /o/, "0", 1)`, `$string({"a":[1,2]})`, `$string(1.5)`,
	`$base64encode("hi there")`, `$base64decode("aGkgdGhlcmU=")`, `$encodeUrlComponent("a b&c/d")`, `$encodeUrl("http://x/a b?q=1")`,
	`$decodeUrlComponent("a%20b%26")`, `"x" & 1 & true`, `$contains("abc", /B/i)`, `$string(0.1 + 0.2)`,
	// numbers
	`$number("12.5")`, `$abs($states.input.n)`, `$floor($states.input.n)`, `$ceil($states.input.n)`, `$round(2.5)`, `$round(3.5)`,
	`$round(1.255, 2)`, `$power(2, 10)`, `$sqrt(16)`, `$formatNumber(1234.5678, "#,##0.00")`, `$formatBase(255, 16)`,
	`10 / 4`, `10 % 4`, `0.1 + 0.2`, `1e3`, `$states.input.big`, `-$states.input.a`,
	// aggregates
	`$sum($states.input.xs)`, `$max($states.input.xs)`, `$min($states.input.xs)`, `$average($states.input.xs)`, `$count($states.input.xs)`,
	// booleans and comparisons
	`$boolean($states.input.e)`, `$boolean([0])`, `$not(true)`, `$exists($states.input.nested.deep.x)`, `$exists($states.input.nope)`,
	`$states.input.a = 1 and $states.input.s != "x"`, `"b" in ["a","b"]`, `$states.input.a > 0 ? "pos" : "neg"`,
	// arrays
	`$append($states.input.xs, [4])`, `$sort($states.input.xs)`, `$sort($states.input.objs, function($l, $r){ $l.v < $r.v }).k`,
	`$reverse($states.input.xs)`, `$distinct([1, 1, "a", "a"])`, `$zip($states.input.xs, [4, 5, 6])`, `$states.input.xs[0]`,
	`$states.input.xs[-1]`, `$states.input.xs[[0..1]]`, `[1..5]`, `$count([1..5])`, `[]`, `$states.input.xs[$ > 1]`,
	// objects and paths
	`$keys($states.input.nested)`, `$lookup($states.input.objs, "k")`, `$spread({"a":1, "b":2})`, `$merge($states.input.objs)`,
	`$each({"a":1}, function($v, $k){ $k & $v })`, `$sift({"a":1, "b":2}, function($v){ $v > 1 })`, `$type(null)`, `$type([])`,
	`$type({})`, `$type("s")`, `$type(1)`, `$type(true)`, `$states.input.objs.k`, `$states.input.objs[v > 1].k`,
	`$states.input.objs{k: v}`, `$states.input.objs^(>v).k`, `$states.input.objs.{"key": k, "double": v * 2}`,
	`$states.input.nested.**.x`, `$states.input.objs#$i.{"i": $i, "k": k}`, `$states.input.objs.(k & "!")`,
	// functions of functions
	`$map($states.input.xs, function($v, $i){ $v * $i })`, `$filter($states.input.objs, function($o){ $o.v = 2 }).k`,
	`$reduce($states.input.xs, function($a, $b){ $a * $b }, 10)`, `($f := function($x){ $x * 2 }; $f(21))`,
	`$states.input.xs ~> $map(function($v){ $v + 1 })`, `$single($states.input.objs, function($o){ $o.k = "b" }).v`,
	// dates
	`$toMillis($states.input.d)`, `$fromMillis(1709296200000)`, `$fromMillis(0, "[Y0001]-[M01]-[D01]")`,
	// errors and undefined
	`$number("abc")`, `"a" + 1`, `$states.input.nope.deeper`, `$sum("a")`, `$error("stop")`, `$assert(false, "failed")`,
	// what the engine supplies over the library
	`$string("<a&b>")`, `$string({"b":"<", "a":[0.1, 0.2]})`, `$keys({"b":1, "a":2})`, `$string(1e21)`, `$string(-0.000001)`,
	// unicode, object construction, parent, ranges
	`$length("😀ab")`, `$substring("😀abc", 1, 2)`, `$uppercase("straße")`, `$states.input.objs.{k: v}`, `$round(-2.5)`,
	`$states.input.objs.%.a`, `[1..3].($ * 2)`, `$formatInteger(42, "000")`, `$number("1e3")`, `$join($map([1,2], $string), ",")`,
	// JSONata 2.x operators
	`$states.input.nope ?: "default"`, `$states.input.nope ?? "default"`,
}

func TestJSONataAgreesWithTheReferenceImplementation(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the JSONata differential test needs the reference implementation (npm jsonata)")
	}
	if _, err := os.Stat(referenceJSONata); err != nil {
		t.Fatalf("the reference implementation is not installed at %s: make test installs it (npm ci in tools/asl-validator)", referenceJSONata)
	}

	rec := &recordingLang{inner: jsonataLang}
	jsonataLang = rec
	defer func() { jsonataLang = rec.inner }()
	for _, c := range conformanceCases {
		if strings.Contains(c.def, "{%") {
			runOnEngine(t, c)
		}
	}
	fromSuite := len(rec.evals)
	fns := &sfnFunctions{ex: &execution{eng: newTestEngine()}}
	input := mustDecode(t, jsonataCorpusInput)
	for _, expr := range jsonataCorpus {
		vars := map[string]any{"states": map[string]any{"input": input}}
		q, err := rec.compile(expr)
		if err != nil {
			// Refused at CreateStateMachine: compared as an error.
			rec.evals = append(rec.evals, jsonataEval{expr: expr, vars: vars, err: err})
			continue
		}
		q.eval(vars, fns)
	}

	type request struct {
		Expr     string `json:"expr"`
		Bindings any    `json:"bindings"`
	}
	var reqs []request
	var evals []jsonataEval
	skipped := 0
	for _, e := range rec.evals {
		if sfnFunctionRE.MatchString(e.expr) {
			skipped++
			continue
		}
		reqs = append(reqs, request{Expr: e.expr, Bindings: e.vars})
		evals = append(evals, e)
	}
	body, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join("testdata", "jsonata-reference.js"), mustAbs(t, referenceJSONata))
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var answers []struct {
		Value     json.RawMessage `json:"value"`
		Undefined bool            `json:"undefined"`
		Error     string          `json:"error"`
	}
	if err := json.Unmarshal(out, &answers); err != nil || len(answers) != len(evals) {
		t.Fatalf("the reference answered %d of %d (%v): %s", len(answers), len(evals), err, out)
	}
	differs := map[string]bool{}
	for i, e := range evals {
		a := answers[i]
		engine, reference := describeEval(e.value, e.undefined, e.err), ""
		agree := false
		switch {
		case a.Error != "":
			reference, agree = "error "+a.Error, e.err != nil
		case a.Undefined:
			reference, agree = "undefined", e.undefined && e.err == nil
		default:
			reference = "value " + string(a.Value)
			agree = e.err == nil && !e.undefined && jsonEqual(e.value, mustDecode(t, string(a.Value)))
		}
		if agree {
			continue
		}
		differs[e.expr] = true
		if _, recorded := jsonataDifferences[e.expr]; !recorded {
			t.Errorf("JSONata %s with $states.input %s:\n  engine    %s\n  reference %s", e.expr, encodeJSON(e.vars["states"].(map[string]any)["input"]), engine, reference)
		}
	}
	for _, expr := range slices.Sorted(maps.Keys(jsonataDifferences)) {
		if !differs[expr] {
			t.Errorf("JSONata %s: recorded as differing (%s), but the engine now agrees with the reference; drop the record", expr, jsonataDifferences[expr])
		}
	}
	t.Logf("JSONata differential: %d evaluations from the conformance suite and %d corpus expressions compared with npm jsonata; "+
		"%d use Step Functions' own functions (not in the reference); %d differ as recorded",
		fromSuite, len(jsonataCorpus), skipped, len(jsonataDifferences))
}

func describeEval(v any, undefined bool, err error) string {
	switch {
	case err != nil:
		return "error " + err.Error()
	case undefined:
		return "undefined"
	}
	return "value " + encodeJSON(v)
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
