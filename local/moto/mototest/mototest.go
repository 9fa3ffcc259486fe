// Package mototest starts moto_server for a test (package moto) and stops it at the test's
// cleanup. It imports testing, so only tests import it.
package mototest

import (
	"context"
	"os"
	"testing"

	"github.com/actionservice/actionservice/local/moto"
)

// ForTest starts moto_server for a test and stops it at cleanup. Without moto_server the
// test is skipped with a visible message, unless REQUIRE_MOTO is set (as .ci/run does), in
// which case it fails: CI must run the moto tier.
func ForTest(t testing.TB, env ...string) *moto.Server {
	t.Helper()
	if !moto.Available() {
		if os.Getenv("REQUIRE_MOTO") != "" {
			t.Fatalf("REQUIRE_MOTO is set but %v", moto.ErrNotInstalled)
		}
		t.Skipf("SKIPPING moto tier: %v", moto.ErrNotInstalled)
	}
	s, err := moto.Start(context.Background(), env...)
	if err != nil {
		t.Fatalf("moto tier: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}
