// Package localstack wires the whole Action Service into one process for a laptop: the API
// behind a local API Gateway, an embedded DynamoDB (or any DynamoDB endpoint), the tables,
// and an admin token, so `make run` needs nothing installed and no AWS account.
package localstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/gateway"
	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/localdb"
	"github.com/actionservice/actionservice/shared/service"
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
	// Samples loads sample tickets so the read routes show something at once.
	Samples bool
	Service service.Config
	Log     *slog.Logger
}

// Stack is a running local stack.
type Stack struct {
	// URL is the API's base URL, e.g. http://127.0.0.1:3000.
	URL string
	// DynamoDBEndpoint is where its tables live.
	DynamoDBEndpoint string
	AdminToken       string
	DB               *dynamodb.Client
	Tickets          *store.Store
	Tokens           *auth.Tokens

	srv      *http.Server
	served   chan struct{}
	embedded *localdb.Server
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
	s = &Stack{served: make(chan struct{}), DynamoDBEndpoint: c.DynamoDBEndpoint}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	if s.DynamoDBEndpoint == "" {
		if s.embedded, err = localdb.Start("127.0.0.1:0"); err != nil {
			return nil, err
		}
		s.DynamoDBEndpoint = s.embedded.URL
	}
	s.DB = localdb.Client(s.DynamoDBEndpoint)
	if err := localdb.CreateTables(ctx, s.DB, store.TicketsTable(c.Service.TicketsTable), auth.TokensTable(c.Service.TokensTable)); err != nil {
		return nil, err
	}
	s.Tickets = store.New(s.DB, c.Service.TicketsTable, store.WithRetention(c.Service.Retention))
	s.Tokens = auth.NewTokens(s.DB, c.Service.TokensTable)
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
	}

	api := service.NewAPI(c.Service, s.Tickets, c.Log)
	handlers := map[string]lambda.Handler{}
	for _, rt := range httpapi.Routes {
		handlers[rt.Name] = service.RouteHandler(api, rt)
	}
	gw, err := gateway.New(httpapi.Routes, handlers, auth.NewAuthorizer(s.Tokens), c.Log)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	s.URL = "http://" + l.Addr().String()
	s.srv = &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.served)
		if err := s.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.Log.Error("local API stopped", "err", err)
		}
	}()
	return s, nil
}

// Close shuts the API down, letting requests in flight finish, then the embedded store.
func (s *Stack) Close() error {
	var errs []error
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		errs = append(errs, s.srv.Shutdown(ctx))
		<-s.served
	}
	if s.embedded != nil {
		errs = append(errs, s.embedded.Close())
	}
	return errors.Join(errs...)
}
