// Package api holds the Action Service's OpenAPI document, openapi.yaml: the REST contract
// that the routing table (httpapi.Routes) serves and template.yaml deploys. It is a package
// so that the local stack can serve the document and the tests can read it wherever they run.
package api

import _ "embed"

// OpenAPI is openapi.yaml, as committed.
//
//go:embed openapi.yaml
var OpenAPI []byte
