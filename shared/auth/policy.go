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
	readJobs        opKind = iota + 1 // list, count, read or wait on job tickets
	deleteJobs                        // delete job tickets, one or in bulk
	runAction                         // submit an action, or restart its job
	checkDomainName                   // HEAD /domains?name=
	createDomain                      // POST /domains
	readDomain                        // GET /domains/{id}, and a domain in GET /domains
	readDomainPart                    // GET /domains/{id}/<part>
	updateDomain                      // PUT /domains/{id}
	deleteDomain                      // DELETE /domains/{id}
	transferOwner                     // PUT /domains/{id}/owner/{userId}
)

// The operations on job tickets.
var (
	ReadJobs   = Operation{kind: readJobs}
	DeleteJobs = Operation{kind: deleteJobs}
)

// The operations of the Domains API (API.md §3). A Target names the domain, and for
// DomainUsers the user.
var (
	// CheckDomainName asks whether a name is taken: anyone may, with or without a token (the
	// seed protects it by client certificate at the edge).
	CheckDomainName   = Operation{kind: checkDomainName}
	CreateDomain      = Operation{kind: createDomain}
	ReadDomain        = Operation{kind: readDomain}
	UpdateDomain      = Operation{kind: updateDomain}
	DeleteDomain      = Operation{kind: deleteDomain}
	TransferOwnership = Operation{kind: transferOwner}
	// Reading what lies under a domain, one kind each (the route's last path segment).
	DomainUsers                 = domainPart("users")
	DomainTenants               = domainPart("tenants")
	DomainGroups                = domainPart("groups")
	DomainRoles                 = domainPart("roles")
	DomainSubscribeableServices = domainPart("subscribeableServices")
	DomainActivatedServices     = domainPart("services")
)

// memberParts are what any principal of a domain may read under it (API.md §4).
var memberParts = []string{"tenants", "services"}

func domainPart(part string) Operation { return Operation{kind: readDomainPart, action: part} }

// RunAction is submitting the action (or restarting one of its jobs).
func RunAction(action string) Operation { return Operation{kind: runAction, action: action} }

// domainAdminActions are the actions a domainadmin may run, on its own domain only.
var domainAdminActions = []string{"createUser", "createTenant", "activateService", "createSwiftAccount", "userState"}

// Target is what an operation is about: a job ticket's account, the domain an action works
// on or a route reads, the user a Domains route shows.
type Target struct {
	AccountID string
	DomainID  string
	UserID    string
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
//   - the Domains API: a domainadmin of D reads D and everything under it, updates D and
//     transfers its ownership; a member of D reads D, its tenants, its services and itself
//     among its users. Creating and deleting domains is an admin's alone (403); another
//     domain is invisible (404) to all but an admin, and so is every domain to a principal
//     without an account or a domain.
func Authorize(p Principal, op Operation, target *Target) error {
	if p.IsAdmin() || op.kind == checkDomainName {
		return nil
	}
	switch op.kind {
	case createDomain:
		return ErrNotAllowed
	case readDomain, readDomainPart, updateDomain, deleteDomain, transferOwner:
		return authorizeDomain(p, op, target)
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
	}
	return ErrNotAllowed // an operation the policy does not know is refused
}

// authorizeDomain decides the Domains API for a principal that is not an admin.
func authorizeDomain(p Principal, op Operation, target *Target) error {
	if !p.Scoped() || (target != nil && target.DomainID != p.DomainID) {
		return ErrInvisible
	}
	domainAdmin := slices.Contains(p.Roles, RoleDomainAdmin)
	switch op.kind {
	case readDomain:
		return nil
	case readDomainPart:
		switch {
		case domainAdmin, slices.Contains(memberParts, op.action):
			return nil
		case op.action == "users":
			// A member sees itself among the users; the others are left out of its list.
			if target != nil && target.UserID != "" && target.UserID != p.UserID {
				return ErrInvisible
			}
			return nil
		}
		return ErrNotAllowed
	case updateDomain, transferOwner:
		if domainAdmin {
			return nil
		}
	}
	return ErrNotAllowed
}

// DomainScope is the domain whose records a list of p covers: every domain for an admin (all
// true), its own for a scoped principal, none (ok false) for one without an account or a
// domain.
func DomainScope(p Principal) (domain string, all, ok bool) {
	switch {
	case p.IsAdmin():
		return "", true, true
	case Authorize(p, ReadDomain, &Target{DomainID: p.DomainID}) != nil:
		return "", false, false
	}
	return p.DomainID, false, true
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
