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
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/cloud"
	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/logging"
	"github.com/actionservice/actionservice/shared/metrics"
	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/reconcile"
	"github.com/actionservice/actionservice/shared/secrets"
	"github.com/actionservice/actionservice/shared/steps"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/workflow"
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

// Sealer returns the encryption of action parameters the configuration names, or nil when
// none is configured: a function that never handles parameters needs none, and the store
// refuses to keep parameters without one.
func Sealer(c Config, awsCfg aws.Config) (store.Sealer, error) {
	switch {
	case c.ParamsKMSKey != "":
		return &secrets.KMSEnvelope{KMS: kms.NewFromConfig(awsCfg), KeyID: c.ParamsKMSKey}, nil
	case c.ParamsKeyFile != "":
		return secrets.LocalKeyFile(c.ParamsKeyFile)
	}
	return nil, nil
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

// Starter starts actions' state machines through sfnClient.
func Starter(c Config, sfnClient *sfn.Client) *workflow.Starter {
	return &workflow.Starter{SFN: sfnClient, ARNPrefix: c.StateMachineARNPrefix}
}

// Reconciler ends the tickets whose executions ended without them, asking sfnClient.
func Reconciler(c Config, tickets *store.Store, sfnClient *sfn.Client, log *slog.Logger, m *metrics.Emitter) *reconcile.Reconciler {
	return &reconcile.Reconciler{Tickets: tickets, SFN: sfnClient, ARNPrefix: c.StateMachineARNPrefix, Log: log, Metrics: m}
}

// lambdaEnv is what every Lambda of the service is configured from: the service's
// configuration, the AWS configuration and the endpoints, read from the environment. A
// Lambda that cannot read them logs why and exits: the runtime reports the failed init.
type lambdaEnv struct {
	Config    Config
	AWS       aws.Config
	Endpoints cloud.Endpoints
	Log       *slog.Logger
	Metrics   *metrics.Emitter
}

func mustLambdaEnv() lambdaEnv {
	e := lambdaEnv{Log: Logger(), Metrics: metrics.New(os.Stdout, nil), Endpoints: cloud.EndpointsFromEnv()}
	// Whatever logs through slog's default writes the service's lines too.
	slog.SetDefault(e.Log)
	var err error
	if e.Config, err = ConfigFromEnv(); err != nil {
		fail(e.Log, "configuration", err)
	}
	if e.AWS, err = cloud.Config(context.Background(), e.Endpoints); err != nil {
		fail(e.Log, "aws configuration", err)
	}
	return e
}

func (e lambdaEnv) dynamoDB() *dynamodb.Client {
	return cloud.DynamoDB(e.AWS, e.Endpoints.DynamoDB)
}

func (e lambdaEnv) stepFunctions() *sfn.Client {
	return cloud.StepFunctions(e.AWS, e.Endpoints.StepFunctions)
}

func (e lambdaEnv) tickets() *store.Store {
	sealer, err := Sealer(e.Config, e.AWS)
	if err != nil {
		fail(e.Log, "tickets store", err)
	}
	return Tickets(e.Config, e.dynamoDB(), sealer)
}

func fail(log *slog.Logger, what string, err error) {
	log.Error(what, "err", err)
	os.Exit(1)
}

// StartRouteLambda runs one route of the routing table as a Lambda, configured from the
// environment. It does not return.
func StartRouteLambda(name string) {
	e := mustLambdaEnv()
	route, ok := httpapi.RouteNamed(name)
	if !ok {
		fail(e.Log, "routing table", fmt.Errorf("no route %q", name))
	}
	api := NewAPI(e.Config, e.tickets(), Starter(e.Config, e.stepFunctions()), Identity(e.Config, e.dynamoDB()), e.Log)
	api.Metrics = e.Metrics
	lambda.Start(RouteProxy(api, route))
}

// StartAuthorizerLambda runs the API Gateway TOKEN authorizer for X-Auth-Token on the tokens
// store, configured from the environment. It does not return.
func StartAuthorizerLambda() {
	e := mustLambdaEnv()
	a := auth.NewAuthorizer(Tokens(e.Config, e.dynamoDB()))
	a.Log = e.Log
	lambda.Start(a.Handle)
}

// StartStepLambda runs one step function of the sagas (a System.LogicalID of the catalogue,
// or actions.TicketsLogicalID) as a Lambda,
// configured from the environment. It does not return.
func StartStepLambda(function string) {
	e := mustLambdaEnv()
	oc, err := outside.ConfigFromEnv()
	if err != nil {
		fail(e.Log, "outside systems", err)
	}
	deps := steps.Deps{
		Tickets:  e.tickets(),
		Identity: Identity(e.Config, e.dynamoDB()),
		Outside:  outside.NewClient(oc, nil),
		Log:      e.Log,
		Metrics:  e.Metrics,
	}
	lambda.Start(steps.RunnerFor(deps, function).Handle)
}

// StartReconcilerLambda runs the reconciler on Step Functions' execution status changes.
// It does not return.
func StartReconcilerLambda() {
	e := mustLambdaEnv()
	lambda.Start(Reconciler(e.Config, e.tickets(), e.stepFunctions(), e.Log, e.Metrics).HandleEvent)
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
	e := mustLambdaEnv()
	lambda.Start(cfn.LambdaWrap(CatalogueLoader(Identity(e.Config, e.dynamoDB()), e.Log)))
}
