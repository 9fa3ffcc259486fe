package stepfunctions

import (
	"strings"
	"testing"
	"time"
)

// assertAssigned checks the assignedVariables of the first StateExited event of a state: each
// variable's value as JSON text, as AWS records them.
func assertAssigned(t *testing.T, h []HistoryEvent, state string, want map[string]string) {
	t.Helper()
	for _, e := range h {
		if !strings.HasSuffix(e.Type, "StateExited") || e.Details["name"] != state {
			continue
		}
		got, _ := e.Details["assignedVariables"].(map[string]any)
		if len(got) != len(want) {
			t.Errorf("%s exited with assignedVariables %v, want %v", state, got, want)
			return
		}
		for k, v := range want {
			if !jsonEqual(mustDecode(t, got[k].(string)), mustDecode(t, v)) {
				t.Errorf("%s assigned %s = %v, want %s", state, k, got[k], v)
			}
		}
		if d, _ := e.Details["assignedVariablesDetails"].(map[string]any); d["truncated"] != false {
			t.Errorf("%s: assignedVariablesDetails %v, want truncated false", state, e.Details["assignedVariablesDetails"])
		}
		return
	}
	t.Errorf("no StateExited event of %s", state)
}

// noAssigned checks that a state without Assign records no assignedVariables.
func noAssigned(t *testing.T, h []HistoryEvent, state string) {
	t.Helper()
	for _, e := range h {
		if strings.HasSuffix(e.Type, "StateExited") && e.Details["name"] == state {
			if _, ok := e.Details["assignedVariables"]; ok {
				t.Errorf("%s exited with assignedVariables %v, but it has no Assign", state, e.Details["assignedVariables"])
			}
		}
	}
}

const (
	pass2 = "PassStateEntered PassStateExited PassStateEntered PassStateExited"
	pass3 = pass2 + " PassStateEntered PassStateExited"
)

// variableCases are the workflow variables of JSONPath states (the ASL specification's
// "Variables"; the developer guide's "Passing data between states with variables").
var variableCases = []confCase{
	{
		name: "VariablesAssignedByPassAreReadByLaterStates",
		def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"n":1,"s":"x","o":{"d":[1,2]}},"Next":"B"},
			"B":{"Type":"Pass","Next":"C"},
			"C":{"Type":"Pass","Parameters":{"n.$":"$n","s.$":"$s","d.$":"$o.d[1]","o.$":"$o"},"End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{"n":1,"s":"x","d":2,"o":{"d":[1,2]}}`,
		events: "ExecutionStarted " + pass3 + " ExecutionSucceeded",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertAssigned(t, h, "A", map[string]string{"n": "1", "s": `"x"`, "o": `{"d":[1,2]}`})
			noAssigned(t, h, "B")
		},
	},
	{
		name: "VariablesOfOneAssignSeeTheValuesFromBeforeTheState",
		def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},
			"B":{"Type":"Pass","Assign":{"x":2,"old.$":"$x"},"Next":"C"},
			"C":{"Type":"Pass","Parameters":{"x.$":"$x","old.$":"$old"},"End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{"x":2,"old":1}`,
		events: "ExecutionStarted " + pass3 + " ExecutionSucceeded",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertAssigned(t, h, "B", map[string]string{"x": "2", "old": "1"})
		},
	},
	{
		name: "VariablesAssignOfPassSeesItsResult",
		def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"k":5},"ResultPath":null,"Assign":{"k.$":"$.k","in.$":"$$.Execution.Input.v"},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"k.$":"$k","in.$":"$in","out.$":"$"},"End":true}}}`,
		input: `{"v":"i"}`, status: StatusSucceeded, output: `{"k":5,"in":"i","out":{"v":"i"}}`,
		events: "ExecutionStarted " + pass2 + " ExecutionSucceeded",
	},
	{
		name: "VariablesAssignOfTaskSeesTheResultBeforeResultSelector",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:double","ResultSelector":{"v.$":"$.N"},"ResultPath":"$.res",
			"Assign":{"r.$":"$.N","all.$":"$"},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"r.$":"$r","all.$":"$all","in.$":"$"},"End":true}}}`,
		input: `{"N":3}`, status: StatusSucceeded, output: `{"r":6,"all":{"N":6},"in":{"N":3,"res":{"v":6}}}`,
		events: "ExecutionStarted " + taskOK + " " + passThenEnd,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertAssigned(t, h, "T", map[string]string{"r": "6", "all": `{"N":6}`})
		},
	},
	{
		name: "VariablesInIntrinsicFunctionArguments",
		def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"who":"world","xs":[1,2,3]},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"g.$":"States.Format('hello {}', $who)","n.$":"States.ArrayLength($xs)","second.$":"States.ArrayGetItem($xs, 1)"},"End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{"g":"hello world","n":3,"second":2}`,
		events: "ExecutionStarted " + pass2 + " ExecutionSucceeded",
	},
	{
		name: "VariablesAssignWithIntrinsicFunction",
		def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"sum.$":"States.MathAdd($.a, $.b)"},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"sum.$":"$sum"},"End":true}}}`,
		input: `{"a":2,"b":40}`, status: StatusSucceeded, output: `{"sum":42}`,
		events: "ExecutionStarted " + pass2 + " ExecutionSucceeded",
	},
	{
		name: "VariablesInChoiceVariable",
		def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"n":5},"Next":"C"},
			"C":{"Type":"Choice","Choices":[{"Variable":"$n","NumericGreaterThanPath":"$.limit","Next":"Big"}],"Default":"Small"},
			"Big":{"Type":"Pass","Result":"big","End":true},"Small":{"Type":"Pass","Result":"small","End":true}}}`,
		input: `{"limit":3}`, status: StatusSucceeded, output: `"big"`,
		events: "ExecutionStarted PassStateEntered PassStateExited ChoiceStateEntered ChoiceStateExited " + passThenEnd,
	},
	{
		name: "VariablesChoiceRuleAssignWhenItMatches",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Assign":{"picked":"default"},
			"Choices":[{"Variable":"$.v","NumericEquals":1,"Assign":{"picked":"one","v.$":"$.v"},"Next":"P"}],"Default":"P"},
			"P":{"Type":"Pass","Parameters":{"picked.$":"$picked"},"End":true}}}`,
		input: `{"v":1}`, status: StatusSucceeded, output: `{"picked":"one"}`,
		events: "ExecutionStarted ChoiceStateEntered ChoiceStateExited " + passThenEnd,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertAssigned(t, h, "C", map[string]string{"picked": `"one"`, "v": "1"})
		},
	},
	{
		name: "VariablesChoiceStateAssignWhenTheDefaultIsTaken",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Assign":{"picked":"default"},
			"Choices":[{"Variable":"$.v","NumericEquals":1,"Assign":{"picked":"one"},"Next":"P"}],"Default":"P"},
			"P":{"Type":"Pass","Parameters":{"picked.$":"$picked"},"End":true}}}`,
		input: `{"v":2}`, status: StatusSucceeded, output: `{"picked":"default"}`,
		events: "ExecutionStarted ChoiceStateEntered ChoiceStateExited " + passThenEnd,
	},
	{
		name: "VariablesWaitAssignAndSecondsPathFromVariable",
		def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"delay":3},"Next":"W"},
			"W":{"Type":"Wait","SecondsPath":"$delay","Assign":{"waited.$":"$delay"},"Next":"P"},
			"P":{"Type":"Pass","Parameters":{"waited.$":"$waited"},"End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{"waited":3}`,
		events: "ExecutionStarted PassStateEntered PassStateExited WaitStateEntered WaitStateExited " + passThenEnd,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertGap(t, h, "WaitStateEntered", "WaitStateExited", 3*time.Second)
		},
	},
	{
		name: "VariablesCatcherAssignSeesTheErrorOutput",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:fail",
			"Catch":[{"ErrorEquals":["StepFailed"],"Assign":{"err.$":"$.Error"},"ResultPath":null,"Next":"P"}],"End":true},
			"P":{"Type":"Pass","Parameters":{"err.$":"$err","in.$":"$"},"End":true}}}`,
		input: `{"Reason":"r"}`, status: StatusSucceeded, output: `{"err":"StepFailed","in":{"Reason":"r"}}`,
		events: "ExecutionStarted " + taskFail + " TaskStateExited " + passThenEnd,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertAssigned(t, h, "T", map[string]string{"err": `"StepFailed"`})
		},
	},
	{
		name:  "VariablesUndefinedReferenceFailsWithRuntime",
		def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"$nope"},"End":true}}}`,
		input: `{}`, status: StatusFailed, err: ErrRuntime, cause: "The variable '$nope'",
		events: "ExecutionStarted PassStateEntered ExecutionFailed",
	},
	{
		name: "VariablesItemsPathAndOutputPathFromVariables",
		def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"list":[1,2],"cfg":{"k":"v"}},"Next":"M"},
			"M":{"Type":"Map","ItemsPath":"$list","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"ResultPath":"$.r","Next":"O"},
			"O":{"Type":"Pass","OutputPath":"$cfg","End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{"k":"v"}`,
		events: "ExecutionStarted PassStateEntered PassStateExited MapStateEntered MapStateStarted " +
			iterations(2, "MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded") +
			" MapStateSucceeded MapStateExited " + passThenEnd,
	},
	{
		name: "VariablesMapIterationsReadOuterVariables",
		def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"factor":10},"Next":"M"},
			"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{"v.$":"$","f.$":"$factor"},"End":true}}},"End":true}}}`,
		input: `[1,2]`, status: StatusSucceeded, output: `[{"v":1,"f":10},{"v":2,"f":10}]`,
		events: "ExecutionStarted PassStateEntered PassStateExited MapStateEntered MapStateStarted " +
			iterations(2, "MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded") +
			" MapStateSucceeded MapStateExited ExecutionSucceeded",
	},
	{
		name: "VariablesOfEachMapIterationAreItsOwn",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{"StartAt":"I","States":{
			"I":{"Type":"Pass","Assign":{"mine.$":"$"},"Next":"J"},
			"J":{"Type":"Pass","Parameters":{"mine.$":"$mine"},"End":true}}},"End":true}}}`,
		input: `["a","b","c"]`, status: StatusSucceeded, output: `[{"mine":"a"},{"mine":"b"},{"mine":"c"}]`,
		events: "ExecutionStarted MapStateEntered MapStateStarted " +
			iterations(3, "MapIterationStarted "+pass2+" MapIterationSucceeded") +
			" MapStateSucceeded MapStateExited ExecutionSucceeded",
	},
	{
		name: "VariablesOfAnIterationAreGoneAfterTheMap",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{
			"I":{"Type":"Pass","Assign":{"inner":1},"End":true}}},"Next":"P"},
			"P":{"Type":"Pass","Parameters":{"x.$":"$inner"},"End":true}}}`,
		input: `[1]`, status: StatusFailed, err: ErrRuntime, cause: "The variable '$inner'",
		events: "ExecutionStarted MapStateEntered MapStateStarted " +
			iterations(1, "MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded") +
			" MapStateSucceeded MapStateExited PassStateEntered ExecutionFailed",
	},
	{
		name: "VariablesParallelBranchesReadOuterAndAssignTheirOwn",
		def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"base":"b"},"Next":"P"},
			"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"X","States":{"X":{"Type":"Pass","Assign":{"x":1},"Next":"X2"},"X2":{"Type":"Pass","Parameters":{"x.$":"$x","base.$":"$base"},"End":true}}},
			{"StartAt":"Y","States":{"Y":{"Type":"Pass","Assign":{"x":2},"Next":"Y2"},"Y2":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}}]}}}`,
		input: `{}`, status: StatusSucceeded, output: `[{"x":1,"base":"b"},{"x":2}]`,
		events: "ExecutionStarted PassStateEntered PassStateExited ParallelStateEntered ParallelStateStarted " +
			fork(pass2, pass2) + " ParallelStateSucceeded ParallelStateExited ExecutionSucceeded",
	},
	{
		name: "VariablesParallelAssignSeesTheBranchResults",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","ResultSelector":{"first.$":"$[0]"},"Assign":{"first.$":"$[0]"},"Next":"Q","Branches":[
			{"StartAt":"X","States":{"X":{"Type":"Pass","Result":"one","End":true}}}]},
			"Q":{"Type":"Pass","Parameters":{"first.$":"$first"},"End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{"first":"one"}`,
		events: "ExecutionStarted ParallelStateEntered ParallelStateStarted " + fork("PassStateEntered PassStateExited") +
			" ParallelStateSucceeded ParallelStateExited " + passThenEnd,
	},
	{
		// 150 KiB twice: each value is under the 256 KiB of one variable, together they pass
		// the 256 KiB that one Assign may write.
		name:  "VariablesOneAssignOverItsSizeLimitFailsWithRuntime",
		def:   `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"a.$":"$.s","b.$":"$.s"},"End":true}}}`,
		input: `{"s":"` + strings.Repeat("v", 150*1024) + `"}`, status: StatusFailed, err: ErrRuntime,
		cause:  "exceeding the maximum of 262144 bytes for one Assign",
		events: "ExecutionStarted PassStateEntered ExecutionFailed",
	},
	{
		name: "VariablesReadByAJSONataStateOfAJSONPathMachine",
		def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"n":20},"Next":"B"},
			"B":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $n + $states.input.m %}","End":true}}}`,
		input: `{"m":22}`, status: StatusSucceeded, output: `42`,
		events: "ExecutionStarted " + pass2 + " ExecutionSucceeded",
	},
}

// jsonPathCornerCases are the JSONPath features AWS accepts that the engine once refused:
// filter expressions, the intrinsic functions' escapes, HeartbeatSeconds on Lambda tasks.
var jsonPathCornerCases = []confCase{
	{
		name:   "FilterExpressionSelectsMatchingItems",
		def:    `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"cheap.$":"$.items[?(@.price < 5)].name","pricey.$":"$.items[?(@.price >= 5)].name"},"End":true}}}`,
		input:  `{"items":[{"name":"a","price":3},{"name":"b","price":5},{"name":"c","price":12.5}]}`,
		status: StatusSucceeded, output: `{"cheap":["a"],"pricey":["b","c"]}`, events: passEvents,
	},
	{
		name:   "FilterExpressionWithStringEqualityAndAnd",
		def:    `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.items[?(@.kind == 'book' && @.stock > 0)]","End":true}}}`,
		input:  `{"items":[{"kind":"book","stock":1,"id":1},{"kind":"book","stock":0,"id":2},{"kind":"pen","stock":4,"id":3}]}`,
		status: StatusSucceeded, output: `[{"kind":"book","stock":1,"id":1}]`, events: passEvents,
	},
	{
		name:   "FilterExpressionExistenceAndOr",
		def:    `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"ids.$":"$.items[?(@.isbn || @.kind != 'book')].id"},"End":true}}}`,
		input:  `{"items":[{"kind":"book","isbn":"x","id":1},{"kind":"book","id":2},{"kind":"pen","id":3}]}`,
		status: StatusSucceeded, output: `{"ids":[1,3]}`, events: passEvents,
	},
	{
		// ItemsPath is a Reference Path, so the filter is the Map's InputPath.
		name:   "FilterExpressionInMapInputPath",
		def:    `{"StartAt":"M","States":{"M":{"Type":"Map","InputPath":"$.jobs[?(@.on == true)]","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","OutputPath":"$.n","End":true}}},"End":true}}}`,
		input:  `{"jobs":[{"on":true,"n":1},{"on":false,"n":2},{"on":true,"n":3}]}`,
		status: StatusSucceeded, output: `[1,3]`,
		events: "ExecutionStarted MapStateEntered MapStateStarted " +
			iterations(2, "MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded") +
			" MapStateSucceeded MapStateExited ExecutionSucceeded",
	},
	{
		// In the JSON text \\ is one backslash, so the intrinsic reads it\'s \{literal\} {} \\.
		name:   "IntrinsicFormatEscapesQuoteBracesAndBackslash",
		def:    `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"s.$":"States.Format('it\\'s \\{literal\\} {} \\\\{}', $.v, $.w)"},"End":true}}}`,
		input:  `{"v":"x","w":7}`,
		status: StatusSucceeded, output: `{"s":"it's {literal} x \\7"}`, events: passEvents,
	},
	{
		name:   "IntrinsicEscapedCharactersAreTextOutsideFormat",
		def:    `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"parts.$":"States.StringSplit('a\\{b\\\\c', '\\\\')","arr.$":"States.Array('\\'q\\'', '\\}')"},"End":true}}}`,
		input:  `{}`,
		status: StatusSucceeded, output: `{"parts":["a{b","c"],"arr":["'q'","}"]}`, events: passEvents,
	},
	{
		name:  "HeartbeatSecondsOnLambdaArnTaskTimesOutAHandlerThatRunsPastIt",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:slow","HeartbeatSeconds":3,"TimeoutSeconds":10,"End":true}}}`,
		input: `{}`, status: StatusFailed, err: ErrHeartbeatTimeout,
		events: "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionTimedOut ExecutionFailed",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "LambdaFunctionTimedOut", 3*time.Second)
			if e := eventAt(t, h, "LambdaFunctionTimedOut").Details["error"]; e != ErrHeartbeatTimeout {
				t.Errorf("LambdaFunctionTimedOut error %v, want %s", e, ErrHeartbeatTimeout)
			}
		},
	},
	{
		name: "HeartbeatSecondsPathOnLambdaInvokeIsCaughtAsHeartbeatTimeout",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"slow"},"HeartbeatSecondsPath":"$.hb",
			"Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"ResultPath":"$.err","Next":"After"}],"End":true},"After":{"Type":"Pass","End":true}}}`,
		input: `{"hb":2}`, status: StatusSucceeded, output: `{"hb":2,"err":{"Error":"States.HeartbeatTimeout","Cause":""}}`,
		events: "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskTimedOut TaskStateExited " + passThenEnd,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "TaskTimedOut", 2*time.Second)
			if hb := eventAt(t, h, "TaskScheduled").Details["heartbeatInSeconds"]; hb != 2 {
				t.Errorf("TaskScheduled heartbeatInSeconds %v, want 2", hb)
			}
		},
	},
	{
		name: "HeartbeatTimeoutIsRetriedAndNotMatchedByStatesTimeout",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:slow","HeartbeatSeconds":1,
			"Retry":[{"ErrorEquals":["States.HeartbeatTimeout"],"IntervalSeconds":2,"MaxAttempts":1}],
			"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"Wrong"},{"ErrorEquals":["States.ALL"],"Next":"Right"}],"End":true},
			"Wrong":{"Type":"Pass","Result":"timeout","End":true},"Right":{"Type":"Pass","OutputPath":"$.Error","End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `"States.HeartbeatTimeout"`,
		events: "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionTimedOut " +
			"LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionTimedOut TaskStateExited " + passThenEnd,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "LambdaFunctionTimedOut", time.Second, 4*time.Second)
		},
	},
	{
		name:  "HeartbeatSecondsDoesNotEndAHandlerThatReturnsInTime",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:double","HeartbeatSeconds":5,"End":true}}}`,
		input: `{"N":4}`, status: StatusSucceeded, output: `{"N":8}`,
		events: "ExecutionStarted " + taskOK + " ExecutionSucceeded",
	},
}
