package actions

import (
	"fmt"
	"os"
	"path/filepath"
)

//go:generate go run ../../cmd/genasl -dir ../../statemachines

// StateMachineFile is the file name of an action's definition in statemachines/.
func StateMachineFile(action string) string { return action + ".asl.json" }

// WriteStateMachines writes every action's definition into dir and returns the paths written.
func WriteStateMachines(dir string) ([]string, error) {
	var written []string
	for _, a := range Catalogue() {
		def, err := a.StateMachine()
		if err != nil {
			return written, err
		}
		path := filepath.Join(dir, StateMachineFile(a.Name))
		if err := os.WriteFile(path, def, 0o644); err != nil {
			return written, fmt.Errorf("write %s: %w", path, err)
		}
		written = append(written, path)
	}
	return written, nil
}
