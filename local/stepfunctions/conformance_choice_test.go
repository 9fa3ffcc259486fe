package stepfunctions

import (
	"fmt"
	"strings"
)

// choiceOp is one Choice rule, with an input that makes it true and one that makes it false.
type choiceOp struct {
	name      string
	rule      string // the rule's JSON members, without Next
	yes, no   string // inputs
	motoWhy   string // non-empty: moto 5.2.1 answers the true case otherwise, and why AWS does not
	motoFalse bool   // with motoWhy: moto's answer to the true input is the Default
}

// choiceComparisons returns the five comparisons of a kind (String, Numeric, Timestamp) against
// the operand mid, each in its literal and its …Path form: lo < mid < hi.
func choiceComparisons(kind, lo, mid, hi string) []choiceOp {
	type cmp struct {
		op      string
		yes, no string
	}
	cmps := []cmp{
		{"Equals", mid, hi},
		{"LessThan", lo, mid},
		{"GreaterThan", hi, mid},
		{"LessThanEquals", mid, hi},
		{"GreaterThanEquals", mid, lo},
	}
	var out []choiceOp
	for _, c := range cmps {
		op := kind + c.op
		out = append(out,
			choiceOp{name: op, rule: fmt.Sprintf(`"Variable":"$.v",%q:%s`, op, mid),
				yes: fmt.Sprintf(`{"v":%s}`, c.yes), no: fmt.Sprintf(`{"v":%s}`, c.no)},
			choiceOp{name: op + "Path", rule: fmt.Sprintf(`"Variable":"$.v",%q:"$.o"`, op+"Path"),
				yes: fmt.Sprintf(`{"v":%s,"o":%s}`, c.yes, mid), no: fmt.Sprintf(`{"v":%s,"o":%s}`, c.no, mid)},
		)
	}
	return out
}

// choiceOps is every Choice comparison operator of the ASL specification.
func choiceOps() []choiceOp {
	var ops []choiceOp
	ops = append(ops, choiceComparisons("String", `"apple"`, `"banana"`, `"cherry"`)...)
	// 10.0 equals 10: numbers compare by value, not by their JSON spelling.
	for _, op := range choiceComparisons("Numeric", `9.5`, `10`, `10.25`) {
		if op.name == "NumericEquals" {
			op.yes = `{"v":10.0}`
		}
		ops = append(ops, op)
	}
	ops = append(ops, choiceComparisons("Timestamp", `"2023-12-31T23:59:59Z"`, `"2024-01-01T00:00:00Z"`, `"2024-01-01T00:00:01Z"`)...)
	ops = append(ops,
		choiceOp{name: "BooleanEquals", rule: `"Variable":"$.v","BooleanEquals":true`, yes: `{"v":true}`, no: `{"v":false}`},
		choiceOp{name: "BooleanEqualsPath", rule: `"Variable":"$.v","BooleanEqualsPath":"$.o"`, yes: `{"v":false,"o":false}`, no: `{"v":true,"o":false}`},
		choiceOp{name: "IsPresent", rule: `"Variable":"$.v","IsPresent":true`, yes: `{"v":null}`, no: `{"w":1}`},
		choiceOp{name: "IsNull", rule: `"Variable":"$.v","IsNull":true`, yes: `{"v":null}`, no: `{"v":0}`},
		choiceOp{name: "IsString", rule: `"Variable":"$.v","IsString":true`, yes: `{"v":""}`, no: `{"v":1}`},
		choiceOp{name: "IsNumeric", rule: `"Variable":"$.v","IsNumeric":true`, yes: `{"v":-1.5}`, no: `{"v":"1"}`},
		choiceOp{name: "IsBoolean", rule: `"Variable":"$.v","IsBoolean":true`, yes: `{"v":false}`, no: `{"v":"false"}`},
		choiceOp{name: "IsTimestamp", rule: `"Variable":"$.v","IsTimestamp":true`, yes: `{"v":"2024-01-01T00:00:00Z"}`, no: `{"v":"2024-01-01"}`},
		choiceOp{name: "StringMatchesWildcard", rule: `"Variable":"$.v","StringMatches":"log-*.txt"`, yes: `{"v":"log-2024-01.txt"}`, no: `{"v":"log-2024-01.csv"}`},
		choiceOp{name: "StringMatchesEscapedAsterisk", rule: `"Variable":"$.v","StringMatches":"lit\\*eral"`, yes: `{"v":"lit*eral"}`, no: `{"v":"literal"}`,
			motoWhy: "moto 5.2.1 matches with Python's fnmatch, where \\ escapes nothing and * stays a wildcard; in the ASL " +
				"specification (\"Choice Rules\", StringMatches) \\* is a literal asterisk, so lit\\*eral matches lit*eral",
			motoFalse: true},
		choiceOp{name: "And", rule: `"And":[{"Variable":"$.a","NumericEquals":1},{"Variable":"$.b","StringEquals":"x"}]`, yes: `{"a":1,"b":"x"}`, no: `{"a":1,"b":"y"}`},
		choiceOp{name: "Or", rule: `"Or":[{"Variable":"$.a","NumericEquals":1},{"Variable":"$.b","StringEquals":"x"}]`, yes: `{"a":2,"b":"x"}`, no: `{"a":2,"b":"y"}`},
		choiceOp{name: "Not", rule: `"Not":{"Variable":"$.a","NumericEquals":1}`, yes: `{"a":2}`, no: `{"a":1}`},
	)
	return ops
}

// choiceOperatorCases makes two conformance cases per Choice operator: an input that makes
// the rule true takes its Next, one that makes it false takes the Default.
func choiceOperatorCases() []confCase {
	var out []confCase
	for _, op := range choiceOps() {
		def := fmt.Sprintf(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{%s,"Next":"Matched"}],"Default":"Unmatched"},`+
			`"Matched":{"Type":"Pass","Result":"matched","End":true},"Unmatched":{"Type":"Pass","Result":"default","End":true}}}`, op.rule)
		for _, truth := range []bool{true, false} {
			c := confCase{def: def, status: StatusSucceeded, events: choiceToPass}
			if truth {
				c.name, c.input, c.output = "Choice"+op.name+"True", op.yes, `"matched"`
				if op.motoWhy != "" {
					mo := &motoOutcome{why: op.motoWhy, status: StatusSucceeded, output: `"matched"`}
					if op.motoFalse {
						mo.output = `"default"`
					}
					c.motoDiffers = mo
				}
			} else {
				c.name, c.input, c.output = "Choice"+op.name+"FalseTakesDefault", op.no, `"default"`
			}
			if !strings.HasPrefix(c.input, "{") {
				panic("choice input must be an object: " + c.input)
			}
			out = append(out, c)
		}
	}
	return out
}
