package httpapi

import (
	"net/http"

	"github.com/actionservice/actionservice/shared/auth"
)

// mayRun answers 403 when the caller's role may not run the action at all (API.md §4), before
// anything is read or stored.
func mayRun(w http.ResponseWriter, r *http.Request, action string) bool {
	if err := auth.Authorize(principal(r), auth.RunAction(action), nil); err != nil {
		WriteProblem(w, r, http.StatusForbidden, "this caller may not run "+action)
		return false
	}
	return true
}

// maySee reports whether the caller may see a ticket of that account; others' are 404.
func maySee(p auth.Principal, account string) bool {
	return auth.Authorize(p, auth.ReadJobs, &auth.Target{AccountID: account}) == nil
}
