package stack

import (
	"context"
	"fmt"
	"time"

	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// SampleAccount owns the sample tickets.
const SampleAccount = "000000003002"

// LoadSamples stores a few tickets in the shapes of the seed's examples — a completed
// createDomain, failed submissions, a timed-out, a refused and a cancelled job — so a
// newcomer's first curl shows something. They are all terminal: a running ticket with no
// execution behind it would be a lie, and the reconciler's sweep would end it ERROR.
func LoadSamples(ctx context.Context, tickets *store.Store, now time.Time) error {
	at := func(minutesAgo int) time.Time { return now.Add(-time.Duration(minutesAgo) * time.Minute) }
	complete := map[string]ticket.StepStatus{
		"CreateUmsDomain": ticket.StepComplete, "CreateKmsDomain": ticket.StepComplete,
		"CreateSalesforceAccount": ticket.StepComplete, "CreateZuoraDomainAccount": ticket.StepComplete,
	}
	samples := []*ticket.Ticket{
		{Action: "createDomain", Status: ticket.Complete, Submission: at(60), Completion: at(60).Add(3285 * time.Millisecond),
			DomainID: "38995611887804", Steps: complete, Results: map[string]string{
				"SALESFORCE_ACCOUNT": "001V0000003cerDIAQ", "KMS_TENANT": "38995611887804",
				"domainId": "38995611887804", "zuoraDomainAcct": "4028e69632bcaec40132cad5f62a1416"}},
		{Action: "createUser", Status: ticket.Error, ErrorCategory: ticket.UserInput,
			ErrorDescription: "Missing required parameter [emailAddress]", Submission: at(50), Completion: at(50).Add(29 * time.Millisecond)},
		{Action: "createTenant", Status: ticket.Error, ErrorCategory: ticket.UserInput,
			ErrorDescription: "Missing required parameter [domainId]", Submission: at(40), Completion: at(40).Add(23 * time.Millisecond)},
		{Action: "createDomain", Status: ticket.TimedOut, ErrorCategory: ticket.Timeout, DomainID: "47161213735800",
			ErrorDescription: "CreateSalesforceAccount: CRM did not answer after 4 attempts",
			Submission:       at(30), Completion: at(29), Results: map[string]string{"domainId": "47161213735800", "KMS_TENANT": "47161213735800"},
			Steps: map[string]ticket.StepStatus{"CreateUmsDomain": ticket.StepComplete, "CreateKmsDomain": ticket.StepComplete,
				"CreateSalesforceAccount": ticket.StepTimedOut, "CreateZuoraDomainAccount": ticket.StepPending}},
		{Action: "createDomain", Status: ticket.Error, ErrorCategory: ticket.Conflict, DomainID: "52000000000001",
			ErrorDescription: "CreateSalesforceAccount: CRM refused: 409 Conflict: account name already exists; completed steps were rolled back",
			Submission:       at(20), Completion: at(20).Add(2 * time.Second),
			Steps: map[string]ticket.StepStatus{"CreateUmsDomain": ticket.StepRolledBack, "CreateKmsDomain": ticket.StepRolledBack,
				"CreateSalesforceAccount": ticket.StepError, "CreateZuoraDomainAccount": ticket.StepPending}},
		{Action: "createUser", Status: ticket.Cancelled, ErrorCategory: ticket.Timeout, DomainID: "38995611887804",
			ErrorDescription: "the job's deadline passed; completed steps were rolled back",
			Submission:       at(5), Completion: at(5).Add(30 * time.Second),
			Steps: map[string]ticket.StepStatus{"CreateUmsUser": ticket.StepRolledBack, "CreateKmsUser": ticket.StepRolledBack,
				"CreateKmsUserKeys": ticket.StepTimedOut, "CreateSalesforceContact": ticket.StepPending}},
	}
	for _, t := range samples {
		t.ID = ticket.NewID(t.Submission)
		t.AccountID = SampleAccount
		if err := tickets.Create(ctx, t); err != nil {
			return fmt.Errorf("load sample ticket: %w", err)
		}
	}
	return nil
}

// SampleDomainName names the sample domain.
const SampleDomainName = "Time Warner Inc"

// LoadDomainSamples makes a domain in the shapes of seed 001's examples — two users (the
// owner an Administrator, the other one of its Users), two tenants, an activated service —
// so that every Domains route shows something at once, and answers its id. It writes under
// fixed step keys, so loading again into the same table (make run on a DynamoDB that
// outlives the stack) makes nothing twice.
func LoadDomainSamples(ctx context.Context, ids *identity.Store) (string, error) {
	d, err := ids.CreateDomain(ctx, "samples/CreateUmsDomain", identity.Domain{
		Name: SampleDomainName, Description: "Time Warner's domain", EmailAddress: "owner@timewarner.com",
		AddressLine1: "128, Hollywood Blvd", City: "Los Angeles", State: "CA", Zip: "90210", Country: "USA", Phone: "1-800-555-1212",
		Website: "http://www.timewarner.com", Company: "Time Warner",
	})
	if err != nil {
		return "", fmt.Errorf("sample domain: %w", err)
	}
	roles, err := ids.ListRoles(ctx, d.DomainID, identity.ListOptions{})
	if err != nil {
		return "", err
	}
	groups, err := ids.ListGroups(ctx, d.DomainID, identity.GroupFilter{}, identity.ListOptions{})
	if err != nil {
		return "", err
	}
	role, group := map[string]string{}, map[string]string{}
	for _, r := range roles.Items {
		role[r.Name] = r.RoleID
	}
	for _, g := range groups.Items {
		group[g.Name] = g.GroupID
	}
	address := identity.User{DomainID: d.DomainID, AddressLine1: "128, Hollywood Blvd", City: "Los Angeles", State: "CA", Zip: "90210",
		Country: "USA", Phone: "1-800-555-1212", Website: "http://www.timewarner.com", Status: "enabled"}
	larry, amy := address, address
	larry.Username, larry.EmailAddress, larry.FirstName, larry.LastName = "larryking@timewarner.com", "larryking@timewarner.com", "Larry", "King"
	larry.Groups, larry.Roles = []string{group[identity.GroupAdministrators]}, []identity.Grant{{RoleID: role[identity.RoleDomainAdmin]}}
	amy.Username, amy.EmailAddress, amy.FirstName, amy.LastName = "amymiller@timewarner.com", "amymiller@timewarner.com", "Amy", "Miller"
	amy.Groups, amy.Roles = []string{group[identity.GroupUsers]}, []identity.Grant{{RoleID: role[identity.RoleMember]}}
	owner, err := ids.CreateUser(ctx, "samples/CreateUmsUser/larry", larry)
	if err != nil {
		return "", fmt.Errorf("sample user: %w", err)
	}
	if _, err := ids.CreateUser(ctx, "samples/CreateUmsUser/amy", amy); err != nil {
		return "", fmt.Errorf("sample user: %w", err)
	}
	if _, err := ids.TransferOwnership(ctx, d.DomainID, owner.UserID); err != nil {
		return "", err
	}
	sales, err := ids.CreateTenant(ctx, "samples/CreateUmsTenant/sales", identity.Tenant{DomainID: d.DomainID, Name: "Sales Tenant", Description: "Tenant for Sales service"})
	if err != nil {
		return "", fmt.Errorf("sample tenant: %w", err)
	}
	if _, err := ids.CreateTenant(ctx, "samples/CreateUmsTenant/forecasting", identity.Tenant{DomainID: d.DomainID, Name: "Forecasting Tenant"}); err != nil {
		return "", fmt.Errorf("sample tenant: %w", err)
	}
	if _, err := ids.CreateSubscription(ctx, "samples/CreateSubscription", identity.Subscription{DomainID: d.DomainID, TenantID: sales.TenantID, EndpointTemplateID: "100"}); err != nil {
		return "", fmt.Errorf("sample subscription: %w", err)
	}
	return d.DomainID, nil
}
