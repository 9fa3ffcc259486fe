// Package ticket holds the job ticket: the record that tells a client, step by step, what an
// action did. It defines the job and step statuses, the error categories of the API contract,
// and the ticket's JSON and XML representations. It imports nothing of AWS.
package ticket

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// Status is the state of a job.
type Status string

// Job statuses (API.md §2).
const (
	Pending   Status = "PENDING"
	Running   Status = "RUNNING"
	Complete  Status = "COMPLETE"
	Error     Status = "ERROR"
	TimedOut  Status = "TIMEDOUT"
	Cancelled Status = "CANCELLED"
	Retry     Status = "RETRY"
)

// Statuses lists every job status, in lifecycle order.
var Statuses = []Status{Pending, Running, Complete, Error, TimedOut, Cancelled, Retry}

// ErrorStatuses are the failed outcomes that the /job/error routes list and count.
var ErrorStatuses = []Status{Error, TimedOut, Cancelled}

// ParseStatus validates a status given by a client.
func ParseStatus(s string) (Status, error) {
	if slices.Contains(Statuses, Status(s)) {
		return Status(s), nil
	}
	return "", fmt.Errorf("unknown job status %q (want one of %v)", s, Statuses)
}

// Terminal reports whether a job in this status will change no more by itself.
func (s Status) Terminal() bool {
	switch s {
	case Complete, Error, TimedOut, Cancelled:
		return true
	}
	return false
}

// Failed reports whether the status is one of the error outcomes.
func (s Status) Failed() bool { return slices.Contains(ErrorStatuses, s) }

// StepStatus is the state of one step of a job.
type StepStatus string

// Step statuses (API.md §2).
const (
	StepPending        StepStatus = "PENDING"
	StepRunning        StepStatus = "RUNNING"
	StepComplete       StepStatus = "COMPLETE"
	StepError          StepStatus = "ERROR"
	StepTimedOut       StepStatus = "TIMEDOUT"
	StepRetry          StepStatus = "RETRY"
	StepRolledBack     StepStatus = "ROLLED_BACK"
	StepRollbackFailed StepStatus = "ROLLBACK_FAILED"
)

// Category classifies why a job failed.
type Category string

// Error categories (API.md §2).
const (
	UserInput  Category = "USER_INPUT"
	Auth       Category = "AUTH"
	Conflict   Category = "CONFLICT"
	NotFound   Category = "NOT_FOUND"
	Dependency Category = "DEPENDENCY"
	Timeout    Category = "TIMEOUT"
	Internal   Category = "INTERNAL"
)

// Categories lists every error category.
var Categories = []Category{UserInput, Auth, Conflict, NotFound, Dependency, Timeout, Internal}

// ParseCategory validates a category given by a client.
func ParseCategory(s string) (Category, error) {
	if slices.Contains(Categories, Category(s)) {
		return Category(s), nil
	}
	return "", fmt.Errorf("unknown error category %q (want one of %v)", s, Categories)
}

// Ticket is a job ticket.
type Ticket struct {
	ID        string
	Action    string
	AccountID string
	// DomainID is the domain the action targets, when it names one; it feeds a domain's
	// operation history. Only a validated, resolved id is set here.
	DomainID string
	// SubmitterID and SubmitterDomain are who submitted the job: the principal's userId and
	// domainId, for the operation history (who ran each operation).
	SubmitterID     string
	SubmitterDomain string
	// Params are the action parameters in clear. They exist only in memory: the store keeps
	// them encrypted and no representation ever shows them.
	Params           map[string]string
	Results          map[string]string
	Steps            map[string]StepStatus
	Status           Status
	ErrorDescription string
	ErrorCategory    Category
	Submission       time.Time
	// Completion is zero until the job is terminal.
	Completion time.Time
	// Deadline is zero when the job has none.
	Deadline       time.Time
	IdempotencyKey string
	// Execution names the Step Functions execution running the job now (the ticket id, or
	// <ticketId>-r<N> after a restart); empty until one is started.
	Execution string
	// SealedParams are the parameters as stored, encrypted; the store carries them through
	// rewrites of the ticket without ever opening them.
	SealedParams []byte
	// Version increases with every stored change; conditional writes compare it.
	Version int64
	// Stored is what the ticket was as the store last read or wrote it (zero for one never
	// stored): the store's counters move by what a write changes of it.
	Stored Outcome
}

// Outcome is what a ticket counts as: its status and, when it failed, its error category.
type Outcome struct {
	Status   Status
	Category Category
}

// Outcome is the ticket's outcome as it is now.
func (t *Ticket) Outcome() Outcome { return Outcome{Status: t.Status, Category: t.ErrorCategory} }

// NewID returns a ticket id: 24 hex digits, the first 12 the submission time in epoch
// milliseconds, the rest random, so ids sort by submission time like the seeds' ids.
func NewID(at time.Time) string {
	var b [12]byte
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(at.UnixMilli()))
	copy(b[:6], ms[2:])
	if _, err := rand.Read(b[6:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// ValidID reports whether s has the shape of a ticket id, so a malformed one can be refused
// before any lookup.
func ValidID(s string) bool {
	if len(s) != 24 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// Finish puts the ticket in a terminal status at the given time.
func (t *Ticket) Finish(s Status, at time.Time) {
	t.Status = s
	t.Completion = at
}

// Fail ends the ticket in a failed status with a category and a description for the client.
func (t *Ticket) Fail(s Status, c Category, description string, at time.Time) {
	t.Finish(s, at)
	t.ErrorCategory = c
	t.ErrorDescription = description
}

// ExecutionInput is the whole input of the execution that runs a ticket's action (what
// workflow.Starter starts it with and the reconciler reads back).
type ExecutionInput struct {
	TicketID string `json:"ticketId"`
	// Deadline is epoch milliseconds; 0 means none.
	Deadline int64 `json:"deadline"`
	// AccountID is the ticket's account ("" when it has none): each step's first write keeps
	// the account's status list with it, with no read before.
	AccountID string `json:"accountId"`
}
