// Package invoke does what `sam local invoke` does, without Docker: it makes a sample event for
// every function of template.yaml (the events/ directory, written by cmd/genevents), and runs
// one function on one event — in process on the local stack, or as its built bootstrap under
// the AWS Lambda Runtime Interface Emulator, which speaks Lambda's Runtime API to it.
package invoke

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/events"

	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/identity"
)

// The samples the events name. SampleToken is the X-Auth-Token of the route and authorizer
// events; the in-process invoke accepts it as an admin's token. SampleTicketID is the ticket
// the step payloads and the reconciler's event name: a 404 (or a step's "ticket not found")
// until a ticket by that id exists — put the id of a real one in the event to run it.
const (
	SampleToken    = "sample-token-0123456789abcdef"
	SampleTicketID = "0123456789abcdef01234567"
	SampleAccount  = "000000000001"
	sampleRegion   = "us-east-1"
	sampleAWSAcct  = "123456789012"
	sampleStage    = "dev"
	sampleAPIID    = "abcdef1234"
)

// samplePrincipal is who the route events come from, as the authorizer's context says.
var samplePrincipal = auth.Principal{UserID: "admin", AccountID: SampleAccount, Roles: []string{auth.RoleAdmin}, Status: auth.StatusEnabled}

// samplePathValues fill the routes' path parameters. A route with a parameter not here has no
// sample event, which TestEveryFunctionHasASampleEvent reports.
var samplePathValues = map[string]string{
	"ticketId": SampleTicketID,
	"action":   "createDomain",
	"category": "DEPENDENCY",
	"status":   "ERROR",
	"domainId": SampleDomainID,
	"userId":   SampleUserID,
}

// The Domains routes' samples: ids that name nothing in a fresh stack (their events answer
// 404), and the bodies seed 001's POST and PUT send.
const (
	SampleDomainID = "38995611887804"
	SampleUserID   = "47161213735801"
)

var sampleBodies = map[string]string{
	"submit-action": `{"JobTicket":{"actionParams":{"name":"SampleDomain","company":"Sample Co"}}}`,
	"create-domain": `{"domain":{"name":"Sample Domain","company":"Sample Co","status":"enabled"}}`,
	"update-domain": `{"domain":{"phone":"1-800-NO-DISNEY"}}`,
}

// sampleTime is the events' time, fixed so that generating them again changes nothing.
var sampleTime = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// Events are the sample events by path under events/: <LogicalId>/<name>.json, one per route,
// the TOKEN authorizer's, one per Task state of each action's state machine (each step's
// payload per phase), and the reconciler's two (an execution status change, the schedule).
// The API Gateway shapes start from aws-lambda-go's own test events, read from the module
// cache.
func Events() (map[string][]byte, error) {
	dir, err := lambdaGoDir()
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	add := func(function, name string, v any) error {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		path := function + "/" + name + ".json"
		if _, dup := out[path]; dup {
			return fmt.Errorf("two sample events at %s", path)
		}
		out[path] = append(b, '\n')
		return nil
	}
	var proxy events.APIGatewayProxyRequest
	if err := readTestdata(dir, "apigw-request.json", &proxy); err != nil {
		return nil, err
	}
	for _, rt := range httpapi.Routes {
		e, err := routeEvent(proxy, rt)
		if err != nil {
			return nil, err
		}
		if err := add(rt.LogicalID(), rt.Name, e); err != nil {
			return nil, err
		}
	}
	var authz events.APIGatewayCustomAuthorizerRequest
	if err := readTestdata(dir, "apigw-custom-auth-request.json", &authz); err != nil {
		return nil, err
	}
	authz.AuthorizationToken = SampleToken
	authz.MethodArn = fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/GET/job", sampleRegion, sampleAWSAcct, sampleAPIID, sampleStage)
	if err := add("AuthorizerFunction", "token", authz); err != nil {
		return nil, err
	}
	if err := add(catalogueLogicalID, "create", catalogueEvent()); err != nil {
		return nil, err
	}
	for name, e := range reconcilerEvents() {
		if err := add("ReconcilerFunction", name, e); err != nil {
			return nil, err
		}
	}
	payloads, err := stepPayloads()
	if err != nil {
		return nil, err
	}
	for path, p := range payloads {
		out[path] = p
	}
	return out, nil
}

// routeEvent is the proxy event API Gateway sends the route's function, on the sample's
// shape: the route's resource and a concrete path, JSON asked for, the token, and the context
// the authorizer gave (none on a public route).
func routeEvent(e events.APIGatewayProxyRequest, rt httpapi.Route) (events.APIGatewayProxyRequest, error) {
	path, params, err := samplePath(rt.Path)
	if err != nil {
		return e, fmt.Errorf("route %s: %w", rt.Name, err)
	}
	headers := map[string]string{
		"Accept":            "application/json",
		"Host":              sampleAPIID + ".execute-api." + sampleRegion + ".amazonaws.com",
		"User-Agent":        "sample-event",
		"X-Forwarded-Proto": "https",
	}
	if !rt.Public {
		headers["X-Auth-Token"] = SampleToken
	}
	e.Body, e.IsBase64Encoded = "", false
	if body, ok := sampleBodies[rt.Name]; ok {
		headers["Content-Type"] = "application/json"
		e.Body = body
	}
	e.Resource, e.Path, e.HTTPMethod = rt.Path, path, rt.Method
	e.Headers = headers
	e.MultiValueHeaders = map[string][]string{}
	for k, v := range headers {
		e.MultiValueHeaders[k] = []string{v}
	}
	e.PathParameters = params
	e.QueryStringParameters, e.MultiValueQueryStringParameters, e.StageVariables = nil, nil, nil
	rc := &e.RequestContext
	rc.AccountID, rc.APIID, rc.Stage = sampleAWSAcct, sampleAPIID, sampleStage
	rc.ResourceID, rc.ResourcePath, rc.HTTPMethod = "sample", rt.Path, rt.Method
	rc.Path = "/" + sampleStage + path
	rc.RequestID = "sample-" + rt.Name
	rc.ExtendedRequestID = rc.RequestID
	rc.RequestTime = sampleTime.Format("02/Jan/2006:15:04:05 -0700")
	rc.RequestTimeEpoch = sampleTime.UnixMilli()
	rc.Protocol, rc.DomainName, rc.DomainPrefix = "HTTP/1.1", headers["Host"], sampleAPIID
	rc.Identity = events.APIGatewayRequestIdentity{SourceIP: "127.0.0.1", UserAgent: headers["User-Agent"]}
	rc.Authorizer = nil
	if !rt.Public {
		rc.Authorizer = samplePrincipal.Context()
	}
	return e, nil
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// samplePath fills a resource path's parameters with the samples.
func samplePath(resource string) (string, map[string]string, error) {
	params := map[string]string{}
	var missing []string
	path := pathParam.ReplaceAllStringFunc(resource, func(m string) string {
		name := m[1 : len(m)-1]
		v, ok := samplePathValues[name]
		if !ok {
			missing = append(missing, name)
		}
		params[name] = v
		return v
	})
	if len(missing) > 0 {
		return "", nil, fmt.Errorf("no sample value for path parameter %s", strings.Join(missing, ", "))
	}
	if len(params) == 0 {
		params = nil
	}
	return path, params, nil
}

// reconcilerEvents are the EventBridge events the reconciler gets: a Step Functions execution
// status change (as AWS documents its detail) and the template's schedule.
func reconcilerEvents() map[string]events.CloudWatchEvent {
	machine := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:action-service-createDomain", sampleRegion, sampleAWSAcct)
	execution := strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":" + SampleTicketID
	input, _ := json.Marshal(map[string]any{"ticketId": SampleTicketID, "deadline": 0, "accountId": SampleAccount})
	detail, _ := json.Marshal(map[string]any{
		"executionArn": execution, "stateMachineArn": machine, "name": SampleTicketID,
		"status": "FAILED", "startDate": sampleTime.UnixMilli(), "stopDate": sampleTime.Add(time.Second).UnixMilli(),
		"input": string(input), "output": nil, "error": "States.Runtime", "cause": "An error occurred while executing the state 'CreateKmsDomain'.",
	})
	return map[string]events.CloudWatchEvent{
		"execution-failed": {
			Version: "0", ID: "00000000-0000-0000-0000-000000000001", DetailType: "Step Functions Execution Status Change",
			Source: "aws.states", AccountID: sampleAWSAcct, Time: sampleTime, Region: sampleRegion,
			Resources: []string{execution}, Detail: detail,
		},
		"scheduled": {
			Version: "0", ID: "00000000-0000-0000-0000-000000000002", DetailType: "Scheduled Event",
			Source: "aws.events", AccountID: sampleAWSAcct, Time: sampleTime, Region: sampleRegion,
			Resources: []string{fmt.Sprintf("arn:aws:events:%s:%s:rule/NeverStartedSweep", sampleRegion, sampleAWSAcct)},
			Detail:    json.RawMessage(`{}`),
		},
	}
}

// stepPayloads are the payloads the actions' state machines give their Tasks, by path: one
// per Task state, named by the state (the action's name first when two actions' states of
// one name differ), with the execution input's values filled in and a sample caught error.
func stepPayloads() (map[string][]byte, error) {
	functionOf := map[string]string{actions.TicketsFunction: actions.TicketsLogicalID}
	for _, sys := range actions.Systems {
		functionOf[sys.Function()] = sys.LogicalID()
	}
	caught := map[string]any{"Error": "StepFailed", "Cause": `{"errorMessage":"[CONFLICT] CreateKmsDomain: kms refused: 409 Conflict","errorType":"StepFailed"}`}
	state := map[string]any{"ticketId": SampleTicketID, "deadline": 0, "accountId": SampleAccount, "error": caught, "undoError": caught}
	type payload struct{ action, function, state string }
	byState := map[string][]payload{}
	bodies := map[payload][]byte{}
	for _, a := range actions.Catalogue() {
		def, err := a.StateMachine()
		if err != nil {
			return nil, err
		}
		var m struct {
			States map[string]struct {
				Type       string
				Resource   string
				Parameters map[string]any
			}
		}
		if err := json.Unmarshal(def, &m); err != nil {
			return nil, err
		}
		for name, st := range m.States {
			if st.Type != "Task" {
				continue
			}
			fn, ok := functionOf[strings.TrimSuffix(strings.TrimPrefix(st.Resource, "${"), "}")]
			if !ok {
				return nil, fmt.Errorf("%s.%s: no function for %s", a.Name, name, st.Resource)
			}
			p := map[string]any{}
			for k, v := range st.Parameters {
				path, isPath := v.(string)
				if key, ok := strings.CutSuffix(k, ".$"); ok && isPath {
					p[key] = state[strings.TrimPrefix(path, "$.")]
					continue
				}
				p[k] = v
			}
			b, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				return nil, err
			}
			id := payload{a.Name, fn, name}
			bodies[id] = append(b, '\n')
			byState[fn+"/"+name] = append(byState[fn+"/"+name], id)
		}
	}
	out := map[string][]byte{}
	for key, ids := range byState {
		sort.Slice(ids, func(i, j int) bool { return ids[i].action < ids[j].action })
		same := true
		for _, id := range ids[1:] {
			same = same && bytes.Equal(bodies[id], bodies[ids[0]])
		}
		if same {
			out[key+".json"] = bodies[ids[0]]
			continue
		}
		for _, id := range ids {
			out[id.function+"/"+id.action+"-"+id.state+".json"] = bodies[id]
		}
	}
	return out, nil
}

func readTestdata(dir, name string, v any) error {
	b, err := os.ReadFile(filepath.Join(dir, "events", "testdata", name))
	if err != nil {
		return fmt.Errorf("aws-lambda-go's sample %s: %w", name, err)
	}
	return json.Unmarshal(b, v)
}

// lambdaGoDir is aws-lambda-go's directory in the module cache, at the version go.mod pins.
func lambdaGoDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
	if err != nil {
		return "", fmt.Errorf("find aws-lambda-go in the module cache (go list -m): %w", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("aws-lambda-go is not in the module cache: run go mod download")
	}
	return dir, nil
}

const catalogueLogicalID = "CatalogueFunction"

// catalogueEvent is the Create request CloudFormation sends the custom resource that loads
// the service catalogue.
func catalogueEvent() cfn.Event {
	stack := fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/action-service/00000000-0000-0000-0000-000000000002", sampleRegion, sampleAWSAcct)
	return cfn.Event{
		RequestType: cfn.RequestCreate, RequestID: "00000000-0000-0000-0000-000000000003",
		ResponseURL:  "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/sample",
		ResourceType: "Custom::ServiceCatalogue", LogicalResourceID: "ServiceCatalogue", StackID: stack,
		ResourceProperties: map[string]any{
			"ServiceToken":    fmt.Sprintf("arn:aws:lambda:%s:%s:function:action-service-CatalogueFunction", sampleRegion, sampleAWSAcct),
			"CatalogueDigest": identity.CatalogueDigest(identity.Catalogue()),
		},
	}
}
