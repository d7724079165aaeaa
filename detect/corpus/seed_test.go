package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/detect"
	"github.com/wsusmock/wsusmock/internal/golden"
	"github.com/wsusmock/wsusmock/internal/shared"
)

// seedDir returns the folder of the stored advisory. It skips when the
// shared folder is absent and fails when the folder is there without the
// advisory: a broken checkout must not pass as a machine without it.
func seedDir(t *testing.T) string {
	t.Helper()
	return filepath.Dir(shared.LoadAdvisory(t).Path)
}

const advisoryFaultID = "c0a7445f-b989-43fa-ac20-11f8ca65fa8c"

// TestAdvisoryForms scans every variant of the advisory's excerpts the
// corpus makes, one per form of issue 15 point 1, and the look-alikes made
// from them in the same forms: each must get exactly the verdict its label
// gives, positives the advisory's fault ID where they show it.
func TestAdvisoryForms(t *testing.T) {
	a, err := loadAdvisory(seedDir(t))
	if err != nil {
		t.Fatal(err)
	}
	cases, err := seedCases(a)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range c.Files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r, err := detect.Scan([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != c.Label.Verdict {
				t.Errorf("verdict %s, label %s (%s)", r.Verdict, c.Label.Verdict, c.Label.Description)
				for _, f := range r.Findings {
					t.Logf("finding %s %s: %s", f.Side, f.Verdict, f.Reason)
				}
				for _, d := range r.Dismissed {
					t.Logf("dismissed: %s", d.Reason)
				}
			}
			if (r.Verdict == detect.VerdictConfirmed || r.Verdict == detect.VerdictProbable) && !strings.Contains(c.Name, "cut") {
				if len(r.Incidents) != 1 || r.Incidents[0].FaultID != advisoryFaultID {
					t.Errorf("incidents %+v, want one with the advisory's fault ID", r.Incidents)
				}
				if strings.HasSuffix(c.Name, "-both") && len(r.Incidents[0].Sides) != 2 {
					t.Errorf("sides %v, want client and server correlated", r.Incidents[0].Sides)
				}
			}
			if c.Label.Positive && c.Label.Verdict != detect.VerdictNone && len(r.Evidence) == 0 {
				t.Error("no evidence lines")
			}
			for _, e := range r.Evidence {
				if e.Line < 1 || e.Text == "" {
					t.Errorf("evidence %+v", e)
				}
			}
		})
		seen[c.Label.Variant]++
	}
	for _, f := range forms {
		// three positive cases and six look-alikes per form
		if n := seen["form: "+f.name]; n != 9 {
			t.Errorf("form %s: %d cases, want 9", f.name, n)
		}
	}
}

// TestCorpusWithoutAdvisory: a seed folder without the advisory is an
// error that says what to do, and --no-advisory makes the corpus from runs
// alone.
func TestCorpusWithoutAdvisory(t *testing.T) {
	empty := t.TempDir()
	_, err := Generate(t.Context(), filepath.Join(t.TempDir(), "c"), Options{Seed: 1, SeedDir: empty})
	if err == nil || !strings.Contains(err.Error(), "--seed-dir") || !strings.Contains(err.Error(), empty) {
		t.Errorf("err = %v, want one naming the folder and --seed-dir", err)
	}
	os.WriteFile(filepath.Join(empty, "other.txt"), []byte("954960 but no excerpts"), 0o644)
	if _, err := loadAdvisory(empty); err == nil {
		t.Error("an advisory without excerpts was accepted")
	}
}

// TestFuzzSeedsCoverEveryForm keeps the committed seed corpus of the
// reader's fuzz target in step with the forms: each form rendered from our
// own hand-written testdata (never from the advisory, which is not ours to
// copy). UPDATE_GOLDEN=1 rewrites the seeds.
func TestFuzzSeedsCoverEveryForm(t *testing.T) {
	read := func(path string, server bool) []entry {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, l := range strings.Split(string(b), "\n") {
			l = strings.Join(strings.Fields(l), " ")
			// The fault's own thread only: small seeds mutate better.
			if server || strings.Contains(l, " PT ") {
				lines = append(lines, l)
			}
		}
		es, err := parseExcerpt(strings.Join(lines, "\n"), server)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	client := read("../testdata/positive/kb954960_classic.log", false)
	server := read("../testdata/positive/kb954960_server.log", true)
	seeds := map[string]string{}
	for _, f := range forms {
		seeds["form-"+f.name+"-client"] = f.render(client, false)
		seeds["form-"+f.name+"-server"] = f.render(server, true)
	}
	compact := formNamed("compact")
	var gap []entry
	for _, e := range server {
		gap = append(gap, e)
		if strings.Contains(e.msg, "Hashtable.Add(") {
			gap = append(gap, entry{gap: true, msg: "<Zeilen entfernt>"})
		}
	}
	seeds["form-lines-removed-de-server"] = compact.render(gap, true)
	seeds["form-mixed-quotes-server"] = compact.render(edit(server, []string{"Key being added: '8862'", `Key being added: "8862"`}), true)
	seeds["form-cut-after-failure-line-client"] = formNamed("placeholders").render(cut(client, "SyncUpdates failure"), false)
	seeds["form-cut-after-exception-server"] = compact.render(cut(server, "Key being added"), true)
	seeds["form-fragment-pterror"] = "We see\n  * WARNING: PTError: 0x8024400e\nin WindowsUpdate.log.\n"
	seeds["form-cmtrace-wuahandler"] = `<![LOG[Scan failed with error = 0x8024400e.]LOG]!><time="19:00:05.617+000" date="04-11-2009" component="WUAHandler" context="" type="3" thread="3812" file="">` + "\r\n"
	for name, text := range seeds {
		for _, target := range []string{"FuzzParseLog", "FuzzFormInvariance"} {
			path := filepath.Join("..", "testdata", "fuzz", target, name)
			golden.Assert(t, path, []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", text)))
		}
	}
}
