package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/actionservice/actionservice/local/dynamodb/dynamodbtest"
	"github.com/actionservice/actionservice/local/moto"
	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/cloud"
)

const table = "tokens"

// clock is a test's time: it moves only when the test says so.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type fixture struct {
	db     *dynamodb.Client
	tokens *auth.Tokens
	clock  *clock
}

// eachBackend runs the test against every DynamoDB implementation, each on a fresh database.
func eachBackend(t *testing.T, test func(t *testing.T, f fixture)) {
	for _, b := range dynamodbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t, auth.TokensTable(table))
			c := &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
			test(t, fixture{db: db, tokens: auth.NewTokens(db, table, auth.WithClock(c.Now)), clock: c})
		})
	}
}

var alice = auth.Principal{
	UserID:    "u1",
	AccountID: "000000003002",
	DomainID:  "47161213735800",
	Roles:     []string{"admin", "ops"},
	Status:    auth.StatusEnabled,
}

func TestIssuedTokenAuthenticatesAsItsPrincipal(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		token, err := f.tokens.Issue(ctx, alice, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(token, auth.TokenPrefix) {
			t.Errorf("token %q lacks prefix %q", token, auth.TokenPrefix)
		}
		got, err := f.tokens.Authenticate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		want := alice
		want.ExpiresAt = f.clock.Now().Add(time.Hour)
		if !reflect.DeepEqual(got, want) || !got.ExpiresAt.Equal(want.ExpiresAt) {
			t.Errorf("Authenticate = %+v, want %+v", got, want)
		}

		other, err := f.tokens.Issue(ctx, alice, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if other == token {
			t.Error("two issued tokens are equal")
		}
	})
}

func TestPutTokenAuthenticatesAndNeverExpiresWithoutExpiry(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		admin := auth.Principal{UserID: "admin", Roles: []string{auth.RoleAdmin}, Status: auth.StatusEnabled}
		if err := f.tokens.Put(ctx, "local-admin-token", admin); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(100 * 365 * 24 * time.Hour)
		got, err := f.tokens.Authenticate(ctx, "local-admin-token")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, admin) || !got.IsAdmin() {
			t.Errorf("Authenticate = %+v, want %+v", got, admin)
		}
	})
}

func TestTokenIsStoredOnlyAsSHA256Hash(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		token, err := f.tokens.Issue(ctx, alice, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		out, err := f.db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Items) != 1 {
			t.Fatalf("table holds %d items, want 1", len(out.Items))
		}
		var items []map[string]any
		if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(items)
		if err != nil {
			t.Fatal(err)
		}
		if secret := strings.TrimPrefix(token, auth.TokenPrefix); strings.Contains(string(raw), secret) {
			t.Errorf("the table holds the token: %s", raw)
		}
		if got := items[0]["tokenHash"]; got != auth.Hash(token) {
			t.Errorf("tokenHash = %v, want SHA-256 hex %s", got, auth.Hash(token))
		}
	})
}

func TestHashIsSHA256Hex(t *testing.T) {
	// echo -n abc | sha256sum
	if got, want := auth.Hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("Hash(abc) = %s, want %s", got, want)
	}
}

func TestUnknownTokenIsInvalid(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		_, err := f.tokens.Authenticate(context.Background(), auth.TokenPrefix+"nosuchtoken")
		if !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("Authenticate(unknown) = %v, want ErrInvalidToken", err)
		}
	})
}

func TestExpiredTokenIsInvalid(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		token, err := f.tokens.Issue(ctx, alice, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour - time.Second)
		if _, err := f.tokens.Authenticate(ctx, token); err != nil {
			t.Fatalf("one second before expiry: %v", err)
		}
		f.clock.Advance(time.Second)
		if _, err := f.tokens.Authenticate(ctx, token); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("at expiry: Authenticate = %v, want ErrInvalidToken", err)
		}
	})
}

func TestDisabledAndSuspendedPrincipalsAreForbidden(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		for _, status := range []string{auth.StatusDisabled, auth.StatusSuspended} {
			p := alice
			p.Status = status
			token, err := f.tokens.Issue(ctx, p, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.tokens.Authenticate(ctx, token)
			if !errors.Is(err, auth.ErrForbidden) {
				t.Errorf("%s: Authenticate = %v, want ErrForbidden", status, err)
			}
			if got.UserID != p.UserID || got.Status != status {
				t.Errorf("%s: forbidden principal = %+v, want user %s with its status", status, got, p.UserID)
			}
		}
	})
}

func TestMissingTokenIsMissing(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		if _, err := f.tokens.Authenticate(context.Background(), ""); !errors.Is(err, auth.ErrMissingToken) {
			t.Errorf("Authenticate(\"\") = %v, want ErrMissingToken", err)
		}
	})
}

func TestPrincipalsThatCannotBeReadBackAreRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		for name, p := range map[string]auth.Principal{
			"no user":        {Status: auth.StatusEnabled},
			"no status":      {UserID: "u1"},
			"unknown status": {UserID: "u1", Status: "deleted"},
			"comma in role":  {UserID: "u1", Status: auth.StatusEnabled, Roles: []string{"a,b"}},
		} {
			if _, err := f.tokens.Issue(ctx, p, time.Hour); err == nil {
				t.Errorf("%s: Issue accepted %+v", name, p)
			}
		}
		if _, err := f.tokens.Issue(ctx, alice, 0); err == nil {
			t.Error("Issue accepted a zero ttl")
		}
		if err := f.tokens.Put(ctx, "", alice); err == nil {
			t.Error("Put accepted an empty token")
		}
	})
}

// clientAt is a DynamoDB client for the endpoint, without retries so a test of a failing
// store does not wait for backoff.
func clientAt(endpoint string) *dynamodb.Client {
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		RetryMaxAttempts: 1,
	}
	return cloud.DynamoDB(cfg, endpoint)
}

// closedPortClient is a DynamoDB client whose endpoint refuses connections.
func closedPortClient(t *testing.T) *dynamodb.Client {
	t.Helper()
	port, err := moto.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return clientAt(fmt.Sprintf("http://127.0.0.1:%d", port))
}

func TestStoreFailureIsNotUnauthorized(t *testing.T) {
	tokens := auth.NewTokens(closedPortClient(t), table)
	ctx := context.Background()

	_, err := tokens.Authenticate(ctx, "ast_sometoken")
	if !errors.Is(err, auth.ErrStoreUnavailable) || errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Authenticate on a dead store = %v, want ErrStoreUnavailable", err)
	}

	_, err = auth.NewAuthorizer(tokens).Handle(ctx, authorizerRequest("ast_sometoken"))
	if err == nil || err.Error() == "Unauthorized" || !errors.Is(err, auth.ErrStoreUnavailable) {
		t.Errorf("authorizer on a dead store = %v, want a store error, not Unauthorized", err)
	}

	if _, err := tokens.Issue(ctx, alice, time.Hour); !errors.Is(err, auth.ErrStoreUnavailable) {
		t.Errorf("Issue on a dead store = %v, want ErrStoreUnavailable", err)
	}
}

func TestMissingTableIsNeitherInvalidNorUnavailable(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		_, err := auth.NewTokens(f.db, "no-such-table").Authenticate(context.Background(), "ast_sometoken")
		if err == nil || errors.Is(err, auth.ErrInvalidToken) || errors.Is(err, auth.ErrStoreUnavailable) {
			t.Errorf("Authenticate on a missing table = %v, want an internal error", err)
		}
	})
}

func TestThrottledOrFailingStoreIsUnavailable(t *testing.T) {
	for name, answer := range map[string]struct {
		status int
		typ    string
	}{
		"throttled":      {http.StatusBadRequest, "ThrottlingException"},
		"over capacity":  {http.StatusBadRequest, "ProvisionedThroughputExceededException"},
		"internal error": {http.StatusInternalServerError, "InternalServerError"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.WriteHeader(answer.status)
				fmt.Fprintf(w, `{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":"try later"}`, answer.typ)
			}))
			defer srv.Close()
			_, err := auth.NewTokens(clientAt(srv.URL), table).Authenticate(context.Background(), "ast_sometoken")
			if !errors.Is(err, auth.ErrStoreUnavailable) {
				t.Errorf("Authenticate = %v, want ErrStoreUnavailable", err)
			}
		})
	}
}
