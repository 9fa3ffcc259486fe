// Package outside is the adapter between the Action Service's steps and the outside systems
// they drive: key management (KMS), CRM (Salesforce) and billing (Zuora). A step calls
// [Client.Call] (or [Client.Invoke], which finds the system from the operation name) and
// gets back either the system's results or a typed error that says whether the failure is
// permanent (roll back) or transient (retry, then TIMEDOUT).
//
// # Wire protocol
//
// Every operation is one HTTP request:
//
//	POST {BaseURL}/{operation}
//	Content-Type: application/json
//	Accept: application/json
//	Idempotency-Key: {ticketId}/{step}
//
//	{"name":"acme","emailAddress":"ops@acme.example"}   // the params, a JSON object of strings
//
// A 2xx answer carries a JSON object of result strings ({"SALESFORCE_ACCOUNT":"001V…"}); an
// empty body means no results. The operation name is the step or compensation name
// (CreateSalesforceAccount, DeleteSalesforceAccount, …; see [Operations]). A system must treat
// a repeated Idempotency-Key on the same operation as the same request: answer as the first
// time and create nothing twice. A create's compensation may name the record by the
// idempotency key the create was called under ({"createdUnder":"{ticketId}/{step}"}) instead
// of its id, for a create whose answer was lost; the system deletes what it made under that
// key, or answers 404 when it made nothing. Likewise a state change's compensation may name
// the change by its key ({"changedUnder":"{ticketId}/{step}"}) instead of the state to set
// back; the system sets back the state that call replaced, or answers 404 when it changed
// nothing under that key. Error answers should be RFC 9457 problem
// documents; the adapter shows their "detail" (or "title", or a plain-text body) to the client.
//
// # Error classification
//
//	4xx except 429           *PermanentError  401/403 AUTH, 404 NOT_FOUND, 409 CONFLICT, other USER_INPUT
//	5xx, 429                 *TransientError  category DEPENDENCY
//	no answer (network)      *TransientError  category DEPENDENCY
//	no answer in time        *TransientError  category TIMEOUT (Timeout true)
//	unreadable 2xx answer    *TransientError  category DEPENDENCY
//	other status (1xx, 3xx)  *PermanentError  category DEPENDENCY
//
// A call ends at the caller's context deadline or the system's Timeout, whichever comes first.
// The adapter never retries by itself: retrying with backoff is the step machinery's job
// (Step Functions Retry), and the Idempotency-Key makes those retries safe. Any other error
// (system not configured, bad idempotency key) is a fault of this deployment: treat it as
// INTERNAL. [CategoryOf] does that mapping in one place.
//
// # Configuration
//
// [ConfigFromEnv] reads, per system:
//
//	OUTSIDE_KMS_URL, OUTSIDE_KMS_TIMEOUT           key management
//	OUTSIDE_CRM_URL, OUTSIDE_CRM_TIMEOUT           CRM (Salesforce)
//	OUTSIDE_BILLING_URL, OUTSIDE_BILLING_TIMEOUT   billing (Zuora)
//	OUTSIDE_SIMULATOR_URL                          e.g. http://127.0.0.1:3000/_sim: any system
//	                                               whose URL is unset uses {this}/{system}
//
// A timeout is a Go duration ("5s", "1500ms") or a whole number of milliseconds; unset means
// [DefaultTimeout]. A system without a URL is not configured, and calls to it fail.
//
// The simulator of the three systems, with fault injection, lives in package
// local/simulator; it is local-stack and test support, never deployed.
package outside
