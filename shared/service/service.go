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

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/actionservice/actionservice/shared/cloud"
	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/lambdafn"
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

// Logger is the structured JSON logger every component logs through.
func Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}

// NewAPI builds the HTTP API on a tickets store and an execution starter.
func NewAPI(c Config, tickets *store.Store, executions httpapi.Executions, log *slog.Logger) *httpapi.API {
	return &httpapi.API{Tickets: tickets, Executions: executions, WaitCap: c.WaitCap, Log: log}
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

// Tickets builds the tickets store with its retention and sealer.
func Tickets(c Config, awsCfg aws.Config, endpoints cloud.Endpoints) (*store.Store, error) {
	sealer, err := Sealer(c, awsCfg)
	if err != nil {
		return nil, err
	}
	opts := []store.Option{store.WithRetention(c.Retention)}
	if sealer != nil {
		opts = append(opts, store.WithSealer(sealer))
	}
	return store.New(cloud.DynamoDB(awsCfg, endpoints.DynamoDB), c.TicketsTable, opts...), nil
}

// RouteProxy is what one route's Lambda runs: the route's handler behind the api-proxy
// adapter.
func RouteProxy(api *httpapi.API, route httpapi.Route) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return httpadapter.New(api.Handler(route)).ProxyWithContext
}

// RouteHandler is the route's Lambda as the local gateway invokes it: JSON event in, JSON
// response out, safe for concurrent requests.
func RouteHandler(api *httpapi.API, route httpapi.Route) lambda.Handler {
	return lambdafn.New(RouteProxy(api, route))
}

// lambdaEnv is what every Lambda of the service is configured from: the service's
// configuration, the AWS configuration and the endpoints, read from the environment. A
// Lambda that cannot read them logs why and exits: the runtime reports the failed init.
type lambdaEnv struct {
	Config    Config
	AWS       aws.Config
	Endpoints cloud.Endpoints
	Log       *slog.Logger
}

func mustLambdaEnv() lambdaEnv {
	e := lambdaEnv{Log: Logger(), Endpoints: cloud.EndpointsFromEnv()}
	var err error
	if e.Config, err = ConfigFromEnv(); err != nil {
		fail(e.Log, "configuration", err)
	}
	if e.AWS, err = cloud.Config(context.Background(), e.Endpoints); err != nil {
		fail(e.Log, "aws configuration", err)
	}
	return e
}

func (e lambdaEnv) tickets() *store.Store {
	tickets, err := Tickets(e.Config, e.AWS, e.Endpoints)
	if err != nil {
		fail(e.Log, "tickets store", err)
	}
	return tickets
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
	starter := &workflow.Starter{SFN: cloud.StepFunctions(e.AWS, e.Endpoints.StepFunctions), ARNPrefix: e.Config.StateMachineARNPrefix}
	lambda.Start(RouteProxy(NewAPI(e.Config, e.tickets(), starter, e.Log), route))
}

// StartStepLambda runs one step function of the sagas (steps.Function*) as a Lambda,
// configured from the environment. It does not return.
func StartStepLambda(function string) {
	e := mustLambdaEnv()
	oc, err := outside.ConfigFromEnv()
	if err != nil {
		fail(e.Log, "outside systems", err)
	}
	deps := steps.Deps{
		Tickets:  e.tickets(),
		Identity: identity.New(cloud.DynamoDB(e.AWS, e.Endpoints.DynamoDB), e.Config.IdentityTable),
		Outside:  outside.NewClient(oc, nil),
		Log:      e.Log,
	}
	lambda.Start(steps.RunnerFor(deps, function).Handle)
}

// StartReconcilerLambda runs the reconciler on Step Functions' execution status changes.
// It does not return.
func StartReconcilerLambda() {
	e := mustLambdaEnv()
	r := &reconcile.Reconciler{Tickets: e.tickets(), SFN: cloud.StepFunctions(e.AWS, e.Endpoints.StepFunctions),
		ARNPrefix: e.Config.StateMachineARNPrefix, Log: e.Log}
	lambda.Start(r.HandleEvent)
}
