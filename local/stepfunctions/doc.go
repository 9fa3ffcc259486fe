// Package stepfunctions stands in for AWS Step Functions: it is the project's local engine
// (served alone by cmd/sfnlocal). It loads Amazon States Language definitions (JSONPath
// mode), rejecting at load time anything it does not implement, and runs them with AWS
// semantics: Task states invoke Go Lambda handlers in process (or over the Lambda Invoke API),
// with Retry, Catch, timeouts, Parallel, Map, the context object and the intrinsic functions.
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
// A Task's HeartbeatSeconds or HeartbeatSecondsPath is rejected at load time. Step Functions
// restarts a task's heartbeat clock only on SendTaskHeartbeat, which needs a task token, and
// only activities and the callback (.waitForTaskToken) and job-run (.sync) patterns have one;
// the Lambda tasks this engine runs are request-response invocations, which can never send a
// heartbeat (their LambdaFunctionScheduled event has no heartbeat field either). Rather than
// guess what the service does with a heartbeat that cannot happen, the engine refuses it;
// bound a Lambda task with TimeoutSeconds and the function's own timeout instead.
package stepfunctions
