package identity

import (
	"context"
	"strings"

	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/ticket"
)

// Performer is the step runner's performer (shared/steps.Performer has the same methods).
type Performer interface {
	Do(ctx context.Context, t *ticket.Ticket) (map[string]string, error)
	Undo(ctx context.Context, t *ticket.Ticket) error
}

// StepKey is "<ticketId>/<step>", the key a step's records are made under.
func StepKey(t *ticket.Ticket, step string) string { return t.ID + "/" + step }

// DomainOf is the domain a step of t works on: its domainId parameter, else the domainId a
// previous step made.
func DomainOf(t *ticket.Ticket) string {
	if d := t.Params[actions.KeyDomainID]; d != "" {
		return d
	}
	return t.Results[actions.KeyDomainID]
}

type perf struct {
	do   func(ctx context.Context, t *ticket.Ticket) (map[string]string, error)
	undo func(ctx context.Context, t *ticket.Ticket) error
}

func (p perf) Do(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
	return p.do(ctx, t)
}
func (p perf) Undo(ctx context.Context, t *ticket.Ticket) error {
	if p.undo == nil {
		return nil
	}
	return p.undo(ctx, t)
}

func required(t *ticket.Ticket, names ...string) error {
	for _, n := range names {
		if strings.TrimSpace(t.Params[n]) == "" {
			return refuse(ticket.UserInput, "Missing required parameter [%s]", n)
		}
	}
	return nil
}

// SplitList reads a comma list ("a,b", or "a, b" as seed 001 writes one); blanks are
// dropped.
func SplitList(v string) []string {
	var out []string
	for part := range strings.SplitSeq(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// Performers are the identity steps' performers, keyed by step name.
func (s *Store) Performers() map[string]Performer {
	return map[string]Performer{
		actions.CreateUmsDomain: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := t.Params
				d, err := s.CreateDomain(ctx, StepKey(t, actions.CreateUmsDomain), Domain{
					Name: p["name"], Description: p["description"], Company: p["company"], EmailAddress: p["emailAddress"],
					AddressLine1: p["addressLine1"], AddressLine2: p["addressLine2"], City: p["city"], State: p["state"],
					Zip: p["zip"], Country: p["country"], Phone: p["phone"], Website: p["website"],
				})
				if err != nil {
					return nil, err
				}
				return map[string]string{actions.KeyDomainID: d.DomainID}, nil
			},
			undo: func(ctx context.Context, t *ticket.Ticket) error {
				if t.Results[actions.KeyDomainID] == "" {
					return nil
				}
				return s.DeleteDomain(ctx, t.Results[actions.KeyDomainID])
			},
		},
		actions.CreateUmsUser: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				if err := required(t, "domainId", "username", "emailAddress"); err != nil {
					return nil, err
				}
				p := t.Params
				u := User{
					DomainID: p["domainId"], Username: p["username"], EmailAddress: p["emailAddress"],
					FirstName: p["firstName"], LastName: p["lastName"], AddressLine1: p["addressLine1"], City: p["city"],
					State: p["state"], Zip: p["zip"], Country: p["country"], Phone: p["phone"], Groups: SplitList(p["groups"]),
				}
				for _, r := range SplitList(p["roles"]) {
					u.Roles = append(u.Roles, Grant{RoleID: r})
				}
				u, err := s.CreateUser(ctx, StepKey(t, actions.CreateUmsUser), u)
				if err != nil {
					return nil, err
				}
				return map[string]string{actions.KeyUserID: u.UserID}, nil
			},
			undo: func(ctx context.Context, t *ticket.Ticket) error {
				if t.Results[actions.KeyUserID] == "" {
					return nil
				}
				return s.DeleteUser(ctx, t.Results[actions.KeyUserID])
			},
		},
		actions.CreateUmsTenant: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				if err := required(t, "domainId", "name"); err != nil {
					return nil, err
				}
				tn, err := s.CreateTenant(ctx, StepKey(t, actions.CreateUmsTenant), Tenant{DomainID: t.Params["domainId"], Name: t.Params["name"]})
				if err != nil {
					return nil, err
				}
				return map[string]string{actions.KeyTenantID: tn.TenantID}, nil
			},
			undo: func(ctx context.Context, t *ticket.Ticket) error {
				if t.Results[actions.KeyTenantID] == "" {
					return nil
				}
				return s.DeleteTenant(ctx, t.Params["domainId"], t.Results[actions.KeyTenantID])
			},
		},
		actions.CheckSubscribeable: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				if err := required(t, "domainId", "tenantId", "endpointTemplateId"); err != nil {
					return nil, err
				}
				return nil, s.CheckSubscribeable(ctx, t.Params["domainId"], t.Params["tenantId"], t.Params["endpointTemplateId"])
			},
		},
		actions.CreateSubscription: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				if err := required(t, "domainId", "tenantId", "endpointTemplateId"); err != nil {
					return nil, err
				}
				sub, err := s.CreateSubscription(ctx, StepKey(t, actions.CreateSubscription), Subscription{
					DomainID: t.Params["domainId"], TenantID: t.Params["tenantId"], EndpointTemplateID: t.Params["endpointTemplateId"],
				})
				if err != nil {
					return nil, err
				}
				return map[string]string{actions.KeySubscriptionID: sub.SubscriptionID}, nil
			},
			undo: func(ctx context.Context, t *ticket.Ticket) error {
				if t.Results[actions.KeySubscriptionID] == "" {
					return nil
				}
				return s.DeleteSubscription(ctx, t.Params["domainId"], t.Results[actions.KeySubscriptionID])
			},
		},
		actions.SetUmsDomainState: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				if err := required(t, "domainId", "state"); err != nil {
					return nil, err
				}
				prev, err := s.SetDomainState(ctx, StepKey(t, actions.SetUmsDomainState), t.Params["domainId"], t.Params["state"])
				if err != nil {
					return nil, err
				}
				return map[string]string{actions.KeyPreviousDomainState: prev}, nil
			},
			undo: func(ctx context.Context, t *ticket.Ticket) error {
				if t.Results[actions.KeyPreviousDomainState] == "" {
					return nil
				}
				return s.RestoreDomainState(ctx, t.Params["domainId"], t.Results[actions.KeyPreviousDomainState])
			},
		},
		actions.SetUmsUserState: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				if err := required(t, "accountId", "state"); err != nil {
					return nil, err
				}
				prev, err := s.SetUserState(ctx, StepKey(t, actions.SetUmsUserState), t.Params["accountId"], t.Params["state"])
				if err != nil {
					return nil, err
				}
				return map[string]string{actions.KeyPreviousUserState: prev}, nil
			},
			undo: func(ctx context.Context, t *ticket.Ticket) error {
				if t.Results[actions.KeyPreviousUserState] == "" {
					return nil
				}
				return s.RestoreUserState(ctx, t.Params["accountId"], t.Results[actions.KeyPreviousUserState])
			},
		},
		actions.PurgeUmsSubscriptions: s.purge("SUB#"),
		actions.PurgeUmsTenants:       s.purge("TENANT#"),
		actions.PurgeUmsUsers:         s.purge("USER#", "USERNAME#"),
		actions.PurgeUmsDomain: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				if err := required(t, "domainId"); err != nil {
					return nil, err
				}
				if _, err := s.Purge(ctx, t.Params["domainId"], "SUB#", "TENANT#", "USER#", "USERNAME#"); err != nil {
					return nil, err
				}
				if err := s.DeleteDomain(ctx, t.Params["domainId"]); err != nil && !IsNotFound(err) {
					return nil, err
				}
				return nil, nil
			},
		},
	}
}

// purge is a step deleting a domain's children; it has no compensation (purging is final).
func (s *Store) purge(prefixes ...string) Performer {
	return perf{do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
		if err := required(t, "domainId"); err != nil {
			return nil, err
		}
		if _, err := s.GetDomain(ctx, t.Params["domainId"]); err != nil {
			return nil, err
		}
		_, err := s.Purge(ctx, t.Params["domainId"], prefixes...)
		return nil, err
	}}
}
