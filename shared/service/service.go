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
	"github.com/actionservice/actionservice/shared/lambdafn"
	"github.com/actionservice/actionservice/shared/secrets"
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

// StartRouteLambda runs one route of the routing table as a Lambda, configured from the
// environment. It does not return.
func StartRouteLambda(name string) {
	log := Logger()
	route, ok := httpapi.RouteNamed(name)
	if !ok {
		log.Error("no such route in the routing table", "route", name)
		os.Exit(1)
	}
	c, err := ConfigFromEnv()
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(1)
	}
	endpoints := cloud.EndpointsFromEnv()
	awsCfg, err := cloud.Config(context.Background(), endpoints)
	if err != nil {
		log.Error("aws configuration", "err", err)
		os.Exit(1)
	}
	tickets, err := Tickets(c, awsCfg, endpoints)
	if err != nil {
		log.Error("tickets store", "err", err)
		os.Exit(1)
	}
	starter := &workflow.Starter{SFN: cloud.StepFunctions(awsCfg, endpoints.StepFunctions), ARNPrefix: c.StateMachineARNPrefix}
	lambda.Start(RouteProxy(NewAPI(c, tickets, starter, log), route))
}
