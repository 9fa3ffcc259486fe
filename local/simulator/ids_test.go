package simulator

import (
	"testing"

	"github.com/actionservice/actionservice/shared/outside"
)

func TestSalesforceSuffixMatchesTheSeed(t *testing.T) {
	for id15, want := range map[string]string{"001V0000003cerD": "IAQ", "001V0000003ePc5": "IAE"} {
		if got := salesforceSuffix(id15); got != want {
			t.Errorf("suffix of %s = %s, want %s (seed id %s%s)", id15, got, want, id15, want)
		}
	}
}

func TestEveryOperationHasBehaviour(t *testing.T) {
	for _, op := range outside.Operations() {
		if _, ok := specs[op]; !ok {
			t.Errorf("operation %s has no simulator spec", op)
		}
	}
	if len(specs) != len(outside.Operations()) {
		t.Errorf("%d specs for %d operations", len(specs), len(outside.Operations()))
	}
}
