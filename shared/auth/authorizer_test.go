package auth_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/actionservice/actionservice/shared/auth"
)

const methodArn = "arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod/GET/job/0123456789abcdef01234567"

func authorizerRequest(token string) events.APIGatewayCustomAuthorizerRequest {
	return events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: token, MethodArn: methodArn}
}

func checkPolicy(t *testing.T, resp events.APIGatewayCustomAuthorizerResponse, effect string) {
	t.Helper()
	want := events.APIGatewayCustomAuthorizerPolicy{
		Version: "2012-10-17",
		Statement: []events.IAMPolicyStatement{{
			Action:   []string{"execute-api:Invoke"},
			Effect:   effect,
			Resource: []string{"arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod/*/*"},
		}},
	}
	if !reflect.DeepEqual(resp.PolicyDocument, want) {
		t.Errorf("policy = %+v, want %+v", resp.PolicyDocument, want)
	}
}

func TestAuthorizerAllowsWithPrincipalContext(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		token, err := f.tokens.Issue(ctx, alice, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := auth.NewAuthorizer(f.tokens).Handle(ctx, authorizerRequest(token))
		if err != nil {
			t.Fatal(err)
		}
		if resp.PrincipalID != alice.UserID {
			t.Errorf("PrincipalID = %q, want %q", resp.PrincipalID, alice.UserID)
		}
		checkPolicy(t, resp, "Allow")
		got, ok := auth.FromContext(resp.Context)
		if !ok || !reflect.DeepEqual(got, alice) {
			t.Errorf("FromContext(response context) = %+v, %v; want %+v", got, ok, alice)
		}
	})
}

func TestAuthorizerAnswersUnauthorizedForUnknownToken(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		a := auth.NewAuthorizer(f.tokens)
		expired, err := f.tokens.Issue(ctx, alice, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
		for name, token := range map[string]string{"unknown": auth.TokenPrefix + "nosuchtoken", "missing": "", "expired": expired} {
			_, err := a.Handle(ctx, authorizerRequest(token))
			if err == nil || err.Error() != "Unauthorized" {
				t.Errorf("%s token: error = %v, want exactly \"Unauthorized\"", name, err)
			}
		}
	})
}

func TestAuthorizerDeniesDisabledPrincipal(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		p := alice
		p.Status = auth.StatusDisabled
		token, err := f.tokens.Issue(ctx, p, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		a := auth.NewAuthorizer(f.tokens)
		resp, err := a.Handle(ctx, authorizerRequest(token))
		if err != nil {
			t.Fatal(err)
		}
		if resp.PrincipalID != p.UserID {
			t.Errorf("PrincipalID = %q, want %q", resp.PrincipalID, p.UserID)
		}
		checkPolicy(t, resp, "Deny")

		if _, err := a.Decide(ctx, token); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("Decide = %v, want ErrForbidden", err)
		}
	})
}

func TestStageWildcard(t *testing.T) {
	for in, want := range map[string]string{
		methodArn: "arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod/*/*",
		"arn:aws:execute-api:us-east-1:123456789012:api/stage/HEAD/": "arn:aws:execute-api:us-east-1:123456789012:api/stage/*/*",
		"not-an-arn": "not-an-arn",
		"arn:aws:execute-api:us-east-1:123456789012:api": "arn:aws:execute-api:us-east-1:123456789012:api",
		"arn:aws:s3:::bucket/key/x":                      "arn:aws:s3:::bucket/key/x",
	} {
		if got := auth.StageWildcard(in); got != want {
			t.Errorf("StageWildcard(%q) = %q, want %q", in, got, want)
		}
	}
}
