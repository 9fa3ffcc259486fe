// Package store keeps job tickets in DynamoDB. Every change is a conditional write guarded
// by the ticket's version, every list is a Query on the table's key or one of its indexes
// (never a Scan), and lists page newest first by ticket id.
package store

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute names that key the table and its indexes. The index attributes are derived
// from the ticket on every write and exist only where the ticket belongs to that list, so
// the indexes are sparse.
const (
	attrID                   = "ticketId"
	attrAccount              = "accountId"
	attrStatus               = "status"
	attrAccountStatus        = "accountStatus"
	attrErrorList            = "errorList"
	attrAccountErrorList     = "accountErrorList"
	attrErrorCategory        = "errorCategory"
	attrAccountErrorCategory = "accountErrorCategory"
	attrDomain               = "domainId"
	attrDomainAction         = "domainAction"
	attrExpiresAt            = "expiresAt"
)

// Index names, one per kind of list.
const (
	indexByAccount         = "byAccount"
	indexByStatus          = "byStatus"
	indexByAccountStatus   = "byAccountStatus"
	indexByError           = "byError"
	indexByAccountError    = "byAccountError"
	indexByCategory        = "byCategory"
	indexByAccountCategory = "byAccountCategory"
	indexByDomain          = "byDomain"
	// indexByDomainAction answers a domain's newest ticket of one action (the history's
	// latest=true) with one single-item Query per action. It projects the keys only: its
	// entry is written once, when the ticket gets its domain, and never rewritten by the
	// ticket's later changes, which a projection of the attributes would cost on every write.
	indexByDomainAction = "byDomainAction"
	// indexByCounter lists the accounts that have counters (counter.go), for the recount;
	// keys only, and written once per counter item.
	indexByCounter = "byCounter"
)

// errorListKey is the single hash value of the byError index: every failed ticket.
const errorListKey = "ERROR_JOBS"

var indexes = []struct {
	name, hash string
	keysOnly   bool
}{
	{name: indexByAccount, hash: attrAccount},
	{name: indexByStatus, hash: attrStatus},
	{name: indexByAccountStatus, hash: attrAccountStatus},
	{name: indexByError, hash: attrErrorList},
	{name: indexByAccountError, hash: attrAccountErrorList},
	{name: indexByCategory, hash: attrErrorCategory},
	{name: indexByAccountCategory, hash: attrAccountErrorCategory},
	{name: indexByDomain, hash: attrDomain},
	{name: indexByDomainAction, hash: attrDomainAction, keysOnly: true},
	{name: indexByCounter, hash: attrCounterList, keysOnly: true},
}

// filteredAttributes are what a list's filters compare (Query.plan). The indexes hold them
// beside their keys and nothing else: a list reads its tickets by id, and a ticket's writes
// that change none of these (a step started or done) rewrite no index entry.
var filteredAttributes = []string{attrAccount, attrAction, attrDomain, attrStatus}

// listedAttributes are the attributes an index keyed by hash projects besides its keys.
func listedAttributes(hash string) []string {
	var out []string
	for _, a := range filteredAttributes {
		if a != hash {
			out = append(out, a)
		}
	}
	return out
}

// TTLAttribute is the attribute DynamoDB's TTL reads (epoch seconds).
const TTLAttribute = attrExpiresAt

// TicketsTable is the tickets table's schema, as template.yaml declares it; the local stack
// and the tests create it from here.
func TicketsTable(name string) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(attrID), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(attrID), KeyType: types.KeyTypeHash},
		},
	}
	for _, ix := range indexes {
		projection := &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}
		if !ix.keysOnly {
			projection = &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: listedAttributes(ix.hash)}
		}
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(ix.hash), AttributeType: types.ScalarAttributeTypeS,
		})
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(ix.name),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(ix.hash), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(attrID), KeyType: types.KeyTypeRange},
			},
			Projection: projection,
		})
	}
	return in
}
