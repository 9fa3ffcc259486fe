package ticket

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// ParseSubmissionJSON reads {"JobTicket":{"actionParams":{…}}} strictly (API.md §1): the
// body must be valid UTF-8, every key exactly as the contract spells it (encoding/json would
// match "jobticket" or "ACTIONPARAMS" too), no key twice, every parameter a string, and
// nothing after the document. A missing actionParams is an empty one.
func ParseSubmissionJSON(body []byte) (map[string]string, error) {
	if !utf8.Valid(body) {
		return nil, errors.New("the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var params map[string]string
	err := object(dec, func(key string) error {
		if key != "JobTicket" {
			return fmt.Errorf(`unknown field %q: the document is {"JobTicket":{…}}`, key)
		}
		return object(dec, func(key string) error {
			if key != "actionParams" {
				return fmt.Errorf("unknown field %q in JobTicket: only actionParams is read", key)
			}
			params = map[string]string{}
			return object(dec, func(name string) error {
				tok, err := dec.Token()
				if err != nil {
					return err
				}
				v, ok := tok.(string)
				if !ok {
					return fmt.Errorf("actionParams[%q] is not a string", name)
				}
				params[name] = v
				return nil
			})
		})
	}, "JobTicket")
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON document")
	}
	if params == nil {
		params = map[string]string{}
	}
	return params, nil
}

// object reads one JSON object, calling member for each key with the decoder at its value;
// a key seen twice is an error. required keys must all be present.
func object(dec *json.Decoder, member func(key string) error, required ...string) error {
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
	if _, err := dec.Token(); err != nil { // the closing brace
		return err
	}
	for _, k := range required {
		if !seen[k] {
			return fmt.Errorf(`the document must be {%q:{…}}`, k)
		}
	}
	return nil
}

// ParseSubmissionXML reads <JobTicket><actionParams><entry><key/><value/></entry>…
// strictly: valid UTF-8, no DTD or other <! directive, no key twice, nothing after the root
// element but comments and white space.
func ParseSubmissionXML(body []byte) (map[string]string, error) {
	if !utf8.Valid(body) {
		return nil, errors.New("the body is not valid UTF-8")
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	var sub *Submission
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
			if sub != nil {
				return nil, errors.New("trailing content after the root element")
			}
			sub = &Submission{}
			if err := dec.DecodeElement(sub, &t); err != nil {
				return nil, err
			}
		default:
			return nil, errors.New("unexpected content outside the root element")
		}
	}
	if sub == nil {
		return nil, errors.New("no <JobTicket> element")
	}
	if sub.ActionParams == nil {
		sub.ActionParams = StringMap{}
	}
	return sub.ActionParams, nil
}
