package steps

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/lambdafn"
	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// The step functions' logical names (template.yaml) and the systems they serve.
const (
	FunctionIdentity = "StepIdentityFunction"
	FunctionKms      = "StepKmsFunction"
	FunctionCrm      = "StepCrmFunction"
	FunctionBilling  = "StepBillingFunction"
	FunctionTickets  = "StepTicketsFunction"
)

// Outside steps of purgeDomain, and the result keys of SetZuoraAccountState on a ticket.
const (
	StepDeleteZuoraDomainAccount = "DeleteZuoraDomainAccount"
	StepDeleteSalesforceAccount  = "DeleteSalesforceAccount"
	StepDeleteKmsDomain          = "DeleteKmsDomain"
	KeyBillingState              = "billingState"
	KeyPreviousBillingState      = "previousBillingState"
)

// Deps is what the step functions are built from.
type Deps struct {
	Tickets  *store.Store
	Identity *identity.Store
	Outside  Invoker
	Now      func() time.Time
	Log      *slog.Logger
}

// Handlers answers every step function's handler, keyed by logical name: each runs the steps
// of its system (and the bookkeeping phases, which need no performer).
func Handlers(d Deps) map[string]lambda.Handler {
	out := map[string]lambda.Handler{}
	for fn, work := range Work(d) {
		r := NewRunner(d.Tickets, work, d.Now, d.Log)
		// lambdafn, not lambda.NewHandler: the local engine invokes one function from many
		// executions at once (see package lambdafn).
		out[fn] = lambdafn.New(r.Handle)
	}
	return out
}

// Runner answers the runner of one step function (by logical name).
func RunnerFor(d Deps, function string) *Runner {
	return NewRunner(d.Tickets, Work(d)[function], d.Now, d.Log)
}

// Work is the table of performers of each step function, keyed by step name.
func Work(d Deps) map[string]map[string]Performer {
	w := map[string]map[string]Performer{
		FunctionIdentity: {}, FunctionKms: {}, FunctionCrm: {}, FunctionBilling: {}, FunctionTickets: {},
	}
	if d.Identity != nil {
		for step, p := range d.Identity.Performers() {
			w[FunctionIdentity][step] = p
		}
	}
	for step, p := range outsideSteps(d) {
		sys, _ := outside.SystemOf(step)
		switch sys {
		case outside.KMS:
			w[FunctionKms][step] = p
		case outside.CRM:
			w[FunctionCrm][step] = p
		case outside.Billing:
			w[FunctionBilling][step] = p
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

func outsideSteps(d Deps) map[string]*OutsideStep {
	ids := d.Identity
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
	steps := []*OutsideStep{
		{
			Step: outside.CreateKmsDomain,
			Params: func(_ context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := pick(t.Params, "name")
				p[identity.KeyDomainID] = identity.DomainOf(t)
				return p, nil
			},
			Recorded:      note("kmsTenant", outside.KeyKmsTenant),
			UndoOperation: outside.DeleteKmsDomain, UndoParams: ResultParam(outside.KeyKmsTenant),
		},
		{
			Step: outside.CreateSalesforceAccount,
			Params: func(_ context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := pick(t.Params, "name", "company", "emailAddress", "addressLine1", "addressLine2", "city", "state", "zip", "country", "phone", "website")
				p[identity.KeyDomainID] = identity.DomainOf(t)
				return p, nil
			},
			Recorded:      note("contactId", outside.KeySalesforceAccount),
			UndoOperation: outside.DeleteSalesforceAccount, UndoParams: ResultParam(outside.KeySalesforceAccount),
		},
		{
			Step: outside.CreateZuoraDomainAccount,
			Params: func(_ context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := pick(t.Params, "name", "company", "emailAddress", "country")
				p[identity.KeyDomainID] = identity.DomainOf(t)
				if v := t.Results[outside.KeySalesforceAccount]; v != "" {
					p[outside.KeySalesforceAccount] = v
				}
				return p, nil
			},
			Recorded:      note("billingId", outside.KeyZuoraAccount),
			UndoOperation: outside.DeleteZuoraDomainAccount, UndoParams: ResultParam(outside.KeyZuoraAccount),
		},
		{
			Step: outside.CreateKmsUser,
			Params: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := pick(t.Params, "domainId", "username", "emailAddress")
				p[identity.KeyUserID] = t.Results[identity.KeyUserID]
				if dm, err := domain(ctx, t); err == nil && dm.KmsTenant != "" {
					p[outside.KeyKmsTenant] = dm.KmsTenant
				} else if err != nil && !identity.IsNotFound(err) {
					return nil, err
				}
				return p, nil
			},
			UndoOperation: outside.DeleteKmsUser, UndoParams: ResultParam(outside.KeyKmsUser),
		},
		{
			Step: outside.CreateKmsUserKeys,
			Params: func(_ context.Context, t *ticket.Ticket) (map[string]string, error) {
				return map[string]string{outside.KeyKmsUser: t.Results[outside.KeyKmsUser]}, nil
			},
			UndoOperation: outside.DeleteKmsUserKeys, UndoParams: ResultParam(outside.KeyKmsAccessKey),
		},
		{
			Step: outside.CreateSalesforceContact,
			Params: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := pick(t.Params, "username", "emailAddress", "firstName", "lastName")
				p[identity.KeyUserID] = t.Results[identity.KeyUserID]
				dm, err := domain(ctx, t)
				if err != nil {
					return nil, err
				}
				if dm.ContactID != "" {
					p[outside.KeySalesforceAccount] = dm.ContactID
				}
				return p, nil
			},
			UndoOperation: outside.DeleteSalesforceContact, UndoParams: ResultParam(outside.KeySalesforceContact),
		},
		{
			Step: outside.CreateZuoraSubscription,
			Params: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				p := pick(t.Params, "domainId", "tenantId", "endpointTemplateId")
				p[identity.KeySubscriptionID] = t.Results[identity.KeySubscriptionID]
				dm, err := domain(ctx, t)
				if err != nil {
					return nil, err
				}
				if dm.BillingID != "" {
					p[outside.KeyZuoraAccount] = dm.BillingID
				}
				return p, nil
			},
			UndoOperation: outside.DeleteZuoraSubscription, UndoParams: ResultParam(outside.KeyZuoraSubscription),
		},
		{
			Step: outside.SetZuoraAccountState,
			Params: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				dm, err := domain(ctx, t)
				if err != nil {
					return nil, err
				}
				if dm.BillingID == "" {
					return nil, nil // no billing account: nothing to set
				}
				return map[string]string{outside.KeyZuoraAccount: dm.BillingID, outside.KeyState: t.Params["state"]}, nil
			},
			Results: func(p, a map[string]string) map[string]string {
				return map[string]string{
					outside.KeyZuoraAccount: p[outside.KeyZuoraAccount],
					KeyBillingState:         a[outside.KeyState], KeyPreviousBillingState: a[outside.KeyPreviousState],
				}
			},
			UndoOperation: outside.SetZuoraAccountState,
			UndoParams: func(t *ticket.Ticket) map[string]string {
				prev := t.Results[KeyPreviousBillingState]
				if prev == "" {
					return nil
				}
				acct := t.Results[outside.KeyZuoraAccount]
				if acct == "" {
					return nil
				}
				return map[string]string{outside.KeyZuoraAccount: acct, outside.KeyState: prev}
			},
		},
	}
	// purgeDomain's outside deletions: the ids come from the domain record; gone is done.
	for _, del := range []struct{ step, attrKey string }{
		{StepDeleteZuoraDomainAccount, outside.KeyZuoraAccount},
		{StepDeleteSalesforceAccount, outside.KeySalesforceAccount},
		{StepDeleteKmsDomain, outside.KeyKmsTenant},
	} {
		del := del
		steps = append(steps, &OutsideStep{
			Step: del.step, MissingIsDone: true,
			Params: func(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
				dm, err := domain(ctx, t)
				if identity.IsNotFound(err) {
					return nil, nil
				}
				if err != nil {
					return nil, err
				}
				v := map[string]string{
					outside.KeyZuoraAccount: dm.BillingID, outside.KeySalesforceAccount: dm.ContactID, outside.KeyKmsTenant: dm.KmsTenant,
				}[del.attrKey]
				if v == "" {
					return nil, nil
				}
				return map[string]string{del.attrKey: v}, nil
			},
		})
	}
	out := map[string]*OutsideStep{}
	for _, s := range steps {
		s.Client = d.Outside
		out[s.Step] = s
	}
	return out
}
