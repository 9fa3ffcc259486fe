package stepfunctions

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// jsonataDef wraps the states of a JSONata state machine.
func jsonataDef(startAt, states string) string {
	return `{"QueryLanguage":"JSONata","StartAt":"` + startAt + `","States":{` + states + `}}`
}

// jsonataCases are JSONata states (the ASL specification's "JSONata"; the developer guide's
// "Transforming data with JSONata in Step Functions").
var jsonataCases = []confCase{
	{
		name:  "JSONataPassOutputExpression",
		def:   jsonataDef("P", `"P":{"Type":"Pass","Output":"{% $states.input.a + 1 %}","End":true}`),
		input: `{"a":1}`, status: StatusSucceeded, output: `2`, events: passEvents,
	},
	{
		name: "JSONataOutputTemplateEvaluatesExpressionsAtAnyDepth",
		def: jsonataDef("P", `"P":{"Type":"Pass","Output":{"sum":"{% $sum($states.input.xs) %}","lit":"v","n":1,
			"arr":["{% $count($states.input.xs) %}","x"],"deep":{"max":"{% $max($states.input.xs) %}"},"notExpr":"{% a"},"End":true}`),
		input: `{"xs":[1,2,3.5]}`, status: StatusSucceeded,
		output: `{"sum":6.5,"lit":"v","n":1,"arr":[3,"x"],"deep":{"max":3.5},"notExpr":"{% a"}`, events: passEvents,
	},
	{
		name:  "JSONataPassWithoutOutputPassesItsInput",
		def:   jsonataDef("P", `"P":{"Type":"Pass","End":true}`),
		input: `{"k":[1,{"v":true}]}`, status: StatusSucceeded, output: `{"k":[1,{"v":true}]}`, events: passEvents,
	},
	{
		name: "JSONataTaskArgumentsAndOutputOfTheResult",
		def: jsonataDef("T", `"T":{"Type":"Task","Resource":"λ:double","Arguments":{"N":"{% $states.input.n * 10 %}"},
			"Output":{"doubled":"{% $states.result.N %}","was":"{% $states.input.n %}"},"End":true}`),
		input: `{"n":2}`, status: StatusSucceeded, output: `{"doubled":40,"was":2}`,
		events: "ExecutionStarted " + taskOK + " ExecutionSucceeded",
	},
	{
		name:  "JSONataTaskWithoutArgumentsOrOutputSendsItsInputAndOutputsTheResult",
		def:   jsonataDef("T", `"T":{"Type":"Task","Resource":"λ:double","End":true}`),
		input: `{"N":21}`, status: StatusSucceeded, output: `{"N":42}`,
		events: "ExecutionStarted " + taskOK + " ExecutionSucceeded",
	},
	{
		name: "JSONataLambdaInvokeArguments",
		def: jsonataDef("T", `"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Arguments":{"FunctionName":"double","Payload":{"N":"{% $states.input.n %}"}},"Output":"{% $states.result.Payload %}","End":true}`),
		input: `{"n":5}`, status: StatusSucceeded, output: `{"N":10}`,
		events: "ExecutionStarted " + invokeOK + " ExecutionSucceeded",
	},
	{
		name: "JSONataAssignAndOutputOfOneStateSeeTheVariablesFromBeforeIt",
		def: jsonataDef("A", `"A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},
			"B":{"Type":"Pass","Assign":{"x":"{% $x + 1 %}","old":"{% $x %}"},"Output":{"x":"{% $x %}"},"Next":"C"},
			"C":{"Type":"Pass","Output":{"x":"{% $x %}","old":"{% $old %}","in":"{% $states.input %}"},"End":true}`),
		input: `{}`, status: StatusSucceeded, output: `{"x":2,"old":1,"in":{"x":1}}`,
		events: "ExecutionStarted " + pass3 + " ExecutionSucceeded",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertAssigned(t, h, "B", map[string]string{"x": "2", "old": "1"})
		},
	},
	{
		name: "JSONataTaskAssignSeesTheResult",
		def: jsonataDef("T", `"T":{"Type":"Task","Resource":"λ:double","Assign":{"got":"{% $states.result.N %}"},"Output":"{% $states.input %}","Next":"P"},
			"P":{"Type":"Pass","Output":{"got":"{% $got %}","in":"{% $states.input %}"},"End":true}`),
		input: `{"N":4}`, status: StatusSucceeded, output: `{"got":8,"in":{"N":4}}`,
		events: "ExecutionStarted " + taskOK + " " + passThenEnd,
	},
	{
		name: "JSONataChoiceConditionTrueTakesTheRule",
		def: jsonataDef("C", `"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.age >= 18 %}","Next":"Adult"}],"Default":"Minor"},
			"Adult":{"Type":"Pass","Output":"adult","End":true},"Minor":{"Type":"Pass","Output":"minor","End":true}`),
		input: `{"age":30}`, status: StatusSucceeded, output: `"adult"`, events: choiceToPass,
	},
	{
		name: "JSONataChoiceConditionFalseTakesTheDefault",
		def: jsonataDef("C", `"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.age >= 18 %}","Next":"Adult"}],"Default":"Minor"},
			"Adult":{"Type":"Pass","Output":"adult","End":true},"Minor":{"Type":"Pass","Output":"minor","End":true}`),
		input: `{"age":12}`, status: StatusSucceeded, output: `"minor"`, events: choiceToPass,
	},
	{
		name: "JSONataChoiceRuleAssignAndOutput",
		def: jsonataDef("C", `"C":{"Type":"Choice","Output":"state","Assign":{"via":"default"},
			"Choices":[{"Condition":"{% $states.input.v = 'a' %}","Assign":{"via":"rule"},"Output":{"rule":"{% $states.input.v %}"},"Next":"P"}],"Default":"P"},
			"P":{"Type":"Pass","Output":{"via":"{% $via %}","in":"{% $states.input %}"},"End":true}`),
		input: `{"v":"a"}`, status: StatusSucceeded, output: `{"via":"rule","in":{"rule":"a"}}`, events: choiceToPass,
	},
	{
		name: "JSONataChoiceConditionThatIsNoBooleanFailsWithQueryEvaluationError",
		def: jsonataDef("C", `"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.v %}","Next":"P"}],"Default":"P"},
			"P":{"Type":"Pass","End":true}`),
		input: `{"v":"yes"}`, status: StatusFailed, err: ErrQueryEvaluationError, cause: "must return a boolean",
		events: "ExecutionStarted ChoiceStateEntered ExecutionFailed",
	},
	{
		name:  "JSONataWaitSecondsExpression",
		def:   jsonataDef("W", `"W":{"Type":"Wait","Seconds":"{% $states.input.s * 2 %}","Output":{"waited":"{% $states.input.s * 2 %}"},"End":true}`),
		input: `{"s":4}`, status: StatusSucceeded, output: `{"waited":8}`, events: waitEvents,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertGap(t, h, "WaitStateEntered", "WaitStateExited", 8*time.Second)
		},
	},
	{
		name:  "JSONataWaitTimestampExpression",
		def:   jsonataDef("W", `"W":{"Type":"Wait","Timestamp":"{% $states.input.at %}","End":true}`),
		input: `{"at":"2024-01-01T00:01:00Z"}`, status: StatusSucceeded, output: `{"at":"2024-01-01T00:01:00Z"}`, events: waitEvents,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertGap(t, h, "WaitStateEntered", "WaitStateExited", time.Minute)
		},
	},
	{
		name:  "JSONataWaitSecondsThatIsNoIntegerFailsWithQueryEvaluationError",
		def:   jsonataDef("W", `"W":{"Type":"Wait","Seconds":"{% $states.input.s %}","End":true}`),
		input: `{"s":"soon"}`, status: StatusFailed, err: ErrQueryEvaluationError, cause: "'Seconds' must return an integer",
		events: "ExecutionStarted WaitStateEntered ExecutionFailed",
	},
	{
		name:  "JSONataFailErrorAndCauseExpressions",
		def:   jsonataDef("F", `"F":{"Type":"Fail","Error":"{% 'Order.' & $states.input.kind %}","Cause":"{% 'order ' & $string($states.input.id) & ' failed' %}"}`),
		input: `{"kind":"Rejected","id":7}`, status: StatusFailed, err: "Order.Rejected", cause: "order 7 failed",
		events: "ExecutionStarted FailStateEntered ExecutionFailed",
	},
	{
		name:  "JSONataSucceedOutput",
		def:   jsonataDef("S", `"S":{"Type":"Succeed","Output":{"done":true,"id":"{% $states.input.id %}"}}`),
		input: `{"id":"x"}`, status: StatusSucceeded, output: `{"done":true,"id":"x"}`,
		events: "ExecutionStarted SucceedStateEntered SucceedStateExited ExecutionSucceeded",
	},
	{
		name: "JSONataMapItemsAndItemSelector",
		def: jsonataDef("M", `"M":{"Type":"Map","Items":"{% $states.input.xs %}",
			"ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","i":"{% $states.context.Map.Item.Index %}","tag":"{% $states.input.tag %}"},
			"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Output":"{% $states.input.tag & $string($states.input.v * 10) & '#' & $string($states.input.i) %}","End":true}}},"End":true}`),
		input: `{"xs":[1,2],"tag":"t"}`, status: StatusSucceeded, output: `["t10#0","t20#1"]`,
		events: "ExecutionStarted MapStateEntered MapStateStarted " +
			iterations(2, "MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded") +
			" MapStateSucceeded MapStateExited ExecutionSucceeded",
	},
	{
		name: "JSONataMapLiteralItemsAndMaxConcurrencyExpression",
		def: jsonataDef("M", `"M":{"Type":"Map","Items":[3,4],"MaxConcurrency":"{% $states.input.limit %}",
			"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Task","Resource":"λ:double","Arguments":{"N":"{% $states.input %}"},"Output":"{% $states.result.N %}","End":true}}},
			"Output":{"sum":"{% $sum($states.result) %}"},"End":true}`),
		input: `{"limit":1}`, status: StatusSucceeded, output: `{"sum":14}`,
		events: "ExecutionStarted MapStateEntered MapStateStarted " +
			iterations(2, "MapIterationStarted "+taskOK+" MapIterationSucceeded") +
			" MapStateSucceeded MapStateExited ExecutionSucceeded",
	},
	{
		// The iterations run at once, each calling the library's built-in functions.
		name: "JSONataMapIterationsEvaluateConcurrently",
		def: jsonataDef("M", `"M":{"Type":"Map","Items":"{% $states.input.words %}","ItemProcessor":{"StartAt":"I","States":{
			"I":{"Type":"Pass","Output":"{% $uppercase($substring($states.input, 0, 1)) & $lowercase($substring($states.input, 1)) & $string($length($states.input)) %}","End":true}}},"End":true}`),
		input: `{"words":["alpha","BETA","gAMMA","delta","epsilon"]}`, status: StatusSucceeded,
		output: `["Alpha5","Beta4","Gamma5","Delta5","Epsilon7"]`,
		events: "ExecutionStarted MapStateEntered MapStateStarted " +
			iterations(5, "MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded") +
			" MapStateSucceeded MapStateExited ExecutionSucceeded",
	},
	{
		name:  "JSONataMapItemsThatAreNoArrayFailWithQueryEvaluationError",
		def:   jsonataDef("M", `"M":{"Type":"Map","Items":"{% $states.input.xs %}","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}`),
		input: `{"xs":{"not":"array"}}`, status: StatusFailed, err: ErrQueryEvaluationError, cause: "'Items' must return an array",
		events: "ExecutionStarted MapStateEntered ExecutionFailed",
	},
	{
		name: "JSONataMapIterationsReadOuterVariables",
		def: jsonataDef("A", `"A":{"Type":"Pass","Assign":{"k":100},"Next":"M"},
			"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Output":"{% $states.input + $k %}","End":true}}},"End":true}`),
		input: `[1,2]`, status: StatusSucceeded, output: `[101,102]`,
		events: "ExecutionStarted PassStateEntered PassStateExited MapStateEntered MapStateStarted " +
			iterations(2, "MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded") +
			" MapStateSucceeded MapStateExited ExecutionSucceeded",
	},
	{
		name: "JSONataParallelArgumentsAndOutput",
		def: jsonataDef("P", `"P":{"Type":"Parallel","Arguments":{"n":"{% $states.input.n %}"},"Output":{"a":"{% $states.result[0] %}","b":"{% $states.result[1] %}"},"End":true,"Branches":[
			{"StartAt":"X","States":{"X":{"Type":"Pass","Output":"{% $states.input.n * 2 %}","End":true}}},
			{"StartAt":"Y","States":{"Y":{"Type":"Pass","Output":"{% $states.input.n * 3 %}","End":true}}}]}`),
		input: `{"n":5}`, status: StatusSucceeded, output: `{"a":10,"b":15}`,
		events: "ExecutionStarted ParallelStateEntered ParallelStateStarted " +
			fork("PassStateEntered PassStateExited", "PassStateEntered PassStateExited") +
			" ParallelStateSucceeded ParallelStateExited ExecutionSucceeded",
	},
	{
		name: "JSONataCatchOutputAndAssignSeeTheErrorOutput",
		def: jsonataDef("T", `"T":{"Type":"Task","Resource":"λ:fail","Arguments":{"Reason":"{% $states.input.why %}"},
			"Catch":[{"ErrorEquals":["StepFailed"],"Assign":{"caught":"{% $states.errorOutput.Error %}"},
			"Output":{"error":"{% $states.errorOutput.Error %}","order":"{% $states.input.order %}"},"Next":"P"}],"End":true},
			"P":{"Type":"Pass","Output":{"caught":"{% $caught %}","in":"{% $states.input %}"},"End":true}`),
		input: `{"why":"no stock","order":9}`, status: StatusSucceeded,
		output: `{"caught":"StepFailed","in":{"error":"StepFailed","order":9}}`,
		events: "ExecutionStarted " + taskFail + " TaskStateExited " + passThenEnd,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertAssigned(t, h, "T", map[string]string{"caught": `"StepFailed"`})
		},
	},
	{
		name: "JSONataCatchWithoutOutputOutputsTheErrorOutput",
		def: jsonataDef("T", `"T":{"Type":"Task","Resource":"λ:plainerr","Catch":[{"ErrorEquals":["States.ALL"],"Next":"P"}],"End":true},
			"P":{"Type":"Pass","Output":"{% $states.input.Error %}","End":true}`),
		input: `{}`, status: StatusSucceeded, output: `"errorString"`,
		events: "ExecutionStarted " + taskFail + " TaskStateExited " + passThenEnd,
	},
	{
		name: "JSONataQueryEvaluationErrorIsCaught",
		def: jsonataDef("T", `"T":{"Type":"Task","Resource":"λ:echo","Arguments":"{% $number('not a number') %}",
			"Catch":[{"ErrorEquals":["States.QueryEvaluationError"],"Output":"{% $states.errorOutput.Error %}","Next":"P"}],"End":true},
			"P":{"Type":"Pass","End":true}`),
		input: `{}`, status: StatusSucceeded, output: `"States.QueryEvaluationError"`,
		events: "ExecutionStarted TaskStateEntered TaskStateExited " + passThenEnd,
	},
	{
		name: "JSONataQueryEvaluationErrorIsRetried",
		def: jsonataDef("T", `"T":{"Type":"Task","Resource":"λ:echo","Output":"{% $states.result.missing %}",
			"Retry":[{"ErrorEquals":["States.QueryEvaluationError"],"IntervalSeconds":1,"MaxAttempts":1}],"End":true}`),
		input: `{}`, status: StatusFailed, err: ErrQueryEvaluationError, cause: "returned nothing (undefined)",
		events: "ExecutionStarted TaskStateEntered " + lambdaOKEvents + lambdaOKEvents + "ExecutionFailed",
	},
	{
		name:  "JSONataUndefinedOutputFailsWithQueryEvaluationError",
		def:   jsonataDef("P", `"P":{"Type":"Pass","Output":{"x":"{% $states.input.missing %}"},"End":true}`),
		input: `{}`, status: StatusFailed, err: ErrQueryEvaluationError, cause: "'$states.input.missing' specified for the field 'Output' returned nothing (undefined)",
		events: "ExecutionStarted PassStateEntered ExecutionFailed",
	},
	{
		name:  "JSONataExpressionThatThrowsFailsWithQueryEvaluationError",
		def:   jsonataDef("P", `"P":{"Type":"Pass","Output":"{% $states.input.a / 0 %}","End":true}`),
		input: `{"a":1}`, status: StatusFailed, err: ErrQueryEvaluationError, cause: "threw an error",
		events: "ExecutionStarted PassStateEntered ExecutionFailed",
	},
	{
		name:  "JSONataFunctionResultIsNoJSONValue",
		def:   jsonataDef("P", `"P":{"Type":"Pass","Output":"{% $uppercase %}","End":true}`),
		input: `{}`, status: StatusFailed, err: ErrQueryEvaluationError,
		events: "ExecutionStarted PassStateEntered ExecutionFailed",
	},
	{
		name: "JSONataContextObject",
		def: jsonataDef("P", `"P":{"Type":"Pass","Output":{"exec":"{% $states.context.Execution.Name %}","state":"{% $states.context.State.Name %}",
			"input":"{% $states.context.Execution.Input.k %}","start":"{% $states.context.Execution.StartTime %}"},"End":true}`),
		input: `{"k":3}`, status: StatusSucceeded, output: `{"exec":"ex","state":"P","input":3,"start":"2024-01-01T00:00:00.000Z"}`,
		events: passEvents,
	},
	{
		name: "JSONataStepFunctionsFunctions",
		def: jsonataDef("P", `"P":{"Type":"Pass","Output":{"partition":"{% $partition([1,2,3,4,5], 2) %}","range":"{% $range(0, 10, 4) %}",
			"down":"{% $range(3, 1, -1) %}","hash":"{% $hash('input data', 'SHA-256') %}","md5":"{% $hash('abc', 'MD5') %}",
			"parse":"{% $parse($states.input.json) %}","parsed":"{% $parse('[1,\"a\",null]')[1] %}"},"End":true}`),
		input: `{"json":"{\"k\":{\"v\":[1,2]}}"}`, status: StatusSucceeded,
		output: `{"partition":[[1,2],[3,4],[5]],"range":[0,4,8],"down":[3,2,1],
			"hash":"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3","md5":"900150983cd24fb0d6963f7d28e17f72",
			"parse":{"k":{"v":[1,2]}},"parsed":"a"}`,
		events: passEvents,
	},
	{
		name:  "JSONataRandomWithSeedRepeatsAndUUIDIsVersion4",
		def:   jsonataDef("P", `"P":{"Type":"Pass","Output":{"a":"{% $random(7) %}","b":"{% $random(7) %}","r":"{% $random() %}","id":"{% $uuid() %}"},"End":true}`),
		input: `{}`, status: StatusSucceeded, events: passEvents,
		shape: func(t *testing.T, output string) {
			out := mustDecode(t, output).(map[string]any)
			if !jsonEqual(out["a"], out["b"]) {
				t.Errorf("$random(7) gave %v then %v, want the same number", out["a"], out["b"])
			}
			for _, k := range []string{"a", "r"} {
				if f, ok := toFloat(out[k]); !ok || f < 0 || f >= 1 {
					t.Errorf("%s = %v, want a number in [0, 1)", k, out[k])
				}
			}
			if id, _ := out["id"].(string); !uuidV4.MatchString(id) {
				t.Errorf("$uuid() = %v, not a version 4 UUID", out["id"])
			}
		},
	},
	{
		name:  "JSONataTaskTimeoutSecondsExpression",
		def:   jsonataDef("T", `"T":{"Type":"Task","Resource":"λ:slow","TimeoutSeconds":"{% $states.input.limit %}","End":true}`),
		input: `{"limit":4}`, status: StatusFailed, err: ErrTimeout,
		events: "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionTimedOut ExecutionFailed",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "LambdaFunctionTimedOut", 4*time.Second)
		},
	},
	{
		name:  "JSONataTaskHeartbeatSecondsExpression",
		def:   jsonataDef("T", `"T":{"Type":"Task","Resource":"λ:slow","HeartbeatSeconds":"{% $states.input.hb %}","TimeoutSeconds":60,"End":true}`),
		input: `{"hb":2}`, status: StatusFailed, err: ErrHeartbeatTimeout,
		events: "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionTimedOut ExecutionFailed",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "LambdaFunctionTimedOut", 2*time.Second)
		},
	},
	{
		name: "JSONataStateInAJSONPathMachine",
		def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"v.$":"$.x"},"Next":"B"},
			"B":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input.v & '!' %}","Next":"C"},
			"C":{"Type":"Pass","Parameters":{"s.$":"$"},"End":true}}}`,
		input: `{"x":"hi"}`, status: StatusSucceeded, output: `{"s":"hi!"}`,
		events: "ExecutionStarted " + pass3 + " ExecutionSucceeded",
	},
	{
		name:  "JSONataLocalBindingsAndHigherOrderFunctions",
		def:   jsonataDef("P", `"P":{"Type":"Pass","Output":"{% ($t := $states.input.items; {'names': $map($t, function($i){ $uppercase($i.name) }), 'total': $reduce($t.price, function($a, $b){ $a + $b })}) %}","End":true}`),
		input: `{"items":[{"name":"a","price":1.5},{"name":"b","price":2}]}`, status: StatusSucceeded,
		output: `{"names":["A","B"],"total":3.5}`, events: passEvents,
	},
	{
		name:  "JSONataVariableOverItsSizeLimitFailsWithRuntime",
		def:   jsonataDef("P", `"P":{"Type":"Pass","Assign":{"big":"{% $pad('', 270000, 'x') %}"},"End":true}`),
		input: `{}`, status: StatusFailed, err: ErrRuntime, cause: "exceeding the maximum of 262144 bytes for one variable",
		events: "ExecutionStarted PassStateEntered ExecutionFailed",
	},
	tenMiBOfVariables(),
	{
		// The shape of AWS's long-lived-transactions sample, written in JSONata: each step's
		// result is kept in a variable, a failing step's Catch records $states.errorOutput and
		// enters the compensation, which undoes the earlier step and fails the execution with
		// the step's error.
		name: "JSONataLongLivedTransactionCompensatesAFailedStep",
		def: jsonataDef("ReserveOrder", `
			"ReserveOrder":{"Type":"Task","Resource":"λ:echo","Arguments":{"orderId":"{% $states.input.orderId %}","step":"reserve"},
				"Assign":{"orderId":"{% $states.result.orderId %}"},"Output":"{% $states.input %}","Next":"ChargePayment",
				"Retry":[{"ErrorEquals":["StepTransient"],"IntervalSeconds":1,"MaxAttempts":2,"BackoffRate":2}]},
			"ChargePayment":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"fail","Payload":{"Reason":"{% 'card declined for ' & $orderId %}"}},
				"Output":"{% $states.result.Payload %}","Next":"OrderDone",
				"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"failure":"{% $states.errorOutput %}"},"Output":{"orderId":"{% $orderId %}"},"Next":"UndoReserveOrder"}]},
			"UndoReserveOrder":{"Type":"Task","Resource":"λ:echo","Arguments":{"undo":"{% $states.input.orderId %}"},"Next":"OrderFailed"},
			"OrderFailed":{"Type":"Fail","Error":"{% $failure.Error %}","Cause":"{% $failure.Cause %}"},
			"OrderDone":{"Type":"Succeed"}`),
		input: `{"orderId":"o-1"}`, status: StatusFailed, err: "StepFailed", cause: "card declined for o-1",
		events: "ExecutionStarted " + taskOK + " TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskStateExited " +
			taskOK + " FailStateEntered ExecutionFailed",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertAssigned(t, h, "ReserveOrder", map[string]string{"orderId": `"o-1"`})
			var undo HistoryEvent
			for _, e := range h {
				if e.Type == "LambdaFunctionScheduled" {
					undo = e
				}
			}
			if in := undo.Details["input"]; in != `{"undo":"o-1"}` {
				t.Errorf("UndoReserveOrder sent %v, want the reserved order id", in)
			}
		},
	},
}

// tenMiBOfVariables assigns a variable of 250,000 characters in each of 42 Pass states: the
// 42nd passes the 10 MiB an execution's variables may hold.
func tenMiBOfVariables() confCase {
	var states []string
	events := "ExecutionStarted"
	for i := range 42 {
		next := fmt.Sprintf(`"Next":"P%d"`, i+1)
		if i == 41 {
			next = `"End":true`
		}
		states = append(states, fmt.Sprintf(`"P%d":{"Type":"Pass","Assign":{"v%d":"{%% $pad('', 250000, 'x') %%}"},"Output":{},%s}`, i, i, next))
		if i < 41 {
			events += " PassStateEntered PassStateExited"
		}
	}
	return confCase{
		name: "JSONataVariablesOfAnExecutionOverTenMiBFailWithRuntime", def: jsonataDef("P0", strings.Join(states, ",")),
		input: `{}`, status: StatusFailed, err: ErrRuntime, cause: "exceeding the maximum of 10485760 bytes",
		events: events + " PassStateEntered ExecutionFailed",
	}
}

// lambdaOKEvents is a Lambda function's scheduling through success.
const lambdaOKEvents = "LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded "
