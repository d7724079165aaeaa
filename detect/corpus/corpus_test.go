package corpus

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/detect"
	"github.com/wsusmock/wsusmock/internal/shared"
)

func TestBuildIsLabelledAndDeterministic(t *testing.T) {
	a, err := build(context.Background(), Options{Seed: 3, NoAdvisory: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := build(context.Background(), Options{Seed: 3, NoAdvisory: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("%d cases then %d", len(a), len(b))
	}
	pos, neg := 0, 0
	variants := map[string]bool{}
	for i, c := range a {
		if c.Name != b[i].Name || c.Label.Positive != b[i].Label.Positive || c.Label.Variant != b[i].Label.Variant {
			t.Errorf("case %d differs between runs: %s / %s", i, c.Name, b[i].Name)
		}
		for name, content := range c.Files {
			if strings.TrimSpace(content) == "" {
				t.Errorf("%s/%s is empty", c.Name, name)
			}
			if content != b[i].Files[name] {
				t.Errorf("%s/%s differs between two runs with one seed", c.Name, name)
			}
		}
		if c.Label.Positive != strings.HasPrefix(c.Name, "pos-") {
			t.Errorf("%s labelled positive=%t", c.Name, c.Label.Positive)
		}
		if c.Label.Positive {
			pos++
		} else {
			neg++
		}
		variants[c.Label.Variant] = true
	}
	if pos < 8 || neg < 20 {
		t.Errorf("%d positives and %d negatives: too few", pos, neg)
	}
	for _, v := range []string{"classic, client alone", "wua10, client alone", "server alone", "client and server", "classic, white space collapsed", "several cycles and days", "noise from other components", "excerpt cut short"} {
		if !variants[v] {
			t.Errorf("no case of variant %q", v)
		}
	}
	for _, l := range lookalikes {
		short := strings.TrimPrefix(l, "lookalike-")
		found := false
		for _, c := range a {
			found = found || strings.HasPrefix(c.Name, "neg-"+short)
		}
		if !found {
			t.Errorf("no negative case for %s", l)
		}
	}
}

func TestReferenceDetectorScoresPerfectly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "corpus")
	opts := Options{Seed: 1, NoAdvisory: true}
	if _, err := os.Stat(shared.Dir()); err == nil || os.Getenv("WSUSMOCK_SEED_DIR") != "" {
		opts = Options{Seed: 1, SeedDir: seedDir(t)}
	}
	cases, err := Generate(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := detect.Score(context.Background(), detect.ScoreConfig{Corpus: dir, Detector: detect.ReferenceDetector})
	if err != nil {
		t.Fatal(err)
	}
	// Every case labelled possible is answered possible, every other
	// case rightly: nothing is wrong.
	possible := 0
	for _, c := range cases {
		if c.Label.Verdict == detect.VerdictPossible {
			possible++
		}
	}
	if res.Precision == nil || *res.Precision != 1 || res.FN != 0 || res.Possible != possible || res.Errors != 0 || len(res.Wrong) != 0 {
		var b strings.Builder
		res.WriteText(&b)
		t.Errorf("reference detector: %s", b.String())
	}
	if _, err := Generate(context.Background(), dir, Options{}); err == nil {
		t.Error("Generate wrote into a non-empty directory")
	}
	if _, err := os.Stat(filepath.Join(dir, detect.LabelsFile)); err != nil {
		t.Error(err)
	}
}
