package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/actionservice/actionservice/local/dynamodb/dynamodbtest"
	"github.com/actionservice/actionservice/shared/auth"
)

// FuzzAuthorizerAllowsOnlyTheTokensItIssued: whatever the token and the method ARN, the
// authorizer allows only an issued token, for its own principal, on no more than the stage
// the ARN names; everything else is 401. It never panics.
func FuzzAuthorizerAllowsOnlyTheTokensItIssued(f *testing.F) {
	db := dynamodbtest.Backends()[0].Open(f, auth.TokensTable(table))
	tokens := auth.NewTokens(db, table)
	issued, err := tokens.Issue(context.Background(), auth.Principal{UserID: "u1", AccountID: "a1", DomainID: "d1", Status: auth.StatusEnabled}, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	authz := auth.NewAuthorizer(tokens)
	const arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/job"
	for _, s := range [][2]string{{issued, arn}, {"", arn}, {issued + " ", arn}, {strings.ToUpper(issued), arn},
		{"ast_\x00", "arn:aws:execute-api:x:y:z"}, {issued, "arn:aws:execute-api:us-east-1:1:api//GET/"}, {issued, "*"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, token, methodArn string) {
		resp, err := authz.Handle(context.Background(), events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: token, MethodArn: methodArn})
		if token != issued {
			if !errors.Is(err, auth.ErrUnauthorized) {
				t.Fatalf("token %q: %v %+v, want ErrUnauthorized", token, err, resp)
			}
			return
		}
		if err != nil || resp.PrincipalID != "u1" || len(resp.PolicyDocument.Statement) != 1 {
			t.Fatalf("the issued token: %v %+v", err, resp)
		}
		// The resource is the ARN itself, or its stage's wildcard: apiId/stage/*/*.
		res := resp.PolicyDocument.Statement[0].Resource[0]
		stage, wildcard := strings.CutSuffix(res, "/*/*")
		rest, under := strings.CutPrefix(methodArn, stage)
		if res != methodArn && (!wildcard || !under || (rest != "" && rest[0] != '/')) {
			t.Fatalf("ARN %q widened to %q", methodArn, res)
		}
	})
}
