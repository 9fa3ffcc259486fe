package outside_test

import (
	"testing"
	"time"

	"github.com/actionservice/actionservice/shared/outside"
)

func clearEnv(t *testing.T) {
	for _, v := range []string{"OUTSIDE_SIMULATOR_URL", "OUTSIDE_KMS_URL", "OUTSIDE_KMS_TIMEOUT",
		"OUTSIDE_CRM_URL", "OUTSIDE_CRM_TIMEOUT", "OUTSIDE_BILLING_URL", "OUTSIDE_BILLING_TIMEOUT"} {
		t.Setenv(v, "")
	}
}

func TestConfigFromEnvReadsURLsAndTimeouts(t *testing.T) {
	clearEnv(t)
	t.Setenv("OUTSIDE_KMS_URL", "https://kms.example.com/v1")
	t.Setenv("OUTSIDE_KMS_TIMEOUT", "3s")
	t.Setenv("OUTSIDE_CRM_URL", "https://crm.example.com")
	t.Setenv("OUTSIDE_CRM_TIMEOUT", "1500")
	c, err := outside.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := outside.Config{
		KMS: outside.SystemConfig{BaseURL: "https://kms.example.com/v1", Timeout: 3 * time.Second},
		CRM: outside.SystemConfig{BaseURL: "https://crm.example.com", Timeout: 1500 * time.Millisecond},
		// Billing unset: not configured, default timeout.
		Billing: outside.SystemConfig{Timeout: outside.DefaultTimeout},
		Storage: outside.SystemConfig{Timeout: outside.DefaultTimeout},
	}
	if c != want {
		t.Fatalf("got %+v, want %+v", c, want)
	}
}

func TestConfigFromEnvSimulatorURLFillsUnsetSystems(t *testing.T) {
	clearEnv(t)
	t.Setenv("OUTSIDE_SIMULATOR_URL", "http://127.0.0.1:3000/_sim/")
	t.Setenv("OUTSIDE_CRM_URL", "https://crm.example.com")
	c, err := outside.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.KMS.BaseURL != "http://127.0.0.1:3000/_sim/kms" || c.Billing.BaseURL != "http://127.0.0.1:3000/_sim/billing" ||
		c.CRM.BaseURL != "https://crm.example.com" {
		t.Fatalf("got %+v", c)
	}
}

func TestConfigFromEnvRejectsBadValues(t *testing.T) {
	for name, env := range map[string][2]string{
		"timeout not a duration": {"OUTSIDE_BILLING_TIMEOUT", "soon"},
		"timeout not positive":   {"OUTSIDE_KMS_TIMEOUT", "0"},
		"url not absolute":       {"OUTSIDE_CRM_URL", "crm.example.com"},
		"simulator url bad":      {"OUTSIDE_SIMULATOR_URL", "ftp://x"},
	} {
		t.Run(name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(env[0], env[1])
			if _, err := outside.ConfigFromEnv(); err == nil {
				t.Fatalf("%s=%q accepted", env[0], env[1])
			}
		})
	}
}
