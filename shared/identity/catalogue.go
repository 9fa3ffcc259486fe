package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/actionservice/actionservice/shared/ticket"
)

// catalogueKey is the partition of the service catalogue's endpoint templates.
const catalogueKey = "CATALOGUE"

// EndpointTemplate is one endpoint of a service in one region that a domain may subscribe
// to (seed 001's subscribeableService, without the per-domain canSubscribe and
// subscribedInfo).
type EndpointTemplate struct {
	ID                   string `dynamodbav:"templateId"`
	Name                 string `dynamodbav:"serviceName"`
	Type                 string `dynamodbav:"serviceType"`
	Region               string `dynamodbav:"region"`
	PublicURL            string `dynamodbav:"publicURL,omitempty"`
	PublicURL2           string `dynamodbav:"publicURL2,omitempty"`
	InternalURL          string `dynamodbav:"internalURL,omitempty"`
	AdminURL             string `dynamodbav:"adminURL,omitempty"`
	Global               bool   `dynamodbav:"global"`
	Enabled              bool   `dynamodbav:"enabled"`
	ReleaseState         string `dynamodbav:"releaseState"`
	EndpointReleaseState string `dynamodbav:"endpointReleaseState"`
	VersionID            string `dynamodbav:"versionId,omitempty"`
	VersionList          string `dynamodbav:"versionList,omitempty"`
	VersionInfo          string `dynamodbav:"versionInfo,omitempty"`
}

// Subscribeable reports whether a domain may subscribe a tenant to the template: it is
// enabled and publicly released (a preview release, like the seed's CDN, may not be).
func (t EndpointTemplate) Subscribeable() bool { return t.Enabled && t.ReleaseState == "public" }

// Catalogue is the service catalogue shipped with the service: the endpoint templates of
// seed 001's example, which LoadCatalogue writes into the identity table.
func Catalogue() []EndpointTemplate {
	const pub = "public"
	compute := func(id, az, mgmt string) EndpointTemplate {
		return EndpointTemplate{ID: id, Name: "Compute", Type: "compute", Region: az + ".region-a.geo-1",
			PublicURL:  "https://" + az + ".region-a.geo-1.compute.hpcloudsvc.com/v1.1/",
			PublicURL2: "https://" + az + ".region-a.geo-1.ec2-compute.hpcloudsvc.com/services/Cloud/",
			AdminURL:   "https://nv-aw2" + mgmt + "-manage0009.uswest.hpcloud.net/v1.1/", Enabled: true,
			ReleaseState: pub, EndpointReleaseState: pub, VersionID: "1.1", VersionList: "https://" + az + ".region-a.geo-1.compute.hpcloudsvc.com"}
	}
	block := func(id, az, mgmt string) EndpointTemplate {
		return EndpointTemplate{ID: id, Name: "Block Storage", Type: "hpext:block-store", Region: az + ".region-a.geo-1",
			PublicURL: "https://" + az + ".region-a.geo-1.compute.hpcloudsvc.com/v1.1/",
			AdminURL:  "https://nv-aw2" + mgmt + "-manage0009.uswest.hpcloud.net/v1.1/", Enabled: true,
			ReleaseState: pub, EndpointReleaseState: pub, VersionID: "1.1", VersionList: "https://" + az + ".region-a.geo-1.compute.hpcloudsvc.com"}
	}
	image := func(id, az, n string) EndpointTemplate {
		return EndpointTemplate{ID: id, Name: "Image Management", Type: "image", Region: az + ".region-a.geo-1",
			AdminURL: "https://glance" + n + ".uswest.hpcloud.net:9292/v1.0", Enabled: true,
			ReleaseState: pub, EndpointReleaseState: pub, VersionID: "1.0"}
	}
	return []EndpointTemplate{
		compute("100", "az-1", "az1"), compute("110", "az-2", "az2"), compute("111", "az-3", "az3"),
		{ID: "120", Name: "Object Storage", Type: "object-store", Region: "region-a.geo-1",
			PublicURL: "https://region-a.geo-1.objects.hpcloudsvc.com/v1.0/%tenant_id%", AdminURL: "https://region-a.geo-1.objects.hpcloudsvc.com/v1.0/",
			Enabled: true, ReleaseState: pub, EndpointReleaseState: pub, VersionID: "1.0"},
		{ID: "130", Name: "Identity", Type: "identity", Region: "region-a.geo-1",
			PublicURL: "https://region-a.geo-1.identity.hpcloudsvc.com/v2.0/", InternalURL: "https://region-a.geo-1.identity.hpcloudsvc.com/v2.0/",
			AdminURL: "https://region-a.geo-1.identity.hpcloudsvc.com/v2.0/", Global: true, Enabled: true,
			ReleaseState: pub, EndpointReleaseState: pub, VersionID: "2.0", VersionList: "https://region-a.geo-1.identity.hpcloudsvc.com/extension"},
		block("140", "az-1", "az1"), block("141", "az-2", "az2"), block("142", "az-3", "az3"),
		{ID: "150", Name: "CDN", Type: "hpext:cdn", Region: "region-a.geo-1", PublicURL: "https://region-a.geo-1.cdnmgmt.hpcloudsvc.com/v1.0/",
			Enabled: true, ReleaseState: "preview", EndpointReleaseState: pub, VersionID: "1.0"},
		image("160", "az-1", "1"), image("170", "az-2", "2"), image("180", "az-3", "3"),
	}
}

// CatalogueDigest identifies a catalogue's content. The template's custom resource that loads
// the catalogue on deploy carries it, so that a changed catalogue is loaded again.
func CatalogueDigest(templates []EndpointTemplate) string {
	b, err := json.Marshal(templates)
	if err != nil {
		panic(err) // a slice of plain structs always marshals
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// templateSK orders templates numerically: ids are padded to ten digits.
func templateSK(id string) string { return fmt.Sprintf("TEMPLATE#%010s", id) }

func servicePK(name string) string { return "SERVICE#" + strings.ToLower(strings.TrimSpace(name)) }

// LoadCatalogue writes the catalogue's endpoint templates into the table, replacing what is
// there under the same ids; it is idempotent, and runs wherever the table is created.
func (s *Store) LoadCatalogue(ctx context.Context, templates []EndpointTemplate) error {
	for _, t := range templates {
		if !numeric(t.ID) || len(t.ID) > 10 {
			return fmt.Errorf("load catalogue: endpoint template id %q is not a number of at most 10 digits", t.ID)
		}
		it, err := item(t, catalogueKey, templateSK(t.ID), servicePK(t.Name), templateSK(t.ID))
		if err != nil {
			return err
		}
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it}); err != nil {
			return unavailable("load endpoint template "+t.ID, err)
		}
	}
	return nil
}

// EndpointTemplate reads one template; an unknown id is USER_INPUT (seed 001: "invalid
// endpoint template id" is a 400).
func (s *Store) EndpointTemplate(ctx context.Context, id string) (EndpointTemplate, error) {
	var t EndpointTemplate
	ok := false
	var err error
	if numeric(id) && len(id) <= 10 {
		ok, err = s.get(ctx, catalogueKey, templateSK(id), &t)
	}
	if err != nil {
		return EndpointTemplate{}, err
	}
	if !ok {
		return EndpointTemplate{}, refuse(ticket.UserInput, "endpointTemplateId %s names no endpoint template", id)
	}
	return t, nil
}

// EndpointTemplates lists the catalogue after the marker (a template id), or a service's
// templates (serviceName, ignoring case; a name that names no service is USER_INPUT).
func (s *Store) EndpointTemplates(ctx context.Context, serviceName string, o ListOptions) (Page[EndpointTemplate], error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :p)"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#sk": AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(catalogueKey), ":p": str("TEMPLATE#")},
	}
	if serviceName != "" {
		in.IndexName = aws.String(IndexGSI1)
		in.ExpressionAttributeNames = map[string]string{"#pk": AttrGSIPK, "#sk": AttrGSISK}
		in.ExpressionAttributeValues[":pk"] = str(servicePK(serviceName))
	}
	if o.Marker != "" {
		t, err := s.EndpointTemplate(ctx, o.Marker)
		if err != nil || (serviceName != "" && !strings.EqualFold(t.Name, strings.TrimSpace(serviceName))) {
			return Page[EndpointTemplate]{}, unknownMarker(o.Marker)
		}
		in.ExclusiveStartKey = key(catalogueKey, templateSK(t.ID))
		if serviceName != "" {
			in.ExclusiveStartKey[AttrGSIPK], in.ExclusiveStartKey[AttrGSISK] = str(servicePK(t.Name)), str(templateSK(t.ID))
		}
	}
	p, err := queryPage(ctx, s, in, o.Limit, func(t *EndpointTemplate) (string, bool) { return t.ID, true })
	if err == nil && serviceName != "" && o.Marker == "" && len(p.Items) == 0 {
		return p, refuse(ticket.UserInput, "serviceName %q names no service of the catalogue", serviceName)
	}
	return p, err
}
