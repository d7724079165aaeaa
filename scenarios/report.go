package scenarios

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints a report's verdict table: one row per check (step ×
// client), with what was expected, what was observed and whether it held.
func WriteTable(w io.Writer, rep *Report) {
	verdict := "PASS"
	if !rep.Passed {
		verdict = "FAIL"
	}
	failed := 0
	for _, c := range rep.Checks {
		if !c.Pass {
			failed++
		}
	}
	fmt.Fprintf(w, "%s  %s  (%d checks, %d failed)\n", verdict, rep.Scenario, len(rep.Checks), failed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  STEP\tCLIENT\tCHECK\tEXPECTED\tOBSERVED\tRESULT")
	for _, c := range rep.Checks {
		res := "pass"
		if !c.Pass {
			res = "FAIL"
		}
		fmt.Fprintf(tw, "  %d %s\t%s\t%s\t%s\t%s\t%s\n", c.Step, shorten(c.StepName, 24), c.Client, c.What, shorten(c.Expected, 46), shorten(c.Observed, 36), res)
	}
	tw.Flush()
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// The JUnit XML schema as CI servers read it (Jenkins, GitLab, GitHub
// Actions reporters): every suite and the whole carry counts, a time in
// seconds and, for suites, an ISO 8601 timestamp; every case a classname and
// a time.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	File      string      `xml:"file,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the reports as JUnit XML: a test suite per scenario, a
// test case per check (classname the scenario). A scenario that could not
// run to its end (Report.Error) adds a test case with an error.
func WriteJUnit(w io.Writer, reps []*Report) error {
	all := junitSuites{Name: "wsusrepro"}
	var total time.Duration
	for _, rep := range reps {
		s := junitSuite{Name: rep.Scenario, Time: seconds(rep.Duration), File: rep.File}
		if !rep.Started.IsZero() {
			s.Timestamp = rep.Started.UTC().Format("2006-01-02T15:04:05")
		}
		for _, c := range rep.Checks {
			jc := junitCase{Classname: rep.Scenario, Time: seconds(c.Duration),
				Name: fmt.Sprintf("step %d %s / %s / %s %s", c.Step, c.StepName, c.Client, c.What, c.Expected)}
			if !c.Pass {
				jc.Failure = &junitProblem{Message: "observed " + c.Observed, Type: c.What,
					Text: fmt.Sprintf("expected %s, observed %s", c.Expected, c.Observed)}
				s.Failures++
			}
			s.Cases = append(s.Cases, jc)
		}
		if rep.Error != "" {
			s.Cases = append(s.Cases, junitCase{Classname: rep.Scenario, Name: "run " + rep.Scenario, Time: "0.000",
				Error: &junitProblem{Message: rep.Error, Type: "error", Text: rep.Error}})
			s.Errors++
		}
		s.Tests = len(s.Cases)
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		total += rep.Duration
		all.Suites = append(all.Suites, s)
	}
	all.Time = seconds(total)
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
