package httpapi_test

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"strings"
	"testing"
	"unicode"
)

// node is an XML element as a tree: its name, its text (trimmed) and its children in order.
type node struct {
	name     string
	text     string
	children []*node
}

func parseTree(t *testing.T, doc string) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{name: tk.Name.Local}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.children = append(top.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += strings.TrimSpace(string(tk))
			}
		}
	}
	if root == nil {
		t.Fatalf("no XML document: %s", doc)
	}
	return root
}

func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (n *node) childNames() []string {
	var out []string
	for _, c := range n.children {
		out = append(out, c.name)
	}
	return out
}

// seedName is the name an action of ours has in the seed's list, which capitalises it
// (CreateSwiftAccount) where the seed's tickets and POST URLs do not (createSwiftAccount).
func seedName(name string) string {
	r := []rune(name)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

type seedParam struct{ required, typ string }

// TestCatalogueXMLHasTheSeedsShape holds GET /action in XML to the seed's example (seed 000,
// "Get All Actions"): the same elements in the same order, and for every action of the
// seed's example that we serve, every parameter the seed lists, with the seed's required
// and type.
func TestCatalogueXMLHasTheSeedsShape(t *testing.T) {
	seedDoc, err := os.ReadFile("testdata/seed_action_list.xml")
	if err != nil {
		t.Fatal(err)
	}
	seed := parseTree(t, string(seedDoc))
	h := newHarness(t)
	r := h.call("list-actions", gatewayEvent(alice, "GET", "/action", "Accept", "application/xml"))
	expectStatus(t, r, 200)
	if ct := r.header("Content-Type"); ct != "application/xml" {
		t.Fatalf("Content-Type %q", ct)
	}
	ours := parseTree(t, r.Body)
	if ours.name != seed.name {
		t.Fatalf("root <%s>, the seed's <%s>", ours.name, seed.name)
	}
	served := map[string]*node{}
	for _, a := range ours.children {
		if a.name != "action" {
			t.Fatalf("<%s> in <actionList>", a.name)
		}
		// The seed's elements, in the seed's order, then the steps.
		if got := strings.Join(a.childNames(), ","); got != "name,description,parameters,steps" {
			t.Errorf("<action> holds %s", got)
		}
		for _, p := range a.child("parameters").children {
			if p.name != "parameter" || strings.Join(p.childNames(), ",") != "name,required,type" {
				t.Errorf("%s: <%s> holds %v, the seed's <parameter> name,required,type", a.child("name").text, p.name, p.childNames())
			}
		}
		served[seedName(a.child("name").text)] = a
	}
	for _, sa := range seed.children {
		name := sa.child("name").text
		ours, ok := served[name]
		if !ok {
			t.Errorf("the seed lists %s, which GET /action does not", name)
			continue
		}
		params := map[string]seedParam{}
		for _, p := range ours.child("parameters").children {
			params[p.child("name").text] = seedParam{p.child("required").text, p.child("type").text}
		}
		for _, sp := range sa.child("parameters").children {
			want := seedParam{sp.child("required").text, sp.child("type").text}
			if got, ok := params[sp.child("name").text]; !ok || got != want {
				t.Errorf("%s: parameter %s is %+v (listed %v), the seed's %+v", name, sp.child("name").text, got, ok, want)
			}
		}
	}
}

// TestCatalogueJSONIsTheXMLTree: the JSON catalogue is the same tree as the XML one.
func TestCatalogueJSONIsTheXMLTree(t *testing.T) {
	h := newHarness(t)
	var doc struct {
		ActionList struct {
			Action []struct {
				Name        string `json:"name"`
				Description string `json:"description"`
				Parameters  struct {
					Parameter []struct {
						Name     string `json:"name"`
						Required bool   `json:"required"`
						Type     string `json:"type"`
					} `json:"parameter"`
				} `json:"parameters"`
				Steps struct {
					Step []string `json:"step"`
				} `json:"steps"`
			} `json:"action"`
		} `json:"actionList"`
	}
	r := h.call("list-actions", gatewayEvent(alice, "GET", "/action"))
	expectStatus(t, r, 200)
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
		t.Fatal(err)
	}
	x := parseTree(t, h.call("list-actions", gatewayEvent(alice, "GET", "/action", "Accept", "application/xml")).Body)
	if len(doc.ActionList.Action) != len(x.children) || len(x.children) == 0 {
		t.Fatalf("%d actions in JSON, %d in XML", len(doc.ActionList.Action), len(x.children))
	}
	for i, a := range doc.ActionList.Action {
		xa := x.children[i]
		if a.Name != xa.child("name").text || a.Description != xa.child("description").text ||
			len(a.Parameters.Parameter) != len(xa.child("parameters").children) || len(a.Steps.Step) != len(xa.child("steps").children) {
			t.Errorf("action %d: JSON %+v, XML %v", i, a, xa.childNames())
		}
		for j, p := range a.Parameters.Parameter {
			xp := xa.child("parameters").children[j]
			if p.Name != xp.child("name").text || (map[bool]string{true: "true", false: "false"})[p.Required] != xp.child("required").text || p.Type != xp.child("type").text {
				t.Errorf("%s parameter %d: JSON %+v, XML %v", a.Name, j, p, xp)
			}
		}
	}
}
