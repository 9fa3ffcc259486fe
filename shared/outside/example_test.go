package outside_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/outside"
)

// A step calls its operation with the key <ticketId>/<step>, and turns the error into a
// ticket outcome: transient → retry, then TIMEDOUT; permanent → roll back with the category.
func ExampleClient_Invoke() {
	sim := simulator.New()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	defer sim.Close()
	client := outside.NewClient(outside.SimulatorConfig(srv.URL+"/_sim", 0), nil)

	sim.Inject(simulator.Fault{Operation: actions.CreateSalesforceAccount, Mode: simulator.Permanent,
		Status: 409, Message: "account name already exists"})
	_, err := client.Invoke(context.Background(), actions.CreateSalesforceAccount,
		"4e89f121318cd70066d68c31/CreateSalesforceAccount", map[string]string{"name": "acme"})
	fmt.Println(outside.IsTransient(err), outside.CategoryOf(err))
	fmt.Println(err)
	// Output:
	// false CONFLICT
	// CRM refused CreateSalesforceAccount: 409 Conflict: account name already exists
}
