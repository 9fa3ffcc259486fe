// Package stepfunctions stands in for AWS Step Functions: it is the project's local engine
// (served alone by cmd/sfnlocal). It loads Amazon States Language definitions, in JSONPath and
// JSONata (QueryLanguage), rejecting at load time anything it does not implement, and runs
// them with AWS semantics: Task states invoke Go Lambda handlers in process (or over the
// Lambda Invoke API), with Retry, Catch, timeouts, Parallel, Map, the context object, workflow
// variables, the intrinsic functions and JSONata.
//
// The Engine serves the Step Functions JSON API (Handler, Serve) for the aws-sdk-go-v2 sfn
// client, so `make run` and the tests reach it exactly as they reach AWS. A FakeClock lets
// tests skip waits, retry intervals and timeouts while the history keeps the skipped time.
// LambdaInvokeHandler serves registered handlers as the Lambda Invoke API, which lets a
// second engine (moto, see package stepfunctionstest) call the very same Go handlers.
//
// # Lambda functions
//
// A Registry holds the functions by name. RegisterFunc takes a handler function (any shape
// lambda.Start accepts) and gives each concurrent invocation its own handler instance, as
// Lambda gives each its own execution environment; an instance whose invocation timed out
// is never reused. RegisterFunction takes a lambda.Handler that is safe to call
// concurrently; one made by lambda.NewHandler is not (it reuses its output buffer), so its
// invocations run one at a time, and one that times out makes way for the next at once.
//
// Every function has its own timeout, as Lambda functions do: WithTimeout(d) — pass the
// template's Timeout — or MaxFunctionTimeout (15 minutes, Lambda's ceiling) by default. An
// invocation still running then fails as Lambda fails it: a function error with errorType
// Sandbox.Timedout and the message "RequestId: … Error: Task timed out after N.00 seconds",
// which Step Functions reports as the task's error (States.TaskFailed and States.ALL match
// it, States.Timeout does not). So a handler that never returns ends its execution even on a
// Task without TimeoutSeconds.
//
// # HeartbeatSeconds
//
// A Lambda task's HeartbeatSeconds (or HeartbeatSecondsPath, or a JSONata expression) must be
// below its TimeoutSeconds. Step Functions restarts a task's heartbeat clock only on
// SendTaskHeartbeat, which needs a task token; a request-response Lambda invocation has none
// and so never sends a heartbeat: a handler still running at HeartbeatSeconds fails the task
// with States.HeartbeatTimeout (recorded in LambdaFunctionTimedOut or TaskTimedOut), which
// Retry and Catch match by that name and States.Timeout does not.
//
// # Variables
//
// Assign (in Pass, Task, Choice and its rules, Wait, Parallel, Map, and Catchers) sets
// workflow variables when the state exits; every value of one Assign sees the variables as
// they were before the state. A JSONPath Assign's $ is the state's result before
// ResultSelector (a Catcher's: the error output; Choice and Wait: the effective input), and
// $name.path reads a variable wherever a path is read, except ResultPath. A Choice takes the
// matched rule's Assign, or the state's when it takes the Default. A Parallel branch or Map
// iteration has its own scope: it reads the variables around it, and an Assign of an outer
// variable inside it is refused at load time. One variable and one Assign hold at most 256
// KiB, and the variables a scope sees (its own and its outer scopes') 10 MiB; past them the
// state fails with States.Runtime. The
// StateExited event of a state with Assign carries assignedVariables (each value's JSON
// text), as AWS records it.
//
// # JSONata
//
// A JSONata state (QueryLanguage JSONata at the top or on the state; a JSONPath machine may
// hold JSONata states, not the other way round) takes "{% … %}" expressions in Arguments,
// Output, Assign, Choice Condition, Items, ItemSelector, Wait Seconds and Timestamp, Fail
// Error and Cause, Map MaxConcurrency, and Task TimeoutSeconds and HeartbeatSeconds, with
// $states.input, $states.result, $states.errorOutput (in a Catcher) and $states.context. The
// JSONPath-only fields are refused with AWS's SCHEMA_VALIDATION_FAILED message shape. An
// expression that fails, yields nothing, or yields no JSON value (or a value of the wrong
// type for its field) raises States.QueryEvaluationError, which Retry and Catch match.
//
// Expressions are evaluated by github.com/blues/jsonata-go (JSONata 1.5 with later
// functions) behind the queryLanguage interface. The engine adds Step Functions' functions
// ($partition, $range, $hash, $random with an optional seed, $uuid, $parse), refuses $eval and
// the # and @ variable bindings at load time, and supplies $string, $keys, $spread and
// $encodeUrlComponent as JSONata defines them. The test TestJSONataAgreesWithTheReferenceImplementation
// compares every evaluation of the conformance suite, and a corpus, with npm jsonata 2.2.2;
// its jsonataDifferences list what still differs (JSONata 2.1's ?: and ?? and 1.6's parent
// operator %, refused at load time; $formatInteger, absent; object key order; ß in
// $uppercase) and why.
package stepfunctions
