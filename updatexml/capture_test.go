package updatexml

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/internal/shared"
)

type captured struct {
	file   string // e.g. 000003/response.body
	parent string // UpdateInfo (Core) or Update (Extended, LocalizedProperties)
	xml    string // unescaped fragment
}

// captureFragments returns every <Xml> fragment of every captured response.
func captureFragments(t *testing.T) []captured {
	t.Helper()
	// Real WSUS exchanges (Windows Server 2025 WSUS and a Windows 11
	// agent), outside the module; skipped where absent.
	captureDir := shared.FlowDir(t)
	bodies, _ := filepath.Glob(filepath.Join(captureDir, "*", "response.body"))
	if len(bodies) == 0 {
		t.Fatalf("no response bodies in %s", captureDir)
	}
	var out []captured
	for _, path := range bodies {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(f)
		var stack []string
		var text strings.Builder
		for {
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			switch tk := tok.(type) {
			case xml.StartElement:
				stack = append(stack, tk.Name.Local)
				text.Reset()
			case xml.CharData:
				text.Write(tk)
			case xml.EndElement:
				if tk.Name.Local == "Xml" && len(stack) >= 2 {
					rel, _ := filepath.Rel(captureDir, path)
					out = append(out, captured{file: rel, parent: stack[len(stack)-2], xml: text.String()})
				}
				stack = stack[:len(stack)-1]
			}
		}
		f.Close()
	}
	return out
}

func TestParseCaptures(t *testing.T) {
	frags := captureFragments(t)
	var cores, exts, locs, exact int
	for i, c := range frags {
		switch {
		case c.parent == "UpdateInfo":
			cores++
			core, err := ParseCore(c.xml)
			if err != nil {
				t.Errorf("%s fragment %d: ParseCore: %v", c.file, i, err)
				continue
			}
			// Rendering may normalise (bundled AtLeastOne groups are
			// flattened) but must be a fixed point after one round.
			once := core.Render()
			again, err := ParseCore(once)
			if err != nil {
				t.Errorf("%s fragment %d: re-parse: %v", c.file, i, err)
				continue
			}
			if twice := again.Render(); twice != once {
				t.Errorf("%s fragment %d: render not stable:\n%s\n%s", c.file, i, once, twice)
			}
			if once == c.xml {
				exact++
			} else if len(core.BundledUpdates) == 0 {
				t.Errorf("%s fragment %d: render differs from capture:\n got %s\nwant %s", c.file, i, once, c.xml)
			}
		case strings.HasPrefix(c.xml, "<ExtendedProperties"):
			exts++
			e, err := ParseExtended(c.xml)
			if err != nil {
				t.Errorf("%s fragment %d: ParseExtended: %v", c.file, i, err)
				continue
			}
			if got := e.Render(); got != c.xml {
				t.Errorf("%s fragment %d: render differs from capture:\n got %s\nwant %s", c.file, i, got, c.xml)
			}
		case strings.HasPrefix(c.xml, "<LocalizedProperties"):
			locs++
			l, err := ParseLocalizedProperties(c.xml)
			if err != nil {
				t.Errorf("%s fragment %d: ParseLocalizedProperties: %v", c.file, i, err)
				continue
			}
			if got := l.Render(); got != c.xml {
				t.Errorf("%s fragment %d: render differs from capture:\n got %s\nwant %s", c.file, i, got, c.xml)
			}
		default:
			t.Errorf("%s fragment %d: unrecognised fragment %.60q", c.file, i, c.xml)
		}
	}
	if cores == 0 || exts == 0 || locs == 0 {
		t.Fatalf("captures had %d core, %d extended, %d localized fragments; want some of each", cores, exts, locs)
	}
	t.Logf("parsed %d core (%d byte-identical after render), %d extended, %d localized fragments", cores, exact, exts, locs)
}

// The real Defender detectoids use rules the evaluator does not implement
// (b.LicenseDword, ...) or does (b.FileExistsPrependRegSz): evaluation must
// either succeed or name the unknown element, never panic or guess.
func TestEvaluateCaptures(t *testing.T) {
	m := newFakeMachine()
	var ok, unknown int
	for _, c := range captureFragments(t) {
		if c.parent != "UpdateInfo" {
			continue
		}
		core, err := ParseCore(c.xml)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []*Rule{core.IsInstalled, core.IsInstallable, core.IsSuperseded} {
			if r == nil {
				continue
			}
			_, err := Evaluate(r, m)
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrUnknownRule):
				unknown++
			default:
				t.Errorf("%s: %v", c.file, err)
			}
		}
	}
	t.Logf("%d captured rules evaluated, %d refused as unknown", ok, unknown)
}
