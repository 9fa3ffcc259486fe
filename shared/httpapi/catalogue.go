package httpapi

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"

	"github.com/actionservice/actionservice/shared/actions"
)

// The catalogue document has the seed's shape (seed 000, "Get All Actions"):
// <actionList><action><name/><description/><parameters><parameter><name/><required/><type/>
// </parameter>…</parameters></action>…</actionList>, and JSON the same tree:
// {"actionList":{"action":[{"name","description","parameters":{"parameter":[…]},…}]}}.
// After the seed's elements each action lists its steps (<steps><step>…), which API.md §2
// makes part of the catalogue; a reader of the seed's shape passes over them.
type catalogueParam struct {
	Name     string `json:"name" xml:"name"`
	Required bool   `json:"required" xml:"required"`
	Type     string `json:"type" xml:"type"`
}

type catalogueParams struct {
	Parameter []catalogueParam `json:"parameter" xml:"parameter"`
}

type catalogueSteps struct {
	Step []string `json:"step" xml:"step"`
}

type catalogueAction struct {
	Name        string          `json:"name" xml:"name"`
	Description string          `json:"description" xml:"description"`
	Parameters  catalogueParams `json:"parameters" xml:"parameters"`
	Steps       catalogueSteps  `json:"steps" xml:"steps"`
}

type catalogueList struct {
	Action []catalogueAction `json:"action"`
}

type catalogueDoc struct {
	XMLName    xml.Name          `json:"-" xml:"actionList"`
	ActionList catalogueList     `json:"actionList" xml:"-"`
	XMLAction  []catalogueAction `json:"-" xml:"action"`
}

// xsString is every parameter's type: action parameters travel as strings (a string map),
// named as the seed names the type, by its XML Schema name. What a value must look like
// beyond that (an id, an email address, one of a few states) is checked on submit, and the
// ticket's errorDescription says it.
const xsString = "xs:string"

// catalogueOf renders actions as the catalogue document.
func catalogueOf(page []actions.Action) catalogueDoc {
	doc := catalogueDoc{ActionList: catalogueList{Action: []catalogueAction{}}}
	for _, act := range page {
		ca := catalogueAction{Name: act.Name, Description: act.Description,
			Parameters: catalogueParams{Parameter: []catalogueParam{}}, Steps: catalogueSteps{Step: []string{}}}
		for _, p := range act.Params {
			ca.Parameters.Parameter = append(ca.Parameters.Parameter, catalogueParam{Name: p.Name, Required: p.Required, Type: xsString})
		}
		for _, s := range act.Steps {
			ca.Steps.Step = append(ca.Steps.Step, s.Name)
		}
		doc.ActionList.Action = append(doc.ActionList.Action, ca)
	}
	doc.XMLAction = doc.ActionList.Action
	return doc
}

// GET /action: the catalogue, paged by action name.
func (a *API) listActions(w http.ResponseWriter, r *http.Request) {
	media, ok := representation(w, r, documentMedia...)
	if !ok {
		return
	}
	v, ok := checkQuery(w, r, "limit", "marker")
	if !ok {
		return
	}
	limit, ok := limitParam(w, r, v, DefaultLimit)
	if !ok {
		return
	}
	all := actions.Catalogue()
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	start := 0
	if m := v.Get("marker"); m != "" {
		start = -1
		for i, act := range all {
			if act.Name == m {
				start = i + 1
			}
		}
		if start < 0 {
			WriteProblem(w, r, http.StatusNotFound, fmt.Sprintf("marker %q names no action", m))
			return
		}
	}
	page := all[start:]
	if len(page) > limit {
		page = page[:limit]
		next := r.URL.Query()
		next.Set("marker", page[len(page)-1].Name)
		next.Set("limit", fmt.Sprint(limit))
		setNextLink(w, r, next)
	}
	write(w, r, media, http.StatusOK, catalogueOf(page))
}
