package samtemplate

import (
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CreateTableInput is the table as a CreateTable request under the given name: keys,
// attribute definitions (sorted by name), indexes and billing mode. TTL, point-in-time
// recovery and encryption are separate calls (or not offered) on local DynamoDB endpoints,
// so they stay in the Table's own fields. A PROVISIONED table gets no throughput here: the
// template's capacity is a deployment matter.
func (t Table) CreateTableInput(name string) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		KeySchema:   keyElements(t.KeySchema),
		BillingMode: types.BillingMode(t.BillingMode),
	}
	names := make([]string, 0, len(t.Attributes))
	for n := range t.Attributes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(n),
			AttributeType: types.ScalarAttributeType(t.Attributes[n]),
		})
	}
	for _, ix := range t.Indexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(ix.Name),
			KeySchema: keyElements(ix.KeySchema),
			Projection: &types.Projection{
				ProjectionType:   types.ProjectionType(ix.Projection),
				NonKeyAttributes: ix.NonKeyAttributes,
			},
		})
	}
	return in
}

func keyElements(keys []Key) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, 0, len(keys))
	for _, k := range keys {
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(k.Attribute), KeyType: types.KeyType(k.Type)})
	}
	return out
}
