package identity_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	localdynamodb "github.com/actionservice/actionservice/local/dynamodb"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/ticket"
)

func category(err error) ticket.Category {
	if e, ok := err.(*identity.Error); ok {
		return e.Category
	}
	return ""
}

func TestDomainNamesAreUniqueIgnoringCase(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, s *identity.Store) {
		ctx := context.Background()
		d, err := s.CreateDomain(ctx, "t1/CreateUmsDomain", identity.Domain{Name: "domain_acme"})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.DomainID) != 14 || d.DomainID[0] == '0' || d.Status != "enabled" {
			t.Fatalf("domain %+v", d)
		}
		_, err = s.CreateDomain(ctx, "t2/CreateUmsDomain", identity.Domain{Name: "DoMaiN_ACME"})
		if category(err) != ticket.Conflict {
			t.Fatalf("want CONFLICT, got %v", err)
		}
		if ok, _ := s.DomainNameExists(ctx, "DOMAIN_acme"); !ok {
			t.Fatal("name not found ignoring case")
		}
		if _, err := s.CreateDomain(ctx, "t3/CreateUmsDomain", identity.Domain{}); category(err) != ticket.UserInput {
			t.Fatalf("want USER_INPUT, got %v", err)
		}
		// after delete the name is free again
		if err := s.DeleteDomain(ctx, d.DomainID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteDomain(ctx, d.DomainID); !identity.IsNotFound(err) {
			t.Fatalf("second delete: %v", err)
		}
		if _, err := s.CreateDomain(ctx, "t4/CreateUmsDomain", identity.Domain{Name: "Domain_Acme"}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCreatesAreIdempotentPerStep(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, s *identity.Store) {
		ctx := context.Background()
		a, err := s.CreateDomain(ctx, "t1/CreateUmsDomain", identity.Domain{Name: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.CreateDomain(ctx, "t1/CreateUmsDomain", identity.Domain{Name: "acme"})
		if err != nil || b.DomainID != a.DomainID {
			t.Fatalf("retry made %+v (%v), first %+v", b, err, a)
		}
		u1, err := s.CreateUser(ctx, "t2/CreateUmsUser", identity.User{DomainID: a.DomainID, Username: "Bob"})
		if err != nil {
			t.Fatal(err)
		}
		u2, err := s.CreateUser(ctx, "t2/CreateUmsUser", identity.User{DomainID: a.DomainID, Username: "Bob"})
		if err != nil || u2.UserID != u1.UserID {
			t.Fatalf("user retry %+v %v", u2, err)
		}
		if ids, _ := s.Users(ctx, a.DomainID); len(ids) != 1 {
			t.Fatalf("users %v", ids)
		}
		tn1, _ := s.CreateTenant(ctx, "t3/CreateUmsTenant", identity.Tenant{DomainID: a.DomainID, Name: "main"})
		tn2, _ := s.CreateTenant(ctx, "t3/CreateUmsTenant", identity.Tenant{DomainID: a.DomainID, Name: "main"})
		if tn1.TenantID == "" || tn1.TenantID != tn2.TenantID {
			t.Fatalf("tenant retry %v %v", tn1, tn2)
		}
		prev1, err := s.SetDomainState(ctx, "t4/SetUmsDomainState", a.DomainID, "suspended")
		if err != nil || prev1 != "enabled" {
			t.Fatal(prev1, err)
		}
		if prev2, _ := s.SetDomainState(ctx, "t4/SetUmsDomainState", a.DomainID, "suspended"); prev2 != "enabled" {
			t.Fatalf("retry answered previous %q", prev2)
		}
	})
}

func TestUsersTenantsSubscriptions(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, s *identity.Store) {
		ctx := context.Background()
		if _, err := s.CreateUser(ctx, "t1/CreateUmsUser", identity.User{DomainID: "12345678901234", Username: "bob"}); category(err) != ticket.NotFound {
			t.Fatalf("user in missing domain: %v", err)
		}
		d, _ := s.CreateDomain(ctx, "t0/CreateUmsDomain", identity.Domain{Name: "acme"})
		u, err := s.CreateUser(ctx, "t2/CreateUmsUser", identity.User{DomainID: d.DomainID, Username: "bob"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, "t3/CreateUmsUser", identity.User{DomainID: d.DomainID, Username: "BOB"}); category(err) != ticket.Conflict {
			t.Fatalf("duplicate username: %v", err)
		}
		prev, err := s.SetUserState(ctx, "t4/SetUmsUserState", u.UserID, "disabled")
		if err != nil || prev != "enabled" {
			t.Fatal(prev, err)
		}
		if got, _ := s.GetUser(ctx, u.UserID); got.Status != "disabled" {
			t.Fatalf("user %+v", got)
		}
		if err := s.RestoreUserState(ctx, u.UserID, prev); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetUserState(ctx, "t5/SetUmsUserState", u.UserID, "bogus"); category(err) != ticket.UserInput {
			t.Fatal(err)
		}
		tn, _ := s.CreateTenant(ctx, "t6/CreateUmsTenant", identity.Tenant{DomainID: d.DomainID, Name: "main"})
		if err := s.LoadCatalogue(ctx, identity.Catalogue()); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"12a", "12", "150"} { // not numeric, no such template, a preview release
			if err := s.CheckSubscribeable(ctx, d.DomainID, tn.TenantID, bad); category(err) != ticket.UserInput {
				t.Fatalf("template %s: %v", bad, err)
			}
		}
		if err := s.CheckSubscribeable(ctx, d.DomainID, "99999999999999", "100"); category(err) != ticket.NotFound {
			t.Fatal(err)
		}
		sub, err := s.CreateSubscription(ctx, "t7/CreateSubscription", identity.Subscription{DomainID: d.DomainID, TenantID: tn.TenantID, EndpointTemplateID: "100"})
		if err != nil || sub.SubscriptionID == "" {
			t.Fatal(sub, err)
		}
		if n, err := s.Purge(ctx, d.DomainID, "SUB#", "TENANT#", "USER#", "USERNAME#"); err != nil || n != 4 {
			t.Fatalf("purged %d %v", n, err)
		}
		if err := s.DeleteSubscription(ctx, d.DomainID, sub.SubscriptionID); category(err) != ticket.NotFound {
			t.Fatal(err)
		}
	})
}

func TestDynamoDBFailuresAreTransientWhenTheSDKWouldRetryAndInternalOtherwise(t *testing.T) {
	s, srv, _ := openCounted(t, func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	for _, c := range []struct {
		mode      localdynamodb.FaultMode
		transient bool
	}{{localdynamodb.Throttle, true}, {localdynamodb.Conflict, true}, {localdynamodb.Deny, false}} {
		remove, err := srv.Inject(localdynamodb.Fault{Table: "identity", Mode: c.mode})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateDomain(context.Background(), "t/"+string(c.mode), identity.Domain{Name: "d_" + string(c.mode)})
		remove()
		var tr interface{ Transient() bool }
		switch {
		case c.transient && !(errors.As(err, &tr) && tr.Transient()):
			t.Errorf("%s: %v, want a transient error", c.mode, err)
		case !c.transient && (category(err) != ticket.Internal || !strings.Contains(err.Error(), "AccessDeniedException")):
			t.Errorf("%s: %v, want an INTERNAL refusal naming AccessDeniedException", c.mode, err)
		}
	}
}

// openCounted is a store on a fresh embedded DynamoDB whose requests can be counted and
// faulted; opts adjust the client.
func openCounted(t *testing.T, opts ...func(*dynamodb.Options)) (*identity.Store, *localdynamodb.Server, *dynamodb.Client) {
	t.Helper()
	srv, err := localdynamodb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	db := localdynamodb.Client(srv.URL, opts...)
	if err := localdynamodb.CreateTables(context.Background(), db, identity.IdentityTable("identity")); err != nil {
		t.Fatal(err)
	}
	return identity.New(db, "identity"), srv, db
}

func TestUserByIDIsReadConsistentlyNotFromTheIndex(t *testing.T) {
	s, srv, _ := openCounted(t)
	ctx := context.Background()
	d, _ := s.CreateDomain(ctx, "t0/CreateUmsDomain", identity.Domain{Name: "acme"})
	u, err := s.CreateUser(ctx, "t1/CreateUmsUser", identity.User{DomainID: d.DomainID, Username: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	queries := srv.Requests()["Query"]
	got, err := s.GetUser(ctx, u.UserID)
	if err != nil || got.DomainID != d.DomainID || got.Username != "bob" {
		t.Fatalf("GetUser: %+v %v", got, err)
	}
	if _, err := s.SetUserState(ctx, "t2/SetUmsUserState", u.UserID, "disabled"); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests()["Query"] - queries; n != 0 {
		t.Errorf("finding a user by id made %d queries; an index read may miss a user created a moment ago", n)
	}
}

// userEntries counts the items whose pk is a user's directory entry.
func userEntries(t *testing.T, db *dynamodb.Client) int {
	t.Helper()
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("identity")})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range out.Items {
		if pk, ok := it["pk"].(*types.AttributeValueMemberS); ok && strings.HasPrefix(pk.Value, "USER#") {
			n++
		}
	}
	return n
}

func TestDeletedAndPurgedUsersLeaveNoDirectoryEntry(t *testing.T) {
	s, _, db := openCounted(t)
	ctx := context.Background()
	d, _ := s.CreateDomain(ctx, "t0/CreateUmsDomain", identity.Domain{Name: "acme"})
	u, _ := s.CreateUser(ctx, "t1/CreateUmsUser", identity.User{DomainID: d.DomainID, Username: "bob"})
	if _, err := s.CreateUser(ctx, "t2/CreateUmsUser", identity.User{DomainID: d.DomainID, Username: "ann"}); err != nil {
		t.Fatal(err)
	}
	if n := userEntries(t, db); n != 2 {
		t.Fatalf("%d directory entries for 2 users", n)
	}
	if err := s.DeleteUser(ctx, u.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetUser(ctx, u.UserID); category(err) != ticket.NotFound {
		t.Errorf("deleted user: %v, want NOT_FOUND", err)
	}
	if n := userEntries(t, db); n != 1 {
		t.Errorf("%d directory entries after deleting one of 2 users", n)
	}
	if _, err := s.Purge(ctx, d.DomainID, "USER#", "USERNAME#"); err != nil {
		t.Fatal(err)
	}
	if n := userEntries(t, db); n != 0 {
		t.Errorf("%d directory entries after purging the domain's users", n)
	}
}
