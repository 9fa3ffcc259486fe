package stepfunctions

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// fnPrefix stands for a Lambda function ARN prefix in the test definitions: "λ:echo".
const fnPrefix = "arn:aws:lambda:us-east-1:123456789012:function:"

func expandDef(def string) string { return strings.ReplaceAll(def, "λ:", fnPrefix) }

var fakeStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

const testRoleArn = "arn:aws:iam::123456789012:role/sfnlocal-test"

// confCase is one conformance definition: run it, then check the final status, the output
// or error and cause, and the history's events (see helpers_test.go for the event spec).
type confCase struct {
	name   string
	def    string
	input  string
	status string
	output string // expected output JSON, compared structurally; "" = see shape or check
	err    string
	cause  string // substring of the cause
	events string // expected history events; every case has them
	// shape checks an output that holds generated values (UUIDs, random numbers), on both
	// engines of the differential tier.
	shape func(t *testing.T, output string)
	// check makes further assertions on sfnlocal's run (fake-clock timestamps, details).
	check func(t *testing.T, x Execution, h []HistoryEvent)
	// moto is why the case does not run on moto's engine at all; "" = it runs.
	moto string
	// motoDiffers records where moto's engine answers otherwise than AWS: the differential
	// tier runs the case on moto and asserts that moto still gives this outcome.
	motoDiffers *motoOutcome
}

// motoOutcome is what moto 5.2.1 answers for a case where it departs from AWS, and why
// sfnlocal's answer is AWS's (Why cites the ASL specification or AWS's documentation).
type motoOutcome struct {
	why    string
	status string
	err    string
	output string // exact JSON; "" = not compared
	cause  string // substring
	// runErr: moto fails the run itself (an API error) with a message containing this.
	runErr string
}

// Event sequences shared by many cases.
const (
	passEvents   = "ExecutionStarted PassStateEntered PassStateExited ExecutionSucceeded"
	taskOK       = "TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited"
	taskFail     = "TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionFailed"
	invokeOK     = "TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited"
	lambdaFailed = "LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionFailed "
	choiceToPass = "ExecutionStarted ChoiceStateEntered ChoiceStateExited PassStateEntered PassStateExited ExecutionSucceeded"
	passThenEnd  = "PassStateEntered PassStateExited ExecutionSucceeded"
	waitEvents   = "ExecutionStarted WaitStateEntered WaitStateExited ExecutionSucceeded"
)

// conformanceCases is every conformance definition: the cases below and the table of
// Choice operators (conformance_choice_test.go).
var conformanceCases = slices.Concat(baseCases, choiceOperatorCases(), withMotoRecords(variableCases, jsonPathCornerCases, jsonataCases))

var baseCases = []confCase{
	// --- Pass and data flow -------------------------------------------------------------
	{
		name:  "PassResultWithResultPathMergesIntoInput",
		def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","End":true}}}`,
		input: `{"a":"b"}`, status: StatusSucceeded, output: `{"a":"b","r":{"x":1}}`, events: passEvents,
	},
	{
		name: "PassParametersBuildNestedObjectsFromInputAndContext",
		def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"lit":"v","nested":{"n.$":"$.n"},
			"state.$":"$$.State.Name","orig.$":"$$.Execution.Input.n","arr":[{"k.$":"$.n"}]},"End":true}}}`,
		input: `{"n":7}`, status: StatusSucceeded,
		output: `{"lit":"v","nested":{"n":7},"state":"P","orig":7,"arr":[{"k":7}]}`,
		events: passEvents,
	},
	{
		// AWS's context object in a Pass state, as GetExecutionHistory recorded on AWS shows it
		// (LocalStack's AWS-validated snapshot of test_context_object "$$"): State has no
		// RetryCount outside a Task.
		name:  "PassContextObjectHasAwsShape",
		def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"ctx.$":"$$"},"End":true}}}`,
		input: `{"k":1}`, status: StatusSucceeded,
		output: `{"ctx":{"Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:sm:ex","Input":{"k":1},"Name":"ex",
			"RoleArn":"` + testRoleArn + `","StartTime":"2024-01-01T00:00:00.000Z","RedriveCount":0},
			"StateMachine":{"Id":"arn:aws:states:us-east-1:123456789012:stateMachine:sm","Name":"sm"},
			"State":{"Name":"P","EnteredTime":"2024-01-01T00:00:00.000Z"}}}`,
		events: passEvents,
		moto: "the whole context object holds moto's own names and real-clock times; moto's departures in it are " +
			"recorded by PassContextObjectExecutionFields and PassContextObjectExecutionName",
	},
	{
		name: "PassContextObjectExecutionFields",
		def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"exec.$":"$$.Execution.Name","sm.$":"$$.StateMachine.Name",
			"start.$":"$$.Execution.StartTime","entered.$":"$$.State.EnteredTime"},"End":true}}}`,
		input: `{}`, status: StatusSucceeded,
		output: `{"exec":"ex","sm":"sm","start":"2024-01-01T00:00:00.000Z","entered":"2024-01-01T00:00:00.000Z"}`,
		events: passEvents,
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1 keeps $$.Execution.StartTime as a Python datetime and its DescribeExecution answers HTTP 500 " +
				"when serialising the output; the context object holds StartTime as an ISO 8601 string " +
				"(Step Functions developer guide, \"Accessing the Context object\")",
			runErr: "StatusCode: 500",
		},
	},
	{
		name:  "PassContextObjectExecutionName",
		def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"exec.$":"$$.Execution.Name"},"End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{"exec":"ex"}`, events: passEvents,
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1 gives null for $$.Execution.Name; the context object's Execution.Name is the execution's " +
				"name (Step Functions developer guide, \"Context object\": Execution.Name)",
			status: StatusSucceeded, output: `{"exec":null}`,
		},
	},
	{
		name:  "InputPathAndOutputPathSelectAndFilter",
		def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.in","ResultPath":"$.out","OutputPath":"$.out","End":true}}}`,
		input: `{"in":{"v":[1,2,3]}}`, status: StatusSucceeded, output: `{"v":[1,2,3]}`, events: passEvents,
	},
	{
		name:  "SucceedAndPassWithOutputPathNullishInputPath",
		def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":null,"Next":"S"},"S":{"Type":"Succeed","InputPath":"$"}}}`,
		input: `{"a":1}`, status: StatusSucceeded, output: `{}`,
		events: "ExecutionStarted PassStateEntered PassStateExited SucceedStateEntered SucceedStateExited ExecutionSucceeded",
	},

	// --- Task resources -----------------------------------------------------------------
	{
		name:  "ResultPathNullKeepsInputAndDiscardsResult",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:double","ResultPath":null,"End":true}}}`,
		input: `{"N":2}`, status: StatusSucceeded, output: `{"N":2}`,
		events: "ExecutionStarted " + taskOK + " ExecutionSucceeded",
	},
	{
		name:  "LambdaArnTaskReturnsHandlerPayload",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:double","End":true}}}`,
		input: `{"N":21}`, status: StatusSucceeded, output: `{"N":42}`,
		events: "ExecutionStarted " + taskOK + " ExecutionSucceeded",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			if r := eventAt(t, h, "LambdaFunctionScheduled").Details["resource"]; r != fnPrefix+"double" {
				t.Errorf("LambdaFunctionScheduled resource %v, want the function ARN", r)
			}
		},
	},
	{
		name:  "LambdaArnWithAliasQualifierInvokesThatAlias",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:versioned:prod","End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{"version":"prod"}`,
		events: "ExecutionStarted " + taskOK + " ExecutionSucceeded",
	},
	{
		name:  "LambdaArnWithLatestQualifierInvokesTheFunction",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:versioned:$LATEST","End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{"version":"unqualified"}`,
		events: "ExecutionStarted " + taskOK + " ExecutionSucceeded",
	},
	{
		name: "LambdaInvokeResultSelectorAndResultPath",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"double","Payload":{"N.$":"$.n"}},
			"ResultSelector":{"v.$":"$.Payload.N","code.$":"$.StatusCode"},"ResultPath":"$.res","End":true}}}`,
		input: `{"n":5}`, status: StatusSucceeded, output: `{"n":5,"res":{"v":10,"code":200}}`,
		events: "ExecutionStarted " + invokeOK + " ExecutionSucceeded",
	},
	{
		name: "LambdaInvokeFunctionNameWithQualifier",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"versioned:prod"},"OutputPath":"$.Payload","Next":"A"},
			"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:versioned:prod"},"ResultSelector":{"arn.$":"$.Payload.version"},"ResultPath":"$.arn","Next":"Q"},
			"Q":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"versioned","Qualifier":"prod"},"ResultSelector":{"q.$":"$.Payload.version"},"ResultPath":"$.param","Next":"L"},
			"L":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"123456789012:function:versioned:$LATEST"},"ResultSelector":{"l.$":"$.Payload.version"},"ResultPath":"$.latest","End":true}}}`,
		input: `{}`, status: StatusSucceeded,
		output: `{"version":"prod","arn":{"arn":"prod"},"param":{"q":"prod"},"latest":{"l":"unqualified"}}`,
		events: "ExecutionStarted " + strings.Repeat(invokeOK+" ", 4) + "ExecutionSucceeded",
	},
	{
		name: "LambdaInvokeResultHasAwsShape",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:echo","Payload.$":"$"},"End":true}}}`,
		input: `{"k":"v"}`, status: StatusSucceeded,
		events: "ExecutionStarted " + invokeOK + " ExecutionSucceeded",
		check: func(t *testing.T, x Execution, _ []HistoryEvent) {
			out := mustDecode(t, *x.Output).(map[string]any)
			if !jsonEqual(out["Payload"], map[string]any{"k": "v"}) || !jsonEqual(out["StatusCode"], 200) || out["ExecutedVersion"] != "$LATEST" {
				t.Errorf("lambda:invoke result %s lacks Payload/StatusCode/ExecutedVersion", *x.Output)
			}
			for _, k := range []string{"SdkHttpMetadata", "SdkResponseMetadata"} {
				if _, ok := out[k]; !ok {
					t.Errorf("lambda:invoke result %s lacks %s", *x.Output, k)
				}
			}
		},
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1's lambda:invoke result has only StatusCode, ExecutedVersion and Payload; AWS's also carries " +
				"SdkHttpMetadata and SdkResponseMetadata (Step Functions developer guide, \"Invoke an AWS Lambda function " +
				"with Step Functions\", the example task output)",
			status: StatusSucceeded, output: `{"StatusCode":200,"ExecutedVersion":"$LATEST","Payload":{"k":"v"}}`,
		},
	},
	{
		name: "UnknownFunctionViaLambdaInvokeIsResourceNotFound",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"nosuch"},
			"Catch":[{"ErrorEquals":["Lambda.ResourceNotFoundException"],"ResultPath":"$.e","Next":"C"}],"End":true},"C":{"Type":"Pass","OutputPath":"$.e.Error","End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `"Lambda.ResourceNotFoundException"`,
		events: "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskStateExited " + passThenEnd,
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1 crashes on the Lambda error (States.Runtime, KeyError 'RequestId'); a Lambda service " +
				"exception reaches the state machine as \"Lambda.\" + the exception name, here Lambda.ResourceNotFoundException " +
				"(Step Functions developer guide, \"Handling errors\": Lambda service exceptions), which a Catcher can match",
			status: StatusFailed, err: ErrRuntime, cause: "RequestId",
		},
	},
	{
		name:  "UnknownFunctionArnFailsLikeAws",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:nosuch","End":true}}}`,
		input: `{}`, status: StatusFailed, err: "Lambda.ResourceNotFoundException",
		cause:  "Function not found: " + fnPrefix + "nosuch",
		events: "ExecutionStarted " + taskFail + " ExecutionFailed",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			d := eventAt(t, h, "LambdaFunctionFailed").Details
			if d["error"] != "Lambda.ResourceNotFoundException" || !strings.Contains(d["cause"].(string), "ResourceNotFoundException") {
				t.Errorf("LambdaFunctionFailed details %v", d)
			}
		},
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1 names the error \"Exception\" (its Python exception class); AWS reports a Lambda service " +
				"exception as \"Lambda.\" + its name, Lambda.ResourceNotFoundException, in a LambdaFunctionFailed event " +
				"(Step Functions developer guide, \"Handling errors\"; AWS Step Functions Local logs the same event)",
			status: StatusFailed, err: "Exception", cause: "Function not found",
		},
	},
	{
		name:  "HandlerErrorTypeNameIsTheErrorName",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:fail","End":true}}}`,
		input: `{"Reason":"bad input"}`, status: StatusFailed, err: "StepFailed",
		cause:  `{"errorMessage":"step failed: bad input","errorType":"StepFailed"}`,
		events: "ExecutionStarted " + taskFail + " ExecutionFailed",
	},
	{
		name: "ErrorsNewIsErrorString",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:plainerr","Catch":[{"ErrorEquals":["errorString"],"Next":"Caught"}],"End":true},
			"Caught":{"Type":"Pass","End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{"Error":"errorString","Cause":"{\"errorMessage\":\"boom\",\"errorType\":\"errorString\"}"}`,
		events: "ExecutionStarted " + taskFail + " TaskStateExited " + passThenEnd,
	},
	{
		name:  "PanickingHandlerFailsTheTaskNotTheEngine",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:panic","End":true}}}`,
		input: `{}`, status: StatusFailed, err: "string", cause: `"errorMessage":"kaboom"`,
		events: "ExecutionStarted " + taskFail + " ExecutionFailed",
	},
	{
		name: "TaskFailedMatchesHandlerErrorsButNotTimeout",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:fail","Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"C"}],"End":true},
			"C":{"Type":"Pass","Result":"caught","End":true}}}`,
		input: `{"Reason":"r"}`, status: StatusSucceeded, output: `"caught"`,
		events: "ExecutionStarted " + taskFail + " TaskStateExited " + passThenEnd,
	},
	{
		// The developer guide ("Handling errors": States.ALL, States.DataLimitExceeded) calls
		// States.DataLimitExceeded a terminal error that States.ALL cannot catch, but AWS itself,
		// recorded, catches a Lambda result over the limit with States.ALL, through
		// LambdaFunctionFailed and TaskStateExited, and gives this cause (LocalStack's
		// AWS-validated snapshot test_task_lambda_catch_state_all_data_limit_exceeded_on_large_utf8_response,
		// 2024-03-21; for lambda:invoke test_service_task_lambada_catch_state_all_..., the same
		// day). The recording of the service wins over the prose; moto 5.2.1 agrees with it.
		name:  "ResultOverLimitIsDataLimitExceeded",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:big","Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},"C":{"Type":"Pass","End":true}}}`,
		input: `{}`, status: StatusSucceeded,
		output: `{"Error":"States.DataLimitExceeded","Cause":"The state/task 'arn:aws:lambda:us-east-1:123456789012:function:big' returned a result with a size exceeding the maximum number of bytes service limit."}`,
		events: "ExecutionStarted " + taskFail + " TaskStateExited " + passThenEnd,
	},

	// --- Choice -------------------------------------------------------------------------
	{
		name: "ChoiceTakesFirstMatchingNumericRule",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"Variable":"$.n","NumericLessThan":0,"Next":"Neg"},
			{"Variable":"$.n","NumericEquals":0,"Next":"Zero"},
			{"Variable":"$.n","NumericGreaterThanEquals":100,"Next":"Big"},
			{"Variable":"$.n","NumericLessThanEquals":10,"Next":"Small"},
			{"Variable":"$.n","NumericGreaterThan":10,"Next":"Mid"}]},
			"Neg":{"Type":"Pass","Result":"neg","End":true},"Zero":{"Type":"Pass","Result":"zero","End":true},
			"Big":{"Type":"Pass","Result":"big","End":true},"Small":{"Type":"Pass","Result":"small","End":true},
			"Mid":{"Type":"Pass","Result":"mid","End":true}}}`,
		input: `{"n":42.5}`, status: StatusSucceeded, output: `"mid"`, events: choiceToPass,
	},
	{
		name: "ChoiceTakesFirstMatchingStringRule",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"Variable":"$.s","StringEquals":"x","Next":"No"},
			{"Variable":"$.s","StringLessThan":"apple","Next":"No"},
			{"Variable":"$.s","StringGreaterThan":"zebra","Next":"No"},
			{"Variable":"$.s","StringLessThanEquals":"banana","Next":"Yes"}],"Default":"No"},
			"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
		input: `{"s":"banana"}`, status: StatusSucceeded, output: `"yes"`, events: choiceToPass,
	},
	{
		name: "ChoicePathOperandsCompareTwoInputFields",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"Variable":"$.a","NumericGreaterThanPath":"$.b","Next":"No"},
			{"And":[{"Variable":"$.s","StringEqualsPath":"$.t"},{"Variable":"$.a","NumericLessThanEqualsPath":"$.b"},
			        {"Variable":"$.f","BooleanEqualsPath":"$.g"},{"Variable":"$.ts","TimestampLessThanPath":"$.ts2"}],"Next":"Yes"}],"Default":"No"},
			"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
		input:  `{"a":1,"b":2,"s":"q","t":"q","f":true,"g":true,"ts":"2024-01-01T00:00:00Z","ts2":"2024-06-01T00:00:00Z"}`,
		status: StatusSucceeded, output: `"yes"`, events: choiceToPass,
	},
	{
		name: "ChoiceTypeTestsAcceptRFC3339Timestamps",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"And":[{"Variable":"$.missing","IsPresent":false},{"Variable":"$.nul","IsNull":true},
			        {"Variable":"$.num","IsNumeric":true},{"Variable":"$.str","IsString":true},
			        {"Variable":"$.b","IsBoolean":true},{"Variable":"$.ts","IsTimestamp":true},
			        {"Variable":"$.str","IsTimestamp":false},{"Variable":"$.num","IsString":false}],"Next":"Yes"}],"Default":"No"},
			"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
		input:  `{"nul":null,"num":3,"str":"s","b":false,"ts":"2024-01-01T10:00:00.5+02:00"}`,
		status: StatusSucceeded, output: `"yes"`, events: choiceToPass,
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1's IsTimestamp accepts only YYYY-MM-DDTHH:MM:SSZ; the ASL specification's timestamps are " +
				"RFC3339 (\"Timestamps\": an uppercase T, a numeric offset or Z, fractional seconds allowed), so " +
				"2024-01-01T10:00:00.5+02:00 is one",
			status: StatusSucceeded, output: `"no"`,
		},
	},
	{
		name: "ChoiceStringMatchesWildcardsAndEscapes",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"Variable":"$.s","StringMatches":"log-*.txt","Next":"Star"},
			{"Variable":"$.s","StringMatches":"lit\\*eral","Next":"Escaped"}],"Default":"None"},
			"Star":{"Type":"Pass","Result":"star","End":true},"Escaped":{"Type":"Pass","Result":"escaped","End":true},
			"None":{"Type":"Pass","Result":"none","End":true}}}`,
		input: `{"s":"lit*eral"}`, status: StatusSucceeded, output: `"escaped"`, events: choiceToPass,
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1 matches with Python's fnmatch, where \\ escapes nothing; in the ASL specification " +
				"(\"Choice Rules\", StringMatches) \\* is a literal asterisk, so lit\\*eral matches lit*eral",
			status: StatusSucceeded, output: `"none"`,
		},
	},
	{
		name: "ChoiceAndOrNot",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"Or":[{"Not":{"Variable":"$.a","StringEquals":"x"}},{"Variable":"$.n","NumericEquals":1}],"Next":"Yes"}],"Default":"No"},
			"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
		input: `{"a":"x","n":1}`, status: StatusSucceeded, output: `"yes"`, events: choiceToPass,
	},
	{
		name: "ChoiceTimestampComparisonsWithOffsets",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"And":[{"Variable":"$.t","TimestampGreaterThan":"2023-12-31T23:59:59Z"},{"Variable":"$.t","TimestampLessThanEquals":"2024-01-01T00:00:00Z"},
			        {"Variable":"$.t","TimestampEquals":"2024-01-01T01:00:00+01:00"},{"Variable":"$.t","TimestampGreaterThanEquals":"2024-01-01T00:00:00Z"}],"Next":"Yes"}],"Default":"No"},
			"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
		input: `{"t":"2024-01-01T00:00:00Z"}`, status: StatusSucceeded, output: `"yes"`, events: choiceToPass,
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1 parses only YYYY-MM-DDTHH:MM:SSZ, so 2024-01-01T01:00:00+01:00 never equals 2024-01-01T00:00:00Z; " +
				"the ASL specification compares RFC3339 timestamps as instants",
			status: StatusSucceeded, output: `"no"`,
		},
	},
	{
		name: "ChoiceFallsBackToDefault",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","OutputPath":"$.keep","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"No"}],"Default":"D"},
			"No":{"Type":"Fail"},"D":{"Type":"Succeed"}}}`,
		input: `{"n":2,"keep":{"k":1}}`, status: StatusSucceeded, output: `{"k":1}`,
		events: "ExecutionStarted ChoiceStateEntered ChoiceStateExited SucceedStateEntered SucceedStateExited ExecutionSucceeded",
	},
	{
		name: "ChoiceWithoutMatchFailsNoChoiceMatched",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"No"}]},
			"No":{"Type":"Succeed"}}}`,
		input: `{"n":2}`, status: StatusFailed, err: ErrNoChoiceMatched,
		events: "ExecutionStarted ChoiceStateEntered ExecutionFailed",
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1 fails with States.Runtime; the ASL specification (\"Choice State\": with no match and no " +
				"Default the interpreter raises States.NoChoiceMatched) and AWS name the error States.NoChoiceMatched",
			status: StatusFailed, err: ErrRuntime,
		},
	},
	{
		name: "ChoiceOnMissingVariableFailsRuntime",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.nope","NumericEquals":1,"Next":"No"}],"Default":"No"},
			"No":{"Type":"Succeed"}}}`,
		input: `{}`, status: StatusFailed, err: ErrRuntime, cause: "$.nope",
		events: "ExecutionStarted ChoiceStateEntered ExecutionFailed",
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1 treats a Variable that selects nothing as no match and takes Default; AWS fails the " +
				"execution with States.Runtime (Step Functions developer guide, \"Choice workflow state\": use IsPresent " +
				"to test a field that may be missing, since a path that selects nothing is a runtime error)",
			status: StatusSucceeded, output: `{}`,
		},
	},

	// --- Wait ---------------------------------------------------------------------------
	{
		name:  "WaitSecondsAdvancesFakeTimeOnly",
		def:   `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`,
		input: `{"a":1}`, status: StatusSucceeded, output: `{"a":1}`, events: waitEvents,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "WaitStateExited", time.Hour)
			assertTimes(t, h, "ExecutionSucceeded", time.Hour)
		},
		moto: "an hour of real time on moto",
	},
	{
		name:  "WaitSecondsPathWaitsTheInputsSeconds",
		def:   `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`,
		input: `{"s":1}`, status: StatusSucceeded, output: `{"s":1}`, events: waitEvents,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "WaitStateExited", time.Second)
		},
	},
	{
		// On moto, whose clock reads today, the instant is past and the wait ends at once.
		name:  "WaitTimestampWaitsUntilThatInstant",
		def:   `{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"2024-01-02T00:00:00Z","End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{}`, events: waitEvents,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			if !x.StopDate.Equal(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("stopDate %v, want 2024-01-02", x.StopDate)
			}
			assertTimes(t, h, "WaitStateExited", 24*time.Hour)
		},
	},
	{
		name:  "WaitTimestampPathWaitsUntilTheInputsInstant",
		def:   `{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.until","End":true}}}`,
		input: `{"until":"2024-01-01T00:10:00Z"}`, status: StatusSucceeded, output: `{"until":"2024-01-01T00:10:00Z"}`, events: waitEvents,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "WaitStateExited", 10*time.Minute)
		},
	},
	{
		name:  "WaitSecondsPathNotAnIntegerFailsRuntime",
		def:   `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`,
		input: `{"s":"soon"}`, status: StatusFailed, err: ErrRuntime,
		events: "ExecutionStarted WaitStateEntered ExecutionFailed",
	},

	// --- Fail ---------------------------------------------------------------------------
	{
		name:  "FailStateWithErrorAndCause",
		def:   `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Custom.Bad","Cause":"it broke"}}}`,
		input: `{}`, status: StatusFailed, err: "Custom.Bad", cause: "it broke",
		events: "ExecutionStarted FailStateEntered ExecutionFailed",
	},
	{
		name:  "FailStateErrorPathAndCausePath",
		def:   `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"States.Format('code {} of {}', $.code, $.who)"}}}`,
		input: `{"e":"Dyn.Err","code":42,"who":"me"}`, status: StatusFailed, err: "Dyn.Err", cause: "code 42 of me",
		events: "ExecutionStarted FailStateEntered ExecutionFailed",
	},

	// --- Retry and Catch, timed on the fake clock ---------------------------------------
	{
		name:  "RetryBackoffDoublesIntervals",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:flaky","Retry":[{"ErrorEquals":["StepTransient"],"IntervalSeconds":1,"BackoffRate":2,"MaxAttempts":3}],"End":true}}}`,
		input: `{"Key":"backoff","FailTimes":3}`, status: StatusSucceeded, output: `{"calls":4}`,
		events: "ExecutionStarted TaskStateEntered " + strings.Repeat(lambdaFailed, 3) + "LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited ExecutionSucceeded",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertRetryGaps(t, h, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second})
			assertTimes(t, h, "LambdaFunctionScheduled", 0, time.Second, 3*time.Second, 7*time.Second)
			assertTimes(t, h, "ExecutionSucceeded", 7*time.Second)
		},
	},
	{
		name:  "RetryMaxDelaySecondsCapsBackoff",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:flaky","Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"BackoffRate":3,"MaxAttempts":3,"MaxDelaySeconds":2}],"End":true}}}`,
		input: `{"Key":"cap","FailTimes":3}`, status: StatusSucceeded, output: `{"calls":4}`,
		events: "ExecutionStarted TaskStateEntered " + strings.Repeat(lambdaFailed, 3) + "LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited ExecutionSucceeded",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			// 1s, then 3s and 9s capped at 2s.
			assertRetryGaps(t, h, []time.Duration{time.Second, 2 * time.Second, 2 * time.Second})
			assertTimes(t, h, "LambdaFunctionScheduled", 0, time.Second, 3*time.Second, 5*time.Second)
		},
	},
	{
		name:  "RetryDefaultsAreOneSecondThreeAttemptsRateTwo",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:flaky","Retry":[{"ErrorEquals":["StepTransient"]}],"End":true}}}`,
		input: `{"Key":"defaults","FailTimes":5}`, status: StatusFailed, err: "StepTransient",
		events: "ExecutionStarted TaskStateEntered " + strings.Repeat(lambdaFailed, 4) + "ExecutionFailed",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertRetryGaps(t, h, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second})
			assertTimes(t, h, "ExecutionFailed", 7*time.Second)
		},
	},
	{
		name:  "RetryJitterNoneGivesExactBackoff",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:flaky","Retry":[{"ErrorEquals":["StepTransient"],"IntervalSeconds":1,"BackoffRate":1.5,"MaxAttempts":2,"JitterStrategy":"NONE"}],"End":true}}}`,
		input: `{"Key":"jitternone","FailTimes":2}`, status: StatusSucceeded, output: `{"calls":3}`,
		events: "ExecutionStarted TaskStateEntered " + strings.Repeat(lambdaFailed, 2) + "LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited ExecutionSucceeded",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertRetryGaps(t, h, []time.Duration{time.Second, 1500 * time.Millisecond})
			assertTimes(t, h, "LambdaFunctionScheduled", 0, time.Second, 2500*time.Millisecond)
		},
	},
	{
		name:  "RetryJitterFullStaysWithinComputedDelay",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:flaky","Retry":[{"ErrorEquals":["StepTransient"],"IntervalSeconds":2,"MaxAttempts":2,"JitterStrategy":"FULL"}],"End":true}}}`,
		input: `{"Key":"jitter","FailTimes":2}`, status: StatusSucceeded, output: `{"calls":3}`,
		events: "ExecutionStarted TaskStateEntered " + strings.Repeat(lambdaFailed, 2) + "LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited ExecutionSucceeded",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			gaps := scheduledGaps(h)
			if len(gaps) != 2 || gaps[0] > 2*time.Second || gaps[1] > 4*time.Second {
				t.Errorf("jittered gaps %v, want within 2s and 4s", gaps)
			} else if gaps[0] == 2*time.Second && gaps[1] == 4*time.Second {
				t.Errorf("gaps %v are the full backoff: no jitter applied", gaps)
			}
		},
	},
	{
		name: "CatchAfterRetriesRunOut",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:fail","Retry":[{"ErrorEquals":["StepFailed"],"IntervalSeconds":1,"MaxAttempts":2}],
			"Catch":[{"ErrorEquals":["StepFailed"],"ResultPath":"$.error","Next":"Undo"}],"End":true},
			"Undo":{"Type":"Pass","Parameters":{"undone":true,"err.$":"$.error.Error","msg.$":"States.StringToJson($.error.Cause)"},"End":true}}}`,
		input: `{"Reason":"nope"}`, status: StatusSucceeded,
		output: `{"undone":true,"err":"StepFailed","msg":{"errorMessage":"step failed: nope","errorType":"StepFailed"}}`,
		events: "ExecutionStarted TaskStateEntered " + strings.Repeat(lambdaFailed, 3) + "TaskStateExited " + passThenEnd,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertRetryGaps(t, h, []time.Duration{time.Second, 2 * time.Second})
			assertTimes(t, h, "LambdaFunctionScheduled", 0, time.Second, 3*time.Second)
			assertTimes(t, h, "TaskStateExited", 3*time.Second)
			assertTimes(t, h, "PassStateEntered", 3*time.Second)
			assertTimes(t, h, "ExecutionSucceeded", 3*time.Second)
		},
	},
	{
		name:  "RetryMaxAttemptsZeroNeverRetries",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:fail","Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":0}],"End":true}}}`,
		input: `{"Reason":"once"}`, status: StatusFailed, err: "StepFailed",
		events: "ExecutionStarted " + taskFail + " ExecutionFailed",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "ExecutionFailed", 0)
		},
	},
	{
		name:  "SpentRetrierDoesNotFallThroughToLaterOne",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:fail","Retry":[{"ErrorEquals":["StepFailed"],"MaxAttempts":1},{"ErrorEquals":["States.ALL"],"MaxAttempts":5}],"End":true}}}`,
		input: `{"Reason":"x"}`, status: StatusFailed, err: "StepFailed",
		events: "ExecutionStarted TaskStateEntered " + strings.Repeat(lambdaFailed, 2) + "ExecutionFailed",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "LambdaFunctionScheduled", 0, time.Second)
		},
	},
	{
		name: "RetryCountInContextObject",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:retrycount","Parameters":{"Count.$":"$$.State.RetryCount"},
			"Retry":[{"ErrorEquals":["StepTransient"],"MaxAttempts":5}],"End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{"sawRetryCount":2}`,
		events: "ExecutionStarted TaskStateEntered " + strings.Repeat(lambdaFailed, 2) + "LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited ExecutionSucceeded",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "LambdaFunctionScheduled", 0, time.Second, 3*time.Second)
		},
	},

	// --- Timeouts -----------------------------------------------------------------------
	{
		name:  "TaskTimeoutCancelsHangingHandler",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:hang","TimeoutSeconds":2,"End":true}}}`,
		input: `{}`, status: StatusFailed, err: ErrTimeout,
		events: "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionTimedOut ExecutionFailed",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "LambdaFunctionTimedOut", 2*time.Second)
		},
	},
	{
		name: "TaskTimeoutSecondsPathAndCatchTimeout",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"hang"},"TimeoutSecondsPath":"$.limit",
			"Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":"$.err","Next":"After"}],"End":true},"After":{"Type":"Pass","End":true}}}`,
		input: `{"limit":2}`, status: StatusSucceeded, output: `{"limit":2,"err":{"Error":"States.Timeout","Cause":""}}`,
		events: "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskTimedOut TaskStateExited " + passThenEnd,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "TaskTimedOut", 2*time.Second)
		},
	},
	{
		// AWS's DescribeExecution of a timed-out execution carries no error or cause (LocalStack's
		// AWS-validated snapshot of test_global_timeout); moto 5.2.1 agrees.
		name:  "MachineTimeoutSecondsTimesOutExecution",
		def:   `{"TimeoutSeconds":1,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}`,
		input: `{}`, status: StatusTimedOut,
		events: "ExecutionStarted WaitStateEntered ExecutionTimedOut",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			if got := x.StopDate.Sub(x.StartDate); got != time.Second {
				t.Errorf("timed out after %v, want 1s", got)
			}
			if x.Error != "" || x.Cause != "" {
				t.Errorf("DescribeExecution of a timed-out execution has error %q cause %q; AWS gives neither", x.Error, x.Cause)
			}
		},
	},

	// --- Runtime errors -----------------------------------------------------------------
	{
		name: "InputPathSelectingNothingIsRuntimeNotCaughtByAll",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:echo","InputPath":"$.nope","Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},
			"C":{"Type":"Pass","End":true}}}`,
		input: `{"a":1}`, status: StatusFailed, err: ErrRuntime,
		events: "ExecutionStarted TaskStateEntered ExecutionFailed",
	},
	{
		name: "ParametersPathSelectingNothingIsRuntime",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:echo","Parameters":{"x.$":"$.missing"},"Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},
			"C":{"Type":"Pass","End":true}}}`,
		input: `{"a":1}`, status: StatusFailed, err: ErrRuntime, cause: "$.missing",
		events: "ExecutionStarted TaskStateEntered ExecutionFailed",
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1 lets States.ALL catch a Parameters path that selects nothing; AWS fails the execution with " +
				"States.Runtime, which States.ALL does not catch (Step Functions developer guide, \"Handling errors\": States.ALL, States.Runtime)",
			status: StatusSucceeded,
		},
	},
	{
		name: "IntrinsicFailureIsCatchable",
		def: `{"StartAt":"P","States":{"P":{"Type":"Task","Resource":"λ:echo","Parameters":{"x.$":"States.ArrayGetItem($.a, 9)"},
			"Catch":[{"ErrorEquals":["States.IntrinsicFailure"],"Next":"C"}],"End":true},"C":{"Type":"Pass","OutputPath":"$.Error","End":true}}}`,
		input: `{"a":[1]}`, status: StatusSucceeded, output: `"States.IntrinsicFailure"`,
		events: "ExecutionStarted TaskStateEntered TaskStateExited " + passThenEnd,
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1 raises its Python IndexError as an error named \"Exception\"; an intrinsic function that fails " +
				"raises States.IntrinsicFailure (Step Functions developer guide, \"Handling errors\": States.IntrinsicFailure)",
			status: StatusFailed, err: "Exception",
		},
	},
	{
		name: "ResultPathIntoNonObjectIsResultPathMatchFailure",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:double","ResultPath":"$.s.deep","Catch":[{"ErrorEquals":["States.ResultPathMatchFailure"],"Next":"C"}],"End":true},
			"C":{"Type":"Pass","OutputPath":"$.Error","End":true}}}`,
		input: `{"N":1,"s":"str"}`, status: StatusSucceeded, output: `"States.ResultPathMatchFailure"`,
		events: "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited " + passThenEnd,
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1 raises its Python TypeError as an error named \"Exception\"; a ResultPath that cannot be " +
				"applied to the state's input raises States.ResultPathMatchFailure (ASL specification, \"Errors\"; Step " +
				"Functions developer guide, \"Handling errors\")",
			status: StatusFailed, err: "Exception",
		},
	},

	// --- Parallel -----------------------------------------------------------------------
	{
		name: "ParallelRunsBranchesAndCollectsOutputs",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","ResultSelector":{"a.$":"$[0].N","b.$":"$[1]"},"ResultPath":"$.r","End":true,"Branches":[
			{"StartAt":"D","States":{"D":{"Type":"Task","Resource":"λ:double","End":true}}},
			{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"E"},"E":{"Type":"Pass","Result":"e","End":true}}}]}}}`,
		input: `{"N":4}`, status: StatusSucceeded, output: `{"N":4,"r":{"a":8,"b":"e"}}`,
		events: "ExecutionStarted ParallelStateEntered ParallelStateStarted " +
			fork(taskOK, "WaitStateEntered WaitStateExited PassStateEntered PassStateExited") +
			" ParallelStateSucceeded ParallelStateExited ExecutionSucceeded",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "ParallelStateSucceeded", 5*time.Second)
		},
		motoDiffers: &motoOutcome{
			why: "moto 5.2.1 evaluates the definite path $[0].N to a list ([8]); in JSONPath, and so in the ASL " +
				"specification's Paths, a path of names and indices selects a single node, and AWS yields 8",
			status: StatusSucceeded, output: `{"N":4,"r":{"a":[8],"b":"e"}}`,
		},
	},
	{
		// The failing branch waits first, so the other branch is inside its Wait when it is cut.
		// The failing branch's Task, too, ends with TaskStateAborted after its failure event, as
		// AWS records it when a Task's failure ends a branch (LocalStack's AWS-validated snapshots
		// test_sqs_failure_in_wait_for_task_tok_no_error_field[SQS_PARALLEL_WAIT_FOR_TASK_TOKEN],
		// 2024-04-29: TaskFailed, TaskStateAborted, ParallelStateFailed; test_parallel_catch_error,
		// 2024-11-13; test_service_lambda_map_timeout, 2024-03-10, for Map iterations).
		name: "ParallelBranchFailureAbortsOtherBranchesAndIsCaught",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Catch":[{"ErrorEquals":["StepFailed"],"Next":"C"}],"End":true,"Branches":[
			{"StartAt":"Pause","States":{"Pause":{"Type":"Wait","Seconds":1,"Next":"F"},"F":{"Type":"Task","Resource":"λ:fail","End":true}}},
			{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}]},
			"C":{"Type":"Pass","OutputPath":"$.Error","End":true}}}`,
		input: `{"Reason":"branch"}`, status: StatusSucceeded, output: `"StepFailed"`,
		events: "ExecutionStarted ParallelStateEntered ParallelStateStarted " +
			fork("WaitStateEntered WaitStateExited "+taskFail+" TaskStateAborted", "WaitStateEntered WaitStateAborted") +
			" ParallelStateFailed ParallelStateExited " + passThenEnd,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "ParallelStateFailed", time.Second)
		},
	},
	{
		name: "ParallelRetryRerunsBranchesAndFailsOnceRetriesRunOut",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Retry":[{"ErrorEquals":["Branch.Failed"],"IntervalSeconds":2,"MaxAttempts":1}],
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true,"Branches":[
			{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Branch.Failed","Cause":"b"}}}]},
			"C":{"Type":"Pass","End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{"Error":"Branch.Failed","Cause":"b"}`,
		events: "ExecutionStarted ParallelStateEntered ParallelStateStarted " + fork("FailStateEntered") +
			" ParallelStateStarted " + fork("FailStateEntered") + " ParallelStateFailed ParallelStateExited " + passThenEnd,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "ParallelStateStarted", 0, 2*time.Second)
		},
	},

	// --- Map ----------------------------------------------------------------------------
	{
		name: "MapWithItemSelectorContextAndMaxConcurrency",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
			"ItemSelector":{"idx.$":"$$.Map.Item.Index","N.$":"$$.Map.Item.Value","tag.$":"$.tag"},
			"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"D","States":{"D":{"Type":"Task","Resource":"λ:double","ResultPath":"$.d","End":true}}},
			"ResultPath":"$.out","End":true}}}`,
		input: `{"items":[1,2,3],"tag":"t"}`, status: StatusSucceeded,
		output: `{"items":[1,2,3],"tag":"t","out":[{"idx":0,"N":1,"tag":"t","d":{"N":2}},{"idx":1,"N":2,"tag":"t","d":{"N":4}},{"idx":2,"N":3,"tag":"t","d":{"N":6}}]}`,
		events: "ExecutionStarted MapStateEntered MapStateStarted " + iterations(3, "MapIterationStarted "+taskOK+" MapIterationSucceeded") +
			" MapStateSucceeded MapStateExited ExecutionSucceeded",
	},
	{
		name: "MapLegacyIteratorAndParameters",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","Parameters":{"v.$":"$$.Map.Item.Value"},
			"Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","OutputPath":"$.v","End":true}}},"End":true}}}`,
		input: `["a","b"]`, status: StatusSucceeded, output: `["a","b"]`,
		events: "ExecutionStarted MapStateEntered MapStateStarted " + iterations(2, "MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded") +
			" MapStateSucceeded MapStateExited ExecutionSucceeded",
	},
	{
		// One at a time: the first item succeeds, the second fails the Map, the third never starts.
		name: "MapIterationFailureFailsMapAndStartsNoMoreIterations",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{"StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"Bad"}],"Default":"Ok"},
			"Bad":{"Type":"Fail","Error":"Item.Bad","Cause":"two"},"Ok":{"Type":"Pass","End":true}}},"End":true}}}`,
		input: `[1,2,3]`, status: StatusFailed, err: "Item.Bad", cause: "two",
		events: "ExecutionStarted MapStateEntered MapStateStarted " + fork(
			"MapIterationStarted ChoiceStateEntered ChoiceStateExited PassStateEntered PassStateExited MapIterationSucceeded",
			"MapIterationStarted ChoiceStateEntered ChoiceStateExited FailStateEntered MapIterationFailed") +
			" MapStateFailed ExecutionFailed",
	},
	{
		// The failing iteration waits first, so the other is inside its Wait when it is cut.
		name: "MapIterationFailureAbortsRunningIterations",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","End":true,"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Route","States":{
			"Route":{"Type":"Choice","Choices":[{"Variable":"$.kind","StringEquals":"fail","Next":"Pause"}],"Default":"Long"},
			"Long":{"Type":"Wait","Seconds":15,"End":true},
			"Pause":{"Type":"Wait","Seconds":1,"Next":"Boom"},
			"Boom":{"Type":"Fail","Error":"Boom","Cause":"sibling failed"}}}}}}`,
		input: `{"items":[{"kind":"long"},{"kind":"fail"}]}`, status: StatusFailed, err: "Boom", cause: "sibling failed",
		events: "ExecutionStarted MapStateEntered MapStateStarted " + fork(
			"MapIterationStarted ChoiceStateEntered ChoiceStateExited WaitStateEntered "+anyOrder("WaitStateAborted MapIterationAborted"),
			"MapIterationStarted ChoiceStateEntered ChoiceStateExited WaitStateEntered WaitStateExited FailStateEntered MapIterationFailed") +
			" MapStateFailed ExecutionFailed",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "MapStateFailed", time.Second)
		},
	},
	{
		name: "MapRetryRerunsIterationsAndFailsOnceRetriesRunOut",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","Retry":[{"ErrorEquals":["Item.Failed"],"IntervalSeconds":3,"MaxAttempts":1}],
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true,
			"ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Item.Failed","Cause":"i"}}}},
			"C":{"Type":"Pass","End":true}}}`,
		input: `[1]`, status: StatusSucceeded, output: `{"Error":"Item.Failed","Cause":"i"}`,
		events: "ExecutionStarted MapStateEntered MapStateStarted " + fork("MapIterationStarted FailStateEntered MapIterationFailed") +
			" MapStateStarted " + fork("MapIterationStarted FailStateEntered MapIterationFailed") +
			" MapStateFailed MapStateExited " + passThenEnd,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertTimes(t, h, "MapStateStarted", 0, 3*time.Second)
		},
	},
	{
		name:  "MapOverEmptyArrayYieldsEmptyArray",
		def:   `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
		input: `[]`, status: StatusSucceeded, output: `[]`,
		events: "ExecutionStarted MapStateEntered MapStateStarted MapStateSucceeded MapStateExited ExecutionSucceeded",
	},

	// --- Intrinsic functions ------------------------------------------------------------
	{
		// The differential tier compares these one function at a time (IntrinsicMotoCases).
		name: "IntrinsicFunctions",
		def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{
			"fmt.$":"States.Format('Hello {}, you are {} \\{literal\\}', $.name, $.age)",
			"fmtplain.$":"States.Format('Hello {}, you are {}', $.name, $.age)",
			"json.$":"States.StringToJson($.js)","str.$":"States.JsonToString($.obj)",
			"arr.$":"States.Array(1, 'two', $.age)","part.$":"States.ArrayPartition($.nums, 2)",
			"has.$":"States.ArrayContains($.nums, 3)","range.$":"States.ArrayRange(1, 9, 4)",
			"item.$":"States.ArrayGetItem($.nums, 1)","len.$":"States.ArrayLength($.nums)",
			"uniq.$":"States.ArrayUnique($.dups)","b64.$":"States.Base64Encode($.name)",
			"unb64.$":"States.Base64Decode('aGk=')","hash.$":"States.Hash($.name, 'SHA-256')",
			"merged.$":"States.JsonMerge($.obj, $.obj2, false)","sum.$":"States.MathAdd($.age, -2)",
			"split.$":"States.StringSplit($.csv, ',')","nested.$":"States.ArrayLength(States.Array($.age, $.age))"},"End":true}}}`,
		input:  `{"name":"Ann","age":30,"js":"{\"k\":[1]}","obj":{"a":1},"obj2":{"b":2},"nums":[1,2,3,4,5],"dups":[1,1,"x","x"],"csv":"a,b,c"}`,
		status: StatusSucceeded,
		output: `{"fmt":"Hello Ann, you are 30 {literal}","fmtplain":"Hello Ann, you are 30","json":{"k":[1]},"str":"{\"a\":1}","arr":[1,"two",30],
			"part":[[1,2],[3,4],[5]],"has":true,"range":[1,5,9],"item":2,"len":5,"uniq":[1,"x"],"b64":"QW5u","unb64":"hi",
			"hash":"17239b6e250110330eda64a29c610bf146f89883371fab093feda03bec61b646","merged":{"a":1,"b":2},"sum":28,"split":["a","b","c"],"nested":2}`,
		events: passEvents,
		moto:   "compared one function at a time by TestDifferentialIntrinsicsAgainstMoto",
	},
	{
		name:  "IntrinsicUUIDAndMathRandom",
		def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"id.$":"States.UUID()","r.$":"States.MathRandom(5, 6)"},"End":true}}}`,
		input: `{}`, status: StatusSucceeded, events: passEvents,
		shape: func(t *testing.T, output string) {
			out, ok := mustDecode(t, output).(map[string]any)
			if !ok {
				t.Fatalf("output %s is not an object", output)
			}
			id, _ := out["id"].(string)
			if !uuidV4.MatchString(id) {
				t.Errorf("States.UUID() = %q, not a version 4 UUID", id)
			}
			if r, isInt := toInt(out["r"]); !isInt || r < 5 || r > 6 {
				t.Errorf("States.MathRandom(5, 6) = %v", out["r"])
			}
		},
	},
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestConformance(t *testing.T) {
	for _, c := range conformanceCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			x, h := runOnEngine(t, c)
			assertCase(t, c, x, h)
		})
	}
}

// TestConformanceCasesAreComplete keeps the suite honest: every case asserts its history,
// and every case that does not run on moto says why.
func TestConformanceCasesAreComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range conformanceCases {
		if seen[c.name] {
			t.Errorf("two cases are named %s", c.name)
		}
		seen[c.name] = true
		if c.events == "" {
			t.Errorf("%s asserts no history events", c.name)
		} else if _, err := parseSpec(c.events); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if c.output == "" && c.shape == nil && c.check == nil && c.status == StatusSucceeded {
			t.Errorf("%s checks no output", c.name)
		}
		if c.moto != "" && c.motoDiffers != nil {
			t.Errorf("%s is both skipped on moto and recorded as differing", c.name)
		}
		if d := c.motoDiffers; d != nil && (d.why == "" || (d.status == "" && d.runErr == "")) {
			t.Errorf("%s: a recorded moto difference needs a reason and moto's outcome", c.name)
		}
	}
	if len(conformanceCases) < 40 {
		t.Errorf("%d conformance cases, want at least 40", len(conformanceCases))
	}
}

func newTestEngine() *Engine {
	fc := NewFakeClock(fakeStart)
	fc.HandlerGrace = 50 * time.Millisecond
	e := New(Options{Clock: fc, Seed: 1})
	testHandlers(e.Registry())
	conformanceHandlers(e.Registry())
	return e
}

// conformanceHandlers registers the handlers the conformance cases use beyond testHandlers.
func conformanceHandlers(reg *Registry) {
	// versioned answers which registration served it: an alias is registered as name:alias.
	reg.RegisterFunc("versioned", func() (map[string]string, error) { return map[string]string{"version": "unqualified"}, nil })
	reg.RegisterFunc("versioned:prod", func() (map[string]string, error) { return map[string]string{"version": "prod"}, nil })
	// slow outlasts a few seconds' timeout or heartbeat, yet ends by itself, so that an engine
	// that waits out the invocation (moto) ends the case in seconds of real time.
	reg.RegisterFunc("slow", func(ctx context.Context) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
			return nil
		}
	})
}

func runOnEngine(t *testing.T, c confCase) (Execution, []HistoryEvent) {
	t.Helper()
	return runOn(t, newTestEngine(), c)
}

func runOn(t *testing.T, e *Engine, c confCase) (Execution, []HistoryEvent) {
	t.Helper()
	arn, err := e.CreateStateMachine("sm", []byte(expandDef(c.def)), testRoleArn)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	xarn, _, err := e.StartExecution(arn, "ex", c.input)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	x, err := e.Wait(ctx, xarn)
	if err != nil {
		t.Fatalf("execution did not end: %v (status %s)", err, x.Status)
	}
	h, _ := e.History(xarn)
	return x, h
}

func assertCase(t *testing.T, c confCase, x Execution, h []HistoryEvent) {
	t.Helper()
	if x.Status != c.status {
		t.Fatalf("status %s (error %q cause %q), want %s%s", x.Status, x.Error, x.Cause, c.status, formatHistory(h))
	}
	if c.output != "" {
		if x.Output == nil {
			t.Fatalf("no output, want %s", c.output)
		}
		if !jsonEqual(mustDecode(t, *x.Output), mustDecode(t, c.output)) {
			t.Errorf("output %s\nwant   %s", *x.Output, c.output)
		}
	}
	if c.shape != nil {
		if x.Output == nil {
			t.Fatalf("no output")
		}
		c.shape(t, *x.Output)
	}
	if c.err != "" && x.Error != c.err {
		t.Errorf("error %q (cause %q), want %q", x.Error, x.Cause, c.err)
	}
	if c.cause != "" && !strings.Contains(x.Cause, c.cause) {
		t.Errorf("cause %q does not contain %q", x.Cause, c.cause)
	}
	if c.events != "" {
		assertEvents(t, h, c.events)
	}
	if c.check != nil {
		c.check(t, x, h)
	}
}
