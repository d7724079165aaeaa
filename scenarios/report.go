package scenarios

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
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

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the reports as JUnit XML: a suite per scenario, a test
// case per check.
func WriteJUnit(w io.Writer, reps []*Report) error {
	var all junitSuites
	for _, rep := range reps {
		s := junitSuite{Name: rep.Scenario, Time: fmt.Sprintf("%.3f", rep.Duration.Seconds())}
		for _, c := range rep.Checks {
			jc := junitCase{Classname: rep.Scenario, Name: fmt.Sprintf("step %d %s / %s / %s %s", c.Step, c.StepName, c.Client, c.What, c.Expected)}
			if !c.Pass {
				jc.Failure = &junitFailure{Message: "observed " + c.Observed, Text: fmt.Sprintf("expected %s, observed %s", c.Expected, c.Observed)}
				s.Failures++
			}
			s.Cases = append(s.Cases, jc)
		}
		s.Tests = len(s.Cases)
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Suites = append(all.Suites, s)
	}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
