package apitest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// DecodeXML is an openapi3filter.BodyDecoder for XML that reads the document the way the
// schema's xml objects describe it, so that the schema then validates what the XML says:
//   - the root element is the schema's xml.name in its xml.namespace (none when unset);
//   - an object's child elements and attributes are its properties, each named by its
//     xml.name or, without one, its property name; a property is an attribute only when its
//     xml.attribute says so; a child element in no namespace of its own is in its parent's;
//   - an array is its items repeated, each named by the items' xml.name (else the property's
//     name), inside one element named after the property when xml.wrapped is set;
//   - a leaf's text is converted to the schema's type (integer, number, boolean, string).
//
// An element or attribute the schema does not name, an element given twice where the schema
// wants one, text beside child elements, a DTD, and anything after the root element are
// errors: this decoder fails a wrong document instead of handing the validator whatever it
// found. Element order is not checked (a schema cannot say it).
func DecodeXML(body io.Reader, _ http.Header, schema *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	if schema == nil || schema.Value == nil {
		return nil, errors.New("xml: no schema to read the document by")
	}
	s := schema.Value
	if s.XML == nil || s.XML.Name == "" {
		return nil, errors.New("xml: the body's schema names no root element (xml.name)")
	}
	d := xml.NewDecoder(body)
	d.Strict = true
	var out any
	root := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, errors.New("xml: a DTD or other directive is not allowed")
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return nil, fmt.Errorf("xml: text %q outside the root element", strings.TrimSpace(string(t)))
			}
		case xml.StartElement:
			if root {
				return nil, fmt.Errorf("xml: a second root element <%s>", t.Name.Local)
			}
			root = true
			if t.Name.Local != s.XML.Name || t.Name.Space != s.XML.Namespace {
				return nil, fmt.Errorf("xml: root element %s, want %s", show(t.Name), show(xml.Name{Space: s.XML.Namespace, Local: s.XML.Name}))
			}
			if out, err = element(d, t, s); err != nil {
				return nil, err
			}
		}
	}
	if !root {
		return nil, errors.New("xml: no root element")
	}
	return out, nil
}

func show(n xml.Name) string {
	if n.Space == "" {
		return "<" + n.Local + ">"
	}
	return "<" + n.Local + " xmlns=\"" + n.Space + "\">"
}

// element reads the element start opens, by schema s, up to and including its end.
func element(d *xml.Decoder, start xml.StartElement, s *openapi3.Schema) (any, error) {
	if isObject(s) {
		return object(d, start, s)
	}
	for _, a := range start.Attr {
		if !isNamespaceDeclaration(a) {
			return nil, fmt.Errorf("xml: unexpected attribute %s on <%s>", a.Name.Local, start.Name.Local)
		}
	}
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("xml: in <%s>: %w", start.Name.Local, err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.StartElement:
			return nil, fmt.Errorf("xml: unexpected element <%s> in <%s>, which holds text", t.Name.Local, start.Name.Local)
		case xml.EndElement:
			return scalar(text.String(), s, "<"+start.Name.Local+">")
		}
	}
}

// object reads an object's attributes and child elements onto its properties.
func object(d *xml.Decoder, start xml.StartElement, s *openapi3.Schema) (map[string]any, error) {
	out := map[string]any{}
	for _, a := range start.Attr {
		if isNamespaceDeclaration(a) {
			continue
		}
		key, prop := attribute(s, a.Name)
		if prop == nil {
			return nil, fmt.Errorf("xml: unexpected attribute %s on <%s>", a.Name.Local, start.Name.Local)
		}
		v, err := scalar(a.Value, prop, "attribute "+a.Name.Local)
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("xml: in <%s>: %w", start.Name.Local, err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return nil, fmt.Errorf("xml: unexpected text %q in <%s>, which holds elements", strings.TrimSpace(string(t)), start.Name.Local)
			}
		case xml.StartElement:
			key, prop, wrapped := child(s, t.Name, start.Name.Space)
			if prop == nil {
				return nil, fmt.Errorf("xml: unexpected element <%s> in <%s>", t.Name.Local, start.Name.Local)
			}
			switch {
			case isArray(prop) && wrapped:
				if _, dup := out[key]; dup {
					return nil, fmt.Errorf("xml: <%s> twice in <%s>", t.Name.Local, start.Name.Local)
				}
				items, err := list(d, t, key, prop)
				if err != nil {
					return nil, err
				}
				out[key] = items
			case isArray(prop):
				v, err := element(d, t, prop.Items.Value)
				if err != nil {
					return nil, err
				}
				items, _ := out[key].([]any)
				out[key] = append(items, v)
			default:
				if _, dup := out[key]; dup {
					return nil, fmt.Errorf("xml: <%s> twice in <%s>", t.Name.Local, start.Name.Local)
				}
				v, err := element(d, t, prop)
				if err != nil {
					return nil, err
				}
				out[key] = v
			}
		case xml.EndElement:
			return out, nil
		}
	}
}

// list reads a wrapped array's items; anything else inside the wrapper is an error.
func list(d *xml.Decoder, start xml.StartElement, key string, s *openapi3.Schema) ([]any, error) {
	items := []any{}
	name := elementName(key, s.Items.Value)
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("xml: in <%s>: %w", start.Name.Local, err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return nil, fmt.Errorf("xml: unexpected text %q in <%s>", strings.TrimSpace(string(t)), start.Name.Local)
			}
		case xml.StartElement:
			if t.Name.Local != name || t.Name.Space != namespace(s.Items.Value, start.Name.Space) {
				return nil, fmt.Errorf("xml: unexpected element <%s> in <%s>, which lists <%s>", t.Name.Local, start.Name.Local, name)
			}
			v, err := element(d, t, s.Items.Value)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		case xml.EndElement:
			return items, nil
		}
	}
}

// child finds the property an element of an object stands for: its key, its schema, and
// whether the element is an array's wrapper.
func child(s *openapi3.Schema, name xml.Name, parentSpace string) (string, *openapi3.Schema, bool) {
	for key, ref := range s.Properties {
		p := ref.Value
		if p == nil || (p.XML != nil && p.XML.Attribute) {
			continue
		}
		if isArray(p) && p.Items != nil && p.Items.Value != nil {
			wrapped := p.XML != nil && p.XML.Wrapped
			is := p.Items.Value
			if wrapped && name.Local == elementName(key, p) && name.Space == namespace(p, parentSpace) {
				return key, p, true
			}
			if !wrapped && name.Local == elementName(key, is) && name.Space == namespace(is, parentSpace) {
				return key, p, false
			}
			continue
		}
		if name.Local == elementName(key, p) && name.Space == namespace(p, parentSpace) {
			return key, p, false
		}
	}
	return "", nil, false
}

// attribute finds the property an attribute stands for (attributes are in no namespace).
func attribute(s *openapi3.Schema, name xml.Name) (string, *openapi3.Schema) {
	if name.Space != "" {
		return "", nil
	}
	for key, ref := range s.Properties {
		if p := ref.Value; p != nil && p.XML != nil && p.XML.Attribute && name.Local == elementName(key, p) {
			return key, p
		}
	}
	return "", nil
}

func elementName(key string, s *openapi3.Schema) string {
	if s.XML != nil && s.XML.Name != "" {
		return s.XML.Name
	}
	return key
}

func namespace(s *openapi3.Schema, parent string) string {
	if s.XML != nil && s.XML.Namespace != "" {
		return s.XML.Namespace
	}
	return parent
}

func isNamespaceDeclaration(a xml.Attr) bool {
	return a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns")
}

func isObject(s *openapi3.Schema) bool {
	return s.Type.Is(openapi3.TypeObject) || (s.Type.IsEmpty() && len(s.Properties) > 0)
}

func isArray(s *openapi3.Schema) bool { return s.Type.Is(openapi3.TypeArray) }

// scalar converts a leaf's text to the schema's type, as a JSON decoder would give it.
func scalar(text string, s *openapi3.Schema, where string) (any, error) {
	switch {
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return nil, fmt.Errorf("xml: %s is %q, not a number", where, text)
		}
		return f, nil
	case s.Type.Is(openapi3.TypeBoolean):
		b, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("xml: %s is %q, not true or false", where, text)
		}
		return b, nil
	case s.Type.Is(openapi3.TypeString), s.Type.IsEmpty():
		return text, nil
	}
	return nil, fmt.Errorf("xml: %s: the schema's type %v has no XML text form", where, s.Type.Slice())
}
