package samtemplate_test

// These tests hold the repository's template.yaml to the routing table, the store's schema,
// cfn-lint and SAM's makefile build contract.

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/actionservice/actionservice/local/samtemplate"
	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/store"
)

func load(t *testing.T) *samtemplate.Template {
	t.Helper()
	tm, err := samtemplate.Load()
	if err != nil {
		t.Fatalf("load template.yaml: %v", err)
	}
	return tm
}

// tool finds a command; without it the test is skipped visibly, or fails in CI.
func tool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed, and CI must run this test", name)
		}
		t.Skipf("SKIPPED: %s is not installed (CI installs it)", name)
	}
	return path
}

func TestTemplateDeclaresExactlyTheRoutingTable(t *testing.T) {
	tm := load(t)
	type target struct {
		function, authorizer string
		restAPI              any
	}
	declared := map[string]target{}
	for _, f := range tm.Functions {
		for _, ev := range f.Events {
			key := ev.Method + " " + ev.Path
			if prev, dup := declared[key]; dup {
				t.Errorf("%s is declared twice: %s and %s", key, prev.function, f.LogicalID)
			}
			declared[key] = target{f.LogicalID, ev.Authorizer, ev.RestAPIID}
		}
	}
	for _, r := range httpapi.Routes {
		got, ok := declared[r.Pattern()]
		if !ok {
			t.Errorf("route %s (%s) has no Api event in template.yaml", r.Name, r.Pattern())
			continue
		}
		delete(declared, r.Pattern())
		if got.function != r.LogicalID() {
			t.Errorf("%s is served by %s, want %s", r.Pattern(), got.function, r.LogicalID())
		}
		if !sameJSON(got.restAPI, map[string]any{"Ref": "Api"}) {
			t.Errorf("%s: RestApiId = %v, want !Ref Api (the API with the token authorizer)", r.Pattern(), got.restAPI)
		}
		switch {
		case r.Public && got.authorizer != "NONE":
			t.Errorf("%s is public but its event has Authorizer %q, want NONE", r.Pattern(), got.authorizer)
		case !r.Public && got.authorizer != "":
			t.Errorf("%s needs a token but its event has Authorizer %q, want the API's default", r.Pattern(), got.authorizer)
		}
		if f := tm.Functions[r.LogicalID()]; len(f.Events) != 1 {
			t.Errorf("%s has %d Api events, want one: one route, one Lambda", r.LogicalID(), len(f.Events))
		}
	}
	for key, extra := range declared {
		t.Errorf("template.yaml declares %s (%s), which is not in httpapi.Routes", key, extra.function)
	}
}

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func TestApiAuthorizesEveryRouteByXAuthTokenWithCaching(t *testing.T) {
	api, ok := load(t).Resources["Api"]
	if !ok || api.Type != "AWS::Serverless::Api" {
		t.Fatalf("no AWS::Serverless::Api named Api: %+v", api)
	}
	auth, _ := api.Properties["Auth"].(map[string]any)
	def, _ := auth["DefaultAuthorizer"].(string)
	authorizers, _ := auth["Authorizers"].(map[string]any)
	a, _ := authorizers[def].(map[string]any)
	if a == nil {
		t.Fatalf("DefaultAuthorizer %q is not among Authorizers %v", def, authorizers)
	}
	identity, _ := a["Identity"].(map[string]any)
	if a["FunctionPayloadType"] != "TOKEN" || identity["Header"] != "X-Auth-Token" {
		t.Errorf("authorizer %s = %v, want a TOKEN authorizer on X-Auth-Token", def, a)
	}
	if ttl, _ := identity["ReauthorizeEvery"].(int); ttl <= 0 {
		t.Errorf("ReauthorizeEvery = %v, want > 0 (authorizer results cached)", identity["ReauthorizeEvery"])
	}
	if !sameJSON(a["FunctionArn"], map[string]any{"Fn::GetAtt": []any{"AuthorizerFunction", "Arn"}}) {
		t.Errorf("FunctionArn = %v, want !GetAtt AuthorizerFunction.Arn", a["FunctionArn"])
	}
	responses, _ := api.Properties["GatewayResponses"].(map[string]any)
	for _, kind := range []string{"UNAUTHORIZED", "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX"} {
		r, _ := responses[kind].(map[string]any)
		headers, _ := r["ResponseParameters"].(map[string]any)["Headers"].(map[string]any)
		templates, _ := r["ResponseTemplates"].(map[string]any)
		if headers["Content-Type"] != "'application/problem+json'" || !strings.Contains(templates["application/json"].(string), `"type"`) {
			t.Errorf("gateway response %s = %v, want an application/problem+json document", kind, r)
		}
	}
}

// contextVariable is a $context variable in a gateway response template, quoted or not.
var contextVariable = regexp.MustCompile(`"?\$context\.[A-Za-z.]+"?`)

// The local gateway answers these statuses itself (local/apigateway), with
// httpapi.ProblemType's type and the status text as title: API Gateway must answer the same.
func TestGatewayResponsesAreTheProblemsTheLocalGatewayAnswers(t *testing.T) {
	responses, _ := load(t).Resources["Api"].Properties["GatewayResponses"].(map[string]any)
	want := map[string]int{"UNAUTHORIZED": 401, "ACCESS_DENIED": 403, "MISSING_AUTHENTICATION_TOKEN": 404, "AUTHORIZER_FAILURE": 503}
	for kind, r := range responses {
		r, _ := r.(map[string]any)
		templates, _ := r["ResponseTemplates"].(map[string]any)
		body, _ := templates["application/json"].(string)
		var doc map[string]any
		if err := json.Unmarshal([]byte(contextVariable.ReplaceAllString(body, `"x"`)), &doc); err != nil {
			t.Errorf("gateway response %s: the template is not a JSON document once its variables are filled: %v: %s", kind, err, body)
			continue
		}
		status, ok := want[kind]
		if !ok {
			continue
		}
		delete(want, kind)
		if r["StatusCode"] != strconv.Itoa(status) || doc["status"] != float64(status) ||
			doc["type"] != httpapi.ProblemType(status) || doc["title"] != http.StatusText(status) {
			t.Errorf("gateway response %s = status %v, document %v; want %d with type %s, title %q",
				kind, r["StatusCode"], doc, status, httpapi.ProblemType(status), http.StatusText(status))
		}
	}
	for kind := range want {
		t.Errorf("no gateway response %s", kind)
	}
}

// readPolicies are the SAM policy templates that grant no write.
var readPolicies = []string{"DynamoDBReadPolicy"}

func TestRoutePoliciesAreLeastPrivilege(t *testing.T) {
	tm := load(t)
	for _, r := range httpapi.Routes {
		f, ok := tm.Functions[r.LogicalID()]
		if !ok {
			continue // TestTemplateDeclaresExactlyTheRoutingTable reports it
		}
		var ticketsGrant, identityGrant string
		deletes := false
		for _, p := range f.Policies {
			switch {
			case r.StartsExecutions && isParamsKeyGrant(p, "kms:GenerateDataKey"):
				continue // sealing action parameters; TestStartingRoutesMayStartTheActionStateMachinesAndSeal checks it
			case r.StartsExecutions && p.Name == "StepFunctionsExecutionPolicy":
				continue // ditto
			case r.Access == httpapi.ReadDelete && isTicketDeleteGrant(p):
				deletes = true
				continue
			case p.Name == "" || p.Document != nil:
				t.Errorf("%s has an inline or unnamed policy %v: use SAM policy templates", f.LogicalID, p)
			}
			if r.Access != httpapi.ReadWrite && !slices.Contains(readPolicies, p.Name) {
				t.Errorf("%s is a read-only route but has %s", f.LogicalID, p.Name)
			}
			switch p.Table() {
			case "TicketsTable":
				ticketsGrant = p.Name
			case "IdentityTable":
				identityGrant = p.Name
			}
		}
		want := map[httpapi.Access]string{httpapi.ReadOnly: "DynamoDBReadPolicy", httpapi.ReadWrite: "DynamoDBCrudPolicy",
			httpapi.ReadDelete: "DynamoDBReadPolicy"}[r.Access]
		switch {
		case r.Identity && (identityGrant != want || ticketsGrant != ""):
			t.Errorf("%s: identity table through %q and tickets table through %q; want %s on the identity table alone", f.LogicalID, identityGrant, ticketsGrant, want)
		case r.Identity && !slices.Contains(f.Environment, "IDENTITY_TABLE"):
			t.Errorf("%s works on the identity table but has no IDENTITY_TABLE", f.LogicalID)
		case !r.Identity && ticketsGrant != want:
			t.Errorf("%s: tickets table through %q, want %s", f.LogicalID, ticketsGrant, want)
		}
		if deletes != (r.Access == httpapi.ReadDelete) {
			t.Errorf("%s: may delete tickets = %v; the route's access is %v", f.LogicalID, deletes, r.Access)
		}
	}
}

// isTicketDeleteGrant reports whether p is an inline policy of one statement allowing exactly
// dynamodb:DeleteItem on the tickets table.
func isTicketDeleteGrant(p samtemplate.Policy) bool {
	stmts, _ := p.Document["Statement"].([]any)
	return len(p.Document) == 1 && len(stmts) == 1 && sameJSON(stmts[0], map[string]any{
		"Effect": "Allow", "Action": "dynamodb:DeleteItem",
		"Resource": map[string]any{"Fn::GetAtt": []any{"TicketsTable", "Arn"}},
	})
}

// isParamsKeyGrant reports whether p is an inline policy of one statement allowing exactly
// action on the params key, and only with a ticket encryption context (as package secrets
// seals): the one inline policy form the template uses.
func isParamsKeyGrant(p samtemplate.Policy, action string) bool {
	if p.Document == nil || len(p.Document) != 1 {
		return false
	}
	stmts, _ := p.Document["Statement"].([]any)
	if len(stmts) != 1 {
		return false
	}
	s, _ := stmts[0].(map[string]any)
	want := map[string]any{
		"Effect":    "Allow",
		"Action":    action,
		"Resource":  map[string]any{"Fn::GetAtt": []any{"ParamsKey", "Arn"}},
		"Condition": map[string]any{"StringLike": map[string]any{"kms:EncryptionContext:ticket": "?*"}},
	}
	return sameJSON(s, want)
}

func TestOnlyTheAuthorizerReadsTheTokensTable(t *testing.T) {
	tm := load(t)
	for _, f := range tm.Functions {
		for _, p := range f.Policies {
			mentions := strings.Contains(jsonOf(p), "TokensTable")
			switch {
			case mentions && f.LogicalID != "AuthorizerFunction":
				t.Errorf("%s may reach the tokens table through %s", f.LogicalID, jsonOf(p))
			case f.LogicalID == "AuthorizerFunction" && (p.Table() != "TokensTable" || !slices.Contains(readPolicies, p.Name)):
				t.Errorf("AuthorizerFunction has %s; it may only read the tokens table", jsonOf(p))
			}
		}
	}
	if a := tm.Functions["AuthorizerFunction"]; len(a.Policies) != 1 || len(a.Events) != 0 {
		t.Errorf("AuthorizerFunction = %+v: want one read policy on TokensTable and no route", a)
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestTemplateTablesAreTheStoresSchemaOnDemandEncryptedWithPITRAndTTL(t *testing.T) {
	tm := load(t)
	tickets, ok := tm.Tables["TicketsTable"]
	if !ok {
		t.Fatal("no TicketsTable")
	}
	if got, want := normalized(tickets.CreateTableInput("tickets")), normalized(store.TicketsTable("tickets")); got != want {
		t.Errorf("TicketsTable differs from store.TicketsTable:\ntemplate %s\nstore    %s", got, want)
	}
	if tickets.TTLAttribute != store.TTLAttribute {
		t.Errorf("TicketsTable TTL on %q, the store writes %q", tickets.TTLAttribute, store.TTLAttribute)
	}
	tokens, ok := tm.Tables["TokensTable"]
	if !ok {
		t.Fatal("no TokensTable")
	}
	if !sameJSON(tokens.KeySchema, []samtemplate.Key{{Attribute: "tokenHash", Type: "HASH"}}) || tokens.Attributes["tokenHash"] != "S" || tokens.TTLAttribute != "expiresAt" {
		t.Errorf("TokensTable = %+v, want key tokenHash (S) and TTL on expiresAt", tokens)
	}
	for id, tb := range tm.Tables {
		if tb.BillingMode != "PAY_PER_REQUEST" || !tb.PointInTimeRecovery || !tb.SSE {
			t.Errorf("%s: billing %s, PITR %v, SSE %v; want on-demand, PITR and SSE", id, tb.BillingMode, tb.PointInTimeRecovery, tb.SSE)
		}
	}
}

// normalized renders a CreateTableInput with its lists in a canonical order.
func normalized(in *dynamodb.CreateTableInput) string {
	c := *in
	c.AttributeDefinitions = slices.Clone(c.AttributeDefinitions)
	sort.Slice(c.AttributeDefinitions, func(i, j int) bool {
		return aws.ToString(c.AttributeDefinitions[i].AttributeName) < aws.ToString(c.AttributeDefinitions[j].AttributeName)
	})
	c.GlobalSecondaryIndexes = slices.Clone(c.GlobalSecondaryIndexes)
	sort.Slice(c.GlobalSecondaryIndexes, func(i, j int) bool {
		return aws.ToString(c.GlobalSecondaryIndexes[i].IndexName) < aws.ToString(c.GlobalSecondaryIndexes[j].IndexName)
	})
	return jsonOf(c)
}

func TestTemplatePassesCfnLint(t *testing.T) {
	cfnLint := tool(t, "cfn-lint")
	path, err := samtemplate.Find()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cfnLint, "template.yaml")
	cmd.Dir = filepath.Dir(path)
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("cfn-lint template.yaml: %v\n%s", err, out)
	}
}

// buildWorkers bounds the parallel `make build-…` runs: each go build already uses every core,
// and the machines have two.
const buildWorkers = 2

func TestEveryTemplateFunctionBuildsALinuxArm64Bootstrap(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED in -short mode: builds every Lambda")
	}
	makeCmd := tool(t, "make")
	tm := load(t)
	root := filepath.Dir(tm.Path)
	ids := make([]string, 0, len(tm.Functions))
	for id, f := range tm.Functions {
		if f.BuildMethod != "makefile" || f.CodeURI != "." {
			t.Errorf("%s: BuildMethod %q, CodeUri %q; want makefile and . (the Makefile's directory)", id, f.BuildMethod, f.CodeURI)
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	// The child make must not inherit a parent make's jobserver (make test → go test → make).
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "MAKEFLAGS=") || strings.HasPrefix(kv, "MFLAGS=") || strings.HasPrefix(kv, "MAKELEVEL=")
	})
	workers := make(chan struct{}, buildWorkers)
	t.Run("group", func(t *testing.T) {
		for _, id := range ids {
			t.Run(id, func(t *testing.T) {
				t.Parallel()
				workers <- struct{}{}
				defer func() { <-workers }()
				artifacts := t.TempDir()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
				defer cancel()
				start := time.Now()
				cmd := exec.CommandContext(ctx, makeCmd, "--no-print-directory", "build-"+id, "ARTIFACTS_DIR="+artifacts)
				cmd.Dir, cmd.Env = root, env
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("make build-%s: %v\n%s", id, err, out)
				}
				t.Logf("built in %s", time.Since(start).Round(time.Millisecond))
				checkLinuxArm64Executable(t, filepath.Join(artifacts, "bootstrap"))
			})
		}
	})
}

func checkLinuxArm64Executable(t *testing.T, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no bootstrap: %v", err)
	}
	if info.Mode().Perm()&0o111 == 0 {
		t.Errorf("%s is not executable (%v)", path, info.Mode())
	}
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("bootstrap is not ELF: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Class != elf.ELFCLASS64 || f.Type != elf.ET_EXEC {
		t.Errorf("bootstrap is %v %v %v, want EM_AARCH64 ELFCLASS64 ET_EXEC", f.Machine, f.Class, f.Type)
	}
	if f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX {
		t.Errorf("bootstrap OS ABI %v, want Linux (SYSV)", f.OSABI)
	}
}

func TestTemplateLoadsTheCatalogueItShips(t *testing.T) {
	tm := load(t)
	r, ok := tm.Resources["ServiceCatalogue"]
	if !ok || r.Type != "Custom::ServiceCatalogue" {
		t.Fatalf("no Custom::ServiceCatalogue named ServiceCatalogue: %+v", r)
	}
	if !sameJSON(r.Properties["ServiceToken"], map[string]any{"Fn::GetAtt": []any{"CatalogueFunction", "Arn"}}) {
		t.Errorf("ServiceToken = %v, want !GetAtt CatalogueFunction.Arn", r.Properties["ServiceToken"])
	}
	if got, want := fmt.Sprint(r.Properties["CatalogueDigest"]), identity.CatalogueDigest(identity.Catalogue()); got != want {
		t.Errorf("CatalogueDigest = %s, the catalogue's is %s: set it, so the deploy loads the changed catalogue", got, want)
	}
	f := tm.Functions["CatalogueFunction"]
	if len(f.Policies) != 1 || f.Policies[0].Name != "DynamoDBWritePolicy" || f.Policies[0].Table() != "IdentityTable" || len(f.Events) != 0 {
		t.Errorf("CatalogueFunction = %+v: want a write policy on IdentityTable alone and no event", f)
	}
}

// Each function links the SDKs of what its requests call and no other: an SDK package costs
// the bootstrap's size and its init time (its tables are built at init) whether or not it is
// called. Only the routes that start executions link Step Functions and KMS (which seals
// their parameters); the steps KMS, which opens them; the reconciler Step Functions (and KMS,
// which package executions links with the routes that seal).
func TestFunctionsLinkOnlyTheSDKsTheirRequestsCall(t *testing.T) {
	goCmd := tool(t, "go")
	root := filepath.Dir(load(t).Path)
	cmd := exec.Command(goCmd, "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./functions/...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module, sdk = "github.com/actionservice/actionservice/functions/", "github.com/aws/aws-sdk-go-v2/service/"
	want := map[string][]string{"authorizer": nil, "catalogue": nil, "reconciler": {"kms", "sfn"}}
	for _, r := range httpapi.Routes {
		want["api/"+r.Name] = nil
		if r.StartsExecutions {
			want["api/"+r.Name] = []string{"kms", "sfn"}
		}
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		fn := strings.TrimPrefix(fields[0], module)
		wanted, ok := want[fn]
		if strings.HasPrefix(fn, "steps/") {
			wanted, ok = []string{"kms"}, true
		}
		if !ok {
			t.Errorf("%s: a function this test does not know", fn)
			continue
		}
		seen++
		var linked []string
		for _, dep := range fields[1:] {
			if name, ok := strings.CutPrefix(dep, sdk); ok && (name == "kms" || name == "sfn") {
				linked = append(linked, name)
			}
		}
		if !slices.Equal(linked, wanted) {
			t.Errorf("%s links %v of KMS and Step Functions, want %v", fn, linked, wanted)
		}
	}
	if seen < len(want) {
		t.Errorf("go list named %d functions, want at least %d", seen, len(want))
	}
}
