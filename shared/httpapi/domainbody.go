package httpapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/actionservice/actionservice/shared/identity"
)

// Limits of the contract's values (API.md §1).
const (
	maxNameLen = 255
	maxIDLen   = 64
)

// domainBodyFields are what a domain body may carry: the fields a client sets, and the
// domainId, which must equal the path's (PUT) or be absent (POST).
var domainBodyFields = append(slices.Clone(identity.DomainFields), "domainId")

// readDomainBody reads seed 001's domain request, {"domain":{…}} or <domain …/>, strictly
// (API.md §1), and answers the fields it sets; an empty or null value clears a field.
// Anything unreadable is 400.
func readDomainBody(w http.ResponseWriter, r *http.Request) (map[string]string, bool) {
	media, ok := bodyMedia(w, r)
	if !ok {
		return nil, false
	}
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		WriteProblem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", MaxBodyBytes))
		return nil, false
	case err != nil:
		WriteProblem(w, r, http.StatusBadRequest, "could not read the request body")
		return nil, false
	case len(bytes.TrimSpace(body)) == 0:
		WriteProblem(w, r, http.StatusBadRequest, `a body is required: {"domain":{…}} or <domain …/>`)
		return nil, false
	case !utf8.Valid(body):
		WriteProblem(w, r, http.StatusBadRequest, "the body is not valid UTF-8")
		return nil, false
	}
	parse := parseDomainJSON
	if media == mediaXML {
		parse = parseDomainXML
	}
	fields, err := parse(body)
	if err == nil {
		err = checkValues(fields)
	}
	if err != nil {
		WriteProblem(w, r, http.StatusBadRequest, "malformed "+media+" body: "+err.Error())
		return nil, false
	}
	return fields, true
}

func checkValues(fields map[string]string) error {
	for k, v := range fields {
		if strings.IndexFunc(v, unicode.IsControl) >= 0 {
			return fmt.Errorf("%s holds a control character", k)
		}
		if utf8.RuneCountInString(v) > maxNameLen {
			return fmt.Errorf("%s is longer than %d characters", k, maxNameLen)
		}
	}
	return nil
}

func knownField(k string) error {
	if !slices.Contains(domainBodyFields, k) {
		return fmt.Errorf("unknown field %q: a domain body sets %s", k, strings.Join(domainBodyFields, ", "))
	}
	return nil
}

// parseDomainJSON reads {"domain":{"name":"…",…}}: every key exactly as the contract spells
// it, none twice, every value a string or null, nothing after the document.
func parseDomainJSON(body []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	fields := map[string]string{}
	seenDomain := false
	err := jsonObject(dec, func(key string) error {
		if key != "domain" {
			return fmt.Errorf(`unknown field %q: the document is {"domain":{…}}`, key)
		}
		seenDomain = true
		return jsonObject(dec, func(key string) error {
			if err := knownField(key); err != nil {
				return err
			}
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			switch v := tok.(type) {
			case string:
				fields[key] = v
			case nil:
				fields[key] = ""
			default:
				return fmt.Errorf("%s is not a string", key)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if !seenDomain {
		return nil, errors.New(`the document must be {"domain":{…}}`)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON document")
	}
	return fields, nil
}

// jsonObject reads one JSON object, calling member with the decoder at each key's value; a
// key seen twice is an error.
func jsonObject(dec *json.Decoder, member func(key string) error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("expected a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("duplicate key %q", key)
		}
		seen[key] = true
		if err := member(key); err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing brace
	return err
}

// parseDomainXML reads <domain xmlns="…/identity/api/ext/hp/v1.0" name="…" …><description>…
// </description></domain>, as the seed's requests send it: the fields are attributes but
// the description, namespace declarations are ignored, and a DTD, a duplicate attribute, an
// unknown attribute or child, or content after the root element is an error.
func parseDomainXML(body []byte) (map[string]string, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var fields map[string]string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, errors.New("a DTD or other <! directive is not accepted")
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, errors.New("text outside the root element")
			}
		case xml.StartElement:
			if fields != nil {
				return nil, errors.New("trailing content after the root element")
			}
			if fields, err = domainElement(dec, t); err != nil {
				return nil, err
			}
		default:
			return nil, errors.New("unexpected content outside the root element")
		}
	}
	if fields == nil {
		return nil, errors.New("no <domain> element")
	}
	return fields, nil
}

func domainElement(dec *xml.Decoder, start xml.StartElement) (map[string]string, error) {
	if start.Name.Local != "domain" || (start.Name.Space != "" && start.Name.Space != nsIdentityExt) {
		return nil, fmt.Errorf("the root element is {%s}%s; want <domain xmlns=%q>", start.Name.Space, start.Name.Local, nsIdentityExt)
	}
	fields := map[string]string{}
	for _, a := range start.Attr {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		if a.Name.Space != "" {
			return nil, fmt.Errorf("unknown attribute %s:%s", a.Name.Space, a.Name.Local)
		}
		if err := knownField(a.Name.Local); err != nil || a.Name.Local == "description" {
			return nil, fmt.Errorf("unknown attribute %q of <domain>", a.Name.Local)
		}
		if _, dup := fields[a.Name.Local]; dup {
			return nil, fmt.Errorf("duplicate attribute %q", a.Name.Local)
		}
		fields[a.Name.Local] = a.Value
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return fields, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, errors.New("text directly inside <domain>")
			}
		case xml.Comment:
		case xml.StartElement:
			if t.Name.Local != "description" || len(t.Attr) != 0 {
				return nil, fmt.Errorf("unknown element <%s> in <domain>: only <description> is read", t.Name.Local)
			}
			if _, dup := fields["description"]; dup {
				return nil, errors.New("more than one <description>")
			}
			var d string
			if err := dec.DecodeElement(&d, &t); err != nil {
				return nil, err
			}
			fields["description"] = d
		default:
			return nil, errors.New("unexpected content in <domain>")
		}
	}
}
