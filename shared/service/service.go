// Package service builds the Action Service's dependencies from configuration (environment
// variables in a Lambda, flags in the local stack), so every Lambda's main.go and the local
// stack wire the same objects the same way.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/cloud"
	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/logging"
	"github.com/actionservice/actionservice/shared/metrics"
	"github.com/actionservice/actionservice/shared/store"
)

// Config is the service's configuration.
type Config struct {
	TicketsTable string
	TokensTable  string
	// IdentityTable holds domains, users, tenants and subscriptions.
	IdentityTable string
	// Retention of COMPLETE tickets.
	Retention time.Duration
	// WaitCap bounds a request's timeOut wait.
	WaitCap time.Duration
	// StateMachineARNPrefix + action is an action's state machine.
	StateMachineARNPrefix string
	// ParamsKMSKey seals action parameters with KMS envelope encryption (AWS); otherwise
	// ParamsKeyFile holds a local AES key (the local stack).
	ParamsKMSKey  string
	ParamsKeyFile string
}

// ConfigFromEnv reads TICKETS_TABLE, TOKENS_TABLE, TICKET_RETENTION_DAYS and WAIT_CAP_SECONDS.
func ConfigFromEnv() (Config, error) {
	c := Config{
		TicketsTable:  cloud.Env("TICKETS_TABLE", "tickets"),
		TokensTable:   cloud.Env("TOKENS_TABLE", "tokens"),
		IdentityTable: cloud.Env("IDENTITY_TABLE", "identity"),
		Retention:     store.DefaultRetention,
		WaitCap:       httpapi.DefaultWaitCap,

		StateMachineARNPrefix: os.Getenv("STATE_MACHINE_ARN_PREFIX"),
		ParamsKMSKey:          os.Getenv("PARAMS_KMS_KEY_ID"),
		ParamsKeyFile:         os.Getenv("PARAMS_KEY_FILE"),
	}
	if v := os.Getenv("TICKET_RETENTION_DAYS"); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("TICKET_RETENTION_DAYS must be a positive number of days, got %q", v)
		}
		c.Retention = time.Duration(d) * 24 * time.Hour
	}
	if v := os.Getenv("WAIT_CAP_SECONDS"); v != "" {
		s, err := strconv.Atoi(v)
		if err != nil || s <= 0 || s > 28 {
			return c, fmt.Errorf("WAIT_CAP_SECONDS must be 1..28 (API Gateway stops waiting at 29 s), got %q", v)
		}
		c.WaitCap = time.Duration(s) * time.Second
	}
	return c, nil
}

// Logger is the logger every component logs through: Lambda's JSON log lines on stdout, as
// lambdacontext.NewLogger writes them (see package logging).
func Logger() *slog.Logger {
	return logging.New(os.Stdout)
}

// NewAPI builds the HTTP API on a tickets store, an execution starter and the identity
// records, which submit resolves actions' targets in and the Domains API serves.
func NewAPI(c Config, tickets *store.Store, executions httpapi.Executions, ids *identity.Store, log *slog.Logger) *httpapi.API {
	return &httpapi.API{Tickets: tickets, Executions: executions, Directory: ids, Identity: ids, WaitCap: c.WaitCap, Log: log}
}

// Tickets builds the tickets store on db with its retention and the sealer (nil: none).
func Tickets(c Config, db *dynamodb.Client, sealer store.Sealer) *store.Store {
	opts := []store.Option{store.WithRetention(c.Retention)}
	if sealer != nil {
		opts = append(opts, store.WithSealer(sealer))
	}
	return store.New(db, c.TicketsTable, opts...)
}

// Tokens builds the tokens store on db, which the authorizer reads.
func Tokens(c Config, db *dynamodb.Client) *auth.Tokens {
	return auth.NewTokens(db, c.TokensTable)
}

// Identity builds the identity store on db, which the identity steps write.
func Identity(c Config, db *dynamodb.Client) *identity.Store {
	return identity.New(db, c.IdentityTable)
}

// LambdaEnv is what every Lambda of the service is configured from: the service's
// configuration, the AWS configuration and the endpoints, read from the environment.
type LambdaEnv struct {
	Config    Config
	AWS       aws.Config
	Endpoints cloud.Endpoints
	Log       *slog.Logger
	Metrics   *metrics.Emitter
}

// MustLambdaEnv reads the Lambda's environment. A Lambda that cannot read it logs why and
// exits: the runtime reports the failed init.
func MustLambdaEnv() LambdaEnv {
	e := LambdaEnv{Log: Logger(), Metrics: metrics.New(os.Stdout, nil), Endpoints: cloud.EndpointsFromEnv()}
	// Whatever logs through slog's default writes the service's lines too.
	slog.SetDefault(e.Log)
	var err error
	if e.Config, err = ConfigFromEnv(); err != nil {
		e.Fail("configuration", err)
	}
	if e.AWS, err = cloud.Config(context.Background(), e.Endpoints); err != nil {
		e.Fail("aws configuration", err)
	}
	return e
}

// DynamoDB is the DynamoDB client of the environment's endpoint.
func (e LambdaEnv) DynamoDB() *dynamodb.Client {
	return cloud.DynamoDB(e.AWS, e.Endpoints.DynamoDB)
}

// Fail logs why the Lambda cannot start and exits.
func (e LambdaEnv) Fail(what string, err error) {
	e.Log.Error(what, "err", err)
	os.Exit(1)
}

// Route is the routing table's route of that name; a name it lacks fails the Lambda.
func (e LambdaEnv) Route(name string) httpapi.Route {
	route, ok := httpapi.RouteNamed(name)
	if !ok {
		e.Fail("routing table", fmt.Errorf("no route %q", name))
	}
	return route
}

// ServeRoute runs the route as the Lambda on tickets and executions (nil for a route that
// starts none). It does not return.
func (e LambdaEnv) ServeRoute(route httpapi.Route, tickets *store.Store, executions httpapi.Executions) {
	api := NewAPI(e.Config, tickets, executions, Identity(e.Config, e.DynamoDB()), e.Log)
	api.Metrics = e.Metrics
	lambda.Start(RouteProxy(api, route))
}

// StartRouteLambda runs one route of the routing table that starts no executions as a
// Lambda, configured from the environment: its tickets store has no sealer and it has no
// Step Functions client, and this package links neither KMS nor Step Functions, so that the
// function neither builds nor initialises what none of its requests needs. The routes that
// start executions are executions.StartRouteLambda's. It does not return.
func StartRouteLambda(name string) {
	e := MustLambdaEnv()
	route := e.Route(name)
	if route.StartsExecutions {
		e.Fail("routing table", fmt.Errorf("route %q starts executions: its main calls executions.StartRouteLambda", name))
	}
	e.ServeRoute(route, Tickets(e.Config, e.DynamoDB(), nil), nil)
}

// StartAuthorizerLambda runs the API Gateway TOKEN authorizer for X-Auth-Token on the tokens
// store, configured from the environment. It does not return.
func StartAuthorizerLambda() {
	e := MustLambdaEnv()
	a := auth.NewAuthorizer(Tokens(e.Config, e.DynamoDB()))
	a.Log = e.Log
	lambda.Start(a.Handle)
}

// CatalogueLoader is the work of the custom resource that loads the service catalogue
// (identity.Catalogue) into the identity table: on Create and Update it loads it, on Delete
// it leaves the templates (the table's own deletion removes them, and a replaced resource
// loads the same ids again). It answers what CloudFormation is told.
func CatalogueLoader(ids *identity.Store, log *slog.Logger) func(context.Context, cfn.Event) (string, map[string]any, error) {
	return func(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
		if ev.RequestType != cfn.RequestDelete {
			if err := ids.LoadCatalogue(ctx, identity.Catalogue()); err != nil {
				log.ErrorContext(ctx, "load the service catalogue", "err", err)
				return "", nil, err
			}
		}
		return "service-catalogue", map[string]any{"Digest": identity.CatalogueDigest(identity.Catalogue())}, nil
	}
}

// StartCatalogueLambda runs the CloudFormation custom resource that loads the service
// catalogue on every deploy that changes it (CatalogueLoader), answering CloudFormation at
// the event's ResponseURL. It does not return.
func StartCatalogueLambda() {
	e := MustLambdaEnv()
	lambda.Start(cfn.LambdaWrap(CatalogueLoader(Identity(e.Config, e.DynamoDB()), e.Log)))
}
