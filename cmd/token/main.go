// Command token issues an API token for a principal and prints it; only its hash is stored.
//
//	go run ./cmd/token -dynamodb-endpoint http://127.0.0.1:8000 -table tokens \
//	    -user u1 -account 000000003002 -domain 47161213735800 -roles admin -status enabled -ttl 720h
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/cloud"
	"github.com/actionservice/actionservice/shared/service"
)

func main() {
	endpoint := flag.String("dynamodb-endpoint", cloud.Env("DYNAMODB_ENDPOINT", ""), "DynamoDB endpoint; empty means AWS")
	table := flag.String("table", cloud.Env("TOKENS_TABLE", "tokens"), "tokens table")
	user := flag.String("user", "", "userId (required)")
	account := flag.String("account", "", "accountId")
	domain := flag.String("domain", "", "domainId")
	roles := flag.String("roles", "", "comma-separated roles, e.g. admin")
	status := flag.String("status", auth.StatusEnabled, "enabled, disabled or suspended")
	ttl := flag.Duration("ttl", 720*time.Hour, "how long the token is valid")
	flag.Parse()

	log := service.Logger()
	ctx := context.Background()
	cfg, err := cloud.Config(ctx, cloud.Endpoints{DynamoDB: *endpoint})
	if err != nil {
		log.Error("aws configuration", "err", err)
		os.Exit(1)
	}
	tokens := service.Tokens(service.Config{TokensTable: *table}, cloud.DynamoDB(cfg, *endpoint))
	p := auth.Principal{UserID: *user, AccountID: *account, DomainID: *domain, Roles: auth.ParseRoles(*roles), Status: *status}
	token, err := tokens.Issue(ctx, p, *ttl)
	if err != nil {
		log.Error("issue token", "err", err)
		os.Exit(1)
	}
	fmt.Println(token)
}
