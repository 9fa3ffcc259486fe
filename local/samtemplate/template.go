// Package samtemplate reads the repository's SAM template (template.yaml) into what Go code
// needs from it: the functions with their API events and policies, the state machines with
// their definition substitutions, and the DynamoDB tables. Tests compare the template with
// the routing table and the store's schema through it, and the local stack creates its state
// machines and tables from it, so the template stays the one description of the deployment.
//
// CloudFormation's short-form tags (!Ref, !GetAtt, !Sub, !If, …) are read into their long,
// JSON form ({"Ref": "X"}, {"Fn::GetAtt": ["X", "Arn"]}, …); values "as written" in this
// package are in that form. Resolve turns such a value into a string through a lookup the
// caller gives.
package samtemplate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Resource types this package reads.
const (
	TypeFunction     = "AWS::Serverless::Function"
	TypeStateMachine = "AWS::Serverless::StateMachine"
	TypeTable        = "AWS::DynamoDB::Table"
)

// Template is the part of a SAM template that Go code reads.
type Template struct {
	// Path is the file the template was read from; empty for Parse.
	Path string
	// Parameters maps each parameter to its Default as written ("" when it has none).
	Parameters map[string]string
	// Globals holds the Globals section as written, by kind (Function, Api, …).
	Globals map[string]any
	// Resources holds every resource as written, by logical id.
	Resources map[string]Resource
	// Functions, StateMachines and Tables are views of Resources, by logical id.
	Functions     map[string]Function
	StateMachines map[string]StateMachine
	Tables        map[string]Table
}

// Resource is one entry of the template's Resources, as written.
type Resource struct {
	Type       string
	Properties map[string]any
	Metadata   map[string]any
}

// Function is an AWS::Serverless::Function with the template's Globals applied.
type Function struct {
	LogicalID   string
	CodeURI     string
	Handler     string
	Runtime     string
	BuildMethod string // Metadata.BuildMethod, e.g. "makefile"
	// Events are the function's events of type Api, sorted by event name.
	Events   []APIEvent
	Policies []Policy
	// Environment lists the names of the environment variables, Globals included, sorted.
	Environment []string
	// Timeout is the function's timeout, Globals applied (Lambda's default, 3 s, when unset).
	Timeout time.Duration
}

// APIEvent is an event of type Api: a REST API route that invokes the function.
type APIEvent struct {
	Name   string // the event's key under Events
	Method string // upper case, e.g. "GET"
	Path   string
	// RestAPIID is the RestApiId as written, e.g. {"Ref": "Api"}; nil means SAM's implicit API.
	RestAPIID any
	// Authorizer is Auth.Authorizer as written: "" means the API's default authorizer, "NONE"
	// means the route is public.
	Authorizer string
}

// Policy is one entry of a function's Policies.
type Policy struct {
	// Name is the SAM policy template (e.g. "DynamoDBReadPolicy") or the managed policy's
	// name or ARN; empty for an inline policy document.
	Name string
	// Parameters are the policy template's parameters as written, e.g.
	// TableName: {"Ref": "TicketsTable"}.
	Parameters map[string]any
	// Document is an inline policy document as written; nil otherwise.
	Document map[string]any
}

// Table returns the logical id of the table a policy template's TableName refers to with
// !Ref, or "" when it names none that way.
func (p Policy) Table() string {
	if r, ok := RefOf(p.Parameters["TableName"]); ok && r.Attribute == "" {
		return r.LogicalID
	}
	return ""
}

// StateMachine is an AWS::Serverless::StateMachine.
type StateMachine struct {
	LogicalID string
	// Type is STANDARD (also when unset) or EXPRESS.
	Type string
	// DefinitionURI is the definition file relative to the template, e.g.
	// "statemachines/createDomain.asl.json".
	DefinitionURI string
	// DefinitionSubstitutions are the ${name} replacements as written; see Substitutions.
	DefinitionSubstitutions map[string]any
}

// Substitutions resolves every definition substitution through lookup (see Resolve), e.g.
// CreateUmsDomainFunctionArn: !GetAtt CreateUmsDomainFunction.Arn becomes whatever lookup
// answers for {CreateUmsDomainFunction Arn}: locally, the name of an in-process function.
func (sm StateMachine) Substitutions(lookup func(Ref) (string, error)) (map[string]string, error) {
	out := make(map[string]string, len(sm.DefinitionSubstitutions))
	for name, v := range sm.DefinitionSubstitutions {
		s, err := Resolve(v, lookup)
		if err != nil {
			return nil, fmt.Errorf("state machine %s: substitution %s: %w", sm.LogicalID, name, err)
		}
		out[name] = s
	}
	return out, nil
}

// Definition reads the state machine's definition file, relative to the template's
// directory, and applies the substitutions: each "${name}" becomes subs[name]. A placeholder
// without a substitution is an error, as it is for CloudFormation.
func (t *Template) Definition(sm StateMachine, subs map[string]string) ([]byte, error) {
	if sm.DefinitionURI == "" {
		return nil, fmt.Errorf("state machine %s has no DefinitionUri", sm.LogicalID)
	}
	path := sm.DefinitionURI
	if !filepath.IsAbs(path) && t.Path != "" {
		path = filepath.Join(filepath.Dir(t.Path), path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("state machine %s: %w", sm.LogicalID, err)
	}
	var missing []string
	var b bytes.Buffer
	rest := string(raw)
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			b.WriteString(rest)
			break
		}
		name := rest[i+2 : i+j]
		b.WriteString(rest[:i])
		if v, ok := subs[name]; ok {
			b.WriteString(v)
		} else {
			missing = append(missing, name)
			b.WriteString(rest[i : i+j+1])
		}
		rest = rest[i+j+1:]
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("state machine %s: %s has no substitution for %s", sm.LogicalID, sm.DefinitionURI, strings.Join(missing, ", "))
	}
	return b.Bytes(), nil
}

// Table is an AWS::DynamoDB::Table.
type Table struct {
	LogicalID string
	KeySchema []Key
	// Attributes maps each AttributeDefinition's name to its type (S, N or B).
	Attributes map[string]string
	// Indexes are the global secondary indexes, in template order.
	Indexes []Index
	// TTLAttribute is the time-to-live attribute, "" when TTL is off.
	TTLAttribute        string
	BillingMode         string
	PointInTimeRecovery bool
	SSE                 bool
}

// Key is one element of a key schema.
type Key struct {
	Attribute string
	Type      string // HASH or RANGE
}

// Index is a global secondary index.
type Index struct {
	Name             string
	KeySchema        []Key
	Projection       string // ALL, KEYS_ONLY or INCLUDE
	NonKeyAttributes []string
}

// Find locates template.yaml: it walks up from the working directory to the module root (the
// directory holding go.mod), so tests in any package find the repository's template.
func Find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			path := filepath.Join(dir, "template.yaml")
			if _, err := os.Stat(path); err != nil {
				return "", fmt.Errorf("find template: %w", err)
			}
			return path, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find template: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Load finds and parses the repository's template.yaml.
func Load() (*Template, error) {
	path, err := Find()
	if err != nil {
		return nil, err
	}
	return ParseFile(path)
}

// ParseFile parses the template at path.
func ParseFile(path string) (*Template, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t.Path = path
	return t, nil
}

// Parse parses a SAM template's YAML (or JSON, which is YAML).
func Parse(src []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	raw, err := value(&doc)
	if err != nil {
		return nil, err
	}
	root := mapping(raw)
	if root == nil {
		return nil, errors.New("template is not a mapping")
	}
	t := &Template{
		Globals:       mapping(root["Globals"]),
		Parameters:    map[string]string{},
		Resources:     map[string]Resource{},
		Functions:     map[string]Function{},
		StateMachines: map[string]StateMachine{},
		Tables:        map[string]Table{},
	}
	for name, p := range mapping(root["Parameters"]) {
		t.Parameters[name] = text(mapping(p)["Default"])
	}
	resources, ok := root["Resources"].(map[string]any)
	if !ok {
		return nil, errors.New("template has no Resources mapping")
	}
	globals := mapping(mapping(root["Globals"])["Function"])
	for id, v := range resources {
		m := mapping(v)
		r := Resource{Type: text(m["Type"]), Properties: mapping(m["Properties"]), Metadata: mapping(m["Metadata"])}
		if r.Type == "" {
			return nil, fmt.Errorf("resource %s has no Type", id)
		}
		t.Resources[id] = r
		switch r.Type {
		case TypeFunction:
			f, err := function(id, r, globals)
			if err != nil {
				return nil, fmt.Errorf("function %s: %w", id, err)
			}
			t.Functions[id] = f
		case TypeStateMachine:
			t.StateMachines[id] = StateMachine{
				LogicalID:               id,
				Type:                    cmpOr(text(r.Properties["Type"]), "STANDARD"),
				DefinitionURI:           text(r.Properties["DefinitionUri"]),
				DefinitionSubstitutions: mapping(r.Properties["DefinitionSubstitutions"]),
			}
		case TypeTable:
			tb, err := table(id, r)
			if err != nil {
				return nil, fmt.Errorf("table %s: %w", id, err)
			}
			t.Tables[id] = tb
		}
	}
	return t, nil
}

// defaultFunctionTimeout is Lambda's timeout for a function that sets none.
const defaultFunctionTimeout = 3 * time.Second

func function(id string, r Resource, globals map[string]any) (Function, error) {
	prop := func(name string) string { return cmpOr(text(r.Properties[name]), text(globals[name])) }
	f := Function{
		LogicalID:   id,
		CodeURI:     prop("CodeUri"),
		Handler:     prop("Handler"),
		Runtime:     prop("Runtime"),
		BuildMethod: text(r.Metadata["BuildMethod"]),
		Timeout:     defaultFunctionTimeout,
	}
	if t := cmpOr(text(r.Properties["Timeout"]), text(globals["Timeout"])); t != "" {
		seconds, err := strconv.Atoi(t)
		if err != nil || seconds < 1 || seconds > 900 {
			return Function{}, fmt.Errorf("Timeout %q is not a whole number of seconds from 1 to 900", t)
		}
		f.Timeout = time.Duration(seconds) * time.Second
	}
	env := map[string]bool{}
	for _, src := range []map[string]any{globals, r.Properties} {
		for name := range mapping(mapping(mapping(src)["Environment"])["Variables"]) {
			env[name] = true
		}
	}
	for name := range env {
		f.Environment = append(f.Environment, name)
	}
	sort.Strings(f.Environment)

	for name, v := range mapping(r.Properties["Events"]) {
		ev := mapping(v)
		if ev == nil {
			return Function{}, fmt.Errorf("event %s is not a mapping", name)
		}
		if text(ev["Type"]) != "Api" {
			continue
		}
		p := mapping(ev["Properties"])
		f.Events = append(f.Events, APIEvent{
			Name:       name,
			Method:     strings.ToUpper(text(p["Method"])),
			Path:       text(p["Path"]),
			RestAPIID:  p["RestApiId"],
			Authorizer: text(mapping(p["Auth"])["Authorizer"]),
		})
	}
	slices.SortFunc(f.Events, func(a, b APIEvent) int { return strings.Compare(a.Name, b.Name) })

	policies := r.Properties["Policies"]
	if _, single := policies.(string); single {
		policies = []any{policies}
	}
	if m := mapping(policies); m != nil {
		policies = []any{m}
	}
	for _, p := range list(policies) {
		switch p := p.(type) {
		case string:
			f.Policies = append(f.Policies, Policy{Name: p})
		case map[string]any:
			if _, inline := p["Statement"]; inline {
				f.Policies = append(f.Policies, Policy{Document: p})
				continue
			}
			if len(p) != 1 {
				return Function{}, fmt.Errorf("policy %v: want one policy template or a policy document", p)
			}
			for name, params := range p {
				f.Policies = append(f.Policies, Policy{Name: name, Parameters: mapping(params)})
			}
		default:
			return Function{}, fmt.Errorf("policy %v: unexpected form", p)
		}
	}
	return f, nil
}

func table(id string, r Resource) (Table, error) {
	p := r.Properties
	t := Table{
		LogicalID:   id,
		Attributes:  map[string]string{},
		BillingMode: cmpOr(text(p["BillingMode"]), "PROVISIONED"),
	}
	var err error
	if t.KeySchema, err = keySchema(p["KeySchema"]); err != nil {
		return Table{}, err
	}
	for _, a := range list(p["AttributeDefinitions"]) {
		a := mapping(a)
		t.Attributes[text(a["AttributeName"])] = text(a["AttributeType"])
	}
	for _, g := range list(p["GlobalSecondaryIndexes"]) {
		g := mapping(g)
		ix := Index{Name: text(g["IndexName"])}
		if ix.KeySchema, err = keySchema(g["KeySchema"]); err != nil {
			return Table{}, fmt.Errorf("index %s: %w", ix.Name, err)
		}
		proj := mapping(g["Projection"])
		ix.Projection = text(proj["ProjectionType"])
		for _, a := range list(proj["NonKeyAttributes"]) {
			ix.NonKeyAttributes = append(ix.NonKeyAttributes, text(a))
		}
		t.Indexes = append(t.Indexes, ix)
	}
	if ttl := mapping(p["TimeToLiveSpecification"]); ttl != nil && ttl["Enabled"] == true {
		t.TTLAttribute = text(ttl["AttributeName"])
	}
	t.PointInTimeRecovery = mapping(p["PointInTimeRecoverySpecification"])["PointInTimeRecoveryEnabled"] == true
	t.SSE = mapping(p["SSESpecification"])["SSEEnabled"] == true
	return t, nil
}

func keySchema(v any) ([]Key, error) {
	var keys []Key
	for _, k := range list(v) {
		k := mapping(k)
		key := Key{Attribute: text(k["AttributeName"]), Type: text(k["KeyType"])}
		if key.Attribute == "" || key.Type == "" {
			return nil, fmt.Errorf("key schema element %v: want AttributeName and KeyType", k)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errors.New("no KeySchema")
	}
	return keys, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
