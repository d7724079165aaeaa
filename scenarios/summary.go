package scenarios

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/wsusmock/wsusmock/internal/jsonout"
)

// Summary is what `wsusrepro run` writes to summary.json in its output
// directory and prints with --json: one line of outcome per scenario.
type Summary struct {
	// Passed is true when every scenario ran and every expectation held.
	Passed    bool              `json:"passed"`
	Scenarios []ScenarioSummary `json:"scenarios"`
	// OutDir is the artifacts' directory, JUnit the run's junit.xml in it
	// ("" when nothing was written).
	OutDir string `json:"outDir"`
	JUnit  string `json:"junit"`
}

// ScenarioSummary is one scenario's outcome.
type ScenarioSummary struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	Passed bool   `json:"passed"`
	// Proves says in words what the scenario shows (its description's
	// first sentence for scenarios without a fixed proof).
	Proves string `json:"proves"`
	Checks int    `json:"checks"`
	Failed int    `json:"failed"`
	// Error is why the scenario could not run to its end.
	Error           string  `json:"error,omitempty"`
	Dir             string  `json:"dir"`
	DurationSeconds float64 `json:"durationSeconds"`
}

// Summarise makes the summary of reports; proves says what a scenario
// shows.
func Summarise(reps []*Report, proves func(*Report) string) Summary {
	s := Summary{Passed: true, Scenarios: []ScenarioSummary{}}
	for _, rep := range reps {
		ss := ScenarioSummary{Name: rep.Scenario, File: rep.File, Passed: rep.Passed, Proves: proves(rep),
			Checks: len(rep.Checks), Error: rep.Error, Dir: rep.Dir, DurationSeconds: rep.Duration.Seconds()}
		for _, c := range rep.Checks {
			if !c.Pass {
				ss.Failed++
			}
		}
		s.Passed = s.Passed && rep.Passed && rep.Error == ""
		s.Scenarios = append(s.Scenarios, ss)
	}
	return s
}

// WriteJSON writes the summary as indented JSON.
func (s Summary) WriteJSON(w io.Writer) error { return jsonout.Write(w, &s) }

// SummaryFile and JUnitFile are the run-level files of an output directory.
const (
	SummaryFile = "summary.json"
	JUnitFile   = "junit.xml"
)

// ClearOutDir removes from dir what an earlier run wrote there: the
// run-level files and every scenario folder (a subdirectory holding
// result.json and verdict.txt, which only a run writes), so that a run with
// fewer scenarios leaves no stale folder for a "*/junit.xml" glob to pick
// up. Anything else in dir is left alone: it may be the user's.
func ClearOutDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("scenarios: output directory: %w", err)
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case !e.IsDir() && (e.Name() == SummaryFile || e.Name() == JUnitFile):
			err = os.Remove(p)
		case e.IsDir() && isScenarioDir(p):
			err = os.RemoveAll(p)
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("scenarios: clearing the previous run: %w", err)
		}
	}
	return nil
}

func isScenarioDir(p string) bool {
	for _, f := range []string{"result.json", "verdict.txt"} {
		if fi, err := os.Stat(filepath.Join(p, f)); err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}
