package stepfunctions

import (
	"context"
	"strings"
	"testing"
)

func TestLoadRejectsWithStateAndField(t *testing.T) {
	task := func(extra string) string {
		return `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:echo",` + extra + `"End":true}}}`
	}
	cases := []struct {
		name, def, want string
	}{
		{"NotJSON", `{`, "not valid JSON"},
		{"MissingStartAt", `{"States":{"P":{"Type":"Pass","End":true}}}`, "StartAt"},
		{"StartAtNamesNoState", `{"StartAt":"X","States":{"P":{"Type":"Pass","End":true}}}`, `StartAt "X"`},
		{"UnknownStateType", `{"StartAt":"P","States":{"P":{"Type":"Bogus","End":true}}}`, `state P: unknown state Type "Bogus"`},
		{"UnknownField", `{"StartAt":"P","States":{"P":{"Type":"Pass","Foo":1,"End":true}}}`, `state P: field "Foo"`},
		{"FieldOfOtherType", `{"StartAt":"P","States":{"P":{"Type":"Pass","Resource":"x","End":true}}}`, `"Resource" is not valid in a Pass state`},
		{"MissingNextAndEnd", `{"StartAt":"P","States":{"P":{"Type":"Pass"}}}`, "state P: needs Next"},
		{"NextAndEnd", `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"P","End":true}}}`, "both Next and End"},
		{"NextNamesNoState", `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Q"}}}`, `state P: Next "Q" names no state`},
		{"CatchNextNamesNoState", task(`"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Nope"}],`), `Catch[0].Next "Nope"`},
		{"AllNotAlone", task(`"Retry":[{"ErrorEquals":["States.ALL","X"]}],`), "States.ALL must appear alone"},
		{"AllNotLast", task(`"Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["X"]}],`), "States.ALL must be the last"},
		{"UnknownStatesError", task(`"Retry":[{"ErrorEquals":["States.Bogus"]}],`), `unknown error name "States.Bogus"`},
		{"NegativeMaxAttempts", task(`"Retry":[{"ErrorEquals":["X"],"MaxAttempts":-1}],`), "MaxAttempts must be an integer"},
		{"BackoffBelowOne", task(`"Retry":[{"ErrorEquals":["X"],"BackoffRate":0.5}],`), "BackoffRate"},
		{"BadJitter", task(`"Retry":[{"ErrorEquals":["X"],"JitterStrategy":"SOME"}],`), "JitterStrategy"},
		{"ZeroTimeout", task(`"TimeoutSeconds":0,`), "TimeoutSeconds must be an integer from 1"},
		{"HeartbeatSecondsNotBelowTimeout", task(`"TimeoutSeconds":10,"HeartbeatSeconds":10,`), `state T: HeartbeatSeconds (10) must be smaller than TimeoutSeconds (10)`},
		{"HeartbeatSecondsAndPath", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"HeartbeatSeconds":3,"HeartbeatSecondsPath":"$.hb","End":true}}}`, `HeartbeatSeconds and HeartbeatSecondsPath are mutually exclusive`},
		{"UnknownQueryLanguage", `{"QueryLanguage":"XPath","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, `QueryLanguage must be "JSONPath" or "JSONata"`},
		{"JSONPathStateInJSONataMachine", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}}}`, "SCHEMA_VALIDATION_FAILED: The QueryLanguage of a state cannot be JSONPath when the state machine's QueryLanguage is JSONata at /States/P/QueryLanguage"},
		{"JSONPathFieldInJSONataState", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.a","End":true}}}`, `SCHEMA_VALIDATION_FAILED: The field "InputPath" is not supported for JSONata at /States/P/InputPath`},
		{"ParametersInJSONataTask", `{"StartAt":"T","States":{"T":{"Type":"Task","QueryLanguage":"JSONata","Resource":"λ:echo","Parameters":{},"End":true}}}`, `SCHEMA_VALIDATION_FAILED: The field "Parameters" is not supported for JSONata at /States/T/Parameters`},
		{"OutputInJSONPathState", `{"StartAt":"P","States":{"P":{"Type":"Pass","Output":{},"End":true}}}`, `field "Output": Output is JSONata-only`},
		{"ConditionInJSONPathChoice", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":true,"Next":"P"}]},"P":{"Type":"Pass","End":true}}}`, `SCHEMA_VALIDATION_FAILED: The field "Condition" is supported only for JSONata`},
		{"JSONataSyntaxError", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.( %}","End":true}}}`, `state P.Output: SCHEMA_VALIDATION_FAILED: the JSONata expression '$states.input.(' is not valid`},
		{"JSONataEval", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $eval('1+1') %}","End":true}}}`, `$eval is not supported by Step Functions`},
		{"JSONataChoiceRuleWithVariable", `{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"P"}]},"P":{"Type":"Pass","End":true}}}`, `The field "IsPresent" is not supported for JSONata`},
		{"BadVariableName", `{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"1x":1},"End":true}}}`, `variable name "1x" must start with a letter or underscore`},
		{"ReservedVariableName", `{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"states":1},"End":true}}}`, `variable name "states" is reserved`},
		{"VariableInResultPath", `{"StartAt":"P","States":{"P":{"Type":"Pass","ResultPath":"$x.y","End":true}}}`, `ResultPath cannot refer to a variable ($x)`},
		{"InnerScopeAssignsOuterVariable", `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"n":1},"Next":"M"},"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Assign":{"n":2},"End":true}}},"End":true}}}`, `state I: Assign sets the variable $n, which the outer scope assigns (state A)`},
		{"AssignInFail", `{"StartAt":"F","States":{"F":{"Type":"Fail","Assign":{"x":1}}}}`, `field "Assign" is not valid in a Fail state`},
		{"FilterInReferencePath", `{"StartAt":"P","States":{"P":{"Type":"Pass","ResultPath":"$.a[?(@.b == 1)]","End":true}}}`, `is not a reference path`},
		{"WaitSecondsNull", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":null,"End":true}}}`, "state W: Seconds must be an integer from 0 to 99999999, got null"},
		{"WaitSecondsPathNull", `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":null,"End":true}}}`, "state W: SecondsPath must be a non-empty string"},
		{"WaitTimestampNull", `{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":null,"End":true}}}`, "state W: Timestamp must be a non-empty string"},
		{"ResultSelectorNotObject", task(`"ResultSelector":["a"],`), "state T: ResultSelector must be an object"},
		{"ResultSelectorNull", task(`"ResultSelector":null,`), "state T: ResultSelector must be an object"},
		{"ItemSelectorNotObject", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemSelector":"x","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`, "state M: ItemSelector must be an object"},
		{"UnreachableState", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"B":{"Type":"Pass","End":true}}}`, `state B: is not reachable`},
		{"UnreachableOnlyFromItself", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"L":{"Type":"Pass","Next":"L"}}}`, `state L: is not reachable`},
		{"UnreachableInBranch", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"B1","States":{"B1":{"Type":"Succeed"},"B2":{"Type":"Succeed"}}}],"End":true}}}`, `state B2: is not reachable`},
		{"NoTerminalState", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}`, "no path from StartAt \"A\" reaches a terminal state"},
		{"WaitForTaskToken", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true}}}`, "waitForTaskToken"},
		{"Sync", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","End":true}}}`, ".sync"},
		{"OtherService", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","End":true}}}`, "not implemented"},
		{"Credentials", task(`"Credentials":{"RoleArn":"x"},`), "Credentials"},
		{"LambdaInvokeWithoutFunctionName", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"Payload":{}},"End":true}}}`, "FunctionName"},
		{"DistributedMap", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`, "distributed Map"},
		{"ItemReader", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`, "ItemReader"},
		{"ResultWriter", `{"StartAt":"M","States":{"M":{"Type":"Map","ResultWriter":{},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`, "ResultWriter"},
		{"UnknownIntrinsic", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"States.Nope(1)"},"End":true}}}`, "States.Nope"},
		{"IntrinsicArity", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"States.MathAdd(1)"},"End":true}}}`, "takes 2 arguments"},
		{"BadPath", `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"a.b","End":true}}}`, "must start with $"},
		{"ResultPathNotReference", `{"StartAt":"P","States":{"P":{"Type":"Pass","ResultPath":"$.a[*]","End":true}}}`, "not a reference path"},
		{"ChoiceWithTwoOperators", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","StringEquals":"x","NumericEquals":1,"Next":"S"}]},"S":{"Type":"Succeed"}}}`, "exactly one comparison operator"},
		{"ChoiceWrongOperandType", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":"x","Next":"S"}]},"S":{"Type":"Succeed"}}}`, "numeric operand"},
		{"ChoiceNestedNext", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.a","IsNull":true,"Next":"S"},"Next":"S"}]},"S":{"Type":"Succeed"}}}`, "Next is only allowed in a top-level"},
		{"WaitTwoFields", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}}}`, "exactly one of Seconds"},
		{"DuplicateNameAcrossBranch", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}],"End":true}}}`, "not unique"},
		{"BranchNextOutOfScope", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Next":"Out"}}}],"Next":"Out"},"Out":{"Type":"Succeed"}}}`, `Next "Out" names no state`},
		{"MachineTimeoutZero", `{"TimeoutSeconds":0,"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, "TimeoutSeconds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load([]byte(expandDef(c.def)))
			if err == nil {
				t.Fatalf("loaded, want an error containing %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

func TestDefinitionSubstitutionsAreApplied(t *testing.T) {
	def := []byte(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"${StepArn}","End":true}}}`)
	sm, err := LoadWithSubstitutions(def, map[string]string{"StepArn": fnPrefix + "step"})
	if err != nil {
		t.Fatal(err)
	}
	if got := sm.States["T"].Resource; got != fnPrefix+"step" {
		t.Errorf("Resource %q", got)
	}
	if _, err := LoadWithSubstitutions(def, nil); err == nil || !strings.Contains(err.Error(), "${StepArn}") {
		t.Errorf("missing substitution: %v", err)
	}
}

func TestStringMatchesPatterns(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"a*", "abc", true}, {"*c", "abc", true}, {"a*c", "ac", true},
		{"a*b*c", "aXbYc", true}, {"a*b", "abc", false}, {`a\*`, "a*", true}, {`a\*`, "ab", false},
		{`a\\b`, `a\b`, true}, {"log-*.txt", "log-1.txt", true}, {"log-*.txt", "log-1.txtx", false},
	}
	for _, c := range cases {
		if got := wildcardMatch(c.pattern, c.s); got != c.want {
			t.Errorf("StringMatches(%q, %q) = %v", c.s, c.pattern, got)
		}
	}
}

func TestLoadAcceptsStatesReachedOnlyThroughChoiceAndCatch(t *testing.T) {
	def := `{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"T"}],"Default":"D"},
		"D":{"Type":"Succeed"},
		"T":{"Type":"Task","Resource":"λ:echo","Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],"End":true},
		"F":{"Type":"Fail","Error":"E"}}}`
	if _, err := Load([]byte(expandDef(def))); err != nil {
		t.Fatal(err)
	}
}

// Step Functions accepts a Parameters value that is not an object (an array, a string), as
// deployed state machines show, although the ASL specification asks for an object.
func TestParametersMayBeAnyJSONValue(t *testing.T) {
	for _, c := range []struct{ params, want string }{
		{`["a",{"b.$":"$.b"}]`, `["a",{"b":2}]`},
		{`"text"`, `"text"`},
		{`7`, `7`},
	} {
		x, _ := runOnEngine(t, confCase{name: "params", def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":` + c.params + `,"End":true}}}`, input: `{"b":2}`})
		if x.Status != StatusSucceeded || !JSONEqual(*x.Output, c.want) {
			t.Errorf("Parameters %s: %s %v, want %s", c.params, x.Status, x.Output, c.want)
		}
	}
}

func TestMathRandomWithASeedIsReproducible(t *testing.T) {
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{
		"a.$":"States.MathRandom(1, 1000000, 42)","b.$":"States.MathRandom(1, 1000000, 42)",
		"c.$":"States.MathRandom($.lo, $.hi, $.seed)","d.$":"States.MathRandom(1, 1000000, 43)",
		"e.$":"States.MathRandom(-5, -5, 9)"},"End":true}}}`
	var first map[string]any
	for run := range 2 {
		e := New(Options{Clock: NewFakeClock(fakeStart), Seed: uint64(run + 1)}) // different engine seeds
		arn, err := e.CreateStateMachine("rnd", []byte(def), "")
		if err != nil {
			t.Fatal(err)
		}
		x, _, _ := e.StartExecution(arn, "x", `{"lo":1,"hi":1000000,"seed":42}`)
		res, _ := e.Wait(context.Background(), x)
		if res.Status != StatusSucceeded {
			t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
		}
		out := mustDecode(t, *res.Output).(map[string]any)
		if !jsonEqual(out["a"], out["b"]) || !jsonEqual(out["a"], out["c"]) {
			t.Errorf("seed 42 gave %v, %v and %v", out["a"], out["b"], out["c"])
		}
		if jsonEqual(out["a"], out["d"]) {
			t.Errorf("seeds 42 and 43 both gave %v", out["a"])
		}
		if n, _ := toInt(out["e"]); n != -5 {
			t.Errorf("MathRandom(-5, -5, 9) = %v", out["e"])
		}
		if first != nil && !jsonEqual(first["a"], out["a"]) {
			t.Errorf("seed 42 gave %v on one engine and %v on another", first["a"], out["a"])
		}
		first = out
	}
}

func TestMathRandomWithInvalidArgumentsIsIntrinsicFailure(t *testing.T) {
	for _, args := range []string{`1, 10, 'x'`, `1, 10, $.obj`, `10, 1, 3`, `'1', 10, 3`, `1, $.obj`} {
		def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"r.$":"States.MathRandom(` + args + `)"},"End":true}}}`
		x, _ := runOnEngine(t, confCase{name: "rnd", def: def, input: `{"obj":{}}`})
		if x.Status != StatusFailed || x.Error != ErrIntrinsicFailure {
			t.Errorf("MathRandom(%s): %s %s, want %s", args, x.Status, x.Error, ErrIntrinsicFailure)
		}
	}
}
