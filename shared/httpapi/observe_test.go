package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/logging"
	"github.com/actionservice/actionservice/shared/metrics"
	"github.com/actionservice/actionservice/shared/service"
)

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// Every route's Lambda, run as the Lambda runtime runs it (lambda.NewHandler, as lambda.Start
// does, with the invocation's LambdaContext and trace in the context), ends each request with
// a "request" line carrying the Lambda request id, API Gateway's request id and the trace id,
// and with its Latency metric by route. A route added to the routing table is covered here.
func TestEveryRoutesLambdaLogsItsRequestWithBothRequestIDsAndMeasuresItsLatency(t *testing.T) {
	h := newHarness(t)
	var emf bytes.Buffer
	h.api.Metrics = metrics.New(&emf, nil)
	for _, rt := range httpapi.Routes {
		values := map[string]string{"{ticketId}": "0123456789abcdef01234567", "{action}": "createDomain", "{status}": "ERROR", "{category}": "INTERNAL"}
		path := pathParam.ReplaceAllStringFunc(rt.Path, func(p string) string {
			if v, ok := values[p]; ok {
				return v
			}
			return "x"
		})
		payload, _ := json.Marshal(gatewayEvent(alice, rt.Method, path))
		requestID := "req-" + rt.Name
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: requestID})
		ctx = logging.WithTraceHeader(ctx, "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
		if _, err := lambda.NewHandler(service.RouteProxy(h.api, rt)).Invoke(ctx, payload); err != nil {
			t.Fatalf("%s: %v", rt.Name, err)
		}
		logged := false
		for _, l := range strings.Split(h.log.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) != nil || m["requestId"] != requestID {
				continue
			}
			if m[httpapi.KeyAPIRequestID] != "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" || m["traceId"] != "1-5759e988-bd862e3fe1be46a994272793" {
				t.Errorf("%s: a line without the API request id or trace: %v", rt.Name, m)
			}
			logged = logged || (m["message"] == "request" && m["route"] == rt.Name && m["status"] != nil)
		}
		if !logged {
			t.Errorf("%s: no request line with requestId %s in:\n%s", rt.Name, requestID, h.log.String())
		}
		measured := false
		for _, l := range strings.Split(emf.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["requestId"] == requestID {
				_, hasValue := m[metrics.Latency].(float64)
				measured = m["Route"] == rt.Name && hasValue && strings.Contains(l, `"Dimensions":[["Route"]]`)
			}
		}
		if !measured {
			t.Errorf("%s: no Latency line by Route with requestId %s in:\n%s", rt.Name, requestID, emf.String())
		}
	}
}
