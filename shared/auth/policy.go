package auth

import (
	"errors"
	"slices"
)

// RoleDomainAdmin manages its own domain: it runs the actions that change what lies inside
// the domain, never those that create, suspend or purge a domain.
const RoleDomainAdmin = "domainadmin"

// Operation is what a caller asks to do (API.md §4).
type Operation struct {
	kind   opKind
	action string
}

type opKind int

const (
	readJobs    opKind = iota + 1 // list, count, read or wait on job tickets
	deleteJobs                    // delete job tickets, one or in bulk
	runAction                     // submit an action, or restart its job
	readHistory                   // read a domain's operation history
)

// The operations on job tickets.
var (
	ReadJobs   = Operation{kind: readJobs}
	DeleteJobs = Operation{kind: deleteJobs}
)

// ReadHistory is reading a domain's operation history (GET /domains/{domainId}/jobs): every
// ticket that targeted the domain, whoever submitted it, with who that was.
var ReadHistory = Operation{kind: readHistory}

// RunAction is submitting the action (or restarting one of its jobs).
func RunAction(action string) Operation { return Operation{kind: runAction, action: action} }

// domainAdminActions are the actions a domainadmin may run, on its own domain only.
var domainAdminActions = []string{"createUser", "createTenant", "activateService", "createSwiftAccount", "userState"}

// Target is what an operation is about: a job ticket's account, the domain an action works on.
type Target struct {
	AccountID string
	DomainID  string
}

var (
	// ErrNotAllowed is a principal whose role may not do the operation at all: 403.
	ErrNotAllowed = errors.New("not allowed for this caller")
	// ErrInvisible is a target the principal may not see: it must be answered exactly as one
	// that does not exist (404, or a ticket ERROR/NOT_FOUND), so that nothing tells them apart.
	ErrInvisible = errors.New("no such target")
)

// Scoped reports whether the principal is tied to one account and one domain, as every
// principal but an admin must be to see or do anything: without both it sees nothing.
func (p Principal) Scoped() bool { return p.AccountID != "" && p.DomainID != "" }

// Authorize is the service's one authorization policy (API.md §4): whether p may do op on
// target. A nil target asks whether p may do op at all — the question a route answers with
// 403 before it resolves a target. It answers nil, ErrNotAllowed or ErrInvisible.
//
//   - admin: everything.
//   - a principal without an account or a domain: nothing (job tickets invisible, actions 403).
//   - any other: job tickets of its own account; actions only as a domainadmin, only those of
//     domainAdminActions and only on its own domain. Any role other than admin and
//     domainadmin is a member, which runs no action.
//   - a domain's operation history: a domainadmin reads its own domain's (it reads "D and
//     everything under it"); a member may not (403): the history names the domain's other
//     users and what was made for them, and a member sees only itself among them. Another
//     domain's history is invisible to both.
func Authorize(p Principal, op Operation, target *Target) error {
	if p.IsAdmin() {
		return nil
	}
	switch op.kind {
	case readJobs, deleteJobs:
		if !p.Scoped() || (target != nil && target.AccountID != p.AccountID) {
			return ErrInvisible
		}
		return nil
	case runAction:
		if !p.Scoped() || !slices.Contains(p.Roles, RoleDomainAdmin) || !slices.Contains(domainAdminActions, op.action) {
			return ErrNotAllowed
		}
		if target != nil && target.DomainID != p.DomainID {
			return ErrInvisible
		}
		return nil
	case readHistory:
		switch {
		case !p.Scoped() || (target != nil && target.DomainID != p.DomainID):
			return ErrInvisible
		case !slices.Contains(p.Roles, RoleDomainAdmin):
			return ErrNotAllowed
		}
		return nil
	}
	return ErrNotAllowed // an operation the policy does not know is refused
}

// JobScope is the account whose job tickets a list, count or bulk delete of p covers: all
// accounts for an admin (all true), its own for a scoped principal, none (ok false) for
// one without an account or a domain.
func JobScope(p Principal) (account string, all, ok bool) {
	switch {
	case p.IsAdmin():
		return "", true, true
	case Authorize(p, ReadJobs, nil) != nil:
		return "", false, false
	}
	return p.AccountID, false, true
}
