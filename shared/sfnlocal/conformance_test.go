package sfnlocal

import (
	"context"
	"strings"
	"testing"
	"time"
)

// fnPrefix stands for a Lambda function ARN prefix in the test definitions: "λ:echo".
const fnPrefix = "arn:aws:lambda:us-east-1:123456789012:function:"

func expandDef(def string) string { return strings.ReplaceAll(def, "λ:", fnPrefix) }

var fakeStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// confCase is one conformance definition: run it, then check the final status, the output
// or error and cause, and the sequence of history event types.
type confCase struct {
	name   string
	def    string
	input  string
	status string
	output string // expected output JSON, compared structurally; "" = not checked
	err    string
	cause  string // substring of the cause
	events string // space-separated event types; "" = not checked
	// unordered compares the event types as a multiset (concurrent branches interleave).
	unordered bool
	check     func(t *testing.T, x Execution, h []HistoryEvent)
	// moto is why the case is not compared with moto's engine; "" = compared.
	moto string
}

const passEvents = "ExecutionStarted PassStateEntered PassStateExited ExecutionSucceeded"
const taskOK = "TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited"
const taskFail = "TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionFailed"

var conformanceCases = []confCase{
	{
		name:  "PassResultWithResultPathMergesIntoInput",
		def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","End":true}}}`,
		input: `{"a":"b"}`, status: StatusSucceeded, output: `{"a":"b","r":{"x":1}}`, events: passEvents,
	},
	{
		name: "PassParametersReadInputAndContextObject",
		def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"lit":"v","nested":{"n.$":"$.n"},
			"exec.$":"$$.Execution.Name","state.$":"$$.State.Name","sm.$":"$$.StateMachine.Name",
			"orig.$":"$$.Execution.Input.n","start.$":"$$.Execution.StartTime","arr":[{"k.$":"$.n"}]},"End":true}}}`,
		input: `{"n":7}`, status: StatusSucceeded,
		output: `{"lit":"v","nested":{"n":7},"exec":"ex","state":"P","sm":"sm","orig":7,"start":"2024-01-01T00:00:00.000Z","arr":[{"k":7}]}`,
		events: passEvents, moto: "names and start time differ between engines",
	},
	{
		name:  "InputPathAndOutputPathSelectAndFilter",
		def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.in","ResultPath":"$.out","OutputPath":"$.out","End":true}}}`,
		input: `{"in":{"v":[1,2,3]}}`, status: StatusSucceeded, output: `{"v":[1,2,3]}`, events: passEvents,
	},
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
	},
	{
		name: "LambdaInvokeResultSelectorAndResultPath",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"double","Payload":{"N.$":"$.n"}},
			"ResultSelector":{"v.$":"$.Payload.N","code.$":"$.StatusCode"},"ResultPath":"$.res","End":true}}}`,
		input: `{"n":5}`, status: StatusSucceeded, output: `{"n":5,"res":{"v":10,"code":200}}`,
		events: "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded",
	},
	{
		name: "LambdaInvokeResultHasAwsShape",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:echo","Payload.$":"$"},"End":true}}}`,
		input: `{"k":"v"}`, status: StatusSucceeded,
		check: func(t *testing.T, x Execution, _ []HistoryEvent) {
			out := mustDecode(t, *x.Output).(map[string]any)
			if !jsonEqual(out["Payload"], map[string]any{"k": "v"}) || !jsonEqual(out["StatusCode"], 200) || out["ExecutedVersion"] != "$LATEST" {
				t.Errorf("lambda:invoke result %s lacks Payload/StatusCode/ExecutedVersion", *x.Output)
			}
			if _, ok := out["SdkHttpMetadata"]; !ok {
				t.Errorf("lambda:invoke result %s lacks SdkHttpMetadata", *x.Output)
			}
		},
		moto: "moto's metadata fields differ (request ids)",
	},
	{
		name: "ChoiceNumericComparisons",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"Variable":"$.n","NumericLessThan":0,"Next":"Neg"},
			{"Variable":"$.n","NumericEquals":0,"Next":"Zero"},
			{"Variable":"$.n","NumericGreaterThanEquals":100,"Next":"Big"},
			{"Variable":"$.n","NumericLessThanEquals":10,"Next":"Small"},
			{"Variable":"$.n","NumericGreaterThan":10,"Next":"Mid"}]},
			"Neg":{"Type":"Pass","Result":"neg","End":true},"Zero":{"Type":"Pass","Result":"zero","End":true},
			"Big":{"Type":"Pass","Result":"big","End":true},"Small":{"Type":"Pass","Result":"small","End":true},
			"Mid":{"Type":"Pass","Result":"mid","End":true}}}`,
		input: `{"n":42.5}`, status: StatusSucceeded, output: `"mid"`,
		events: "ExecutionStarted ChoiceStateEntered ChoiceStateExited PassStateEntered PassStateExited ExecutionSucceeded",
	},
	{
		name: "ChoiceStringComparisons",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"Variable":"$.s","StringEquals":"x","Next":"No"},
			{"Variable":"$.s","StringLessThan":"apple","Next":"No"},
			{"Variable":"$.s","StringGreaterThan":"zebra","Next":"No"},
			{"Variable":"$.s","StringLessThanEquals":"banana","Next":"Yes"}],"Default":"No"},
			"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
		input: `{"s":"banana"}`, status: StatusSucceeded, output: `"yes"`,
	},
	{
		name: "ChoicePathOperandsCompareTwoInputFields",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"Variable":"$.a","NumericGreaterThanPath":"$.b","Next":"No"},
			{"And":[{"Variable":"$.s","StringEqualsPath":"$.t"},{"Variable":"$.a","NumericLessThanEqualsPath":"$.b"},
			        {"Variable":"$.f","BooleanEqualsPath":"$.g"},{"Variable":"$.ts","TimestampLessThanPath":"$.ts2"}],"Next":"Yes"}],"Default":"No"},
			"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
		input:  `{"a":1,"b":2,"s":"q","t":"q","f":true,"g":true,"ts":"2024-01-01T00:00:00Z","ts2":"2024-06-01T00:00:00Z"}`,
		status: StatusSucceeded, output: `"yes"`,
	},
	{
		name: "ChoiceTypeTests",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"And":[{"Variable":"$.missing","IsPresent":false},{"Variable":"$.nul","IsNull":true},
			        {"Variable":"$.num","IsNumeric":true},{"Variable":"$.str","IsString":true},
			        {"Variable":"$.b","IsBoolean":true},{"Variable":"$.ts","IsTimestamp":true},
			        {"Variable":"$.str","IsTimestamp":false},{"Variable":"$.num","IsString":false}],"Next":"Yes"}],"Default":"No"},
			"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
		input:  `{"nul":null,"num":3,"str":"s","b":false,"ts":"2024-01-01T10:00:00.5+02:00"}`,
		status: StatusSucceeded, output: `"yes"`,
	},
	{
		name: "ChoiceStringMatchesWildcardsAndEscapes",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"Variable":"$.s","StringMatches":"log-*.txt","Next":"Star"},
			{"Variable":"$.s","StringMatches":"lit\\*eral","Next":"Escaped"}],"Default":"None"},
			"Star":{"Type":"Pass","Result":"star","End":true},"Escaped":{"Type":"Pass","Result":"escaped","End":true},
			"None":{"Type":"Pass","Result":"none","End":true}}}`,
		input: `{"s":"lit*eral"}`, status: StatusSucceeded, output: `"escaped"`,
	},
	{
		name: "ChoiceAndOrNot",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"Or":[{"Not":{"Variable":"$.a","StringEquals":"x"}},{"Variable":"$.n","NumericEquals":1}],"Next":"Yes"}],"Default":"No"},
			"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
		input: `{"a":"x","n":1}`, status: StatusSucceeded, output: `"yes"`,
	},
	{
		name: "ChoiceTimestampComparisons",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"And":[{"Variable":"$.t","TimestampGreaterThan":"2023-12-31T23:59:59Z"},{"Variable":"$.t","TimestampLessThanEquals":"2024-01-01T00:00:00Z"},
			        {"Variable":"$.t","TimestampEquals":"2024-01-01T01:00:00+01:00"},{"Variable":"$.t","TimestampGreaterThanEquals":"2024-01-01T00:00:00Z"}],"Next":"Yes"}],"Default":"No"},
			"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
		input: `{"t":"2024-01-01T00:00:00Z"}`, status: StatusSucceeded, output: `"yes"`,
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
	},
	{
		name: "ChoiceOnMissingVariableFailsRuntime",
		def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.nope","NumericEquals":1,"Next":"No"}],"Default":"No"},
			"No":{"Type":"Succeed"}}}`,
		input: `{}`, status: StatusFailed, err: ErrRuntime, cause: "$.nope",
	},
	{
		name:  "WaitSecondsAdvancesFakeTimeOnly",
		def:   `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`,
		input: `{"a":1}`, status: StatusSucceeded, output: `{"a":1}`,
		events: "ExecutionStarted WaitStateEntered WaitStateExited ExecutionSucceeded",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertGap(t, h, "WaitStateEntered", "WaitStateExited", time.Hour)
		},
		moto: "waits are real time on moto",
	},
	{
		name:  "WaitSecondsPath",
		def:   `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`,
		input: `{"s":90}`, status: StatusSucceeded, output: `{"s":90}`,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertGap(t, h, "WaitStateEntered", "WaitStateExited", 90*time.Second)
		},
		moto: "waits are real time on moto",
	},
	{
		name:  "WaitTimestampUntilInstant",
		def:   `{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"2024-01-02T00:00:00Z","End":true}}}`,
		input: `{}`, status: StatusSucceeded,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			if !x.StopDate.Equal(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("stopDate %v, want 2024-01-02", x.StopDate)
			}
		},
		moto: "waits are real time on moto",
	},
	{
		name:  "WaitTimestampPath",
		def:   `{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.until","End":true}}}`,
		input: `{"until":"2024-01-01T00:10:00Z"}`, status: StatusSucceeded,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertGap(t, h, "WaitStateEntered", "WaitStateExited", 10*time.Minute)
		},
		moto: "waits are real time on moto",
	},
	{
		name:  "WaitSecondsPathNotAnIntegerFailsRuntime",
		def:   `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`,
		input: `{"s":"soon"}`, status: StatusFailed, err: ErrRuntime,
	},
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
		moto: "moto 5.2.1 rejects intrinsic functions in CausePath",
	},
	{
		name:  "RetryBackoffDoublesIntervals",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:flaky","Retry":[{"ErrorEquals":["StepTransient"],"IntervalSeconds":1,"BackoffRate":2,"MaxAttempts":3}],"End":true}}}`,
		input: `{"Key":"backoff","FailTimes":3}`, status: StatusSucceeded, output: `{"calls":4}`,
		events: "ExecutionStarted TaskStateEntered " + strings.Repeat("LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionFailed ", 3) + "LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited ExecutionSucceeded",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertRetryGaps(t, h, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second})
		},
		moto: "retry intervals are real time on moto",
	},
	{
		name:  "RetryMaxDelaySecondsCapsBackoff",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:flaky","Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":4,"MaxDelaySeconds":10}],"End":true}}}`,
		input: `{"Key":"cap","FailTimes":4}`, status: StatusSucceeded, output: `{"calls":5}`,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertRetryGaps(t, h, []time.Duration{2 * time.Second, 6 * time.Second, 10 * time.Second, 10 * time.Second})
		},
		moto: "retry intervals are real time on moto",
	},
	{
		name:  "RetryDefaultsAreOneSecondThreeAttemptsRateTwo",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:flaky","Retry":[{"ErrorEquals":["StepTransient"]}],"End":true}}}`,
		input: `{"Key":"defaults","FailTimes":5}`, status: StatusFailed, err: "StepTransient",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertRetryGaps(t, h, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second})
		},
		moto: "retry intervals are real time on moto",
	},
	{
		name:  "RetryJitterFullStaysWithinComputedDelay",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:flaky","Retry":[{"ErrorEquals":["StepTransient"],"IntervalSeconds":8,"MaxAttempts":2,"JitterStrategy":"FULL"}],"End":true}}}`,
		input: `{"Key":"jitter","FailTimes":2}`, status: StatusSucceeded,
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			gaps := scheduledGaps(h)
			if len(gaps) != 2 || gaps[0] > 8*time.Second || gaps[1] > 16*time.Second {
				t.Errorf("jittered gaps %v, want within 8s and 16s", gaps)
			}
		},
		moto: "retry intervals are real time on moto",
	},
	{
		name: "CatchAfterRetriesRunOut",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:fail","Retry":[{"ErrorEquals":["StepFailed"],"IntervalSeconds":1,"MaxAttempts":2}],
			"Catch":[{"ErrorEquals":["StepFailed"],"ResultPath":"$.error","Next":"Undo"}],"End":true},
			"Undo":{"Type":"Pass","Parameters":{"undone":true,"err.$":"$.error.Error","msg.$":"States.StringToJson($.error.Cause)"},"End":true}}}`,
		input: `{"Reason":"nope"}`, status: StatusSucceeded,
		output: `{"undone":true,"err":"StepFailed","msg":{"errorMessage":"step failed: nope","errorType":"StepFailed"}}`,
		events: "ExecutionStarted TaskStateEntered " + strings.Repeat("LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionFailed ", 3) + "TaskStateExited PassStateEntered PassStateExited ExecutionSucceeded",
	},
	{
		name:  "RetryMaxAttemptsZeroNeverRetries",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:fail","Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":0}],"End":true}}}`,
		input: `{"Reason":"once"}`, status: StatusFailed, err: "StepFailed",
		events: "ExecutionStarted " + taskFail + " ExecutionFailed",
	},
	{
		name:  "SpentRetrierDoesNotFallThroughToLaterOne",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:fail","Retry":[{"ErrorEquals":["StepFailed"],"MaxAttempts":1},{"ErrorEquals":["States.ALL"],"MaxAttempts":5}],"End":true}}}`,
		input: `{"Reason":"x"}`, status: StatusFailed, err: "StepFailed",
		events: "ExecutionStarted TaskStateEntered " + strings.Repeat("LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionFailed ", 2) + "ExecutionFailed",
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
	},
	{
		name:  "PanickingHandlerFailsTheTaskNotTheEngine",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:panic","End":true}}}`,
		input: `{}`, status: StatusFailed, err: "string", cause: `"errorMessage":"kaboom"`,
		moto: "the Lambda runtime's stack trace differs",
	},
	{
		name:  "TaskTimeoutCancelsHangingHandler",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:hang","TimeoutSeconds":30,"End":true}}}`,
		input: `{}`, status: StatusFailed, err: ErrTimeout,
		events: "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionTimedOut ExecutionFailed",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertGap(t, h, "LambdaFunctionStarted", "LambdaFunctionTimedOut", 30*time.Second)
		},
		moto: "timeouts are real time on moto",
	},
	{
		name: "TaskTimeoutSecondsPathAndCatchTimeout",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"hang"},"TimeoutSecondsPath":"$.limit",
			"Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":"$.err","Next":"After"}],"End":true},"After":{"Type":"Pass","End":true}}}`,
		input: `{"limit":7}`, status: StatusSucceeded, output: `{"limit":7,"err":{"Error":"States.Timeout","Cause":""}}`,
		events: "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskTimedOut TaskStateExited PassStateEntered PassStateExited ExecutionSucceeded",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			assertGap(t, h, "TaskStarted", "TaskTimedOut", 7*time.Second)
		},
		moto: "timeouts are real time on moto",
	},
	{
		name: "TaskFailedMatchesHandlerErrorsButNotTimeout",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:fail","Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"C"}],"End":true},
			"C":{"Type":"Pass","Result":"caught","End":true}}}`,
		input: `{"Reason":"r"}`, status: StatusSucceeded, output: `"caught"`,
	},
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
	},
	{
		name:  "ResultOverLimitIsDataLimitExceeded",
		def:   `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:big","Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},"C":{"Type":"Pass","End":true}}}`,
		input: `{}`, status: StatusFailed, err: ErrDataLimitExceeded,
		moto: "moto does not enforce the 256 KiB limit",
	},
	{
		name: "UnknownFunctionIsResourceNotFound",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"nosuch"},
			"Catch":[{"ErrorEquals":["Lambda.ResourceNotFoundException"],"ResultPath":"$.e","Next":"C"}],"End":true},"C":{"Type":"Pass","OutputPath":"$.e.Error","End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `"Lambda.ResourceNotFoundException"`,
		events: "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskStateExited PassStateEntered PassStateExited ExecutionSucceeded",
		moto:   "moto answers an unknown function differently",
	},
	{
		name: "ParallelRunsBranchesAndCollectsOutputs",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","ResultSelector":{"a.$":"$[0].N","b.$":"$[1]"},"ResultPath":"$.r","End":true,"Branches":[
			{"StartAt":"D","States":{"D":{"Type":"Task","Resource":"λ:double","End":true}}},
			{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"E"},"E":{"Type":"Pass","Result":"e","End":true}}}]}}}`,
		input: `{"N":4}`, status: StatusSucceeded, output: `{"N":4,"r":{"a":8,"b":"e"}}`, unordered: true,
		events: "ExecutionStarted ParallelStateEntered ParallelStateStarted " + taskOK + " WaitStateEntered WaitStateExited PassStateEntered PassStateExited ParallelStateSucceeded ParallelStateExited ExecutionSucceeded",
	},
	{
		name: "ParallelBranchFailureFailsStateAndIsCaught",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Catch":[{"ErrorEquals":["StepFailed"],"Next":"C"}],"End":true,"Branches":[
			{"StartAt":"F","States":{"F":{"Type":"Task","Resource":"λ:fail","End":true}}},
			{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}]},
			"C":{"Type":"Pass","OutputPath":"$.Error","End":true}}}`,
		input: `{"Reason":"branch"}`, status: StatusSucceeded, output: `"StepFailed"`,
	},
	{
		name: "MapWithItemSelectorContextAndMaxConcurrency",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
			"ItemSelector":{"idx.$":"$$.Map.Item.Index","N.$":"$$.Map.Item.Value","tag.$":"$.tag"},
			"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"D","States":{"D":{"Type":"Task","Resource":"λ:double","ResultPath":"$.d","End":true}}},
			"ResultPath":"$.out","End":true}}}`,
		input: `{"items":[1,2,3],"tag":"t"}`, status: StatusSucceeded,
		output:    `{"items":[1,2,3],"tag":"t","out":[{"idx":0,"N":1,"tag":"t","d":{"N":2}},{"idx":1,"N":2,"tag":"t","d":{"N":4}},{"idx":2,"N":3,"tag":"t","d":{"N":6}}]}`,
		unordered: true,
		events:    "ExecutionStarted MapStateEntered MapStateStarted " + strings.Repeat("MapIterationStarted "+taskOK+" MapIterationSucceeded ", 3) + "MapStateSucceeded MapStateExited ExecutionSucceeded",
	},
	{
		name: "MapLegacyIteratorAndParameters",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","Parameters":{"v.$":"$$.Map.Item.Value"},
			"Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","OutputPath":"$.v","End":true}}},"End":true}}}`,
		input: `["a","b"]`, status: StatusSucceeded, output: `["a","b"]`,
	},
	{
		name: "MapIterationFailureFailsMap",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"Bad"}],"Default":"Ok"},
			"Bad":{"Type":"Fail","Error":"Item.Bad","Cause":"two"},"Ok":{"Type":"Pass","End":true}}},"End":true}}}`,
		input: `[1,2,3]`, status: StatusFailed, err: "Item.Bad", cause: "two",
	},
	{
		name:  "MapOverEmptyArrayYieldsEmptyArray",
		def:   `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
		input: `[]`, status: StatusSucceeded, output: `[]`,
		events: "ExecutionStarted MapStateEntered MapStateStarted MapStateSucceeded MapStateExited ExecutionSucceeded",
	},
	{
		name: "IntrinsicFunctions",
		def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{
			"fmt.$":"States.Format('Hello {}, you are {} \\{literal\\}', $.name, $.age)",
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
		output: `{"fmt":"Hello Ann, you are 30 {literal}","json":{"k":[1]},"str":"{\"a\":1}","arr":[1,"two",30],
			"part":[[1,2],[3,4],[5]],"has":true,"range":[1,5,9],"item":2,"len":5,"uniq":[1,"x"],"b64":"QW5u","unb64":"hi",
			"hash":"17239b6e250110330eda64a29c610bf146f89883371fab093feda03bec61b646","merged":{"a":1,"b":2},"sum":28,"split":["a","b","c"],"nested":2}`,
		moto: "compared separately: moto's intrinsics differ in corner cases",
	},
	{
		name:  "IntrinsicUUIDAndMathRandom",
		def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"id.$":"States.UUID()","r.$":"States.MathRandom(5, 6)"},"End":true}}}`,
		input: `{}`, status: StatusSucceeded,
		check: func(t *testing.T, x Execution, _ []HistoryEvent) {
			out := mustDecode(t, *x.Output).(map[string]any)
			id, _ := out["id"].(string)
			if len(id) != 36 || id[14] != '4' {
				t.Errorf("UUID %q is not a v4 UUID", id)
			}
			if r, _ := toInt(out["r"]); r < 5 || r > 6 {
				t.Errorf("MathRandom(5,6) = %v", out["r"])
			}
		},
		moto: "random values",
	},
	{
		name: "IntrinsicFailureIsCatchable",
		def: `{"StartAt":"P","States":{"P":{"Type":"Task","Resource":"λ:echo","Parameters":{"x.$":"States.ArrayGetItem($.a, 9)"},
			"Catch":[{"ErrorEquals":["States.IntrinsicFailure"],"Next":"C"}],"End":true},"C":{"Type":"Pass","OutputPath":"$.Error","End":true}}}`,
		input: `{"a":[1]}`, status: StatusSucceeded, output: `"States.IntrinsicFailure"`,
		moto: "moto reports a different error",
	},
	{
		name: "ResultPathIntoNonObjectIsResultPathMatchFailure",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:double","ResultPath":"$.s.deep","Catch":[{"ErrorEquals":["States.ResultPathMatchFailure"],"Next":"C"}],"End":true},
			"C":{"Type":"Pass","OutputPath":"$.Error","End":true}}}`,
		input: `{"N":1,"s":"str"}`, status: StatusSucceeded, output: `"States.ResultPathMatchFailure"`,
		moto: "moto reports a different error",
	},
	{
		name:  "MachineTimeoutSecondsTimesOutExecution",
		def:   `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}`,
		input: `{}`, status: StatusTimedOut, err: ErrTimeout,
		events: "ExecutionStarted WaitStateEntered ExecutionTimedOut",
		check: func(t *testing.T, x Execution, h []HistoryEvent) {
			if got := x.StopDate.Sub(x.StartDate); got != 10*time.Second {
				t.Errorf("timed out after %v, want 10s", got)
			}
		},
		moto: "timeouts are real time on moto",
	},
	{
		name: "RetryCountInContextObject",
		def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:retrycount","Parameters":{"Count.$":"$$.State.RetryCount"},
			"Retry":[{"ErrorEquals":["StepTransient"],"MaxAttempts":5}],"End":true}}}`,
		input: `{}`, status: StatusSucceeded, output: `{"sawRetryCount":2}`,
		moto: "retry intervals are real time on moto",
	},
	{
		name:  "SucceedAndPassWithOutputPathNullishInputPath",
		def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":null,"Next":"S"},"S":{"Type":"Succeed","InputPath":"$"}}}`,
		input: `{"a":1}`, status: StatusSucceeded, output: `{}`,
		events: "ExecutionStarted PassStateEntered PassStateExited SucceedStateEntered SucceedStateExited ExecutionSucceeded",
	},
}

func TestConformance(t *testing.T) {
	for _, c := range conformanceCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			x, h := runOnEngine(t, c)
			assertCase(t, c, x, h)
		})
	}
}

func newTestEngine() *Engine {
	fc := NewFakeClock(fakeStart)
	fc.HandlerGrace = 50 * time.Millisecond
	e := New(Options{Clock: fc, Seed: 1})
	testHandlers(e.Registry())
	return e
}

func runOnEngine(t *testing.T, c confCase) (Execution, []HistoryEvent) {
	t.Helper()
	e := newTestEngine()
	arn, err := e.CreateStateMachine("sm", []byte(expandDef(c.def)), "")
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
		t.Fatalf("status %s (error %q cause %q), want %s", x.Status, x.Error, x.Cause, c.status)
	}
	if c.output != "" {
		if x.Output == nil {
			t.Fatalf("no output, want %s", c.output)
		}
		if !jsonEqual(mustDecode(t, *x.Output), mustDecode(t, c.output)) {
			t.Errorf("output %s\nwant   %s", *x.Output, c.output)
		}
	}
	if c.err != "" && x.Error != c.err {
		t.Errorf("error %q (cause %q), want %q", x.Error, x.Cause, c.err)
	}
	if c.cause != "" && !strings.Contains(x.Cause, c.cause) {
		t.Errorf("cause %q does not contain %q", x.Cause, c.cause)
	}
	if c.events != "" {
		got := eventTypes(h)
		want := strings.Fields(c.events)
		if c.unordered {
			got, want = sortedCopy(got), sortedCopy(want)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("events\n got %v\nwant %v", got, want)
		}
	}
	if c.check != nil {
		c.check(t, x, h)
	}
}
