package detect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/detect"
)

// naiveGrep is the detector of the scoring protocol's example: it matches
// "8024400E" anywhere, so it cannot tell KB954960 from its look-alikes.
const naiveGrep = `grep -q 8024400E {case}/* && echo "{\"detected\":true}" || echo "{\"detected\":false}"`

const corpus = "testdata/corpus"

func TestScoreReferenceDetector(t *testing.T) {
	r, err := detect.Score(t.Context(), detect.ScoreConfig{Corpus: corpus, Detector: detect.ReferenceDetector})
	if err != nil {
		t.Fatal(err)
	}
	// The truncated paste is labelled possible, and answered so: not a
	// true positive, not wrong either.
	if val(r.Precision) != 1 || val(r.Recall) != 0.8 || val(r.RecallPossible) != 1 || r.Errors != 0 || len(r.Wrong) != 0 {
		var buf bytes.Buffer
		r.WriteText(&buf)
		t.Errorf("reference detector is not perfect on its corpus:\n%s", buf.String())
	}
	if r.TP+r.TN+r.Possible != len(r.Cases) || r.TP != 4 || r.TN != 5 || r.Possible != 1 {
		t.Errorf("matrix TP %d FP %d TN %d FN %d", r.TP, r.FP, r.TN, r.FN)
	}
}

func TestScoreNaiveGrepCommand(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the command protocol runs sh")
	}
	r, err := detect.Score(t.Context(), detect.ScoreConfig{Corpus: corpus, Command: naiveGrep, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if val(r.Precision) >= 1 {
		t.Errorf("naive grep precision %.3f, want < 1", val(r.Precision))
	}
	got := make(map[string]detect.Outcome)
	for _, c := range r.Cases {
		got[c.Name] = c.Outcome
	}
	want := map[string]detect.Outcome{
		"neg-sqlexception-timeout":           detect.FalsePositive, // the look-alike only the server log explains
		"neg-simpleauth-internalservererror": detect.FalsePositive,
		"kb954960-wua10":                     detect.FalseNegative, // WUA 10 logs 0x80244007
		"kb954960-server-only":               detect.FalseNegative,
		"kb954960-classic-client":            detect.TruePositive,
		"neg-invalidparameters":              detect.TrueNegative,
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %s, want %s", name, got[name], w)
		}
	}
	if r.TP != 3 || r.FP != 2 || r.TN != 3 || r.FN != 2 || r.Errors != 0 {
		t.Errorf("matrix TP %d FP %d TN %d FN %d errors %d", r.TP, r.FP, r.TN, r.FN, r.Errors)
	}
	if val(r.Precision) != 0.6 || val(r.Recall) != 0.6 {
		t.Errorf("precision %v recall %v, want 0.6 0.6", val(r.Precision), val(r.Recall))
	}
	wrong := make(map[string]bool)
	for _, c := range r.Wrong {
		wrong[c.Name] = true
		if c.Label.Description == "" || c.Label.Variant == "" {
			t.Errorf("wrong case %s lacks its label: %+v", c.Name, c.Label)
		}
	}
	if !wrong["neg-sqlexception-timeout"] || len(wrong) != 4 {
		t.Errorf("wrong cases %v", wrong)
	}

	var buf bytes.Buffer
	if err := r.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Type string `xml:"type,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("junit: %v\n%s", err, buf.String())
	}
	if len(doc.Suites) != 1 || doc.Suites[0].Tests != 10 || doc.Suites[0].Failures != 4 || len(doc.Suites[0].Cases) != 10 {
		t.Fatalf("junit suites %+v", doc.Suites)
	}
	for _, c := range doc.Suites[0].Cases {
		wantType := ""
		switch got[c.Name] {
		case detect.FalsePositive:
			wantType = "false-positive"
		case detect.FalseNegative:
			wantType = "false-negative"
		}
		gotType := ""
		if c.Failure != nil {
			gotType = c.Failure.Type
		}
		if gotType != wantType {
			t.Errorf("junit %s: failure %q, want %q", c.Name, gotType, wantType)
		}
	}
}

// miniCorpus writes a corpus of the given cases (name → positive), each
// with a marker file, and returns its directory.
func miniCorpus(t *testing.T, cases map[string]bool) string {
	t.Helper()
	dir := t.TempDir()
	labels := make(map[string]any)
	for name, pos := range cases {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "marker"), []byte(strconv.FormatBool(pos)), 0o644); err != nil {
			t.Fatal(err)
		}
		labels[name] = map[string]any{"positive": pos, "description": "case " + name, "variant": "mini"}
	}
	b, _ := json.Marshal(labels)
	if err := os.WriteFile(filepath.Join(dir, detect.LabelsFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestScoreCommandProtocol checks how a command's answer is read: JSON
// first, then the exit status, anything else an error.
func TestScoreCommandProtocol(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the command protocol runs sh")
	}
	dir := miniCorpus(t, map[string]bool{"yes": true, "no": false})
	tests := []struct {
		name    string
		command string
		// outcomes of the cases "yes" and "no"
		yes, no detect.Outcome
	}{
		{"JSON from the marker", `grep -q true {case}/marker && echo '{"detected": true, "x": 1}' || echo '{"detected": false}'`,
			detect.TruePositive, detect.TrueNegative},
		{"exit status", `grep -q true {case}/marker`, detect.TruePositive, detect.TrueNegative},
		{"JSON after log lines", `echo scanning {case}; echo '{"detected": true}'`, detect.TruePositive, detect.FalsePositive},
		{"JSON wins over the exit status", `: {case}; echo '{"detected": true}'; exit 1`, detect.TruePositive, detect.FalsePositive},
		{"no JSON, exit 0", `echo no json here {case}`, detect.TruePositive, detect.FalsePositive},
		{"JSON without detected", `: {case}; echo '{"found": true}'; exit 1`, detect.FalseNegative, detect.TrueNegative},
		{"not JSON at all, like grep -l", `grep -l true {case}/marker`, detect.TruePositive, detect.TrueNegative},
		{"JSON verdict", `grep -q true {case}/marker && echo '{"verdict": "probable"}' || echo '{"verdict": "none"}'`,
			detect.TruePositive, detect.TrueNegative},
		{"JSON verdict possible", `: {case}; echo '{"verdict": "possible", "detected": false}'; exit 3`,
			detect.OutcomePossible, detect.OutcomePossibleNegative},
		{"exit 3 is possible", `: {case}; exit 3`, detect.OutcomePossible, detect.OutcomePossibleNegative},
		{"exit 2 is an error", `: {case}; echo broken >&2; exit 2`, detect.OutcomeError, detect.OutcomeError},
		{"exit 2 with JSON is an error", `: {case}; echo '{"detected": true}'; exit 2`, detect.OutcomeError, detect.OutcomeError},
		{"killed by a signal is an error", `kill -9 $$ {case}`, detect.OutcomeError, detect.OutcomeError},
		{"broken JSON and exit 0 is an error", `: {case}; echo '{"detected": tru'`, detect.OutcomeError, detect.OutcomeError},
		{"broken JSON over lines is an error", `: {case}; printf '{\n "detected": true,\n'`, detect.OutcomeError, detect.OutcomeError},
		{"detected not a boolean is an error", `: {case}; echo '{"detected": "yes"}'`, detect.OutcomeError, detect.OutcomeError},
		{"unknown verdict is an error", `: {case}; echo '{"verdict": "likely"}'`, detect.OutcomeError, detect.OutcomeError},
		{"JSON array is an error", `: {case}; echo '[true]'`, detect.OutcomeError, detect.OutcomeError},
		{"output over the cap: the exit status answers", `head -c 9000000 /dev/zero | tr '\0' '{'; grep -q true {case}/marker`,
			detect.TruePositive, detect.TrueNegative},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := detect.Score(t.Context(), detect.ScoreConfig{Corpus: dir, Command: tt.command, Timeout: 10 * time.Second, Parallelism: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range r.Cases {
				want := map[string]detect.Outcome{"yes": tt.yes, "no": tt.no}[c.Name]
				if c.Outcome != want {
					t.Errorf("%s: %s (%s), want %s", c.Name, c.Outcome, c.Error, want)
				}
			}
			if tt.yes == detect.OutcomeError && val(r.Recall) != 0 {
				t.Errorf("recall %v with errors only", val(r.Recall))
			}
			if tt.yes == detect.OutcomeError && !strings.Contains(r.Cases[0].Error+r.Cases[0].Output, "") {
				t.Errorf("error without a reason: %+v", r.Cases[0])
			}
		})
	}
	r, err := detect.Score(t.Context(), detect.ScoreConfig{Corpus: dir, Command: `echo broken >&2; exit 2 {case}`})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 2 || !strings.Contains(r.Cases[0].Output, "broken") || !strings.Contains(r.Cases[0].Error, "status 2") {
		t.Errorf("error case %+v", r.Cases[0])
	}
	// The text names each case in error with its reason.
	r, err = detect.Score(t.Context(), detect.ScoreConfig{Corpus: dir, Command: `: {case}; echo '{"detected": tru'`})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"error yes (positive=true", "error no (positive=false", "not a valid JSON verdict", "precision n/a  recall 0.000"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestScoreDetectorThatCannotStart checks that a detector command the
// shell cannot find is one error, not one per case.
func TestScoreDetectorThatCannotStart(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the command protocol runs sh")
	}
	dir := miniCorpus(t, map[string]bool{"a": true, "b": false, "c": true})
	for _, command := range []string{`/nonexistent/detector {case}`, `no-such-detector-command --json {case}`} {
		_, err := detect.Score(t.Context(), detect.ScoreConfig{Corpus: dir, Command: command})
		if err == nil || !strings.Contains(err.Error(), "cannot start") || strings.Count(err.Error(), "not found") > 1 {
			t.Errorf("%s: err = %v, want one cannot-start error", command, err)
		}
	}
}

// val returns a ratio of the score, -1 when it is undefined.
func val(r *float64) float64 {
	if r == nil {
		return -1
	}
	return *r
}

// TestScoreQuotesTheCaseDirectory uses a case name no shell would take
// unquoted.
func TestScoreQuotesTheCaseDirectory(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the command protocol runs sh")
	}
	name := `it's a "case" $HOME; rm -rf x`
	dir := miniCorpus(t, map[string]bool{name: true})
	r, err := detect.Score(t.Context(), detect.ScoreConfig{Corpus: dir,
		Command: `test -f {case}/marker && echo '{"detected":true}' || echo '{"detected":false}'`})
	if err != nil {
		t.Fatal(err)
	}
	if r.TP != 1 {
		t.Errorf("case %q not reached: %+v", name, r.Cases)
	}
	if got := detect.ShellQuote(`a'b`); got != `'a'\''b'` {
		t.Errorf("ShellQuote = %s", got)
	}
}

// TestScoreTimeoutKillsTheProcessGroup runs a detector that hangs in a
// grandchild; it must be reported as an error within the timeout, and the
// grandchild must be gone.
func TestScoreTimeoutKillsTheProcessGroup(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("process groups")
	}
	dir := miniCorpus(t, map[string]bool{"hang": true})
	pidFile := filepath.Join(t.TempDir(), "pid")
	start := time.Now()
	r, err := detect.Score(t.Context(), detect.ScoreConfig{Corpus: dir, Timeout: 300 * time.Millisecond,
		Command: `sleep 30 & echo $! > ` + detect.ShellQuote(pidFile) + `; wait; echo {case}`})
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Score took %s with a 300ms timeout", elapsed)
	}
	if r.Errors != 1 || !strings.Contains(r.Cases[0].Error, "timed out") {
		t.Fatalf("case %+v, want a timeout error", r.Cases[0])
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.TrimSpace(string(b))
	deadline := time.Now().Add(3 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if errors.Is(err, os.ErrNotExist) {
			break // gone
		}
		if err != nil {
			t.Skipf("cannot read /proc: %v", err)
		}
		// "pid (comm) state ...": a zombie (Z) is dead, waiting for its reaper.
		if f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])); len(f) > 0 && f[0] == "Z" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %s still running after the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestScoreDetectorTimeout checks that an in-process detector that ignores
// its context still cannot stall the harness.
func TestScoreDetectorTimeout(t *testing.T) {
	dir := miniCorpus(t, map[string]bool{"a": true, "b": false})
	release := make(chan struct{})
	defer close(release)
	r, err := detect.Score(t.Context(), detect.ScoreConfig{Corpus: dir, Timeout: 100 * time.Millisecond,
		Detector: func(ctx context.Context, caseDir string) (detect.Verdict, error) {
			if filepath.Base(caseDir) == "a" {
				<-release
			}
			return detect.VerdictNone, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 1 || r.TN != 1 || val(r.Recall) != 0 {
		t.Errorf("errors %d TN %d recall %v", r.Errors, r.TN, val(r.Recall))
	}
	r, err = detect.Score(t.Context(), detect.ScoreConfig{Corpus: dir,
		Detector: func(ctx context.Context, caseDir string) (detect.Verdict, error) { return "", errors.New("boom") }})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 2 || r.Cases[0].Error != "boom" {
		t.Errorf("%+v", r.Cases)
	}
}

func TestScoreConfigAndCorpusErrors(t *testing.T) {
	good := miniCorpus(t, map[string]bool{"a": true})
	extraDir := miniCorpus(t, map[string]bool{"a": true})
	if err := os.Mkdir(filepath.Join(extraDir, "unlabelled"), 0o755); err != nil {
		t.Fatal(err)
	}
	missingDir := miniCorpus(t, map[string]bool{"a": true})
	os.WriteFile(filepath.Join(missingDir, detect.LabelsFile), []byte(`{"a":{"positive":true},"b":{"positive":false}}`), 0o644)
	noPositive := miniCorpus(t, map[string]bool{"a": true})
	os.WriteFile(filepath.Join(noPositive, detect.LabelsFile), []byte(`{"a":{"description":"?"}}`), 0o644)
	noLabels := t.TempDir()
	det := detect.ReferenceDetector
	tests := []struct {
		name string
		cfg  detect.ScoreConfig
		want string
	}{
		{"neither command nor detector", detect.ScoreConfig{Corpus: good}, "exactly one"},
		{"both", detect.ScoreConfig{Corpus: good, Command: "true {case}", Detector: det}, "exactly one"},
		{"no placeholder", detect.ScoreConfig{Corpus: good, Command: "true"}, "has no {case}"},
		{"no labels.json", detect.ScoreConfig{Corpus: noLabels, Detector: det}, "labels"},
		{"directory without label", detect.ScoreConfig{Corpus: extraDir, Detector: det}, "unlabelled has no entry"},
		{"label without directory", detect.ScoreConfig{Corpus: missingDir, Detector: det}, "labels b"},
		{"label without positive", detect.ScoreConfig{Corpus: noPositive, Detector: det}, `missing "positive"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := detect.Score(t.Context(), tt.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), "detect: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a detect: error containing %q", err, tt.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := detect.Score(ctx, detect.ScoreConfig{Corpus: good, Detector: det}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestLabelKeepsExtraFields(t *testing.T) {
	in := `{"positive":true,"description":"d","variant":"v","source":"forum","tags":["a"]}`
	var l detect.Label
	if err := json.Unmarshal([]byte(in), &l); err != nil {
		t.Fatal(err)
	}
	if !l.Positive || l.Description != "d" || l.Variant != "v" || len(l.Extra) != 2 {
		t.Errorf("label %+v", l)
	}
	out, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	json.Unmarshal([]byte(in), &a)
	json.Unmarshal(out, &b)
	if len(a) != len(b) || b["source"] != "forum" {
		t.Errorf("round trip %s", out)
	}
}

func TestScoreResultText(t *testing.T) {
	r, err := detect.Score(t.Context(), detect.ScoreConfig{Corpus: corpus,
		Detector: func(ctx context.Context, dir string) (detect.Verdict, error) { return detect.VerdictConfirmed, nil }})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"TP 5  FP 5  TN 0  FN 0  errors 0", "precision 0.500  recall 1.000", "FP neg-sqlexception-timeout (positive=false, verdict -, variant sqlexception)"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	if err := r.WriteJSON(&buf); err != nil || !strings.Contains(buf.String(), `"precision": 0.5`) {
		t.Errorf("json (%v): %s", err, buf.String())
	}
}

// TestScoreJSON: camelCase keys, [] for empty lists, never null; an
// undefined ratio is left out rather than null.
func TestScoreJSON(t *testing.T) {
	dir := miniCorpus(t, map[string]bool{"a": false})
	r, err := detect.Score(t.Context(), detect.ScoreConfig{Corpus: dir,
		Detector: func(ctx context.Context, dir string) (detect.Verdict, error) { return detect.VerdictNone, nil }})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`"durationNs"`, `"possibleNegative"`, `"missedConfirmations"`, `"wrong": []`, `"verdict": "none"`} {
		if !strings.Contains(out, want) {
			t.Errorf("score JSON lacks %s:\n%s", want, out)
		}
	}
	for _, bad := range []string{"null", `"precision"`, `"recall"`, "_"} {
		if strings.Contains(out, bad) {
			t.Errorf("score JSON has %s:\n%s", bad, out)
		}
	}
	buf.Reset()
	if err := r.WriteText(&buf); err != nil || !strings.Contains(buf.String(), "precision n/a  recall n/a  recall counting possible n/a") {
		t.Errorf("text (%v): %s", err, buf.String())
	}
}

func TestLabelVerdict(t *testing.T) {
	var l detect.Label
	if err := json.Unmarshal([]byte(`{"positive": true, "verdict": "possible"}`), &l); err != nil || l.Verdict != detect.VerdictPossible {
		t.Errorf("label %+v, %v", l, err)
	}
	for _, bad := range []string{`{"positive": true, "verdict": "likely"}`, `{"positive": true, "verdict": 3}`} {
		if err := json.Unmarshal([]byte(bad), &l); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
