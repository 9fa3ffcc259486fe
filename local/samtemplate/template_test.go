package samtemplate

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const snippet = `
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
  Retention: {Type: Number, Default: 30}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Or [!Condition NotProd, !Condition IsProd]]
Mappings:
  Sizes: {dev: {Memory: 128}}
Globals:
  Function:
    Runtime: provided.al2023
    Handler: bootstrap
    CodeUri: .
    Environment:
      Variables:
        TABLE: !Ref Tickets
        STAGE: !Ref Stage
Resources:
  StepKmsFunction:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: makefile}
    Properties:
      MemorySize: !FindInMap [Sizes, !Ref Stage, Memory]
      Description: !Join ["-", [a, !Select [0, !Split [",", "b,c"]]]]
      Role: !If [IsProd, !ImportValue prod-role, !Ref AWS::NoValue]
      UserData: !Base64 x
      Zones: !GetAZs ""
      Environment:
        Variables:
          EXTRA: !Sub "${Stage}-x"
      Policies:
        - AWSXrayWriteOnlyAccess
        - DynamoDBReadPolicy:
            TableName: !Ref Tickets
        - Statement:
            - Effect: Allow
              Action: kms:Decrypt
              Resource: !GetAtt Key.Arn
      Events:
        Public:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /domains, Method: head, Auth: {Authorizer: NONE}}
        Private:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /job, Method: get}
        Nightly:
          Type: Schedule
          Properties: {Schedule: rate(1 day)}
  CreateDomain:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachines/createDomain.asl.json
      DefinitionSubstitutions:
        CreateKmsArn: !GetAtt StepKmsFunction.Arn
        LongForm: {"Fn::GetAtt": [StepKmsFunction, Arn]}
        Table: !Ref Tickets
        Queue: !Sub "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:${Stage}-q-${!Literal}"
        Mapped: !Sub ["${Prefix}/${StepKmsFunction.Arn}", {Prefix: !Ref Stage}]
        Joined: !Join [":", [a, !Ref Stage]]
        Plain: 42
  Tickets:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: id, AttributeType: S}
        - {AttributeName: acct, AttributeType: S}
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      GlobalSecondaryIndexes:
        - IndexName: byAcct
          KeySchema: [{AttributeName: acct, KeyType: HASH}, {AttributeName: id, KeyType: RANGE}]
          Projection: {ProjectionType: INCLUDE, NonKeyAttributes: [status]}
      TimeToLiveSpecification: {AttributeName: expiresAt, Enabled: true}
      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
      SSESpecification: {SSEEnabled: true}
  Tokens:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: h, KeyType: HASH}]
      TimeToLiveSpecification: {AttributeName: expiresAt, Enabled: false}
`

func parseSnippet(t *testing.T) *Template {
	t.Helper()
	tm, err := Parse([]byte(snippet))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return tm
}

func TestParseReadsShortFormIntrinsicsAsTheirLongForm(t *testing.T) {
	tm := parseSnippet(t)
	p := tm.Resources["StepKmsFunction"].Properties
	want := map[string]any{
		"MemorySize":  map[string]any{"Fn::FindInMap": []any{"Sizes", map[string]any{"Ref": "Stage"}, "Memory"}},
		"Description": map[string]any{"Fn::Join": []any{"-", []any{"a", map[string]any{"Fn::Select": []any{0, map[string]any{"Fn::Split": []any{",", "b,c"}}}}}}},
		"Role":        map[string]any{"Fn::If": []any{"IsProd", map[string]any{"Fn::ImportValue": "prod-role"}, map[string]any{"Ref": "AWS::NoValue"}}},
		"UserData":    map[string]any{"Fn::Base64": "x"},
		"Zones":       map[string]any{"Fn::GetAZs": ""},
	}
	for k, w := range want {
		if !reflect.DeepEqual(p[k], w) {
			t.Errorf("%s = %#v, want %#v", k, p[k], w)
		}
	}
	if tm.Parameters["Stage"] != "dev" || tm.Parameters["Retention"] != "30" {
		t.Errorf("Parameters = %v", tm.Parameters)
	}
}

func TestParseReadsFunctionsWithGlobalsEventsAndPolicies(t *testing.T) {
	f, ok := parseSnippet(t).Functions["StepKmsFunction"]
	if !ok {
		t.Fatal("StepKmsFunction not read")
	}
	if f.CodeURI != "." || f.Handler != "bootstrap" || f.Runtime != "provided.al2023" || f.BuildMethod != "makefile" {
		t.Errorf("globals/metadata not applied: %+v", f)
	}
	if want := []string{"EXTRA", "STAGE", "TABLE"}; !reflect.DeepEqual(f.Environment, want) {
		t.Errorf("Environment = %v, want %v", f.Environment, want)
	}
	api := map[string]any{"Ref": "Api"}
	wantEvents := []APIEvent{
		{Name: "Private", Method: "GET", Path: "/job", RestAPIID: api},
		{Name: "Public", Method: "HEAD", Path: "/domains", RestAPIID: api, Authorizer: "NONE"},
	}
	if !reflect.DeepEqual(f.Events, wantEvents) {
		t.Errorf("Events = %+v, want %+v (Schedule events are not Api events)", f.Events, wantEvents)
	}
	if len(f.Policies) != 3 {
		t.Fatalf("Policies = %+v, want 3", f.Policies)
	}
	if f.Policies[0].Name != "AWSXrayWriteOnlyAccess" {
		t.Errorf("managed policy = %+v", f.Policies[0])
	}
	if f.Policies[1].Name != "DynamoDBReadPolicy" || f.Policies[1].Table() != "Tickets" {
		t.Errorf("policy template = %+v, table %q", f.Policies[1], f.Policies[1].Table())
	}
	if f.Policies[2].Name != "" || f.Policies[2].Document == nil {
		t.Errorf("inline policy = %+v", f.Policies[2])
	}
}

func TestStateMachineSubstitutionsResolveThroughTheCallersLookup(t *testing.T) {
	sm, ok := parseSnippet(t).StateMachines["CreateDomain"]
	if !ok {
		t.Fatal("CreateDomain not read")
	}
	if sm.Type != "STANDARD" || sm.DefinitionURI != "statemachines/createDomain.asl.json" {
		t.Errorf("state machine = %+v", sm)
	}
	if got := sm.DefinitionSubstitutions["CreateKmsArn"]; !reflect.DeepEqual(got, map[string]any{"Fn::GetAtt": []any{"StepKmsFunction", "Arn"}}) {
		t.Errorf("substitution as written = %#v", got)
	}
	lookup := func(r Ref) (string, error) {
		switch {
		case r == Ref{LogicalID: "StepKmsFunction", Attribute: "Arn"}:
			return "local:step-kms", nil
		case r.Attribute == "":
			return "<" + r.LogicalID + ">", nil
		}
		return "", fmt.Errorf("no %v", r)
	}
	got, err := sm.Substitutions(lookup)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"CreateKmsArn": "local:step-kms",
		"LongForm":     "local:step-kms",
		"Table":        "<Tickets>",
		"Queue":        "arn:aws:sqs:<AWS::Region>:<AWS::AccountId>:<Stage>-q-${Literal}",
		"Mapped":       "<Stage>/local:step-kms",
		"Joined":       "a:<Stage>",
		"Plain":        "42",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Substitutions =\n%v\nwant\n%v", got, want)
	}
	if _, err := Resolve(map[string]any{"Fn::GetAtt": []any{"Other", "Name"}}, lookup); err == nil {
		t.Error("a lookup error must come back from Resolve")
	}
	if _, err := Resolve(map[string]any{"Fn::If": []any{"C", "a", "b"}}, lookup); err == nil {
		t.Error("an intrinsic Resolve cannot evaluate must be an error, not a guess")
	}
}

func TestParseReadsTables(t *testing.T) {
	tm := parseSnippet(t)
	want := Table{
		LogicalID:  "Tickets",
		KeySchema:  []Key{{"id", "HASH"}},
		Attributes: map[string]string{"id": "S", "acct": "S"},
		Indexes: []Index{{
			Name: "byAcct", KeySchema: []Key{{"acct", "HASH"}, {"id", "RANGE"}},
			Projection: "INCLUDE", NonKeyAttributes: []string{"status"},
		}},
		TTLAttribute: "expiresAt", BillingMode: "PAY_PER_REQUEST", PointInTimeRecovery: true, SSE: true,
	}
	if got := tm.Tables["Tickets"]; !reflect.DeepEqual(got, want) {
		t.Errorf("Tickets =\n%+v\nwant\n%+v", got, want)
	}
	tokens := tm.Tables["Tokens"]
	if tokens.TTLAttribute != "" || tokens.BillingMode != "PROVISIONED" || tokens.PointInTimeRecovery || tokens.SSE {
		t.Errorf("Tokens defaults = %+v", tokens)
	}
	in := tm.Tables["Tickets"].CreateTableInput("t")
	if *in.TableName != "t" || len(in.AttributeDefinitions) != 2 || *in.AttributeDefinitions[0].AttributeName != "acct" ||
		len(in.GlobalSecondaryIndexes) != 1 || in.BillingMode != "PAY_PER_REQUEST" {
		t.Errorf("CreateTableInput = %+v", in)
	}
}

func TestParseRejectsWhatIsNoTemplate(t *testing.T) {
	for name, src := range map[string]string{
		"not yaml":      "Resources: [",
		"no resources":  "Parameters: {}",
		"no type":       "Resources: {X: {Properties: {}}}",
		"no key schema": "Resources: {T: {Type: AWS::DynamoDB::Table, Properties: {}}}",
		"bad policy":    "Resources: {F: {Type: AWS::Serverless::Function, Properties: {Policies: [{A: {}, B: {}}]}}}",
	} {
		if _, err := Parse([]byte(src)); err == nil {
			t.Errorf("%s: Parse accepted %q", name, src)
		}
	}
}

func TestDefinitionAppliesSubstitutionsRelativeToTheTemplate(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "statemachines"), 0o755); err != nil {
		t.Fatal(err)
	}
	asl := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${CreateKmsArn}","End":true}}}`
	if err := os.WriteFile(filepath.Join(dir, "statemachines", "createDomain.asl.json"), []byte(asl), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(path, []byte(snippet), 0o644); err != nil {
		t.Fatal(err)
	}
	tm, err := ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sm := tm.StateMachines["CreateDomain"]
	def, err := tm.Definition(sm, map[string]string{"CreateKmsArn": "local:step-kms"})
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(asl, "${CreateKmsArn}", "local:step-kms"); string(def) != want {
		t.Errorf("Definition = %s, want %s", def, want)
	}
	if _, err := tm.Definition(sm, nil); err == nil || !strings.Contains(err.Error(), "CreateKmsArn") {
		t.Errorf("a placeholder without substitution must be named in an error, got %v", err)
	}
}

func TestFindLocatesTheModulesTemplateFromAPackageDirectory(t *testing.T) {
	path, err := Find()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), "go.mod")); err != nil || filepath.Base(path) != "template.yaml" {
		t.Errorf("Find() = %s: not template.yaml beside go.mod", path)
	}
}

func TestFunctionTimeoutIsItsOwnThenGlobalsThenLambdasDefault(t *testing.T) {
	const fns = `
Resources:
  Own: {Type: AWS::Serverless::Function, Properties: {Timeout: 10}}
  Inherits: {Type: AWS::Serverless::Function, Properties: {}}
`
	for _, c := range []struct {
		globals        string
		own, inherited time.Duration
	}{
		{"Globals:\n  Function:\n    Timeout: 29\n", 10 * time.Second, 29 * time.Second},
		{"", 10 * time.Second, 3 * time.Second},
	} {
		tm, err := Parse([]byte(c.globals + fns))
		if err != nil {
			t.Fatal(err)
		}
		if got := tm.Functions["Own"].Timeout; got != c.own {
			t.Errorf("%q: own Timeout read as %v, want %v", c.globals, got, c.own)
		}
		if got := tm.Functions["Inherits"].Timeout; got != c.inherited {
			t.Errorf("%q: inherited Timeout read as %v, want %v", c.globals, got, c.inherited)
		}
	}
	for _, bad := range []string{"0", "901", "soon"} {
		if _, err := Parse([]byte("Resources:\n  F: {Type: AWS::Serverless::Function, Properties: {Timeout: " + bad + "}}\n")); err == nil {
			t.Errorf("Timeout %s accepted", bad)
		}
	}
}
