// Package cloud builds the AWS configuration and the DynamoDB client the service uses,
// pointed at AWS or, by endpoint, at the local stack, moto or DynamoDB Local. Application code
// receives the clients; only this package reads the endpoint settings. (The Step Functions
// client is workflow.NewClient, so that a function that never starts an execution does not
// link Step Functions' SDK.)
package cloud

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Endpoints name non-AWS endpoints; an empty one means AWS itself.
type Endpoints struct {
	DynamoDB      string
	StepFunctions string
}

// EndpointsFromEnv reads DYNAMODB_ENDPOINT and SFN_ENDPOINT.
func EndpointsFromEnv() Endpoints {
	return Endpoints{DynamoDB: os.Getenv("DYNAMODB_ENDPOINT"), StepFunctions: os.Getenv("SFN_ENDPOINT")}
}

// Config loads the AWS configuration. When the endpoints set are all on this machine (moto,
// DynamoDB Local, the local stack) and no credentials are in the environment, it uses static
// dummy credentials and us-east-1, so nothing reaches for an AWS account. Any other endpoint
// gets the default credential chain (environment, profile, SSO, role).
func Config(ctx context.Context, e Endpoints) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if (e.DynamoDB != "" || e.StepFunctions != "") && onThisMachine(e.DynamoDB) && onThisMachine(e.StepFunctions) {
		if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
			opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
		}
		if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
			opts = append(opts, config.WithRegion("us-east-1"))
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
}

// onThisMachine reports whether an endpoint URL is empty or names a loopback host.
func onThisMachine(endpoint string) bool {
	if endpoint == "" {
		return true
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// DynamoDB returns a DynamoDB client for the endpoint (AWS when empty); opts adjust it further.
func DynamoDB(cfg aws.Config, endpoint string, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			// minidyn's HTTP mode sends no CRC32 header.
			o.DisableValidateResponseChecksum = true
		}
	}}, opts...)...)
}

// Env returns the environment value or a default.
func Env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
