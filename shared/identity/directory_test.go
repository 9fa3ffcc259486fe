package identity_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/actionservice/actionservice/local/dynamodb/dynamodbtest"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/ticket"
)

// onEveryBackend runs a store test on each DynamoDB of dynamodbtest.
func onEveryBackend(t *testing.T, test func(t *testing.T, s *identity.Store)) {
	for _, b := range dynamodbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			test(t, identity.New(b.Open(t, identity.IdentityTable("identity")), "identity"))
		})
	}
}

func ids[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func domainName(d identity.Domain) string { return d.Name }
func userName(u identity.User) string     { return u.Username }
func roleName(r identity.Role) string     { return r.Name }
func groupName(g identity.Group) string   { return g.Name }

func TestNewDomainsHaveTheDefaultRolesAndGroupsAndLoseThemWithTheDomain(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, s *identity.Store) {
		ctx := context.Background()
		for _, stepKey := range []string{"t1/CreateUmsDomain", ""} {
			d, err := s.CreateDomain(ctx, stepKey, identity.Domain{Name: "acme" + stepKey})
			if err != nil {
				t.Fatal(err)
			}
			roles, err := s.ListRoles(ctx, d.DomainID, identity.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			groups, err := s.ListGroups(ctx, d.DomainID, identity.GroupFilter{}, identity.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			gotRoles, gotGroups := ids(roles.Items, roleName), ids(groups.Items, groupName)
			slices.Sort(gotRoles)
			slices.Sort(gotGroups)
			if !slices.Equal(gotRoles, []string{"domainadmin", "member"}) || !slices.Equal(gotGroups, []string{"Administrators", "Users"}) {
				t.Fatalf("step %q: roles %v, groups %v", stepKey, gotRoles, gotGroups)
			}
			if err := s.DeleteDomain(ctx, d.DomainID); err != nil {
				t.Fatal(err)
			}
			if r, _ := s.ListRoles(ctx, d.DomainID, identity.ListOptions{}); len(r.Items) != 0 {
				t.Errorf("roles outlive their domain: %v", r.Items)
			}
		}
	})
}

func TestListDomainsPagesInNameOrderAndFiltersByNameIgnoringCase(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, s *identity.Store) {
		ctx := context.Background()
		for _, n := range []string{"delta", "Alpha", "charlie", "Bravo", "echo"} {
			if _, err := s.CreateDomain(ctx, "", identity.Domain{Name: n}); err != nil {
				t.Fatal(err)
			}
		}
		var seen []string
		o := identity.ListOptions{Limit: 2}
		for pages := 0; ; pages++ {
			p, err := s.ListDomains(ctx, identity.DomainFilter{}, o)
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, ids(p.Items, domainName)...)
			if p.Next == "" {
				if pages != 2 {
					t.Errorf("%d pages of 2 for 5 domains", pages+1)
				}
				break
			}
			o.Marker = p.Next
		}
		if want := []string{"Alpha", "Bravo", "charlie", "delta", "echo"}; !slices.Equal(seen, want) {
			t.Errorf("pages %v, want %v", seen, want)
		}
		p, err := s.ListDomains(ctx, identity.DomainFilter{Name: "CHARLIE"}, identity.ListOptions{})
		if err != nil || !slices.Equal(ids(p.Items, domainName), []string{"charlie"}) {
			t.Errorf("name filter: %v %v", p.Items, err)
		}
		if p, _ := s.ListDomains(ctx, identity.DomainFilter{Name: "char"}, identity.ListOptions{}); len(p.Items) != 0 {
			t.Errorf("a name filter is not a prefix search: %v", p.Items)
		}
		if _, err := s.ListDomains(ctx, identity.DomainFilter{}, identity.ListOptions{Marker: "99999999999999"}); !identity.IsNotFound(err) {
			t.Errorf("unknown marker: %v", err)
		}
	})
}

func TestUpdateDomainMergesAndMovesTheNameReservation(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, s *identity.Store) {
		ctx := context.Background()
		d, _ := s.CreateDomain(ctx, "", identity.Domain{Name: "Time Warner Inc", City: "Los Angeles", Phone: "1-800-555-1212"})
		other, _ := s.CreateDomain(ctx, "", identity.Domain{Name: "Disney"})
		got, err := s.UpdateDomain(ctx, d.DomainID, map[string]string{"phone": "1-800-NO-DISNEY", "addressLine2": "Studio Lanes"})
		if err != nil || got.Phone != "1-800-NO-DISNEY" || got.City != "Los Angeles" || got.AddressLine2 != "Studio Lanes" || got.Name != d.Name {
			t.Fatalf("merge: %+v %v", got, err)
		}
		if _, err := s.UpdateDomain(ctx, d.DomainID, map[string]string{"name": "DISNEY"}); category(err) != ticket.Conflict {
			t.Errorf("rename onto another's name: %v", err)
		}
		if _, err := s.UpdateDomain(ctx, d.DomainID, map[string]string{"name": "Warner Bros"}); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.DomainNameExists(ctx, "time warner inc"); ok {
			t.Error("the old name is still reserved")
		}
		if ok, _ := s.DomainNameExists(ctx, "warner bros"); !ok {
			t.Error("the new name is not reserved")
		}
		if p, _ := s.ListDomains(ctx, identity.DomainFilter{Name: "warner bros"}, identity.ListOptions{}); len(p.Items) != 1 {
			t.Errorf("the renamed domain is not listed under its new name: %v", p.Items)
		}
		for _, bad := range []map[string]string{{"name": " "}, {"status": "purged"}, {"billingId": "x"}} {
			if _, err := s.UpdateDomain(ctx, other.DomainID, bad); category(err) != ticket.UserInput {
				t.Errorf("%v: %v, want USER_INPUT", bad, err)
			}
		}
		if _, err := s.UpdateDomain(ctx, "99999999999999", map[string]string{"phone": "1"}); !identity.IsNotFound(err) {
			t.Errorf("missing domain: %v", err)
		}
	})
}

func TestConcurrentCreatesOfOneNameIgnoringCaseMakeExactlyOneDomain(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, s *identity.Store) {
		dynamodbtest.SkipWhereConcurrentWritesRace(t)
		ctx := context.Background()
		names := []string{"Race", "RACE", "race", "rAcE", "Race", "racE"}
		errs := make([]error, len(names))
		var wg sync.WaitGroup
		for i, n := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.CreateDomain(ctx, "", identity.Domain{Name: n})
			}()
		}
		wg.Wait()
		created := 0
		for _, err := range errs {
			switch {
			case err == nil:
				created++
			case category(err) != ticket.Conflict:
				t.Errorf("a losing create: %v, want CONFLICT", err)
			}
		}
		if created != 1 {
			t.Errorf("%d creates succeeded, want exactly 1", created)
		}
	})
}

func TestRemoveDomainRefusesWhileServicesOrOutsideAccountsRemainAndThenLeavesNothing(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, s *identity.Store) {
		ctx := context.Background()
		if err := s.LoadCatalogue(ctx, identity.Catalogue()); err != nil {
			t.Fatal(err)
		}
		d, _ := s.CreateDomain(ctx, "", identity.Domain{Name: "acme"})
		u, _ := s.CreateUser(ctx, "t1/CreateUmsUser", identity.User{DomainID: d.DomainID, Username: "bob"})
		tn, _ := s.CreateTenant(ctx, "t2/CreateUmsTenant", identity.Tenant{DomainID: d.DomainID, Name: "main"})
		sub, err := s.CreateSubscription(ctx, "t3/CreateSubscription", identity.Subscription{DomainID: d.DomainID, TenantID: tn.TenantID, EndpointTemplateID: "100"})
		if err != nil {
			t.Fatal(err)
		}
		var dep *identity.DependentDataError
		if err := s.RemoveDomain(ctx, d.DomainID); !asDependent(err, &dep) || dep.Services != 1 {
			t.Fatalf("with a service: %v", err)
		}
		_ = s.DeleteSubscription(ctx, d.DomainID, sub.SubscriptionID)
		if err := s.SetDomainOutsideIDs(ctx, d.DomainID, map[string]string{"billingId": "b1"}); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveDomain(ctx, d.DomainID); !asDependent(err, &dep) || !slices.Equal(dep.Outside, []string{"billing"}) {
			t.Fatalf("with a billing account: %v", err)
		}
		if _, err := s.GetUser(ctx, u.UserID); err != nil {
			t.Fatalf("a refused delete removed the user: %v", err)
		}
		e, _ := s.CreateDomain(ctx, "", identity.Domain{Name: "empty-ish"})
		u2, _ := s.CreateUser(ctx, "t4/CreateUmsUser", identity.User{DomainID: e.DomainID, Username: "ann"})
		_, _ = s.CreateTenant(ctx, "t5/CreateUmsTenant", identity.Tenant{DomainID: e.DomainID, Name: "main"})
		if err := s.RemoveDomain(ctx, e.DomainID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetUser(ctx, u2.UserID); !identity.IsNotFound(err) {
			t.Errorf("user after delete: %v", err)
		}
		for name, n := range map[string]func() (int, error){
			"users": func() (int, error) {
				p, err := s.ListUsers(ctx, e.DomainID, identity.UserFilter{}, identity.ListOptions{})
				return len(p.Items), err
			},
			"tenants": func() (int, error) {
				p, err := s.ListTenants(ctx, e.DomainID, identity.ListOptions{})
				return len(p.Items), err
			},
			"groups": func() (int, error) {
				p, err := s.ListGroups(ctx, e.DomainID, identity.GroupFilter{}, identity.ListOptions{})
				return len(p.Items), err
			},
		} {
			if got, err := n(); got != 0 || err != nil {
				t.Errorf("%s after delete: %d %v", name, got, err)
			}
		}
		if ok, _ := s.DomainNameExists(ctx, "EMPTY-ISH"); ok {
			t.Error("the name is still reserved")
		}
		if err := s.RemoveDomain(ctx, e.DomainID); !identity.IsNotFound(err) {
			t.Errorf("second delete: %v", err)
		}
	})
}

func asDependent(err error, target **identity.DependentDataError) bool {
	d, ok := err.(*identity.DependentDataError)
	*target = d
	return ok
}

func TestListUsersFiltersByIdNameGroupsRolesAndTenants(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, s *identity.Store) {
		ctx := context.Background()
		d, _ := s.CreateDomain(ctx, "", identity.Domain{Name: "acme"})
		roles, _ := s.ListRoles(ctx, d.DomainID, identity.ListOptions{})
		groups, _ := s.ListGroups(ctx, d.DomainID, identity.GroupFilter{}, identity.ListOptions{})
		roleID := map[string]string{}
		for _, r := range roles.Items {
			roleID[r.Name] = r.RoleID
		}
		groupID := map[string]string{}
		for _, g := range groups.Items {
			groupID[g.Name] = g.GroupID
		}
		mk := func(name string, groups []string, roles ...string) identity.User {
			u := identity.User{DomainID: d.DomainID, Username: name, Groups: groups}
			for _, r := range roles {
				u.Roles = append(u.Roles, identity.Grant{RoleID: r})
			}
			got, err := s.CreateUser(ctx, "t/"+name, u)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		admin := mk("admin", []string{groupID["Administrators"]}, roleID["domainadmin"])
		member := mk("member", []string{groupID["Users"]}, roleID["member"])
		plain := mk("plain", nil)
		if admin.Roles[0].RoleName != "domainadmin" {
			t.Errorf("a grant does not carry its role's name: %+v", admin.Roles)
		}
		list := func(f identity.UserFilter) []string {
			t.Helper()
			p, err := s.ListUsers(ctx, d.DomainID, f, identity.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			names := ids(p.Items, userName)
			slices.Sort(names)
			return names
		}
		for name, c := range map[string]struct {
			f    identity.UserFilter
			want []string
		}{
			"all":                  {identity.UserFilter{}, []string{"admin", "member", "plain"}},
			"userId":               {identity.UserFilter{UserID: member.UserID}, []string{"member"}},
			"userName any case":    {identity.UserFilter{UserName: "PLAIN"}, []string{"plain"}},
			"unknown userName":     {identity.UserFilter{UserName: "nobody"}, []string{}},
			"excludeGroups":        {identity.UserFilter{ExcludeGroups: []string{groupID["Administrators"], groupID["Users"]}}, []string{"plain"}},
			"excludeRoles by id":   {identity.UserFilter{ExcludeRoles: []string{roleID["member"]}}, []string{"admin", "plain"}},
			"excludeRoles by name": {identity.UserFilter{ExcludeRoles: []string{"domainadmin"}}, []string{"member", "plain"}},
			"excluded userId":      {identity.UserFilter{UserID: admin.UserID, ExcludeRoles: []string{"domainadmin"}}, []string{}},
			"visible":              {identity.UserFilter{Visible: func(u identity.User) bool { return u.UserID == plain.UserID }}, []string{"plain"}},
		} {
			if got := list(c.f); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", name, got, c.want)
			}
		}
		twice, err := s.CreateUser(ctx, "t/twice", identity.User{DomainID: d.DomainID, Username: "twice",
			Groups: []string{groupID["Users"], groupID["Users"]}, Roles: []identity.Grant{{RoleID: roleID["member"]}, {RoleID: roleID["member"]}}})
		if err != nil || len(twice.Groups) != 1 || len(twice.Roles) != 1 {
			t.Errorf("a group and a role given twice: %+v %v, want one membership each", twice, err)
		}
		if _, err := s.CreateUser(ctx, "t/ghost", identity.User{DomainID: d.DomainID, Username: "ghost", Groups: []string{"12345678901234"}}); category(err) != ticket.UserInput {
			t.Errorf("a group not of the domain: %v, want USER_INPUT", err)
		}
		if _, err := s.CreateUser(ctx, "t/ghost2", identity.User{DomainID: d.DomainID, Username: "ghost", Roles: []identity.Grant{{RoleID: "1"}}}); category(err) != ticket.UserInput {
			t.Errorf("a role not of the domain: %v, want USER_INPUT", err)
		}
		if _, err := s.ListUsers(ctx, d.DomainID, identity.UserFilter{}, identity.ListOptions{Marker: "99999999999999"}); !identity.IsNotFound(err) {
			t.Errorf("unknown marker: %v", err)
		}
		g, err := s.ListGroups(ctx, d.DomainID, identity.GroupFilter{ExcludeRoles: []string{"member"}}, identity.ListOptions{})
		if err != nil || !slices.Equal(ids(g.Items, groupName), []string{"Administrators"}) {
			t.Errorf("groups without member: %v %v", g.Items, err)
		}
		if g, _ := s.ListGroups(ctx, d.DomainID, identity.GroupFilter{Name: "users"}, identity.ListOptions{}); !slices.Equal(ids(g.Items, groupName), []string{"Users"}) {
			t.Errorf("group by name: %v", g.Items)
		}
	})
}

func TestUsersPageByMarker(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, s *identity.Store) {
		ctx := context.Background()
		d, _ := s.CreateDomain(ctx, "", identity.Domain{Name: "acme"})
		for i := range 7 {
			if _, err := s.CreateUser(ctx, fmt.Sprintf("t/%d", i), identity.User{DomainID: d.DomainID, Username: fmt.Sprintf("u%d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]bool{}
		o := identity.ListOptions{Limit: 3}
		for {
			p, err := s.ListUsers(ctx, d.DomainID, identity.UserFilter{}, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range p.Items {
				if seen[u.UserID] {
					t.Fatalf("%s listed twice", u.UserID)
				}
				seen[u.UserID] = true
			}
			if p.Next == "" {
				break
			}
			o.Marker = p.Next
		}
		if len(seen) != 7 {
			t.Errorf("paged through %d of 7 users", len(seen))
		}
	})
}

func TestTransferOwnershipNamesAUserOfTheDomain(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, s *identity.Store) {
		ctx := context.Background()
		d, _ := s.CreateDomain(ctx, "", identity.Domain{Name: "acme"})
		e, _ := s.CreateDomain(ctx, "", identity.Domain{Name: "other"})
		u, _ := s.CreateUser(ctx, "t/1", identity.User{DomainID: d.DomainID, Username: "bob"})
		stranger, _ := s.CreateUser(ctx, "t/2", identity.User{DomainID: e.DomainID, Username: "eve"})
		got, err := s.TransferOwnership(ctx, d.DomainID, u.UserID)
		if err != nil || got.UserID != u.UserID {
			t.Fatal(got, err)
		}
		if dd, _ := s.GetDomain(ctx, d.DomainID); !slices.Equal(dd.Owners, []string{u.UserID}) {
			t.Errorf("owners %v", dd.Owners)
		}
		if _, err := s.TransferOwnership(ctx, d.DomainID, stranger.UserID); !identity.IsNotFound(err) {
			t.Errorf("a user of another domain: %v", err)
		}
		if _, err := s.TransferOwnership(ctx, "99999999999999", u.UserID); !identity.IsNotFound(err) {
			t.Errorf("a missing domain: %v", err)
		}
	})
}

func TestEndpointTemplatesByServiceAndSubscriptionsByTenant(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, s *identity.Store) {
		ctx := context.Background()
		if err := s.LoadCatalogue(ctx, identity.Catalogue()); err != nil {
			t.Fatal(err)
		}
		all, err := s.EndpointTemplates(ctx, "", identity.ListOptions{Limit: 1000})
		if err != nil || len(all.Items) != len(identity.Catalogue()) || all.Items[0].ID != "100" {
			t.Fatalf("catalogue: %d templates, %v", len(all.Items), err)
		}
		compute, err := s.EndpointTemplates(ctx, "compute", identity.ListOptions{Limit: 2})
		if err != nil || len(compute.Items) != 2 || compute.Next != "110" {
			t.Fatalf("Compute: %+v %v", compute, err)
		}
		rest, err := s.EndpointTemplates(ctx, "Compute", identity.ListOptions{Marker: "110"})
		if err != nil || len(rest.Items) != 1 || rest.Items[0].ID != "111" {
			t.Fatalf("Compute after 110: %+v %v", rest, err)
		}
		if _, err := s.EndpointTemplates(ctx, "Teleportation", identity.ListOptions{}); category(err) != ticket.UserInput {
			t.Errorf("unknown service: %v", err)
		}
		if _, err := s.EndpointTemplate(ctx, "999"); category(err) != ticket.UserInput {
			t.Errorf("unknown template: %v", err)
		}
		d, _ := s.CreateDomain(ctx, "", identity.Domain{Name: "acme"})
		t1, _ := s.CreateTenant(ctx, "t/1", identity.Tenant{DomainID: d.DomainID, Name: "one"})
		t2, _ := s.CreateTenant(ctx, "t/2", identity.Tenant{DomainID: d.DomainID, Name: "two"})
		for i, c := range []struct{ tenant, template string }{{t1.TenantID, "100"}, {t1.TenantID, "110"}, {t2.TenantID, "120"}} {
			if _, err := s.CreateSubscription(ctx, fmt.Sprintf("s/%d", i), identity.Subscription{DomainID: d.DomainID, TenantID: c.tenant, EndpointTemplateID: c.template}); err != nil {
				t.Fatal(err)
			}
		}
		p, err := s.ListSubscriptions(ctx, d.DomainID, t1.TenantID, identity.ListOptions{})
		if err != nil || len(p.Items) != 2 || p.Items[0].Status != "enabled" {
			t.Errorf("tenant one's services: %+v %v", p.Items, err)
		}
		if _, err := s.ListSubscriptions(ctx, d.DomainID, "99999999999999", identity.ListOptions{}); !identity.IsNotFound(err) {
			t.Errorf("a tenant not of the domain: %v", err)
		}
		by, err := s.Subscriptions(ctx, d.DomainID)
		if err != nil || len(by["100"]) != 1 || len(by["120"]) != 1 || len(by["130"]) != 0 {
			t.Errorf("by template: %v %v", by, err)
		}
	})
}

// TestRemoveDomainAndAConcurrentSubscriptionNeverLeaveAnOrphan races DELETE's removal of a
// domain with activateService's subscription: either the removal is refused and the domain
// keeps its new service, or the domain goes and the subscription was refused — never a
// subscription left under a deleted domain.
func TestRemoveDomainAndAConcurrentSubscriptionNeverLeaveAnOrphan(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, s *identity.Store) {
		dynamodbtest.SkipWhereConcurrentWritesRace(t)
		ctx := context.Background()
		if err := s.LoadCatalogue(ctx, identity.Catalogue()); err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			d, _ := s.CreateDomain(ctx, "", identity.Domain{Name: fmt.Sprintf("race-%d", i)})
			tn, _ := s.CreateTenant(ctx, fmt.Sprintf("r/%d/t", i), identity.Tenant{DomainID: d.DomainID, Name: "main"})
			var removeErr, subErr error
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); removeErr = s.RemoveDomain(ctx, d.DomainID) }()
			go func() {
				defer wg.Done()
				_, subErr = s.CreateSubscription(ctx, fmt.Sprintf("r/%d/s", i), identity.Subscription{DomainID: d.DomainID, TenantID: tn.TenantID, EndpointTemplateID: "100"})
			}()
			wg.Wait()
			left, err := s.Subscriptions(ctx, d.DomainID)
			if err != nil {
				t.Fatal(err)
			}
			_, domainErr := s.GetDomain(ctx, d.DomainID)
			switch {
			case removeErr == nil && (len(left) != 0 || subErr == nil):
				t.Fatalf("round %d: the domain went, and a subscription was made (%v) or left (%d)", i, subErr, len(left))
			case removeErr != nil && (subErr != nil || domainErr != nil || len(left) != 1):
				t.Fatalf("round %d: removal refused (%v), but subscription %v, domain %v, %d left", i, removeErr, subErr, domainErr, len(left))
			}
			if removeErr != nil {
				// The refusal took its mark away: the domain takes services again.
				if _, err := s.CreateSubscription(ctx, fmt.Sprintf("r/%d/s2", i), identity.Subscription{DomainID: d.DomainID, TenantID: tn.TenantID, EndpointTemplateID: "110"}); err != nil {
					t.Fatalf("round %d: after a refused removal (%v): %v", i, removeErr, err)
				}
			}
		}
	})
}
