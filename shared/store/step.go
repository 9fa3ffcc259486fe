package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/actionservice/actionservice/shared/ticket"
)

// StartStep marks a step RUNNING, and its ticket RUNNING, in one conditional write that
// answers the ticket as written, with its parameters opened: a step's first request, in place
// of a read and a write. account is the ticket's account as the execution input gives it;
// the write keeps the account's status index key from it.
//
// It answers ErrConflict, writing nothing, unless the ticket is PENDING, RETRY or RUNNING,
// the step is not COMPLETE and the ticket's account is account; the caller reads the ticket
// to see which.
func (s *Store) StartStep(ctx context.Context, id, account, step string) (*ticket.Ticket, error) {
	names := map[string]string{
		"#id": attrID, "#st": attrStatus, "#steps": "steps", "#step": step, "#v": "version", "#acct": attrAccount,
	}
	values := map[string]types.AttributeValue{
		":running":     &types.AttributeValueMemberS{Value: string(ticket.Running)},
		":stepRunning": &types.AttributeValueMemberS{Value: string(ticket.StepRunning)},
		":complete":    &types.AttributeValueMemberS{Value: string(ticket.StepComplete)},
		":pending":     &types.AttributeValueMemberS{Value: string(ticket.Pending)},
		":retry":       &types.AttributeValueMemberS{Value: string(ticket.Retry)},
		":one":         &types.AttributeValueMemberN{Value: "1"},
	}
	set := "SET #st = :running, #steps.#step = :stepRunning, #v = #v + :one"
	cond := "attribute_exists(#id) AND #st IN (:pending, :retry, :running) AND " +
		"(attribute_not_exists(#steps.#step) OR #steps.#step <> :complete)"
	if account == "" {
		cond += " AND attribute_not_exists(#acct)"
	} else {
		names["#as"] = attrAccountStatus
		values[":acct"] = &types.AttributeValueMemberS{Value: account}
		values[":as"] = &types.AttributeValueMemberS{Value: accountStatusKey(account, ticket.Running)}
		set += ", #as = :as"
		cond += " AND #acct = :acct"
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: id}},
		UpdateExpression:          aws.String(set),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	})
	switch {
	case isConditionFailure(err):
		return nil, fmt.Errorf("start step %s of ticket %s: %w", step, id, ErrConflict)
	case err != nil:
		return nil, unavailable("start step "+step+" of ticket "+id, err)
	}
	var r record
	if err := attributevalue.UnmarshalMap(out.Attributes, &r); err != nil {
		return nil, fmt.Errorf("decode ticket %s: %w", id, err)
	}
	return s.opened(ctx, r)
}
