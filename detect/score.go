package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// ReferenceCommand is the reference detector in the command protocol: this
// package behind the CLI. ReferenceDetector is the same detector in
// process.
const ReferenceCommand = "wsusrepro detect --json {case}"

// CasePlaceholder is replaced in a ScoreConfig.Command by the shell-quoted
// case directory.
const CasePlaceholder = "{case}"

// DefaultCaseTimeout is the per-case limit when ScoreConfig.Timeout is 0.
const DefaultCaseTimeout = 30 * time.Second

// LabelsFile is the corpus file that labels the cases.
const LabelsFile = "labels.json"

// maxDetectorOutput caps what is kept of a detector's stdout; a report
// larger than this falls back to the exit status.
const maxDetectorOutput = 8 << 20

// Detector is an in-process detector: it reports whether caseDir shows
// KB954960. It should return when ctx is done.
type Detector func(ctx context.Context, caseDir string) (bool, error)

// ReferenceDetector scans caseDir with this package.
func ReferenceDetector(ctx context.Context, caseDir string) (bool, error) {
	var s Scanner
	r, err := s.Scan(ctx, []string{caseDir})
	if err != nil {
		return false, err
	}
	return r.Detected, nil
}

// ScoreConfig says what to score on which corpus.
type ScoreConfig struct {
	// Corpus is the directory holding one directory per case and
	// LabelsFile.
	Corpus string
	// Command is a shell command (run with sh -c) in which every {case}
	// is replaced by the shell-quoted case directory, e.g.
	// ReferenceCommand. Exactly one of Command and Detector must be set.
	Command string
	// Detector is an in-process alternative to Command.
	Detector Detector
	// Timeout bounds each case; 0 means DefaultCaseTimeout. A command
	// that overruns is killed with its whole process group.
	Timeout time.Duration
	// Parallelism is the number of cases run at once; 0 means GOMAXPROCS.
	Parallelism int
}

// Label is a case's entry in LabelsFile. Positive is required; other fields
// are kept as they are.
type Label struct {
	Positive    bool
	Description string
	Variant     string
	// Extra holds the fields other than positive, description and variant.
	Extra map[string]json.RawMessage
}

// UnmarshalJSON decodes a label, rejecting one without a boolean
// "positive": a case of unknown truth cannot be scored.
func (l *Label) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	raw, ok := m["positive"]
	if !ok {
		return errors.New(`missing "positive"`)
	}
	if err := json.Unmarshal(raw, &l.Positive); err != nil {
		return fmt.Errorf(`"positive": %w`, err)
	}
	for key, dst := range map[string]*string{"description": &l.Description, "variant": &l.Variant} {
		if raw, ok := m[key]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return fmt.Errorf("%q: %w", key, err)
			}
		}
	}
	delete(m, "positive")
	delete(m, "description")
	delete(m, "variant")
	if len(m) > 0 {
		l.Extra = m
	}
	return nil
}

// MarshalJSON encodes the label as it was read.
func (l Label) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(l.Extra)+3)
	for k, v := range l.Extra {
		m[k] = v
	}
	m["positive"] = l.Positive
	if l.Description != "" {
		m["description"] = l.Description
	}
	if l.Variant != "" {
		m["variant"] = l.Variant
	}
	return json.Marshal(m)
}

// LoadLabels reads corpus/labels.json.
func LoadLabels(corpus string) (map[string]Label, error) {
	path := filepath.Join(corpus, LabelsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("detect: labels: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("detect: labels %s: %w", path, err)
	}
	labels := make(map[string]Label, len(raw))
	for name, r := range raw {
		var l Label
		if err := json.Unmarshal(r, &l); err != nil {
			return nil, fmt.Errorf("detect: labels %s: case %s: %w", path, name, err)
		}
		labels[name] = l
	}
	return labels, nil
}

// Outcome is how a detector did on one case.
type Outcome string

// The outcomes.
const (
	TruePositive  Outcome = "TP"
	FalsePositive Outcome = "FP"
	TrueNegative  Outcome = "TN"
	FalseNegative Outcome = "FN"
	OutcomeError  Outcome = "error"
)

// CaseResult is the detector's answer on one case.
type CaseResult struct {
	Name     string        `json:"name"`
	Label    Label         `json:"label"`
	Detected bool          `json:"detected"`
	Outcome  Outcome       `json:"outcome"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	// Output is the end of the detector's stderr, kept for errors.
	Output string `json:"output,omitempty"`
}

// Wrong reports whether the case counts against the detector.
func (c CaseResult) Wrong() bool {
	return c.Outcome != TruePositive && c.Outcome != TrueNegative
}

// ScoreResult is the confusion matrix of a detector on a corpus.
type ScoreResult struct {
	Corpus string `json:"corpus"`
	TP     int    `json:"tp"`
	FP     int    `json:"fp"`
	TN     int    `json:"tn"`
	FN     int    `json:"fn"`
	Errors int    `json:"errors"`
	// Precision is TP/(TP+FP), 0 when the detector never said yes.
	Precision float64 `json:"precision"`
	// Recall is TP over all positive cases, errors included (a detector
	// does not gain recall by failing), 0 without positive cases.
	Recall float64      `json:"recall"`
	Cases  []CaseResult `json:"cases"` // by name
	// Wrong are the cases it got wrong or failed on, with their labels.
	Wrong []CaseResult `json:"wrong"`
}

// Score runs the configured detector on every case of the corpus and
// returns its confusion matrix. Every case directory must have a label and
// every label a directory; a detector's failure on a case is counted, not
// returned, while a broken corpus or configuration, or ctx ending, is an
// error.
func Score(ctx context.Context, cfg ScoreConfig) (*ScoreResult, error) {
	if (cfg.Command == "") == (cfg.Detector == nil) {
		return nil, errors.New("detect: score: set exactly one of Command and Detector")
	}
	if cfg.Command != "" && !strings.Contains(cfg.Command, CasePlaceholder) {
		return nil, fmt.Errorf("detect: score: command %q has no %s", cfg.Command, CasePlaceholder)
	}
	labels, err := LoadLabels(cfg.Corpus)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(cfg.Corpus)
	if err != nil {
		return nil, fmt.Errorf("detect: score: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			if _, ok := labels[e.Name()]; !ok {
				return nil, fmt.Errorf("detect: score: case %s has no entry in %s", e.Name(), LabelsFile)
			}
			names = append(names, e.Name())
		}
	}
	for _, name := range slices.Sorted(maps.Keys(labels)) {
		if !slices.Contains(names, name) {
			return nil, fmt.Errorf("detect: score: %s labels %s, which is not a directory of the corpus", LabelsFile, name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("detect: score: corpus %s has no cases", cfg.Corpus)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultCaseTimeout
	}
	par := cfg.Parallelism
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}

	results := make([]CaseResult, len(names))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, name := range names {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = runCase(ctx, cfg, timeout, name, labels[name])
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("detect: score: %w", err)
	}

	r := &ScoreResult{Corpus: cfg.Corpus, Cases: results, Wrong: []CaseResult{}}
	positives := 0
	for _, c := range results {
		if c.Label.Positive {
			positives++
		}
		switch c.Outcome {
		case TruePositive:
			r.TP++
		case FalsePositive:
			r.FP++
		case TrueNegative:
			r.TN++
		case FalseNegative:
			r.FN++
		default:
			r.Errors++
		}
		if c.Wrong() {
			r.Wrong = append(r.Wrong, c)
		}
	}
	if r.TP+r.FP > 0 {
		r.Precision = float64(r.TP) / float64(r.TP+r.FP)
	}
	if positives > 0 {
		r.Recall = float64(r.TP) / float64(positives)
	}
	return r, nil
}

// runCase runs the detector on one case within its timeout.
func runCase(ctx context.Context, cfg ScoreConfig, timeout time.Duration, name string, label Label) CaseResult {
	dir := filepath.Join(cfg.Corpus, name)
	res := CaseResult{Name: name, Label: label}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	var detected bool
	var err error
	if cfg.Detector != nil {
		detected, err = runDetector(cctx, cfg.Detector, dir)
	} else {
		detected, res.Output, err = runCommand(cctx, cfg.Command, dir)
	}
	res.Duration = time.Since(start)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("detect: timed out after %s", timeout)
	}
	switch {
	case err != nil:
		res.Outcome, res.Error = OutcomeError, err.Error()
		return res
	case detected && label.Positive:
		res.Outcome = TruePositive
	case detected:
		res.Outcome = FalsePositive
	case label.Positive:
		res.Outcome = FalseNegative
	default:
		res.Outcome = TrueNegative
	}
	res.Detected = detected
	res.Output = ""
	return res
}

// runDetector runs an in-process detector, giving up when ctx ends even if
// the detector does not.
func runDetector(ctx context.Context, d Detector, dir string) (bool, error) {
	type answer struct {
		detected bool
		err      error
	}
	ch := make(chan answer, 1)
	go func() {
		detected, err := d(ctx, dir)
		ch <- answer{detected, err}
	}()
	select {
	case a := <-ch:
		return a.detected, a.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// runCommand runs the command protocol on one case directory: JSON
// "detected" on stdout, else exit status 0 (found) or 1 (not found).
func runCommand(ctx context.Context, command, dir string) (detected bool, stderrTail string, err error) {
	line := strings.ReplaceAll(command, CasePlaceholder, ShellQuote(dir))
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	stdout := &capBuffer{max: maxDetectorOutput}
	stderr := &capBuffer{max: 4 << 10, tail: true}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	setProcessGroup(cmd)
	// Grandchildren that outlive the shell may hold the pipes; do not wait
	// for them forever.
	cmd.WaitDelay = time.Second
	runErr := cmd.Run()
	tail := strings.TrimSpace(stderr.String())
	if ctx.Err() != nil {
		return false, tail, ctx.Err()
	}
	if d, ok := parseDetected(stdout.Bytes()); ok {
		return d, "", nil
	}
	if cmd.ProcessState == nil {
		return false, tail, fmt.Errorf("detect: run %q: %w", line, runErr)
	}
	switch code := cmd.ProcessState.ExitCode(); code {
	case ExitFound:
		return true, "", nil
	case ExitNotFound:
		return false, "", nil
	default:
		return false, tail, fmt.Errorf("detect: detector exited with status %d and printed no JSON verdict", code)
	}
}

// parseDetected reads {"detected": bool} from a detector's stdout: the whole
// output, or else its last line that is a JSON object (a detector may log
// before its verdict).
func parseDetected(out []byte) (bool, bool) {
	try := func(b []byte) (bool, bool) {
		var v struct {
			Detected *bool `json:"detected"`
		}
		if json.Unmarshal(b, &v) != nil || v.Detected == nil {
			return false, false
		}
		return *v.Detected, true
	}
	out = bytes.TrimSpace(out)
	if d, ok := try(out); ok {
		return d, true
	}
	lines := bytes.Split(out, []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if l := bytes.TrimSpace(lines[i]); len(l) > 0 && l[0] == '{' {
			return try(l)
		}
	}
	return false, false
}

// ShellQuote quotes s for a POSIX shell: s in single quotes, each single
// quote inside it closing the quotes, escaped with a backslash, and
// reopening them.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// capBuffer keeps at most max bytes: the first ones, or with tail the last
// ones.
type capBuffer struct {
	buf  []byte
	max  int
	tail bool
}

func (c *capBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if c.tail {
		c.buf = append(c.buf, p...)
		if len(c.buf) > c.max {
			c.buf = c.buf[len(c.buf)-c.max:]
		}
		return n, nil
	}
	if room := c.max - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(room, len(p))]...)
	}
	return n, nil
}

func (c *capBuffer) Bytes() []byte  { return c.buf }
func (c *capBuffer) String() string { return string(c.buf) }

// WriteText writes the confusion matrix and the wrong cases for people.
func (r *ScoreResult) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("corpus %s: %d cases\n", r.Corpus, len(r.Cases))
	ew.printf("TP %d  FP %d  TN %d  FN %d  errors %d\n", r.TP, r.FP, r.TN, r.FN, r.Errors)
	ew.printf("precision %.3f  recall %.3f\n", r.Precision, r.Recall)
	for _, c := range r.Wrong {
		ew.printf("\n%s %s (positive=%t, variant %s): %s\n", c.Outcome, c.Name, c.Label.Positive, orDash(c.Label.Variant), c.Label.Description)
		if c.Error != "" {
			ew.printf("  error: %s\n", c.Error)
		}
		if c.Output != "" {
			ew.printf("  stderr: %s\n", c.Output)
		}
	}
	return ew.err
}

// WriteJSON writes r as indented JSON.
func (r *ScoreResult) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("detect: write json: %w", err)
	}
	return nil
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string          `xml:"name,attr"`
	Tests    int             `xml:"tests,attr"`
	Failures int             `xml:"failures,attr"`
	Errors   int             `xml:"errors,attr"`
	Time     string          `xml:"time,attr"`
	Props    []junitProperty `xml:"properties>property,omitempty"`
	Cases    []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes r as JUnit XML: one testcase per corpus case, with a
// failure for a wrong answer or an error (type "false-positive",
// "false-negative" or "error"), so that CI shows each miss by name.
func (r *ScoreResult) WriteJUnit(w io.Writer) error {
	secs := func(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
	suite := junitSuite{
		Name:  "kb954960-detector",
		Tests: len(r.Cases),
		Props: []junitProperty{
			{"corpus", r.Corpus},
			{"precision", fmt.Sprintf("%.3f", r.Precision)},
			{"recall", fmt.Sprintf("%.3f", r.Recall)},
		},
	}
	var total time.Duration
	for _, c := range r.Cases {
		total += c.Duration
		jc := junitCase{Name: c.Name, Classname: "detect.corpus", Time: secs(c.Duration),
			SystemOut: fmt.Sprintf("positive=%t variant=%s: %s", c.Label.Positive, orDash(c.Label.Variant), c.Label.Description)}
		switch c.Outcome {
		case FalsePositive:
			jc.Failure = &junitFailure{Type: "false-positive", Message: "detected KB954960 in a negative case", Text: c.Label.Description}
		case FalseNegative:
			jc.Failure = &junitFailure{Type: "false-negative", Message: "missed KB954960 in a positive case", Text: c.Label.Description}
		case OutcomeError:
			jc.Failure = &junitFailure{Type: "error", Message: "detector error: " + c.Error, Text: c.Output}
		}
		if jc.Failure != nil {
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, jc)
	}
	suite.Time = secs(total)
	doc := junitSuites{Name: "wsusrepro score", Tests: suite.Tests, Failures: suite.Failures, Time: suite.Time, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("detect: write junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("detect: write junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("detect: write junit: %w", err)
	}
	return nil
}
