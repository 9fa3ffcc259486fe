package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/actionservice/actionservice/shared/auth"
)

// TestPolicyMatrix is API.md §4's table: every role × operation × target.
func TestPolicyMatrix(t *testing.T) {
	const ownAcct, ownDom = "000000000010", "11111111111111"
	principals := map[string]auth.Principal{
		"admin":            {UserID: "a", AccountID: "000000000001", DomainID: "99999999999999", Roles: []string{auth.RoleAdmin}},
		"admin-unscoped":   {UserID: "a", Roles: []string{auth.RoleAdmin}},
		"domainadmin":      {UserID: "d", AccountID: ownAcct, DomainID: ownDom, Roles: []string{auth.RoleDomainAdmin}},
		"member":           {UserID: "m", AccountID: ownAcct, DomainID: ownDom},
		"unknown-role":     {UserID: "m", AccountID: ownAcct, DomainID: ownDom, Roles: []string{"superuser"}},
		"no-account":       {UserID: "n", DomainID: ownDom, Roles: []string{auth.RoleDomainAdmin}},
		"no-domain":        {UserID: "n", AccountID: ownAcct, Roles: []string{auth.RoleDomainAdmin}},
		"no-domain-member": {UserID: "n", AccountID: ownAcct},
	}
	targets := map[string]*auth.Target{
		"any":   nil,
		"own":   {AccountID: ownAcct, DomainID: ownDom},
		"other": {AccountID: "000000000020", DomainID: "22222222222222"},
	}
	domainAdminMay := map[string]bool{"createUser": true, "createTenant": true, "activateService": true, "createSwiftAccount": true, "userState": true}
	actions := []string{"createDomain", "createUser", "createTenant", "activateService", "createSwiftAccount", "domainState", "userState", "purgeDomain", "noSuchAction"}

	want := func(who string, op string, action string, target string) error {
		p := principals[who]
		if p.IsAdmin() {
			return nil
		}
		scoped := p.AccountID != "" && p.DomainID != ""
		switch op {
		case "read", "delete":
			if !scoped || target == "other" {
				return auth.ErrInvisible
			}
			return nil
		}
		if !scoped || who != "domainadmin" || !domainAdminMay[action] {
			return auth.ErrNotAllowed
		}
		if target == "other" {
			return auth.ErrInvisible
		}
		return nil
	}
	for who, p := range principals {
		for tn, tg := range targets {
			for op, o := range map[string]auth.Operation{"read": auth.ReadJobs, "delete": auth.DeleteJobs} {
				if got, w := auth.Authorize(p, o, tg), want(who, op, "", tn); !errors.Is(got, w) || (w == nil) != (got == nil) {
					t.Errorf("%s %s %s: %v, want %v", who, op, tn, got, w)
				}
			}
			for _, a := range actions {
				if got, w := auth.Authorize(p, auth.RunAction(a), tg), want(who, "run", a, tn); !errors.Is(got, w) || (w == nil) != (got == nil) {
					t.Errorf("%s run %s on %s: %v, want %v", who, a, tn, got, w)
				}
			}
		}
	}
}

func TestJobScopeFailsClosed(t *testing.T) {
	for name, c := range map[string]struct {
		p       auth.Principal
		account string
		all, ok bool
	}{
		"admin":      {auth.Principal{Roles: []string{auth.RoleAdmin}}, "", true, true},
		"scoped":     {auth.Principal{AccountID: "a", DomainID: "d"}, "a", false, true},
		"no account": {auth.Principal{DomainID: "d"}, "", false, false},
		"no domain":  {auth.Principal{AccountID: "a"}, "", false, false},
	} {
		account, all, ok := auth.JobScope(c.p)
		if account != c.account || all != c.all || ok != c.ok {
			t.Errorf("%s: JobScope = %q %v %v, want %q %v %v", name, account, all, ok, c.account, c.all, c.ok)
		}
	}
}

// TestDomainsPolicyMatrix is API.md §4's Domains API column: every role × operation × target
// {none, own domain, own domain's other user, another domain}.
func TestDomainsPolicyMatrix(t *testing.T) {
	const ownDom, me = "11111111111111", "m"
	principals := map[string]auth.Principal{
		"admin":          {UserID: "a", AccountID: "000000000001", DomainID: "99999999999999", Roles: []string{auth.RoleAdmin}},
		"admin-unscoped": {UserID: "a", Roles: []string{auth.RoleAdmin}},
		"domainadmin":    {UserID: me, AccountID: "000000000010", DomainID: ownDom, Roles: []string{auth.RoleDomainAdmin}},
		"member":         {UserID: me, AccountID: "000000000010", DomainID: ownDom},
		"unknown-role":   {UserID: me, AccountID: "000000000010", DomainID: ownDom, Roles: []string{"superuser"}},
		"no-account":     {UserID: me, DomainID: ownDom, Roles: []string{auth.RoleDomainAdmin}},
		"no-domain":      {UserID: me, AccountID: "000000000010", Roles: []string{auth.RoleDomainAdmin}},
		"anonymous":      {},
	}
	targets := map[string]*auth.Target{
		"none":       nil,
		"own":        {DomainID: ownDom},
		"own-self":   {DomainID: ownDom, UserID: me},
		"own-other":  {DomainID: ownDom, UserID: "x"},
		"other":      {DomainID: "22222222222222"},
		"other-self": {DomainID: "22222222222222", UserID: me},
	}
	ops := map[string]auth.Operation{
		"check": auth.CheckDomainName, "create": auth.CreateDomain, "read": auth.ReadDomain, "update": auth.UpdateDomain,
		"delete": auth.DeleteDomain, "owner": auth.TransferOwnership, "users": auth.DomainUsers, "tenants": auth.DomainTenants,
		"groups": auth.DomainGroups, "roles": auth.DomainRoles, "subscribeable": auth.DomainSubscribeableServices,
		"services": auth.DomainActivatedServices,
	}
	want := func(who, op, target string) error {
		switch {
		case op == "check", who == "admin", who == "admin-unscoped":
			return nil
		case op == "create":
			return auth.ErrNotAllowed
		case who == "no-account", who == "no-domain", who == "anonymous", strings.HasPrefix(target, "other"):
			return auth.ErrInvisible
		}
		admin := who == "domainadmin"
		switch op {
		case "read", "tenants", "services":
			return nil
		case "users":
			if admin || target != "own-other" {
				return nil
			}
			return auth.ErrInvisible
		case "groups", "roles", "subscribeable", "update", "owner":
			if admin {
				return nil
			}
		}
		return auth.ErrNotAllowed
	}
	for who, p := range principals {
		for tn, tg := range targets {
			for on, op := range ops {
				if got, w := auth.Authorize(p, op, tg), want(who, on, tn); !errors.Is(got, w) || (w == nil) != (got == nil) {
					t.Errorf("%s %s on %s: %v, want %v", who, on, tn, got, w)
				}
			}
		}
	}
}

func TestDomainScopeFailsClosed(t *testing.T) {
	for name, c := range map[string]struct {
		p       auth.Principal
		domain  string
		all, ok bool
	}{
		"admin":      {auth.Principal{Roles: []string{auth.RoleAdmin}}, "", true, true},
		"scoped":     {auth.Principal{AccountID: "a", DomainID: "d"}, "d", false, true},
		"no account": {auth.Principal{DomainID: "d"}, "", false, false},
		"no domain":  {auth.Principal{AccountID: "a"}, "", false, false},
	} {
		domain, all, ok := auth.DomainScope(c.p)
		if domain != c.domain || all != c.all || ok != c.ok {
			t.Errorf("%s: DomainScope = %q %v %v, want %q %v %v", name, domain, all, ok, c.domain, c.all, c.ok)
		}
	}
}
