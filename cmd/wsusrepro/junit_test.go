package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// junitDoc is the JUnit schema read independently of the writer's types:
// attributes are strings, so that a missing one is seen as "".
type junitDoc struct {
	XMLName xml.Name `xml:"testsuites"`
	Tests   string   `xml:"tests,attr"`
	Suites  []struct {
		Name      string `xml:"name,attr"`
		Tests     string `xml:"tests,attr"`
		Failures  string `xml:"failures,attr"`
		Errors    string `xml:"errors,attr"`
		Skipped   string `xml:"skipped,attr"`
		Time      string `xml:"time,attr"`
		Timestamp string `xml:"timestamp,attr"`
		Cases     []struct {
			Name      string    `xml:"name,attr"`
			Classname string    `xml:"classname,attr"`
			Time      string    `xml:"time,attr"`
			Failure   *struct{} `xml:"failure"`
			Error     *struct{} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s is not JUnit XML: %v", path, err)
	}
	return doc
}

// TestRunJUnitAndSummary: `run` writes OUT/junit.xml with every scenario a
// test suite (name, tests, failures, errors, skipped, time, timestamp) and
// every check a test case (classname, time), and OUT/summary.json; a second
// run with fewer scenarios removes the first run's other folders and keeps
// what is not a scenario folder.
func TestRunJUnitAndSummary(t *testing.T) {
	out := t.TempDir()
	wrong := filepath.Join("..", "..", "scenarios", "testdata", "wrong-expectation.yaml")
	if _, code := runCmd(t, "run", "kb954960", wrong, "--out", out); code != 1 {
		t.Fatalf("run with a failing scenario: exit %d, want 1", code)
	}
	doc := readJUnit(t, filepath.Join(out, "junit.xml"))
	if len(doc.Suites) != 2 || doc.Suites[0].Name != "kb954960" || doc.Suites[1].Name != "wrong-expectation" {
		t.Fatalf("suites %+v, want kb954960 and wrong-expectation", doc.Suites)
	}
	total := 0
	for _, s := range doc.Suites {
		for attr, v := range map[string]string{"tests": s.Tests, "failures": s.Failures, "errors": s.Errors, "skipped": s.Skipped} {
			if _, err := strconv.Atoi(v); err != nil {
				t.Errorf("suite %s: %s=%q, want a number", s.Name, attr, v)
			}
		}
		if _, err := strconv.ParseFloat(s.Time, 64); err != nil {
			t.Errorf("suite %s: time=%q", s.Name, s.Time)
		}
		if _, err := time.Parse("2006-01-02T15:04:05", s.Timestamp); err != nil {
			t.Errorf("suite %s: timestamp=%q, want ISO 8601", s.Name, s.Timestamp)
		}
		if n, _ := strconv.Atoi(s.Tests); n != len(s.Cases) || n == 0 {
			t.Errorf("suite %s: tests=%s but %d test cases", s.Name, s.Tests, len(s.Cases))
		}
		failures := 0
		for _, c := range s.Cases {
			if c.Classname != s.Name || c.Name == "" {
				t.Errorf("suite %s: test case %q has classname %q", s.Name, c.Name, c.Classname)
			}
			if _, err := strconv.ParseFloat(c.Time, 64); err != nil {
				t.Errorf("suite %s: test case %q time=%q", s.Name, c.Name, c.Time)
			}
			if c.Failure != nil {
				failures++
			}
		}
		if n, _ := strconv.Atoi(s.Failures); n != failures {
			t.Errorf("suite %s: failures=%s but %d failed test cases", s.Name, s.Failures, failures)
		}
		total += len(s.Cases)
	}
	if doc.Suites[0].Failures != "0" || doc.Suites[1].Failures == "0" {
		t.Errorf("failures %s and %s: want 0 for kb954960 and more for wrong-expectation", doc.Suites[0].Failures, doc.Suites[1].Failures)
	}
	if doc.Tests != strconv.Itoa(total) {
		t.Errorf("testsuites tests=%s, want %d", doc.Tests, total)
	}
	var sum struct {
		Passed    bool `json:"passed"`
		Scenarios []struct {
			Name   string `json:"name"`
			Passed bool   `json:"passed"`
			Failed int    `json:"failed"`
		} `json:"scenarios"`
	}
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil || json.Unmarshal(data, &sum) != nil || sum.Passed || len(sum.Scenarios) != 2 || !sum.Scenarios[0].Passed || sum.Scenarios[1].Failed == 0 {
		t.Errorf("summary.json: %v\n%s", err, data)
	}

	// A second run with one scenario: the other folder goes, a file of the
	// user's stays.
	mine := filepath.Join(out, "notes.txt")
	os.WriteFile(mine, []byte("mine"), 0o644)
	os.Mkdir(filepath.Join(out, "my-dir"), 0o755)
	if _, code := runCmd(t, "run", "kb954960", "--out", out); code != 0 {
		t.Fatalf("second run: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(out, "wrong-expectation")); !os.IsNotExist(err) {
		t.Errorf("the first run's wrong-expectation folder is still there (%v)", err)
	}
	for _, keep := range []string{mine, filepath.Join(out, "my-dir"), filepath.Join(out, "kb954960", "result.json")} {
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("%s: %v", keep, err)
		}
	}
	if doc := readJUnit(t, filepath.Join(out, "junit.xml")); len(doc.Suites) != 1 {
		t.Errorf("second run's junit.xml has %d suites, want 1", len(doc.Suites))
	}
}

// TestRunErrorIsAJUnitError: a scenario that cannot run (its server does
// not answer) is a test suite with an error, and the run exits 2.
func TestRunErrorIsAJUnitError(t *testing.T) {
	out := t.TempDir()
	if _, code := runCmd(t, "run", "healthy", "--server", "http://127.0.0.1:1", "--out", out); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	doc := readJUnit(t, filepath.Join(out, "junit.xml"))
	if len(doc.Suites) != 1 || doc.Suites[0].Errors != "1" || len(doc.Suites[0].Cases) != 1 || doc.Suites[0].Cases[0].Error == nil {
		t.Errorf("junit for an unreachable server: %+v", doc.Suites)
	}
}
