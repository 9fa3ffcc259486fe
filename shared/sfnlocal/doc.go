// Package sfnlocal is the project's local AWS Step Functions engine. It loads Amazon States
// Language definitions (JSONPath mode), rejecting at load time anything it does not
// implement, and runs them with AWS semantics: Task states invoke Go Lambda handlers in
// process (or over the Lambda Invoke API), with Retry, Catch, timeouts, Parallel, Map, the
// context object and the intrinsic functions.
//
// The Engine serves the Step Functions JSON API (Handler, Serve) for the aws-sdk-go-v2 sfn
// client, so `make run` and the tests reach it exactly as they reach AWS. A FakeClock lets
// tests skip waits, retry intervals and timeouts while the history keeps the skipped time.
// LambdaInvokeHandler serves registered handlers as the Lambda Invoke API, which lets a
// second engine (moto, see package sfntest) call the very same Go handlers.
package sfnlocal
