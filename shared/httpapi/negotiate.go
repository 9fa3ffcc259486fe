package httpapi

import (
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

const (
	mediaJSON    = "application/json"
	mediaXML     = "application/xml"
	mediaTextXML = "text/xml"
	mediaText    = "text/plain"
)

// documentMedia are the representations of every JSON or XML document, in the server's
// order of preference: JSON when the client does not mind. text/xml is the same XML under
// its older name (RFC 7303), served to clients that ask for it by that name alone.
var documentMedia = []string{mediaJSON, mediaXML, mediaTextXML}

// isXML reports whether a negotiated media type is one of the XML names.
func isXML(media string) bool { return media == mediaXML || media == mediaTextXML }

type acceptRange struct {
	typ, sub string
	q        float64
}

func parseAccept(header string) []acceptRange {
	var out []acceptRange
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(part)
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		typ, sub, _ := strings.Cut(mt, "/")
		out = append(out, acceptRange{typ: typ, sub: sub, q: q})
	}
	return out
}

// negotiate picks, from the offers in order of the server's preference, the one the Accept
// header ranks highest; ok is false when it accepts none of them.
func negotiate(accept string, offers []string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return offers[0], true
	}
	ranges := parseAccept(accept)
	type scored struct {
		offer string
		q     float64
		rank  int
	}
	var best []scored
	for rank, offer := range offers {
		typ, sub, _ := strings.Cut(offer, "/")
		// The most specific range that matches the offer sets its quality (RFC 9110 §12.5.1).
		q, spec := -1.0, -1
		for _, ar := range ranges {
			s := -1
			switch {
			case ar.typ == typ && ar.sub == sub:
				s = 2
			case ar.typ == typ && ar.sub == "*":
				s = 1
			case ar.typ == "*" && ar.sub == "*":
				s = 0
			}
			if s > spec {
				spec, q = s, ar.q
			}
		}
		if spec >= 0 && q > 0 {
			best = append(best, scored{offer, q, rank})
		}
	}
	if len(best) == 0 {
		return "", false
	}
	sort.SliceStable(best, func(i, j int) bool {
		if best[i].q != best[j].q {
			return best[i].q > best[j].q
		}
		return best[i].rank < best[j].rank
	})
	return best[0].offer, true
}

// representation answers 406 and returns false when the client accepts none of the offers.
func representation(w http.ResponseWriter, r *http.Request, offers ...string) (string, bool) {
	media, ok := negotiate(r.Header.Get("Accept"), offers)
	if !ok {
		WriteProblem(w, r, http.StatusNotAcceptable,
			"this resource is available as "+strings.Join(offers, ", ")+"; the Accept header allows none of them")
	}
	return media, ok
}

// bodyMedia returns the media type of the request body, answering 415 when it is neither
// JSON nor XML. An absent Content-Type means JSON.
func bodyMedia(w http.ResponseWriter, r *http.Request) (string, bool) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return mediaJSON, true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == mediaJSON || isXML(mt)) {
		if isXML(mt) {
			mt = mediaXML
		}
		return mt, true
	}
	WriteProblem(w, r, http.StatusUnsupportedMediaType,
		"request bodies are read as application/json or application/xml, not "+ct)
	return "", false
}
