package profile

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/wsusmock/wsusmock/updatexml"
)

const fullProfile = `# A machine described from scratch.
name: lab-xp
os:
  major: 5
  minor: 1
  build: 2600
  spMajor: 2
  spMinor: 0
  productType: 1
  suiteMask: 256
  description: Windows XP Professional SP2
processorArchitecture: x86
locale: de-DE
osLocale: 1031
agentVersion: 7.0.6000.381
manufacturer: IBM
model: ThinkCentre M52
biosVersion: IBM - 1
biosName: 2BKT37AUS
biosReleaseDate: 2006-02-15
registry:
  'HKLM\SOFTWARE\Microsoft\Office\11.0\Common\InstallRoot':
    Path: {sz: 'C:\Program Files\Microsoft Office\OFFICE11\'}
  'HKEY_LOCAL_MACHINE\SOFTWARE\Test':
    Count: {dword: 3}
    Expand: {expandSz: '%ProgramFiles%\x'}
  'HKLM\SOFTWARE\EmptyKey':
files:
  'C:\Program Files\Microsoft Office\OFFICE11\WINWORD.EXE': 11.0.6502.0
  'C:\WINDOWS\system32\noversion.dat': ''
msiProducts:
  - '{90110409-6000-11D3-8CFE-0150048383C9}'
msiPatches: ['{11111111-2222-3333-4444-555555555555}']
installedUpdates:
  - 6a12a8a6-0d05-4d49-8e0f-1e1b2a6c2003
`

func TestParseFull(t *testing.T) {
	p, err := Parse([]byte(fullProfile), "lab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "lab-xp" || p.OS.SPMajor != 2 || p.Locale != "de-DE" || p.OSLocale != 1031 ||
		p.AgentVersion != "7.0.6000.381" || p.Model != "ThinkCentre M52" ||
		!p.BIOSReleaseDate.Equal(time.Date(2006, 2, 15, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("scalars not loaded: %+v", p)
	}
	if v, ok := p.RegistryValue("HKLM", `SOFTWARE\Test`, "Count"); !ok || v.Type != updatexml.RegDWORD || v.DWord != 3 {
		t.Errorf("Count = %+v, %v", v, ok)
	}
	if v, ok := p.RegistryValue("HKLM", `SOFTWARE\Test`, "Expand"); !ok || v.Type != updatexml.RegExpandSZ {
		t.Errorf("Expand = %+v, %v", v, ok)
	}
	if !p.RegistryKeyExists("HKEY_LOCAL_MACHINE", `SOFTWARE\EmptyKey`) {
		t.Error("empty key should exist")
	}
	if v, ok := p.FileVersion(`C:\WINDOWS\system32\noversion.dat`); !ok || v != "" {
		t.Errorf("noversion.dat = %q, %v", v, ok)
	}
	ok, err := updatexml.Evaluate(office2003Detectoid, p)
	if err != nil || !ok {
		t.Errorf("office detectoid = %v, %v", ok, err)
	}
	if !p.HasUpdate("6A12A8A6-0D05-4D49-8E0F-1E1B2A6C2003") || !p.MSIPatchInstalled("{11111111-2222-3333-4444-555555555555}") {
		t.Error("lists not loaded")
	}
}

func TestParseBase(t *testing.T) {
	// Office added to plain XP by a file reproduces the built-in's verdicts.
	src := `base: xp-sp3
name: xp-sp3-plus-office
os:
  description: Windows XP Professional SP3 (lab)
registry:
  'HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Office\11.0\Common\InstallRoot':
    Path: {sz: 'C:\Program Files\Microsoft Office\OFFICE11\'}
  'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion':
    RegisteredOwner: {sz: Lab}
files:
  'C:\Program Files\Microsoft Office\OFFICE11\WINWORD.EXE': 11.0.8173.0
msiProducts: ['{90110409-6000-11D3-8CFE-0150048383C9}']
`
	p, err := Parse([]byte(src), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "xp-sp3-plus-office" || p.OS.Major != 5 || p.OS.SPMajor != 3 || p.AgentVersion != agentVersionXPSP3 ||
		p.OS.Description != "Windows XP Professional SP3 (lab)" {
		t.Fatalf("base not applied: %+v", p)
	}
	if ok, _ := updatexml.Evaluate(office2003Detectoid, p); !ok {
		t.Error("office detectoid should hold")
	}
	if ok, _ := updatexml.Evaluate(windowsXPDetectoid, p); !ok {
		t.Error("xp detectoid should hold")
	}
	// Values added to a base key merge with the base's values, even with
	// the key spelled differently.
	if v, _ := p.RegistryValue("HKLM", `SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "CSDVersion"); v.String != "Service Pack 3" {
		t.Error("base registry value lost")
	}
	if v, _ := p.RegistryValue("HKLM", `SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "RegisteredOwner"); v.String != "Lab" {
		t.Error("added registry value missing")
	}
	if !p.FileExists(`C:\WINDOWS\system32\ntoskrnl.exe`) {
		t.Error("base file lost")
	}
	// Lists add to the base's and do not duplicate.
	src2 := "base: xp-sp3-office2003\nmsiProducts: ['{90110409-6000-11D3-8CFE-0150048383C9}', '{90120000-0011-0000-0000-0000000FF1CE}']\n"
	p2, err := Parse([]byte(src2), "office2007.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.MSIProducts) != 2 || p2.Name != "office2007" {
		t.Errorf("MSIProducts = %v, name %q", p2.MSIProducts, p2.Name)
	}
	// A base's zero can be set explicitly and a non-zero can be zeroed.
	p3, err := Parse([]byte("base: xp-sp3\nos: {spMajor: 0, productType: 3}\n"), "y.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p3.OS.SPMajor != 0 || p3.OS.ProductType != 3 || p3.OS.Build != 2600 {
		t.Errorf("os overlay: %+v", p3.OS)
	}
}

func TestLoad(t *testing.T) {
	path := writeFile(t, "lab.yaml", fullProfile)
	p, err := Load(path)
	if err != nil || p.Name != "lab-xp" {
		t.Fatalf("Load = %+v, %v", p, err)
	}
	if _, err := Load(path + ".missing"); err == nil || !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "profile: ") {
		t.Fatalf("Load(missing) error = %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		// every string must appear in the error message
		want []string
	}{
		{
			name: "unknown field",
			src:  "base: xp-sp3\nos:\n  major: 5\n  colour: blue\n",
			want: []string{"bad.yaml:4:", `field "os.colour"`, "unknown field"},
		},
		{
			name: "unknown top-level field",
			src:  "base: xp-sp3\nnmae: typo\n",
			want: []string{"bad.yaml:2:", `field "nmae"`, "unknown field"},
		},
		{
			name: "wrong type",
			src:  "base: xp-sp3\nos:\n  major: five\n",
			want: []string{"bad.yaml:3:", `field "os.major"`, "want an integer"},
		},
		{
			name: "wrong type list",
			src:  "base: xp-sp3\nmsiProducts: '{90110409-6000-11D3-8CFE-0150048383C9}'\n",
			want: []string{"bad.yaml:2:", `field "msiProducts"`},
		},
		{
			name: "wrong type nested",
			src:  "base: xp-sp3\nregistry:\n  'HKLM\\SOFTWARE\\X':\n    Count: {dword: lots}\n",
			want: []string{"bad.yaml:4:", `field "registry.HKLM\SOFTWARE\X.Count.dword"`},
		},
		{
			name: "syntax",
			src:  "base: xp-sp3\nos: [unclosed\n",
			want: []string{"bad.yaml:2:"},
		},
		{
			name: "dword overflow",
			src:  "base: xp-sp3\nregistry:\n  'HKLM\\SOFTWARE\\X':\n    Count: {dword: -1}\n",
			want: []string{"bad.yaml:4:", "dword", "out of range"},
		},
		{
			name: "unknown base",
			src:  "base: xp-sp2\n",
			want: []string{"bad.yaml:1:", `field "base"`, "xp-sp3-office2003"},
		},
		{
			name: "bad architecture",
			src:  "base: xp-sp3\nprocessorArchitecture: arm64\n",
			want: []string{"bad.yaml:2:", `field "processorArchitecture"`, "arm64"},
		},
		{
			name: "bad registry hive",
			src:  "base: xp-sp3\nregistry:\n  'SOFTWARE\\X': {}\n",
			want: []string{"bad.yaml:3:", `field "registry.SOFTWARE\X"`, "hive"},
		},
		{
			name: "registry value two types",
			src:  "base: xp-sp3\nregistry:\n  'HKLM\\SOFTWARE\\X':\n    V: {dword: 1, sz: one}\n",
			want: []string{"bad.yaml:4:", "V", "exactly one"},
		},
		{
			name: "bad file version",
			src:  "base: xp-sp3\nfiles:\n  'C:\\a.exe': eleven\n",
			want: []string{"bad.yaml:3:", "files", "eleven"},
		},
		{
			name: "bad msi code",
			src:  "base: xp-sp3\nmsiProducts:\n  - Office2003\n",
			want: []string{"bad.yaml:3:", `field "msiProducts.0"`, "Office2003"},
		},
		{
			name: "bad bios date",
			src:  "base: xp-sp3\nbiosReleaseDate: April 2008\n",
			want: []string{"bad.yaml:2:", "biosReleaseDate"},
		},
		{
			name: "no os without base",
			src:  "name: empty\nagentVersion: 7.2.6001.788\n",
			want: []string{"bad.yaml", "os.major"},
		},
		{
			name: "bad product type",
			src:  "base: xp-sp3\nos: {productType: 7}\n",
			want: []string{"bad.yaml", "productType"},
		},
		{
			name: "bad agent version",
			src:  "base: xp-sp3\nagentVersion: '7.2'\n",
			want: []string{"bad.yaml", "agentVersion"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.src), "bad.yaml")
			if err == nil {
				t.Fatalf("Parse = %+v, want error", p)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "profile: ") {
				t.Errorf("error %q lacks the package prefix", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q should contain %q", msg, w)
				}
			}
		})
	}
}

// The caret-annotated source excerpt of goccy is kept, and the original
// error stays reachable.
func TestDecodeErrorKeepsSource(t *testing.T) {
	_, err := Parse([]byte("base: xp-sp3\nos:\n  major: five\n"), "bad.yaml")
	if err == nil || !strings.Contains(err.Error(), "^") || !strings.Contains(err.Error(), "major: five") {
		t.Fatalf("error should show the source line with a caret: %v", err)
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		t.Fatalf("error should wrap *yaml.TypeError: %T", errors.Unwrap(err))
	}
}
