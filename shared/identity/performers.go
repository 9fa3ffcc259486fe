package identity

import (
	"context"
	"strings"

	"github.com/actionservice/actionservice/shared/ticket"
)

// Performer is the step runner's performer (shared/steps.Performer has the same methods).
type Performer interface {
	Do(ctx context.Context, t *ticket.Ticket) (map[string]string, error)
	Undo(ctx context.Context, t *ticket.Ticket) error
}

// The identity steps, and the result keys they add to a ticket.
const (
	StepCreateUmsDomain       = "CreateUmsDomain"
	StepCreateUmsUser         = "CreateUmsUser"
	StepCreateUmsTenant       = "CreateUmsTenant"
	StepCheckSubscribeable    = "CheckSubscribeable"
	StepCreateSubscription    = "CreateSubscription"
	StepSetUmsDomainState     = "SetUmsDomainState"
	StepSetUmsUserState       = "SetUmsUserState"
	StepPurgeUmsSubscriptions = "PurgeUmsSubscriptions"
	StepPurgeUmsTenants       = "PurgeUmsTenants"
	StepPurgeUmsUsers         = "PurgeUmsUsers"
	StepPurgeUmsDomain        = "PurgeUmsDomain"

	KeyDomainID            = "domainId"
	KeyUserID              = "userId"
	KeyTenantID            = "tenantId"
	KeySubscriptionID      = "subscriptionId"
	KeyPreviousDomainState = "previousDomainState"
	KeyPreviousUserState   = "previousUserState"
)

// StepKey is "<ticketId>/<step>", the key a step's records are made under.
func StepKey(t *ticket.Ticket, step string) string { return t.ID + "/" + step }

// DomainOf is the domain a step of t works on: its domainId parameter, else the domainId a
// previous step made.
func DomainOf(t *ticket.Ticket) string {
	if d := t.Params[KeyDomainID]; d != "" {
		return d
	}
	return t.Results[KeyDomainID]
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

// Performers are the identity steps' performers, keyed by step name.
func (s *Store) Performers() map[string]Performer {
	return map[string]Performer{
		StepCreateUmsDomain: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := t.Params
				d, err := s.CreateDomain(ctx, StepKey(t, StepCreateUmsDomain), Domain{
					Name: p["name"], Description: p["description"], Company: p["company"], EmailAddress: p["emailAddress"],
					AddressLine1: p["addressLine1"], AddressLine2: p["addressLine2"], City: p["city"], State: p["state"],
					Zip: p["zip"], Country: p["country"], Phone: p["phone"], Website: p["website"],
				})
				if err != nil {
					return nil, err
				}
				return map[string]string{KeyDomainID: d.DomainID}, nil
			},
			undo: func(ctx context.Context, t *ticket.Ticket) error {
				if t.Results[KeyDomainID] == "" {
					return nil
				}
				return s.DeleteDomain(ctx, t.Results[KeyDomainID])
			},
		},
		StepCreateUmsUser: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				if err := required(t, "domainId", "username", "emailAddress"); err != nil {
					return nil, err
				}
				p := t.Params
				u, err := s.CreateUser(ctx, StepKey(t, StepCreateUmsUser), User{
					DomainID: p["domainId"], Username: p["username"], EmailAddress: p["emailAddress"],
					FirstName: p["firstName"], LastName: p["lastName"],
				})
				if err != nil {
					return nil, err
				}
				return map[string]string{KeyUserID: u.UserID}, nil
			},
			undo: func(ctx context.Context, t *ticket.Ticket) error {
				if t.Results[KeyUserID] == "" {
					return nil
				}
				return s.DeleteUser(ctx, t.Results[KeyUserID])
			},
		},
		StepCreateUmsTenant: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				if err := required(t, "domainId", "name"); err != nil {
					return nil, err
				}
				tn, err := s.CreateTenant(ctx, StepKey(t, StepCreateUmsTenant), Tenant{DomainID: t.Params["domainId"], Name: t.Params["name"]})
				if err != nil {
					return nil, err
				}
				return map[string]string{KeyTenantID: tn.TenantID}, nil
			},
			undo: func(ctx context.Context, t *ticket.Ticket) error {
				if t.Results[KeyTenantID] == "" {
					return nil
				}
				return s.DeleteTenant(ctx, t.Params["domainId"], t.Results[KeyTenantID])
			},
		},
		StepCheckSubscribeable: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				if err := required(t, "domainId", "tenantId", "endpointTemplateId"); err != nil {
					return nil, err
				}
				return nil, s.CheckSubscribeable(ctx, t.Params["domainId"], t.Params["tenantId"], t.Params["endpointTemplateId"])
			},
		},
		StepCreateSubscription: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				if err := required(t, "domainId", "tenantId", "endpointTemplateId"); err != nil {
					return nil, err
				}
				sub, err := s.CreateSubscription(ctx, StepKey(t, StepCreateSubscription), Subscription{
					DomainID: t.Params["domainId"], TenantID: t.Params["tenantId"], EndpointTemplateID: t.Params["endpointTemplateId"],
				})
				if err != nil {
					return nil, err
				}
				return map[string]string{KeySubscriptionID: sub.SubscriptionID}, nil
			},
			undo: func(ctx context.Context, t *ticket.Ticket) error {
				if t.Results[KeySubscriptionID] == "" {
					return nil
				}
				return s.DeleteSubscription(ctx, t.Params["domainId"], t.Results[KeySubscriptionID])
			},
		},
		StepSetUmsDomainState: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				if err := required(t, "domainId", "state"); err != nil {
					return nil, err
				}
				prev, err := s.SetDomainState(ctx, StepKey(t, StepSetUmsDomainState), t.Params["domainId"], t.Params["state"])
				if err != nil {
					return nil, err
				}
				return map[string]string{KeyPreviousDomainState: prev}, nil
			},
			undo: func(ctx context.Context, t *ticket.Ticket) error {
				if t.Results[KeyPreviousDomainState] == "" {
					return nil
				}
				return s.RestoreDomainState(ctx, t.Params["domainId"], t.Results[KeyPreviousDomainState])
			},
		},
		StepSetUmsUserState: perf{
			do: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				if err := required(t, "accountId", "state"); err != nil {
					return nil, err
				}
				prev, err := s.SetUserState(ctx, StepKey(t, StepSetUmsUserState), t.Params["accountId"], t.Params["state"])
				if err != nil {
					return nil, err
				}
				return map[string]string{KeyPreviousUserState: prev}, nil
			},
			undo: func(ctx context.Context, t *ticket.Ticket) error {
				if t.Results[KeyPreviousUserState] == "" {
					return nil
				}
				return s.RestoreUserState(ctx, t.Params["accountId"], t.Results[KeyPreviousUserState])
			},
		},
		StepPurgeUmsSubscriptions: s.purge("SUB#"),
		StepPurgeUmsTenants:       s.purge("TENANT#"),
		StepPurgeUmsUsers:         s.purge("USER#", "USERNAME#"),
		StepPurgeUmsDomain: perf{
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
