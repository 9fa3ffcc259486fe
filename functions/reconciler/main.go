// Command reconciler ends tickets whose Step Functions execution failed, timed out or was
// aborted without recording a terminal status (EventBridge execution status changes).
package main

import "github.com/actionservice/actionservice/shared/service/executions"

func main() { executions.StartReconcilerLambda() }
