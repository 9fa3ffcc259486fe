package steps

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/lambdafn"
	"github.com/actionservice/actionservice/shared/metrics"
	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// Deps is what the step functions are built from.
type Deps struct {
	Tickets  *store.Store
	Identity *identity.Store
	Outside  Invoker
	Now      func() time.Time
	Log      *slog.Logger
	Metrics  *metrics.Emitter
}

// Handlers answers every step function's handler, keyed by logical name: each runs the steps
// of its system (and the bookkeeping phases, which need no performer).
func Handlers(d Deps) map[string]lambda.Handler {
	out := map[string]lambda.Handler{}
	for fn, work := range Work(d) {
		r := NewRunner(d.Tickets, work, d.Now, d.Log, d.Metrics)
		// lambdafn, not lambda.NewHandler: the local engine invokes one function from many
		// executions at once (see package lambdafn).
		out[fn] = lambdafn.New(r.Handle)
	}
	return out
}

// Runner answers the runner of one step function (by logical name).
func RunnerFor(d Deps, function string) *Runner {
	return NewRunner(d.Tickets, Work(d)[function], d.Now, d.Log, d.Metrics)
}

// Work is the table of performers of each step function, keyed by step name. It follows the
// catalogue: every step goes to the function of its system, with the work that system does
// for it — the identity store's performer, or the outside call of [outsideCalls].
func Work(d Deps) map[string]map[string]Performer {
	w := map[string]map[string]Performer{actions.TicketsLogicalID: {}}
	for _, sys := range actions.Systems {
		w[sys.LogicalID()] = map[string]Performer{}
	}
	var ids map[string]identity.Performer
	if d.Identity != nil {
		ids = d.Identity.Performers()
	}
	calls := outsideSteps(d)
	for _, st := range actions.Steps() {
		var p Performer
		if c, ok := calls[st.Name]; ok {
			p = c
		} else if ip, ok := ids[st.Name]; ok {
			p = ip
		}
		if p != nil {
			w[st.System.LogicalID()][st.Name] = p
		}
	}
	return w
}

func pick(p map[string]string, names ...string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		if v := p[n]; v != "" {
			out[n] = v
		}
	}
	return out
}

// outsideSteps are the outside steps of the catalogue, each one call: its name, system and
// compensation come from the catalogue; [outsideCalls] holds what is particular to each.
func outsideSteps(d Deps) map[string]*OutsideStep {
	calls := outsideCalls(d.Identity)
	out := map[string]*OutsideStep{}
	for _, st := range actions.Steps() {
		if !st.System.Outside() {
			continue
		}
		o, ok := calls[st.Name]
		if !ok {
			continue // no work: the step has no performer, which TestEveryStepHasAPerformer reports
		}
		o.Step, o.Client = st.Name, d.Outside
		o.UndoOperation = st.Compensation
		if o.UndoParams == nil && len(st.Results) > 0 {
			// A create is undone by naming what it made.
			o.UndoParams = ResultParam(st.Results[0])
		}
		out[st.Name] = o
	}
	return out
}

// outsideCalls is the work of each outside step, keyed by step: how it builds its call's
// params from the ticket, what it keeps of the answer, and when its compensation's params are
// not simply the id the step made (see [outsideSteps]).
func outsideCalls(ids *identity.Store) map[string]*OutsideStep {
	domain := func(ctx context.Context, t *ticket.Ticket) (identity.Domain, error) {
		return ids.GetDomain(ctx, identity.DomainOf(t))
	}
	// note records an outside id on the domain the ticket works on.
	note := func(attr, key string) func(ctx context.Context, t *ticket.Ticket, res map[string]string) error {
		return func(ctx context.Context, t *ticket.Ticket, res map[string]string) error {
			if ids == nil || res[key] == "" {
				return nil
			}
			return ids.SetDomainOutsideIDs(ctx, identity.DomainOf(t), map[string]string{attr: res[key]})
		}
	}
	calls := map[string]*OutsideStep{
		actions.CreateKmsDomain: {
			Params: func(_ context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := pick(t.Params, "name")
				p[actions.KeyDomainID] = identity.DomainOf(t)
				return p, nil
			},
			Recorded: note("kmsTenant", actions.KeyKmsTenant),
		},
		actions.CreateSalesforceAccount: {
			Params: func(_ context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := pick(t.Params, "name", "company", "emailAddress", "addressLine1", "addressLine2", "city", "state", "zip", "country", "phone", "website")
				p[actions.KeyDomainID] = identity.DomainOf(t)
				return p, nil
			},
			Recorded: note("contactId", actions.KeySalesforceAccount),
		},
		actions.CreateZuoraDomainAccount: {
			Params: func(_ context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := pick(t.Params, "name", "company", "emailAddress", "country")
				p[actions.KeyDomainID] = identity.DomainOf(t)
				if v := t.Results[actions.KeySalesforceAccount]; v != "" {
					p[actions.KeySalesforceAccount] = v
				}
				return p, nil
			},
			Recorded: note("billingId", actions.KeyZuoraAccount),
		},
		actions.CreateKmsUser: {
			Params: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := pick(t.Params, "domainId", "username", "emailAddress")
				p[actions.KeyUserID] = t.Results[actions.KeyUserID]
				if dm, err := domain(ctx, t); err == nil && dm.KmsTenant != "" {
					p[actions.KeyKmsTenant] = dm.KmsTenant
				} else if err != nil && !identity.IsNotFound(err) {
					return nil, err
				}
				return p, nil
			},
		},
		actions.CreateKmsUserKeys: {
			Params: func(_ context.Context, t *ticket.Ticket) (map[string]string, error) {
				return map[string]string{actions.KeyKmsUser: t.Results[actions.KeyKmsUser]}, nil
			},
		},
		actions.CreateSalesforceContact: {
			Params: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := pick(t.Params, "username", "emailAddress", "firstName", "lastName")
				p[actions.KeyUserID] = t.Results[actions.KeyUserID]
				dm, err := domain(ctx, t)
				if err != nil {
					return nil, err
				}
				if dm.ContactID != "" {
					p[actions.KeySalesforceAccount] = dm.ContactID
				}
				return p, nil
			},
		},
		actions.CreateSwiftAccount: {
			Params: func(_ context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := pick(t.Params, "serviceName", "regionCode", "accountId")
				p[actions.KeyDomainID] = identity.DomainOf(t)
				return p, nil
			},
		},
		// activateService subscribes a tenant's endpoint template, createSwiftAccount a Swift
		// account under a product rate plan; each sends what its action has.
		actions.CreateZuoraSubscription: {
			Params: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := pick(t.Params, "domainId", "tenantId", "endpointTemplateId", "serviceName", "productRatePlan", "regionCode")
				p[actions.KeySubscriptionID] = t.Results[actions.KeySubscriptionID]
				if v := t.Results[actions.KeySwiftAccount]; v != "" {
					p[actions.KeySwiftAccount] = v
				}
				dm, err := domain(ctx, t)
				if err != nil {
					return nil, err
				}
				if dm.BillingID != "" {
					p[actions.KeyZuoraAccount] = dm.BillingID
				}
				return p, nil
			},
		},
		actions.SetZuoraAccountState: {
			Params: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				dm, err := domain(ctx, t)
				if err != nil {
					return nil, err
				}
				if dm.BillingID == "" {
					return nil, nil // no billing account: nothing to set
				}
				return map[string]string{actions.KeyZuoraAccount: dm.BillingID, outside.KeyState: t.Params["state"]}, nil
			},
			Results: func(p, a map[string]string) map[string]string {
				return map[string]string{
					actions.KeyZuoraAccount: p[actions.KeyZuoraAccount],
					actions.KeyBillingState: a[outside.KeyState], actions.KeyPreviousBillingState: a[outside.KeyPreviousState],
				}
			},
			UndoParams: func(t *ticket.Ticket) map[string]string {
				prev := t.Results[actions.KeyPreviousBillingState]
				if prev == "" {
					return nil
				}
				acct := t.Results[actions.KeyZuoraAccount]
				if acct == "" {
					return nil
				}
				return map[string]string{actions.KeyZuoraAccount: acct, outside.KeyState: prev}
			},
		},
	}
	// purgeDomain deletes the domain's object storage accounts, all that the system holds for it.
	calls[actions.DeleteSwiftAccounts] = &OutsideStep{
		MissingIsDone: true,
		Params: func(_ context.Context, t *ticket.Ticket) (map[string]string, error) {
			return map[string]string{actions.KeyDomainID: identity.DomainOf(t)}, nil
		},
	}
	// purgeDomain's outside deletions: the ids come from the domain record; gone is done.
	for _, del := range []struct{ step, attrKey string }{
		{actions.DeleteZuoraDomainAccount, actions.KeyZuoraAccount},
		{actions.DeleteSalesforceAccount, actions.KeySalesforceAccount},
		{actions.DeleteKmsDomain, actions.KeyKmsTenant},
	} {
		calls[del.step] = &OutsideStep{
			MissingIsDone: true,
			Params: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				dm, err := domain(ctx, t)
				if identity.IsNotFound(err) {
					return nil, nil
				}
				if err != nil {
					return nil, err
				}
				v := map[string]string{
					actions.KeyZuoraAccount: dm.BillingID, actions.KeySalesforceAccount: dm.ContactID, actions.KeyKmsTenant: dm.KmsTenant,
				}[del.attrKey]
				if v == "" {
					return nil, nil
				}
				return map[string]string{del.attrKey: v}, nil
			},
		}
	}
	return calls
}
