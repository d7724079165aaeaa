package detect

import (
	"bytes"
	"cmp"
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
	"strconv"
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

// Detector is an in-process detector: it returns its verdict on caseDir
// (VerdictConfirmed or VerdictProbable count as detected). It should
// return when ctx is done.
type Detector func(ctx context.Context, caseDir string) (Verdict, error)

// ReferenceDetector scans caseDir with this package. A case where nothing
// could be read is an error, as the command's exit status 2 is.
func ReferenceDetector(ctx context.Context, caseDir string) (Verdict, error) {
	var s Scanner
	r, err := s.Scan(ctx, []string{caseDir})
	if err != nil {
		return "", err
	}
	if r.Read == 0 {
		return "", fmt.Errorf("detect: nothing could be read in %s", caseDir)
	}
	return r.Verdict, nil
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
	Positive bool
	// Verdict, optional, is the verdict the case's evidence supports
	// ("confirmed", "probable", "possible", "none"). A case labelled
	// possible (a fragment, an excerpt cut short) is answered rightly
	// with possible.
	Verdict     Verdict
	Description string
	Variant     string
	// Extra holds the fields other than positive, verdict, description
	// and variant.
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
	if raw, ok := m["verdict"]; ok {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf(`"verdict": %w`, err)
		}
		if l.Verdict, ok = knownVerdict(v); !ok {
			return fmt.Errorf(`"verdict": %q is not confirmed, probable, possible or none`, v)
		}
	}
	delete(m, "verdict")
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
	m := make(map[string]any, len(l.Extra)+4)
	for k, v := range l.Extra {
		m[k] = v
	}
	m["positive"] = l.Positive
	if l.Verdict != "" {
		m["verdict"] = l.Verdict
	}
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

// The outcomes. A detector that answers possible is neither right nor
// wrong in the matrix: on a positive case it missed the confirmation
// (OutcomePossible), on a negative one it raised a doubt
// (OutcomePossibleNegative). Either is right when the case's label says
// possible.
const (
	TruePositive            Outcome = "TP"
	FalsePositive           Outcome = "FP"
	TrueNegative            Outcome = "TN"
	FalseNegative           Outcome = "FN"
	OutcomePossible         Outcome = "possible"
	OutcomePossibleNegative Outcome = "possible-negative"
	OutcomeError            Outcome = "error"
)

// CaseResult is the detector's answer on one case.
type CaseResult struct {
	Name  string `json:"name"`
	Label Label  `json:"label"`
	// Detected is true for a verdict of confirmed or probable (or a
	// detector's plain yes).
	Detected bool `json:"detected"`
	// Verdict is the detector's verdict: from its JSON "verdict", else
	// confirmed for a plain yes, possible for exit status 3, none.
	Verdict  Verdict       `json:"verdict,omitempty"`
	Outcome  Outcome       `json:"outcome"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"durationNs"`
	// Output is the end of the detector's stderr, kept for errors.
	Output string `json:"output,omitempty"`

	cannotStart bool
}

// Wrong reports whether the case counts against the detector.
func (c CaseResult) Wrong() bool {
	switch c.Outcome {
	case TruePositive, TrueNegative:
		return false
	case OutcomePossible, OutcomePossibleNegative:
		return c.Label.Verdict != VerdictPossible
	}
	return true
}

// ScoreResult is the confusion matrix of a detector on a corpus.
type ScoreResult struct {
	Corpus string `json:"corpus"`
	TP     int    `json:"tp"`
	FP     int    `json:"fp"`
	TN     int    `json:"tn"`
	FN     int    `json:"fn"`
	// Possible counts the positive cases found only as possible: missed
	// confirmations, not false negatives. PossibleNegative counts the
	// negative cases answered possible.
	Possible         int `json:"possible"`
	PossibleNegative int `json:"possibleNegative"`
	// MissedConfirmations are the possibles on positive cases whose label
	// does not say possible: the evidence was there, the detector did not
	// see all of it.
	MissedConfirmations int `json:"missedConfirmations"`
	Errors              int `json:"errors"`
	// Precision is TP/(TP+FP); nil (absent from JSON, "n/a" in text) when
	// the detector never said yes.
	Precision *float64 `json:"precision,omitempty"`
	// Recall is TP over all positive cases, errors and possibles included
	// (a detector does not gain recall by failing); nil without positive
	// cases. RecallPossible counts the possibles as found.
	Recall         *float64     `json:"recall,omitempty"`
	RecallPossible *float64     `json:"recallPossible,omitempty"`
	Cases          []CaseResult `json:"cases"` // by name
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
	// The first case runs alone: a detector that cannot start is
	// reported once, not once per case.
	results[0] = runCase(ctx, cfg, timeout, names[0], labels[names[0]])
	if results[0].cannotStart {
		return nil, fmt.Errorf("detect: score: the detector cannot start (%s): %s", results[0].Error, cmp.Or(results[0].Output, "no output"))
	}
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, name := range names {
		if i == 0 {
			continue
		}
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
		case OutcomePossible:
			r.Possible++
			if c.Wrong() {
				r.MissedConfirmations++
			}
		case OutcomePossibleNegative:
			r.PossibleNegative++
		default:
			r.Errors++
		}
		if c.Wrong() {
			r.Wrong = append(r.Wrong, c)
		}
	}
	ratio := func(a, b int) *float64 {
		if b == 0 {
			return nil
		}
		v := float64(a) / float64(b)
		return &v
	}
	r.Precision = ratio(r.TP, r.TP+r.FP)
	r.Recall = ratio(r.TP, positives)
	r.RecallPossible = ratio(r.TP+r.Possible, positives)
	return r, nil
}

// runCase runs the detector on one case within its timeout.
func runCase(ctx context.Context, cfg ScoreConfig, timeout time.Duration, name string, label Label) CaseResult {
	dir := filepath.Join(cfg.Corpus, name)
	res := CaseResult{Name: name, Label: label}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	var v Verdict
	var err error
	if cfg.Detector != nil {
		v, err = runDetector(cctx, cfg.Detector, dir)
		if err == nil {
			if _, ok := knownVerdict(string(v)); !ok {
				err = fmt.Errorf("detect: detector returned the verdict %q", v)
			}
		}
	} else {
		v, res.Output, err = runCommand(cctx, cfg.Command, dir)
	}
	res.Duration = time.Since(start)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("detect: timed out after %s", timeout)
	}
	res.cannotStart = errors.Is(err, errCannotStart)
	positive := label.Positive
	switch {
	case err != nil:
		res.Outcome, res.Error = OutcomeError, err.Error()
		return res
	case v.Firm() && positive:
		res.Outcome = TruePositive
	case v.Firm():
		res.Outcome = FalsePositive
	case v == VerdictPossible && positive:
		res.Outcome = OutcomePossible
	case v == VerdictPossible:
		res.Outcome = OutcomePossibleNegative
	case positive:
		res.Outcome = FalseNegative
	default:
		res.Outcome = TrueNegative
	}
	res.Verdict, res.Detected = v, v.Firm()
	res.Output = ""
	return res
}

// runDetector runs an in-process detector, giving up when ctx ends even if
// the detector does not.
func runDetector(ctx context.Context, d Detector, dir string) (Verdict, error) {
	type answer struct {
		v   Verdict
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		v, err := d(ctx, dir)
		ch <- answer{v, err}
	}()
	select {
	case a := <-ch:
		return a.v, a.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// errCannotStart marks a detector command the shell could not find or
// run (exit status 126 or 127).
var errCannotStart = errors.New("detect: the shell could not run the detector command (exit status 126 or 127)")

// runCommand runs the command protocol on one case directory: a JSON
// "verdict" or "detected" on stdout, else exit status 0 (found), 1 (not
// found) or 3 (possible). Output that looks like JSON but is not a valid
// answer, and any other exit status, are errors.
func runCommand(ctx context.Context, command, dir string) (v Verdict, stderrTail string, err error) {
	line := strings.ReplaceAll(command, CasePlaceholder, shellQuote(dir))
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
		return "", tail, ctx.Err()
	}
	if cmd.ProcessState == nil {
		return "", tail, fmt.Errorf("%w: %q: %w", errCannotStart, line, runErr)
	}
	code := cmd.ProcessState.ExitCode()
	if code == 126 || code == 127 {
		return "", tail, errCannotStart
	}
	// A report larger than the cap cannot be parsed whole: its exit
	// status answers.
	var jv Verdict
	var found bool
	var bad string
	if !stdout.cut {
		jv, found, bad = parseVerdict(stdout.Bytes())
	}
	if bad != "" {
		return "", tail, fmt.Errorf("detect: detector printed output that is not a valid JSON verdict (exit status %d): %s", code, bad)
	}
	switch code {
	case ExitFound, ExitNotFound, ExitPossible:
	default:
		return "", tail, fmt.Errorf("detect: detector exited with status %d (0 found, 1 not found, 3 possible; anything else is an error)", code)
	}
	if found {
		return jv, "", nil
	}
	switch code {
	case ExitFound:
		return VerdictConfirmed, "", nil
	case ExitPossible:
		return VerdictPossible, "", nil
	}
	return VerdictNone, "", nil
}

// parseVerdict reads a detector's stdout: the whole output, or else its
// last line that starts a JSON object (a detector may log before its
// answer). An object with a "verdict" (confirmed, probable, possible,
// none) or a boolean "detected" is an answer (found); an object with
// neither leaves the answer to the exit status. Output that starts like
// JSON and does not parse, or a "verdict" or "detected" of the wrong
// kind, is bad: a detector that breaks its JSON must not pass unseen.
// Output that is not JSON at all (grep -l prints file names) leaves the
// answer to the exit status.
func parseVerdict(out []byte) (v Verdict, found bool, bad string) {
	try := func(b []byte) (Verdict, bool, string) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return "", false, fmt.Sprintf("%v in %q", err, clip(b))
		}
		if raw, ok := m["verdict"]; ok {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return "", false, fmt.Sprintf(`"verdict" is %s, not a string`, clip(raw))
			}
			v, ok := knownVerdict(s)
			if !ok {
				return "", false, fmt.Sprintf(`"verdict" %q is not confirmed, probable, possible or none`, s)
			}
			return v, true, ""
		}
		if raw, ok := m["detected"]; ok {
			var d bool
			if json.Unmarshal(raw, &d) != nil {
				return "", false, fmt.Sprintf(`"detected" is %s, not a boolean`, clip(raw))
			}
			if d {
				return VerdictConfirmed, true, ""
			}
			return VerdictNone, true, ""
		}
		return "", false, ""
	}
	out = bytes.TrimSpace(out)
	if len(out) == 0 {
		return "", false, ""
	}
	if out[0] == '{' || out[0] == '[' {
		if json.Valid(out) {
			if out[0] == '[' {
				return "", false, "a JSON array, not an object"
			}
			return try(out)
		}
	}
	lines := bytes.Split(out, []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if l := bytes.TrimSpace(lines[i]); len(l) > 0 && (l[0] == '{' || l[0] == '[') {
			if l[0] == '[' && json.Valid(l) {
				return "", false, "a JSON array, not an object"
			}
			return try(l)
		}
	}
	if out[0] == '{' || out[0] == '[' {
		// Starts like JSON over several lines, and is not valid.
		return try(out)
	}
	return "", false, ""
}

// clip shortens b for an error message.
func clip(b []byte) string {
	const n = 120
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// shellQuote quotes s for a POSIX shell: s in single quotes, each single
// quote inside it closing the quotes, escaped with a backslash, and
// reopening them.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// capBuffer keeps at most max bytes: the first ones, or with tail the last
// ones.
type capBuffer struct {
	buf  []byte
	max  int
	tail bool
	cut  bool // something was dropped
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
	room := max(c.max-len(c.buf), 0)
	c.buf = append(c.buf, p[:min(room, len(p))]...)
	c.cut = c.cut || len(p) > room
	return n, nil
}

func (c *capBuffer) Bytes() []byte  { return c.buf }
func (c *capBuffer) String() string { return string(c.buf) }

// ratioText formats a ratio, "n/a" when it is undefined.
func ratioText(r *float64) string {
	if r == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", *r)
}

// WriteText writes the confusion matrix, the possibles and the wrong
// cases for people.
func (r *ScoreResult) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("corpus %s: %d cases\n", r.Corpus, len(r.Cases))
	ew.printf("TP %d  FP %d  TN %d  FN %d  errors %d\n", r.TP, r.FP, r.TN, r.FN, r.Errors)
	ew.printf("possible: %d positive case(s) found only as possible (not false negatives; %d of them missed confirmations, the others labelled possible), %d negative case(s) answered possible\n",
		r.Possible, r.MissedConfirmations, r.PossibleNegative)
	ew.printf("precision %s  recall %s  recall counting possible %s\n", ratioText(r.Precision), ratioText(r.Recall), ratioText(r.RecallPossible))
	for _, c := range r.Wrong {
		ew.printf("\n%s %s (positive=%t, verdict %s, variant %s): %s\n", c.Outcome, c.Name, c.Label.Positive, orDash(string(c.Label.Verdict)),
			orDash(c.Label.Variant), c.Label.Description)
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
			{"precision", ratioText(r.Precision)},
			{"recall", ratioText(r.Recall)},
			{"recallPossible", ratioText(r.RecallPossible)},
			{"possible", strconv.Itoa(r.Possible)},
			{"missedConfirmations", strconv.Itoa(r.MissedConfirmations)},
			{"possibleNegative", strconv.Itoa(r.PossibleNegative)},
		},
	}
	var total time.Duration
	for _, c := range r.Cases {
		total += c.Duration
		jc := junitCase{Name: c.Name, Classname: "detect.corpus", Time: secs(c.Duration),
			SystemOut: fmt.Sprintf("positive=%t verdict=%s variant=%s answer=%s: %s", c.Label.Positive, orDash(string(c.Label.Verdict)),
				orDash(c.Label.Variant), orDash(string(c.Verdict)), c.Label.Description)}
		switch {
		case c.Outcome == FalsePositive:
			jc.Failure = &junitFailure{Type: "false-positive", Message: "detected KB954960 in a negative case", Text: c.Label.Description}
		case c.Outcome == FalseNegative:
			jc.Failure = &junitFailure{Type: "false-negative", Message: "missed KB954960 in a positive case", Text: c.Label.Description}
		case c.Outcome == OutcomePossible && c.Wrong():
			jc.Failure = &junitFailure{Type: "missed-confirmation", Message: "found KB954960 only as possible in a positive case", Text: c.Label.Description}
		case c.Outcome == OutcomePossibleNegative && c.Wrong():
			jc.Failure = &junitFailure{Type: "possible-on-negative", Message: "answered possible in a negative case", Text: c.Label.Description}
		case c.Outcome == OutcomeError:
			jc.Failure = &junitFailure{Type: "error", Message: "detector error on case " + c.Name + ": " + c.Error, Text: c.Output}
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
