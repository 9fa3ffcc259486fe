// Package auth holds who is calling: the principal a token stands for, how tokens are stored
// (hashed) and checked, and the API Gateway TOKEN authorizer that the local stack also runs.
package auth

import (
	"slices"
	"strings"
	"time"
)

// Principal statuses.
const (
	StatusEnabled   = "enabled"
	StatusDisabled  = "disabled"
	StatusSuspended = "suspended"
)

// RoleAdmin sees everything; any other principal sees only its own account and domain.
const RoleAdmin = "admin"

// Principal is the caller behind a token.
type Principal struct {
	UserID    string
	AccountID string
	DomainID  string
	Roles     []string
	Status    string
	ExpiresAt time.Time
}

// IsAdmin reports whether the principal may see every account.
func (p Principal) IsAdmin() bool { return slices.Contains(p.Roles, RoleAdmin) }

// Context is the principal as API Gateway passes an authorizer's context to the
// integration: a map of strings.
func (p Principal) Context() map[string]any {
	return map[string]any{
		"userId":    p.UserID,
		"accountId": p.AccountID,
		"domainId":  p.DomainID,
		"roles":     strings.Join(p.Roles, ","),
		"status":    p.Status,
	}
}

// FromContext reads a principal back from an authorizer context.
func FromContext(c map[string]any) (Principal, bool) {
	str := func(k string) string {
		s, _ := c[k].(string)
		return s
	}
	p := Principal{UserID: str("userId"), AccountID: str("accountId"), DomainID: str("domainId"), Status: str("status"), Roles: ParseRoles(str("roles"))}
	return p, p.UserID != "" || p.AccountID != ""
}

// ParseRoles reads a comma-separated role list, as the authorizer context and the token
// command write it; blanks are dropped.
func ParseRoles(s string) []string {
	var roles []string
	for r := range strings.SplitSeq(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			roles = append(roles, r)
		}
	}
	return roles
}
