package samtemplate

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// value turns a YAML node into the plain Go values of CloudFormation's JSON form: maps,
// slices, strings, numbers, booleans and nil. A short-form intrinsic becomes its long form:
// !Ref X → {"Ref": "X"}, !GetAtt X.Arn → {"Fn::GetAtt": ["X", "Arn"]}, !Sub s → {"Fn::Sub": s},
// and any other !Name → {"Fn::Name": …}, so tags that this package does not know still parse.
func value(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return value(n.Content[0])
	case yaml.AliasNode:
		return value(n.Alias)
	}
	if fn, ok := intrinsic(n.Tag); ok {
		if n.Kind == yaml.ScalarNode {
			if fn == "Fn::GetAtt" {
				id, attr, _ := strings.Cut(n.Value, ".")
				return map[string]any{fn: []any{id, attr}}, nil
			}
			return map[string]any{fn: n.Value}, nil
		}
		untagged := *n
		untagged.Tag = ""
		arg, err := value(&untagged)
		if err != nil {
			return nil, err
		}
		return map[string]any{fn: arg}, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := value(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping key is not a scalar", k.Line)
			}
			val, err := value(v)
			if err != nil {
				return nil, err
			}
			out[k.Value] = val
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node kind %v", n.Line, n.Kind)
}

// intrinsic maps a local tag (!Ref, !Sub, …) to the long-form function name. Standard YAML
// tags (!!str, !!int, …) are not intrinsics.
func intrinsic(tag string) (string, bool) {
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") || len(tag) < 2 {
		return "", false
	}
	switch name := tag[1:]; name {
	case "Ref", "Condition":
		return name, true
	default:
		return "Fn::" + name, true
	}
}

// text renders a scalar as written: strings as they are, numbers and booleans in their YAML
// form, nil and non-scalars as "".
func text(v any) string {
	switch v := v.(type) {
	case nil, map[string]any, []any:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// mapping returns v as a mapping, or nil when it is not one.
func mapping(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// list returns v as a sequence, or nil when it is not one.
func list(v any) []any {
	l, _ := v.([]any)
	return l
}
