package samtemplate

import (
	"fmt"
	"strings"
)

// Ref is what an intrinsic points at: !Ref X is {X, ""}, !GetAtt X.Arn is {X, "Arn"}. Pseudo
// parameters keep their name: !Ref AWS::Region is {"AWS::Region", ""}.
type Ref struct {
	LogicalID string
	Attribute string
}

// RefOf reports the target of a value written as !Ref or !GetAtt.
func RefOf(v any) (Ref, bool) {
	m := mapping(v)
	if len(m) != 1 {
		return Ref{}, false
	}
	if id, ok := m["Ref"].(string); ok {
		return Ref{LogicalID: id}, true
	}
	switch a := m["Fn::GetAtt"].(type) {
	case []any:
		if len(a) == 2 {
			return Ref{LogicalID: text(a[0]), Attribute: text(a[1])}, true
		}
	case string: // the long form also accepts "X.Arn"
		id, attr, _ := strings.Cut(a, ".")
		return Ref{LogicalID: id, Attribute: attr}, true
	}
	return Ref{}, false
}

// Resolve turns a value as written into a string. Literals stay as they are; !Ref and !GetAtt
// are answered by lookup; !Sub replaces each ${Name} and ${Name.Attribute} through lookup (or
// its own variable map) and ${!Literal} with ${Literal}; !Join joins its resolved elements.
// Any other intrinsic is an error: the caller cannot evaluate it locally.
func Resolve(v any, lookup func(Ref) (string, error)) (string, error) {
	switch v := v.(type) {
	case map[string]any:
		if r, ok := RefOf(v); ok {
			return lookup(r)
		}
		if s, ok := v["Fn::Sub"]; ok && len(v) == 1 {
			return sub(s, lookup)
		}
		if j, ok := v["Fn::Join"]; ok && len(v) == 1 {
			args := list(j)
			if len(args) != 2 {
				return "", fmt.Errorf("Fn::Join wants [delimiter, [values]], got %v", j)
			}
			var parts []string
			for _, e := range list(args[1]) {
				s, err := Resolve(e, lookup)
				if err != nil {
					return "", err
				}
				parts = append(parts, s)
			}
			return strings.Join(parts, text(args[0])), nil
		}
		return "", fmt.Errorf("cannot resolve %v locally", v)
	case []any:
		return "", fmt.Errorf("cannot resolve a list %v to a string", v)
	default:
		return text(v), nil
	}
}

func sub(arg any, lookup func(Ref) (string, error)) (string, error) {
	tmpl, vars := "", map[string]any(nil)
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) != 2 {
			return "", fmt.Errorf("Fn::Sub wants a string or [string, {variables}], got %v", a)
		}
		tmpl, vars = text(a[0]), mapping(a[1])
	default:
		return "", fmt.Errorf("Fn::Sub wants a string or [string, {variables}], got %v", a)
	}
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			b.WriteString(tmpl)
			return b.String(), nil
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("Fn::Sub: unclosed ${ in %q", tmpl)
		}
		b.WriteString(tmpl[:i])
		name := tmpl[i+2 : i+j]
		tmpl = tmpl[i+j+1:]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + lit + "}")
			continue
		}
		var s string
		var err error
		if v, ok := vars[name]; ok {
			s, err = Resolve(v, lookup)
		} else if id, attr, dotted := strings.Cut(name, "."); dotted {
			s, err = lookup(Ref{LogicalID: id, Attribute: attr})
		} else {
			s, err = lookup(Ref{LogicalID: name})
		}
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
}
