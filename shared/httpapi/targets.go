package httpapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/identity"
)

// Directory is what submit reads of the identity records to resolve an action's target
// (*identity.Store in production).
type Directory interface {
	GetDomain(ctx context.Context, id string) (identity.Domain, error)
	GetUser(ctx context.Context, userID string) (identity.User, error)
	GetTenant(ctx context.Context, domainID, tenantID string) (identity.Tenant, error)
}

// errTargetNotFound is a target that does not exist or that the caller may not see; its
// message is what the ticket records, the same for both.
type errTargetNotFound struct{ what, id string }

func (e errTargetNotFound) Error() string { return fmt.Sprintf("%s [%s] not found", e.what, e.id) }

// authorizeTarget resolves the target of a submission whose parameters are valid (or, for a
// refused one, whose target parameters are: actions.NamesTarget) — the user of its UserParam
// when given (in that user's domain, which a DomainParam given beside it must name), else the
// domain its DomainParam names (the caller's when an optional one is left out), and the
// tenant of its TenantParam in the domain when given — and asks the policy whether p may run
// the action on it. It answers the target's domain; an errTargetNotFound when the target is missing or
// invisible to p (alike, so that nothing tells them apart); any other error is the
// directory's. An action without a target (createDomain) is the policy's call alone.
func (a *API) authorizeTarget(ctx context.Context, p auth.Principal, action actions.Action, params map[string]string) (string, error) {
	var domain string
	var notFound errTargetNotFound
	switch {
	case action.UserParam != "" && params[action.UserParam] != "":
		id := params[action.UserParam]
		notFound = errTargetNotFound{"User", id}
		u, err := a.Directory.GetUser(ctx, id)
		if err != nil {
			return "", orNotFound(err, notFound)
		}
		domain = u.DomainID
		// A user named beside a domain must be of that domain.
		if d := params[action.DomainParam]; action.DomainParam != "" && d != "" && d != domain {
			return "", notFound
		}
	case action.DomainParam != "":
		// An optional domain parameter left out names the caller's own domain.
		domain = cmp.Or(params[action.DomainParam], p.DomainID)
		notFound = errTargetNotFound{"Domain", domain}
		if _, err := a.Directory.GetDomain(ctx, domain); err != nil {
			return "", orNotFound(err, notFound)
		}
	}
	if err := auth.Authorize(p, auth.RunAction(action.Name), &auth.Target{DomainID: domain}); err != nil {
		if errors.Is(err, auth.ErrInvisible) {
			return "", notFound
		}
		return "", err
	}
	if id := params[action.TenantParam]; action.TenantParam != "" && id != "" {
		if _, err := a.Directory.GetTenant(ctx, domain, id); err != nil {
			return "", orNotFound(err, errTargetNotFound{"Tenant", id})
		}
	}
	return domain, nil
}

func orNotFound(err error, notFound errTargetNotFound) error {
	if identity.IsNotFound(err) {
		return notFound
	}
	return err
}
