package actions_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/actionservice/actionservice/shared/actions"
)

func TestCatalogueListsTheEightActionsInStableOrder(t *testing.T) {
	var names []string
	for _, a := range actions.Catalogue() {
		names = append(names, a.Name)
	}
	want := []string{"createDomain", "createUser", "createTenant", "activateService", "domainState", "userState", "createSwiftAccount", "purgeDomain"}
	if !slices.Equal(names, want) {
		t.Fatalf("Catalogue() = %v, want %v", names, want)
	}
	for _, name := range want {
		a, ok := actions.Lookup(name)
		if !ok || a.Name != name {
			t.Errorf("Lookup(%q) = %v, %v", name, a.Name, ok)
		}
	}
	if _, ok := actions.Lookup("CreateDomain"); ok {
		t.Error("Lookup is case-sensitive: CreateDomain is not an action")
	}
}

func TestCatalogueCopiesCannotChangeTheCatalogue(t *testing.T) {
	a := actions.Catalogue()
	a[0].Steps[0].Name = "changed"
	a[0].Params[0].Name = "changed"
	if b, _ := actions.Lookup("createDomain"); b.Steps[0].Name != "CreateUmsDomain" || b.Params[0].Name != "name" {
		t.Fatal("changing a returned action changed the catalogue")
	}
}

func TestStepsSystemsCompensationsAndResults(t *testing.T) {
	type step struct {
		name, system, comp string
		results            []string
	}
	want := map[string][]step{
		"createDomain": {
			{"CreateUmsDomain", "identity", "DeleteUmsDomain", []string{"domainId"}},
			{"CreateKmsDomain", "kms", "DeleteKmsDomain", []string{"KMS_TENANT"}},
			{"CreateSalesforceAccount", "crm", "DeleteSalesforceAccount", []string{"SALESFORCE_ACCOUNT"}},
			{"CreateZuoraDomainAccount", "billing", "DeleteZuoraDomainAccount", []string{"zuoraDomainAcct"}},
		},
		"createUser": {
			{"CreateUmsUser", "identity", "DeleteUmsUser", []string{"userId"}},
			{"CreateKmsUser", "kms", "DeleteKmsUser", []string{"KMS_USER"}},
			{"CreateKmsUserKeys", "kms", "DeleteKmsUserKeys", []string{"KMS_ACCESS_KEY"}},
			{"CreateSalesforceContact", "crm", "DeleteSalesforceContact", []string{"SALESFORCE_CONTACT"}},
		},
		"createTenant": {{"CreateUmsTenant", "identity", "DeleteUmsTenant", []string{"tenantId"}}},
		"activateService": {
			{"CheckSubscribeable", "identity", "", nil},
			{"CreateSubscription", "identity", "DeleteSubscription", []string{"subscriptionId"}},
			{"CreateZuoraSubscription", "billing", "DeleteZuoraSubscription", []string{"zuoraSubscription"}},
		},
		"domainState": {
			{"SetUmsDomainState", "identity", "SetUmsDomainState", nil},
			{"SetZuoraAccountState", "billing", "SetZuoraAccountState", nil},
		},
		"userState": {{"SetUmsUserState", "identity", "SetUmsUserState", nil}},
		"createSwiftAccount": {
			{"CreateSwiftAccount", "storage", "DeleteSwiftAccount", []string{"swiftAccountId", "swiftEndpoint"}},
			{"CreateZuoraSubscription", "billing", "DeleteZuoraSubscription", []string{"zuoraSubscription"}},
		},
		"purgeDomain": {
			{"PurgeUmsSubscriptions", "identity", "", nil},
			{"PurgeUmsTenants", "identity", "", nil},
			{"PurgeUmsUsers", "identity", "", nil},
			{"DeleteSwiftAccounts", "storage", "", nil},
			{"DeleteZuoraDomainAccount", "billing", "", nil},
			{"DeleteSalesforceAccount", "crm", "", nil},
			{"DeleteKmsDomain", "kms", "", nil},
			{"PurgeUmsDomain", "identity", "", nil},
		},
	}
	functions := map[string]string{"identity": "IdentityFunctionArn", "kms": "KmsFunctionArn", "crm": "CrmFunctionArn", "billing": "BillingFunctionArn", "storage": "StorageFunctionArn"}
	for _, a := range actions.Catalogue() {
		w := want[a.Name]
		if len(a.Steps) != len(w) {
			t.Errorf("%s: %d steps, want %d", a.Name, len(a.Steps), len(w))
			continue
		}
		for i, s := range a.Steps {
			if s.Name != w[i].name || string(s.System) != w[i].system || s.Compensation != w[i].comp || !slices.Equal(s.Results, w[i].results) {
				t.Errorf("%s step %d = %s/%s/%q/%v, want %v", a.Name, i, s.Name, s.System, s.Compensation, s.Results, w[i])
			}
			if s.Function() != functions[w[i].system] {
				t.Errorf("%s: Function() = %s", s.Name, s.Function())
			}
			wantRetry := actions.OutsideRetry
			if s.System == actions.Identity {
				wantRetry = actions.IdentityRetry
			}
			if s.Retry != wantRetry {
				t.Errorf("%s: retry %+v, want %+v", s.Name, s.Retry, wantRetry)
			}
		}
		if a.Description == "" {
			t.Errorf("%s has no description", a.Name)
		}
	}
	if (actions.OutsideRetry != actions.RetryPolicy{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 8, JitterStrategy: "FULL"}) {
		t.Errorf("OutsideRetry = %+v", actions.OutsideRetry)
	}
	if actions.IdentityRetry.IntervalSeconds != 1 || actions.IdentityRetry.MaxAttempts != 2 {
		t.Errorf("IdentityRetry = %+v", actions.IdentityRetry)
	}
}

func TestEachActionNamesItsTargetDomain(t *testing.T) {
	for _, a := range actions.Catalogue() {
		var params, results map[string]string
		switch a.Name {
		case "createDomain":
			params, results = map[string]string{"name": "d"}, map[string]string{"domainId": "42"}
		case "userState":
			if got := a.Domain(map[string]string{"accountId": "7", "state": "enabled"}, nil); got != "" {
				t.Errorf("userState names no domain, got %q", got)
			}
			continue
		default:
			params = map[string]string{"domainId": "42"}
		}
		if got := a.Domain(params, results); got != "42" {
			t.Errorf("%s: Domain() = %q, want 42", a.Name, got)
		}
	}
}

func TestPurgeDomainSaysItIsIrreversible(t *testing.T) {
	a, _ := actions.Lookup("purgeDomain")
	for _, s := range a.Steps {
		if s.Compensable() {
			t.Errorf("%s has a compensation", s.Name)
		}
	}
	for _, word := range []string{"Irreversible", "no rollback", "ERROR"} {
		if !strings.Contains(a.Description, word) {
			t.Errorf("description %q does not say %q", a.Description, word)
		}
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		action string
		params map[string]string
		want   string
	}{
		{"createDomain", map[string]string{"name": "acme"}, ""},
		{"createDomain", map[string]string{"name": "acme", "emailAddress": "ops@acme.example", "city": "Springfield"}, ""},
		{"createDomain", map[string]string{}, "Missing required parameter [name]"},
		{"createDomain", nil, "Missing required parameter [name]"},
		{"createDomain", map[string]string{"name": "  "}, "Missing required parameter [name]"},
		{"createDomain", map[string]string{"name": "acme", "emailAddress": ""}, ""},
		// missing comes before unknown and invalid, in declared order
		{"createUser", map[string]string{"emailAddress": "bad", "zzz": "1"}, "Missing required parameter [domainId]"},
		{"createUser", map[string]string{"domainId": "x", "emailAddress": "u@x.example"}, "Missing required parameter [username]"},
		// unknown before invalid, in name order
		{"createUser", map[string]string{"domainId": "x", "username": "u", "emailAddress": "u@x.example", "zeta": "1", "alpha": "1"}, "Unknown parameter [alpha]"},
		{"createUser", map[string]string{"domainId": "x", "username": "u", "emailAddress": "bad"}, "Invalid parameter [domainId]: not a numeric id"},
		{"createUser", map[string]string{"domainId": "12", "username": "u", "emailAddress": "not-an-email"}, "Invalid parameter [emailAddress]: not an email address"},
		{"createUser", map[string]string{"domainId": "12", "username": "u", "emailAddress": "Joe <joe@x.example>"}, "Invalid parameter [emailAddress]: not an email address"},
		{"createUser", map[string]string{"domainId": "12", "username": "u", "emailAddress": "joe@x.example"}, ""},
		{"createTenant", map[string]string{"domainId": "-1", "name": "t"}, "Invalid parameter [domainId]: not a numeric id"},
		{"createTenant", map[string]string{"domainId": "1.5", "name": "t"}, "Invalid parameter [domainId]: not a numeric id"},
		{"activateService", map[string]string{"domainId": "1", "tenantId": "2", "endpointTemplateId": "abc"}, "Invalid parameter [endpointTemplateId]: not a numeric id"},
		{"domainState", map[string]string{"domainId": "1", "state": "disabled"}, "Invalid parameter [state]: not one of enabled, suspended, deleted, purged"},
		{"domainState", map[string]string{"domainId": "1", "state": "suspended"}, ""},
		{"userState", map[string]string{"accountId": "1", "state": "disabled"}, ""},
		{"userState", map[string]string{"state": "disabled"}, "Missing required parameter [accountId]"},
		{"purgeDomain", map[string]string{"domainId": "1", "name": "x"}, "Unknown parameter [name]"},
	}
	for _, c := range cases {
		a, ok := actions.Lookup(c.action)
		if !ok {
			t.Fatalf("no action %s", c.action)
		}
		err := a.Validate(c.params)
		got := ""
		if err != nil {
			got = err.Error()
			var pe *actions.ParamError
			if !errors.As(err, &pe) {
				t.Errorf("%s %v: error %T is not a *ParamError", c.action, c.params, err)
			}
		}
		if got != c.want {
			t.Errorf("%s.Validate(%v) = %q, want %q", c.action, c.params, got, c.want)
		}
	}
}

func TestStepNamesAreOneStepEach(t *testing.T) {
	declared := map[string]actions.Step{}
	for _, a := range actions.Catalogue() {
		for _, s := range a.Steps {
			if d, ok := declared[s.Name]; ok && !reflect.DeepEqual(d, s) {
				t.Errorf("%s: step %s declared as %+v here and %+v elsewhere", a.Name, s.Name, s, d)
			}
			declared[s.Name] = s
		}
	}
	if got := len(actions.Steps()); got != len(declared) {
		t.Errorf("Steps() lists %d steps, the catalogue declares %d", got, len(declared))
	}
	// An operation that is a step and a compensation (purgeDomain deletes what createDomain's
	// compensations delete) is served by one system.
	for _, s := range actions.Steps() {
		if d, ok := declared[s.Compensation]; ok && d.System != s.System {
			t.Errorf("%s is undone by %s on %s, but the step %s is on %s", s.Name, s.Compensation, s.System, d.Name, d.System)
		}
		if s.TimeoutSeconds <= 0 {
			t.Errorf("%s has no timeout", s.Name)
		}
	}
}

func TestSystemsNameTheirFunctions(t *testing.T) {
	want := map[actions.System][2]string{
		actions.Identity: {"IdentityFunctionArn", "StepIdentityFunction"},
		actions.KMS:      {"KmsFunctionArn", "StepKmsFunction"},
		actions.CRM:      {"CrmFunctionArn", "StepCrmFunction"},
		actions.Billing:  {"BillingFunctionArn", "StepBillingFunction"},
		actions.Storage:  {"StorageFunctionArn", "StepStorageFunction"},
	}
	for _, s := range actions.Systems {
		if got := [2]string{s.Function(), s.LogicalID()}; got != want[s] {
			t.Errorf("%s: %v, want %v", s, got, want[s])
		}
	}
	if actions.System("ftp").Function() != "" {
		t.Error("an unknown system names a function")
	}
}

func TestValuesWithControlCharactersOrOverLongAreInvalid(t *testing.T) {
	a, _ := actions.Lookup("createDomain")
	long := strings.Repeat("é", actions.MaxValueLength+1)
	for name, c := range map[string]struct {
		params map[string]string
		want   string
	}{
		"NUL":             {map[string]string{"name": "a\x00b"}, "Invalid parameter [name]: contains control characters"},
		"CR LF":           {map[string]string{"name": "a\r\nb"}, "Invalid parameter [name]: contains control characters"},
		"DEL":             {map[string]string{"name": "a\x7fb"}, "Invalid parameter [name]: contains control characters"},
		"C1 NEL":          {map[string]string{"name": "a\u0085b"}, "Invalid parameter [name]: contains control characters"},
		"optional too":    {map[string]string{"name": "ok", "company": "\tx"}, "Invalid parameter [company]: contains control characters"},
		"256 characters":  {map[string]string{"name": long}, "Invalid parameter [name]: longer than 255 characters"},
		"unknown NUL key": {map[string]string{"name": "ok", "x\x00": "v"}, `Unknown parameter ["x\x00"]`},
	} {
		err := a.Validate(c.params)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: %v, want %s", name, err, c.want)
		}
	}
	if err := a.Validate(map[string]string{"name": strings.Repeat("é", actions.MaxValueLength)}); err != nil {
		t.Errorf("255 characters: %v", err)
	}
	u, _ := actions.Lookup("userState")
	if err := u.Validate(map[string]string{"accountId": strings.Repeat("1", 65), "state": "enabled"}); err == nil {
		t.Error("a 65-digit id is valid")
	}
}

func TestNamesTargetWhenTheTargetParamsAreGivenAndValid(t *testing.T) {
	user, _ := actions.Lookup("createUser")
	swift, _ := actions.Lookup("createSwiftAccount")
	activate, _ := actions.Lookup("activateService")
	for _, c := range []struct {
		a      actions.Action
		params map[string]string
		want   bool
	}{
		{user, map[string]string{"domainId": "12345"}, true},
		{user, map[string]string{"username": "u"}, false},
		{user, map[string]string{"domainId": "not-an-id"}, false},
		{swift, map[string]string{"accountId": "12345"}, true},
		{swift, map[string]string{"regionCode": "r"}, false},
		{activate, map[string]string{"domainId": "1", "tenantId": "2"}, true},
		{activate, map[string]string{"domainId": "1", "tenantId": "x"}, false},
		{activate, map[string]string{"tenantId": "2"}, false},
	} {
		if got := c.a.NamesTarget(c.params); got != c.want {
			t.Errorf("%s %v: NamesTarget %v, want %v", c.a.Name, c.params, got, c.want)
		}
	}
}
