package stepfunctions

import (
	"os"
	"path/filepath"
	"testing"
)

// TestProjectStateMachinesLoad keeps every statemachines/*.asl.json of the repository
// within what the engine implements, with each ${Name} substituted by a function ARN as
// the template's DefinitionSubstitutions do.
func TestProjectStateMachinesLoad(t *testing.T) {
	files, err := filepath.Glob("../../statemachines/*.asl.json")
	if err != nil || len(files) == 0 {
		t.Skip("no statemachines/*.asl.json in this tree")
	}
	for _, f := range files {
		def, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		subs := map[string]string{}
		for _, m := range substitutionRE.FindAllSubmatch(def, -1) {
			subs[string(m[1])] = fnPrefix + string(m[1])
		}
		if _, err := LoadWithSubstitutions(def, subs); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}
