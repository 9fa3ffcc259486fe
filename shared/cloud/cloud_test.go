package cloud

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func credentialsFor(t *testing.T, e Endpoints) string {
	t.Helper()
	cfg, err := Config(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c.AccessKeyID
}

func TestDummyCredentialsOnlyForEndpointsOnThisMachine(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(profile, []byte("[default]\naws_access_key_id = FROMPROFILE\naws_secret_access_key = s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", profile)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_REGION", "eu-west-1")
	for endpoint, want := range map[string]string{
		"http://127.0.0.1:8000":                     "local",
		"http://localhost:4566":                     "local",
		"http://[::1]:8000":                         "local",
		"https://dynamodb.eu-west-1.amazonaws.com":  "FROMPROFILE",
		"http://dynamodb-local.internal.example:80": "FROMPROFILE",
	} {
		if got := credentialsFor(t, Endpoints{DynamoDB: endpoint}); got != want {
			t.Errorf("endpoint %s: credentials %s, want %s", endpoint, got, want)
		}
	}
	if got := credentialsFor(t, Endpoints{}); got != "FROMPROFILE" {
		t.Errorf("AWS itself: credentials %s, want the profile's", got)
	}
}
