package stepfunctions

import "fmt"

// Predefined ASL error names.
const (
	ErrAll                             = "States.ALL"
	ErrTimeout                         = "States.Timeout"
	ErrHeartbeatTimeout                = "States.HeartbeatTimeout"
	ErrTaskFailed                      = "States.TaskFailed"
	ErrPermissions                     = "States.Permissions"
	ErrResultPathMatchFailure          = "States.ResultPathMatchFailure"
	ErrParameterPathFailure            = "States.ParameterPathFailure"
	ErrBranchFailed                    = "States.BranchFailed"
	ErrNoChoiceMatched                 = "States.NoChoiceMatched"
	ErrIntrinsicFailure                = "States.IntrinsicFailure"
	ErrDataLimitExceeded               = "States.DataLimitExceeded"
	ErrRuntime                         = "States.Runtime"
	ErrExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
	ErrItemReaderFailed                = "States.ItemReaderFailed"
	ErrResultWriterFailed              = "States.ResultWriterFailed"
	ErrQueryEvaluationError            = "States.QueryEvaluationError"
)

// stateError is an ASL error: a name that Retry and Catch match, and a cause.
type stateError struct {
	Name  string
	Cause string
}

func (e *stateError) Error() string { return fmt.Sprintf("%s: %s", e.Name, e.Cause) }

// asStateError turns an evaluation failure into the ASL error it stands for.
func asStateError(err error) *stateError {
	switch e := err.(type) {
	case nil:
		return nil
	case *stateError:
		return e
	case *intrinsicError:
		return &stateError{Name: e.name, Cause: e.cause}
	}
	return &stateError{Name: ErrRuntime, Cause: err.Error()}
}

// matches reports whether an ErrorEquals list matches the error name. States.ALL matches
// every error except States.Runtime, which is terminal. It does match States.DataLimitExceeded:
// the developer guide calls that terminal too, but AWS, recorded, catches a task result over
// the limit with States.ALL (LocalStack's AWS-validated snapshots
// test_task_lambda_catch_state_all_data_limit_exceeded_on_large_utf8_response and
// test_service_task_lambada_catch_state_all_data_limit_exceeded_on_large_utf8_response,
// 2024-03-21).
func matches(list []string, name string) bool {
	for _, e := range list {
		if e == name {
			return true
		}
		if e == ErrAll && name != ErrRuntime {
			return true
		}
		// States.TaskFailed matches any error a task raises except States.Timeout.
		if e == ErrTaskFailed && name != ErrTimeout && name != ErrRuntime {
			return true
		}
	}
	return false
}
