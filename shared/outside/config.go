package outside

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/actionservice/actionservice/shared/actions"
)

// DefaultTimeout bounds a call to a system whose Timeout is not set. It stays well below a
// step Lambda's timeout so that a hung system becomes a retry, not a killed Lambda.
const DefaultTimeout = 10 * time.Second

// SystemConfig is where one outside system answers and how long a call to it may take.
type SystemConfig struct {
	BaseURL string        // e.g. https://crm.example.com/api or http://127.0.0.1:3000/_sim/crm
	Timeout time.Duration // per call; 0 means DefaultTimeout
}

// Config configures every outside system. A system with an empty BaseURL is not configured.
type Config struct {
	KMS     SystemConfig
	CRM     SystemConfig
	Billing SystemConfig
	Storage SystemConfig
}

// For returns the configuration of one system.
func (c Config) For(s System) (SystemConfig, bool) {
	switch s {
	case actions.KMS:
		return c.KMS, true
	case actions.CRM:
		return c.CRM, true
	case actions.Billing:
		return c.Billing, true
	case actions.Storage:
		return c.Storage, true
	}
	return SystemConfig{}, false
}

func (c *Config) set(s System, sc SystemConfig) {
	switch s {
	case actions.KMS:
		c.KMS = sc
	case actions.CRM:
		c.CRM = sc
	case actions.Billing:
		c.Billing = sc
	case actions.Storage:
		c.Storage = sc
	}
}

// SimulatorConfig points every system at a simulator mounted at simURL (e.g.
// http://127.0.0.1:3000/_sim): system s answers at {simURL}/{s}.
func SimulatorConfig(simURL string, timeout time.Duration) Config {
	var c Config
	base := strings.TrimRight(simURL, "/")
	for _, s := range Systems {
		c.set(s, SystemConfig{BaseURL: base + "/" + string(s), Timeout: timeout})
	}
	return c
}

// ConfigFromEnv reads the configuration from the environment variables listed in the
// package documentation.
func ConfigFromEnv() (Config, error) {
	var c Config
	var errs []error
	sim := os.Getenv("OUTSIDE_SIMULATOR_URL")
	if sim != "" {
		if err := checkURL(sim); err != nil {
			errs = append(errs, fmt.Errorf("OUTSIDE_SIMULATOR_URL: %w", err))
		}
	}
	for _, s := range Systems {
		prefix := "OUTSIDE_" + strings.ToUpper(string(s))
		sc := SystemConfig{BaseURL: os.Getenv(prefix + "_URL"), Timeout: DefaultTimeout}
		if sc.BaseURL == "" && sim != "" {
			sc.BaseURL = strings.TrimRight(sim, "/") + "/" + string(s)
		} else if sc.BaseURL != "" {
			if err := checkURL(sc.BaseURL); err != nil {
				errs = append(errs, fmt.Errorf("%s_URL: %w", prefix, err))
			}
		}
		if v := os.Getenv(prefix + "_TIMEOUT"); v != "" {
			d, err := parseTimeout(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_TIMEOUT: %w", prefix, err))
			}
			sc.Timeout = d
		}
		c.set(s, sc)
	}
	return c, errors.Join(errs...)
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	return nil
}

// parseTimeout accepts a Go duration ("5s") or whole milliseconds ("5000").
func parseTimeout(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		ms, nerr := strconv.ParseInt(v, 10, 64)
		if nerr != nil {
			return 0, fmt.Errorf("%q is neither a duration nor milliseconds", v)
		}
		d = time.Duration(ms) * time.Millisecond
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q is not positive", v)
	}
	return d, nil
}
