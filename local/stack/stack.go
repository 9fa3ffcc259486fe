// Package stack wires the whole Action Service into one process for a laptop: the API
// behind a local API Gateway, an embedded DynamoDB (or any DynamoDB endpoint), the tables,
// and an admin token, so `make run` needs nothing installed and no AWS account.
package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/actionservice/actionservice/api"
	"github.com/actionservice/actionservice/local/apigateway"
	localdynamodb "github.com/actionservice/actionservice/local/dynamodb"
	"github.com/actionservice/actionservice/local/invocation"
	"github.com/actionservice/actionservice/local/samtemplate"
	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/local/stepfunctions"
	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/cloud"
	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/metrics"
	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/reconcile"
	"github.com/actionservice/actionservice/shared/secrets"
	"github.com/actionservice/actionservice/shared/service"
	"github.com/actionservice/actionservice/shared/service/executions"
	"github.com/actionservice/actionservice/shared/steps"
	"github.com/actionservice/actionservice/shared/store"
)

// Config is what `make run` and the tests choose.
type Config struct {
	// Addr is the API's listen address (default 127.0.0.1:3000; port 0 picks a free one).
	Addr string
	// DynamoDBEndpoint points the stack at DynamoDB Local, moto or AWS; empty embeds one.
	DynamoDBEndpoint string
	// AdminToken is accepted as an admin's token; empty issues a fresh one.
	AdminToken string
	// AdminAccount is the admin principal's account.
	AdminAccount string
	// Samples loads sample tickets and a sample domain so the read routes show something at
	// once.
	Samples bool
	// SFNAddr is the local Step Functions API's listen address (default 127.0.0.1:8083).
	SFNAddr string
	// Clock drives the engine (default real time; tests give a *stepfunctions.FakeClock so retry
	// intervals pass at once).
	Clock stepfunctions.Clock
	// KeepEndedExecutions is how many ended executions the engine keeps with their histories
	// (default stepfunctions.DefaultKeepEnded; negative keeps all).
	KeepEndedExecutions int
	// OutsideTimeout bounds each call to an outside system (default 10 s).
	OutsideTimeout time.Duration
	// Sweep runs the reconciler every interval (default 10 s; negative disables it).
	Sweep time.Duration
	// DynamoDBOptions adjust the stack's DynamoDB client (tests shorten the SDK's retry backoff).
	DynamoDBOptions []func(*dynamodb.Options)
	Service         service.Config
	// Log receives the functions' and the stack's log lines (slog.Default when nil).
	Log *slog.Logger
	// Metrics receives the functions' Embedded Metric Format lines (none when nil).
	Metrics io.Writer
}

// Stack is a running local stack.
type Stack struct {
	// URL is the API's base URL, e.g. http://127.0.0.1:3000.
	URL string
	// DynamoDBEndpoint is where its tables live.
	DynamoDBEndpoint string
	AdminToken       string
	AdminAccount     string
	// SampleDomain is the sample domain's id (Samples only).
	SampleDomain string
	// SFNEndpoint is the local Step Functions API.
	SFNEndpoint string
	// Service is the configuration the stack's functions run with (tables, key file).
	Service  service.Config
	DB       *dynamodb.Client
	Tickets  *store.Store
	Tokens   *auth.Tokens
	Identity *identity.Store
	Engine   *stepfunctions.Engine
	SFN      *sfn.Client
	// Simulator plays the outside systems (KMS, CRM, billing), under /_sim/.
	Simulator  *simulator.Simulator
	Reconciler *reconcile.Reconciler

	// functions are the template's functions by logical id, as the stack runs them.
	functions map[string]lambda.Handler
	srv       *http.Server
	cancel    context.CancelFunc
	served    chan struct{}
	embedded  *localdynamodb.Server
}

// Start brings the stack up and returns once it accepts requests.
func Start(ctx context.Context, c Config) (s *Stack, err error) {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:3000"
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Service.TicketsTable == "" {
		c.Service.TicketsTable, c.Service.TokensTable = "tickets", "tokens"
	}
	if c.AdminAccount == "" {
		c.AdminAccount = "000000000001"
	}
	if c.SFNAddr == "" {
		c.SFNAddr = "127.0.0.1:8083"
	}
	if c.OutsideTimeout == 0 {
		c.OutsideTimeout = 10 * time.Second
	}
	if c.Sweep == 0 {
		c.Sweep = sweepEvery
	}
	if c.Service.ParamsKeyFile == "" && c.Service.ParamsKMSKey == "" {
		c.Service.ParamsKeyFile = ".local/params.key"
	}
	if c.Service.IdentityTable == "" {
		c.Service.IdentityTable = "identity"
	}
	// Actions run on the local engine, so its state machines are the ones to start and
	// reconcile, whatever STATE_MACHINE_ARN_PREFIX says.
	c.Service.StateMachineARNPrefix = MachineARNPrefix()
	s = &Stack{served: make(chan struct{}), DynamoDBEndpoint: c.DynamoDBEndpoint, Service: c.Service}
	var emf *metrics.Emitter
	if c.Metrics != nil {
		emf = metrics.New(c.Metrics, nil)
	}
	var runCtx context.Context
	runCtx, s.cancel = context.WithCancel(context.Background())
	// A failed start stops what it started; the returns name no stack, so keep this one.
	started := s
	defer func() {
		if err != nil {
			_ = started.Close()
		}
	}()
	if s.DynamoDBEndpoint == "" {
		if s.embedded, err = localdynamodb.Start("127.0.0.1:0"); err != nil {
			return nil, err
		}
		s.DynamoDBEndpoint = s.embedded.URL
	}
	if s.embedded != nil {
		s.DB = localdynamodb.Client(s.DynamoDBEndpoint, c.DynamoDBOptions...)
	} else {
		// Another DynamoDB (moto, DynamoDB Local, AWS) takes the credentials it needs.
		cfg, err := cloud.Config(ctx, cloud.Endpoints{DynamoDB: s.DynamoDBEndpoint})
		if err != nil {
			return nil, err
		}
		s.DB = cloud.DynamoDB(cfg, s.DynamoDBEndpoint, c.DynamoDBOptions...)
	}
	if err := localdynamodb.CreateTables(ctx, s.DB, store.TicketsTable(c.Service.TicketsTable), auth.TokensTable(c.Service.TokensTable),
		identity.IdentityTable(c.Service.IdentityTable)); err != nil {
		return nil, err
	}
	sealer, err := secrets.LocalKeyFile(c.Service.ParamsKeyFile)
	if err != nil {
		return nil, err
	}
	s.Tickets = service.Tickets(c.Service, s.DB, sealer)
	s.Identity = service.Identity(c.Service, s.DB)
	if err := s.Identity.LoadCatalogue(ctx, identity.Catalogue()); err != nil {
		return nil, fmt.Errorf("service catalogue: %w", err)
	}
	s.Tokens = service.Tokens(c.Service, s.DB)
	s.AdminAccount = c.AdminAccount
	admin := auth.Principal{UserID: "admin", AccountID: c.AdminAccount, Roles: []string{auth.RoleAdmin}, Status: auth.StatusEnabled}
	if c.AdminToken != "" {
		err = s.Tokens.Put(ctx, c.AdminToken, admin)
		s.AdminToken = c.AdminToken
	} else {
		s.AdminToken, err = s.Tokens.Issue(ctx, admin, 30*24*time.Hour)
	}
	if err != nil {
		return nil, fmt.Errorf("admin token: %w", err)
	}
	if c.Samples {
		if err := LoadSamples(ctx, s.Tickets, time.Now()); err != nil {
			return nil, err
		}
		if s.SampleDomain, err = LoadDomainSamples(ctx, s.Identity); err != nil {
			return nil, err
		}
	}

	l, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	s.URL = "http://" + l.Addr().String()

	// Step Functions: the project's engine, running the template's state machines with the
	// step Lambdas' handlers in process; the outside systems are the simulator on /_sim/.
	s.Simulator = simulator.New()
	s.Engine = stepfunctions.New(stepfunctions.Options{Clock: c.Clock, Region: localRegion, AccountID: localAccount, KeepEnded: c.KeepEndedExecutions})
	outsideClient := outside.NewClient(outside.SimulatorConfig(s.URL+"/_sim", c.OutsideTimeout), nil)
	tpl, err := samtemplate.Load()
	if err != nil {
		l.Close()
		return nil, err
	}
	s.functions = map[string]lambda.Handler{}
	for name, h := range steps.Handlers(steps.Deps{Tickets: s.Tickets, Identity: s.Identity, Outside: outsideClient, Log: c.Log, Metrics: emf}) {
		s.functions[name] = h
		fn, ok := tpl.Functions[name]
		if !ok {
			l.Close()
			return nil, fmt.Errorf("step function %s is not in template.yaml", name)
		}
		// Each function times out as its template Timeout says, as Lambda would end it.
		s.Engine.RegisterFunction(name, h, stepfunctions.WithTimeout(fn.Timeout))
	}
	if _, err := createStateMachines(s.Engine, tpl); err != nil {
		l.Close()
		return nil, err
	}
	if s.SFNEndpoint, s.SFN, err = serveEngine(runCtx, s.Engine, c.SFNAddr); err != nil {
		l.Close()
		return nil, err
	}
	s.Reconciler = executions.Reconciler(c.Service, s.Tickets, s.SFN, c.Log, emf)
	s.functions[reconcilerLogicalID] = lambda.NewHandler(s.Reconciler.HandleEvent)
	authorizer := auth.NewAuthorizer(s.Tokens)
	authorizer.Log = c.Log
	s.functions[authorizerLogicalID] = lambda.NewHandler(authorizer.Handle)
	s.functions[catalogueLogicalID] = lambda.NewHandler(catalogueResource(service.CatalogueLoader(s.Identity, c.Log)))
	if c.Sweep > 0 {
		go sweep(runCtx, s.Reconciler, c.Sweep, c.Log)
	}

	api := service.NewAPI(c.Service, s.Tickets, executions.Starter(c.Service, s.SFN), s.Identity, c.Log)
	api.Metrics = emf
	handlers := map[string]lambda.Handler{}
	for _, rt := range httpapi.Routes {
		handlers[rt.Name] = service.RouteHandler(api, rt)
		s.functions[rt.LogicalID()] = handlers[rt.Name]
	}
	gw, err := apigateway.New(httpapi.Routes, handlers, authorizer, c.Log)
	if err != nil {
		l.Close()
		return nil, err
	}
	// Not a ServeMux: it would answer a path with dot or empty segments by a redirect to the
	// cleaned path, where API Gateway and the handlers answer a problem document.
	sim := simulator.LoopbackOnly(s.Simulator)
	front := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/_sim/"):
			sim.ServeHTTP(w, r)
		case r.URL.Path == "/openapi.yaml" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			serveOpenAPI(w, r)
		default:
			gw.ServeHTTP(w, r)
		}
	})
	s.srv = &http.Server{Handler: front, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.served)
		if err := s.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.Log.Error("local API stopped", "err", err)
		}
	}()
	return s, nil
}

// sweep runs the reconciler every interval until ctx ends: the local stand-in for the
// template's schedule, each sweep an invocation of its own as each scheduled event is.
func sweep(ctx context.Context, r *reconcile.Reconciler, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			ictx := invocation.Context(ctx, "")
			if err := r.Scheduled(ictx, sweepGrace); err != nil && ctx.Err() == nil {
				log.ErrorContext(ictx, "scheduled reconcile", "err", err)
			}
		}
	}
}

// serveOpenAPI answers GET /openapi.yaml with the API's contract, for a client generator or
// a viewer pointed at the local stack. Only the local stack serves it: it is no route of the
// API (API Gateway exports a deployed stage's own document).
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// application/yaml is the media type RFC 9512 registers for YAML (and for OpenAPI's).
	h.Set("Content-Type", "application/yaml")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "openapi.yaml", time.Time{}, bytes.NewReader(api.OpenAPI))
}

// The template's logical ids of the functions that are neither a route nor a step.
const (
	authorizerLogicalID = "AuthorizerFunction"
	reconcilerLogicalID = "ReconcilerFunction"
)

// Function is a function of template.yaml, by logical id, as the stack runs it: on the
// stack's tables, engine and simulator, as `sam local invoke` would run it.
func (s *Stack) Function(logicalID string) (lambda.Handler, bool) {
	h, ok := s.functions[logicalID]
	return h, ok
}

// FunctionIDs lists the logical ids Function knows.
func (s *Stack) FunctionIDs() []string {
	return slices.Sorted(maps.Keys(s.functions))
}

// MeasureDynamoDBWrites starts counting the write capacity units the embedded DynamoDB's
// writes would consume on AWS (DynamoDBWriteUnits); with another DynamoDB it does nothing.
func (s *Stack) MeasureDynamoDBWrites() {
	if s.embedded != nil {
		s.embedded.MeasureWrites()
	}
}

// DynamoDBWriteUnits answers the write capacity units by table since MeasureDynamoDBWrites
// (nil when the stack uses another DynamoDB).
func (s *Stack) DynamoDBWriteUnits() map[string]float64 {
	if s.embedded == nil {
		return nil
	}
	return s.embedded.WriteUnits()
}

// DynamoDBRequests counts the requests the embedded DynamoDB has served, by operation (nil
// when the stack uses another DynamoDB).
func (s *Stack) DynamoDBRequests() map[string]int64 {
	if s.embedded == nil {
		return nil
	}
	return s.embedded.Requests()
}

// InjectDynamoDBFault puts a fault in force on the embedded DynamoDB (see localdynamodb.Fault)
// until the returned function removes it; with another endpoint there is nothing to inject.
func (s *Stack) InjectDynamoDBFault(f localdynamodb.Fault) (remove func(), err error) {
	if s.embedded == nil {
		return nil, fmt.Errorf("faults need the embedded DynamoDB, not %s", s.DynamoDBEndpoint)
	}
	return s.embedded.Inject(f)
}

// Close shuts the API down, letting requests in flight finish, then the embedded store.
func (s *Stack) Close() error {
	var errs []error
	if s.Simulator != nil {
		s.Simulator.Close()
	}
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		errs = append(errs, s.srv.Shutdown(ctx))
		<-s.served
	}
	if s.cancel != nil {
		s.cancel()
	}
	if s.embedded != nil {
		errs = append(errs, s.embedded.Close())
	}
	return errors.Join(errs...)
}

// catalogueLogicalID is the custom resource's function that loads the service catalogue.
const catalogueLogicalID = "CatalogueFunction"

// catalogueResource runs the catalogue's custom resource as Lambda runs it, except that it
// answers the response CloudFormation would get rather than sending it to the event's
// ResponseURL (a presigned S3 URL no local stack can reach).
func catalogueResource(load func(context.Context, cfn.Event) (string, map[string]any, error)) func(context.Context, cfn.Event) (*cfn.Response, error) {
	return func(ctx context.Context, ev cfn.Event) (*cfn.Response, error) {
		r := cfn.NewResponse(&ev)
		id, data, err := load(ctx, ev)
		r.Status, r.PhysicalResourceID, r.Data = cfn.StatusSuccess, id, data
		if err != nil {
			r.Status, r.Reason = cfn.StatusFailed, err.Error()
		}
		return r, nil
	}
}
