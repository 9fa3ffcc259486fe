package auth

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// ErrUnauthorized is what the authorizer returns for a missing, unknown or expired token:
// API Gateway answers 401 only for an error with exactly this message.
var ErrUnauthorized = errors.New("Unauthorized")

// Authorizer decides whether a token may call the API. API Gateway runs it as a TOKEN
// authorizer (Handle); the local stack calls Decide with the same token, so both homes judge
// a request by the same code.
type Authorizer struct {
	tokens *Tokens
	// Log receives the authorizer's log lines (slog.Default when nil).
	Log *slog.Logger
}

// NewAuthorizer returns an authorizer that checks tokens against the store.
func NewAuthorizer(tokens *Tokens) *Authorizer { return &Authorizer{tokens: tokens} }

// Decide is the authorizer's verdict on a token: the principal, or ErrMissingToken,
// ErrInvalidToken (→ 401), ErrForbidden with the principal (→ 403), an error wrapping
// ErrStoreUnavailable (→ 503), or another error (→ 500).
func (a *Authorizer) Decide(ctx context.Context, token string) (Principal, error) {
	return a.tokens.Authenticate(ctx, token)
}

// Handle is the API Gateway TOKEN authorizer. A valid token gets an Allow policy on every
// method of the stage, because API Gateway caches the policy per token and reuses it for
// whichever route the token calls next; the principal travels to the integration as the
// authorizer context. A disabled or suspended principal gets a Deny policy (403). A missing
// or invalid token gets ErrUnauthorized (401). A store failure is returned as itself, which
// API Gateway answers 500: a good token must not be told it is invalid.
func (a *Authorizer) Handle(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	p, err := a.Decide(ctx, req.AuthorizationToken)
	switch {
	case err == nil:
		return policy(p, "Allow", req.MethodArn), nil
	case errors.Is(err, ErrForbidden):
		return policy(p, "Deny", req.MethodArn), nil
	case errors.Is(err, ErrMissingToken), errors.Is(err, ErrInvalidToken):
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	default:
		a.log().ErrorContext(ctx, "authorizer could not judge token", "err", err)
		return events.APIGatewayCustomAuthorizerResponse{}, err
	}
}

func (a *Authorizer) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

func policy(p Principal, effect, methodArn string) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: p.UserID,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action:   []string{"execute-api:Invoke"},
				Effect:   effect,
				Resource: []string{StageWildcard(methodArn)},
			}},
		},
		Context: p.Context(),
	}
}

// StageWildcard turns a method ARN (arn:aws:execute-api:region:account:apiId/stage/VERB/path)
// into one that covers every method and path of the same stage
// (arn:aws:execute-api:region:account:apiId/stage/*/*). An ARN of another shape is returned
// unchanged, so the policy is never wider than API Gateway asked about.
func StageWildcard(methodArn string) string {
	parts := strings.SplitN(methodArn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "execute-api" {
		return methodArn
	}
	path := strings.SplitN(parts[5], "/", 3)
	if len(path) < 2 || path[0] == "" || path[1] == "" {
		return methodArn
	}
	return strings.Join(parts[:5], ":") + ":" + path[0] + "/" + path[1] + "/*/*"
}
