package httpapi

import "github.com/actionservice/actionservice/shared/auth"

// scopeAccount is the account a caller's lists are restricted to: none for an admin, its
// own for anyone else.
func scopeAccount(p auth.Principal) string {
	if p.IsAdmin() {
		return ""
	}
	return p.AccountID
}

// maySee reports whether the caller may see a ticket of that account; others' are 404.
func maySee(p auth.Principal, account string) bool {
	return p.IsAdmin() || p.AccountID == account
}
