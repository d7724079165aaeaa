package updatexml

import (
	"errors"
	"strings"
	"testing"
)

// fakeMachine is a minimal Machine for the evaluator's own tests; the real
// one is client-sim/profile, tested there against the built-in profiles.
type fakeMachine struct {
	keys     []string // upper-case full paths
	values   map[string]RegValue
	files    map[string]string // upper-case path -> version
	products []string
	patches  []string
	os       OSVersion
	arch     Architecture
}

func newFakeMachine() *fakeMachine {
	return &fakeMachine{
		keys: []string{`HKEY_LOCAL_MACHINE\SOFTWARE\MICROSOFT\OFFICE\11.0\COMMON\INSTALLROOT`},
		values: map[string]RegValue{
			`HKEY_LOCAL_MACHINE\SOFTWARE\MICROSOFT\OFFICE\11.0\COMMON\INSTALLROOT\PATH`: {Type: RegSZ, String: `C:\Program Files\Microsoft Office\OFFICE11\`},
			`HKEY_LOCAL_MACHINE\SOFTWARE\TEST\DWORD`:                                    {Type: RegDWORD, DWord: 7},
			`HKEY_LOCAL_MACHINE\SOFTWARE\TEST\SZ`:                                       {Type: RegSZ, String: "Service Pack 3"},
		},
		files: map[string]string{
			`C:\PROGRAM FILES\MICROSOFT OFFICE\OFFICE11\WINWORD.EXE`: "11.0.8173.0",
			`C:\WINDOWS\SYSTEM32\NTOSKRNL.EXE`:                       "5.1.2600.5512",
			`C:\WINDOWS\SYSTEM32\NOVERSION.DAT`:                      "",
		},
		products: []string{"{90110409-6000-11D3-8CFE-0150048383C9}"},
		patches:  []string{"{11111111-2222-3333-4444-555555555555}"},
		os:       OSVersion{Major: 5, Minor: 1, Build: 2600, SPMajor: 3, ProductType: 1, SuiteMask: 0x100},
		arch:     ArchX86,
	}
}

func (m *fakeMachine) RegistryKeyExists(key, subkey string) bool {
	want := strings.ToUpper(key + `\` + subkey)
	for _, k := range m.keys {
		if k == want || strings.HasPrefix(k, want+`\`) {
			return true
		}
	}
	for k := range m.values {
		if strings.HasPrefix(k, want+`\`) {
			return true
		}
	}
	return false
}

func (m *fakeMachine) RegistryValue(key, subkey, name string) (RegValue, bool) {
	v, ok := m.values[strings.ToUpper(key+`\`+subkey+`\`+name)]
	return v, ok
}

func (m *fakeMachine) FileVersion(path string) (string, bool) {
	v, ok := m.files[strings.ToUpper(path)]
	return v, ok
}

func (m *fakeMachine) FileExists(path string) bool { _, ok := m.FileVersion(path); return ok }

func (m *fakeMachine) MSIProductInstalled(code string) bool {
	for _, p := range m.products {
		if strings.EqualFold(p, code) {
			return true
		}
	}
	return false
}

func (m *fakeMachine) MSIPatchInstalled(code string) bool {
	for _, p := range m.patches {
		if strings.EqualFold(p, code) {
			return true
		}
	}
	return false
}

func (m *fakeMachine) OSVersion() OSVersion       { return m.os }
func (m *fakeMachine) Architecture() Architecture { return m.arch }

const (
	hklm       = "HKEY_LOCAL_MACHINE"
	office     = `SOFTWARE\Microsoft\Office\11.0\Common\InstallRoot`
	officeCode = "{90110409-6000-11D3-8CFE-0150048383C9}"
)

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name    string
		rule    *Rule
		want    bool
		wantErr error  // nil: no error
		errHas  string // substring the error must contain
	}{
		// oks
		{name: "true", rule: True(), want: true},
		{name: "false", rule: False(), want: false},
		{name: "not false", rule: Not(False()), want: true},
		{name: "empty and", rule: And(), want: true},
		{name: "empty or", rule: Or(), want: false},
		{name: "and mixed", rule: And(True(), False()), want: false},
		{name: "or mixed", rule: Or(False(), True()), want: true},
		{name: "office detectoid", rule: Or(MsiProductInstalled(officeCode), RegKeyExists(hklm, office)), want: true},
		{name: "msi code case", rule: MsiProductInstalled(strings.ToLower(officeCode)), want: true},
		{name: "msi product absent", rule: MsiProductInstalled("{00000000-0000-0000-0000-000000000000}"), want: false},
		{name: "msi patch", rule: MsiPatchInstalled("{11111111-2222-3333-4444-555555555555}"), want: true},
		{name: "reg key parent exists", rule: RegKeyExists(hklm, `SOFTWARE\Microsoft\Office`), want: true},
		{name: "reg key absent", rule: RegKeyExists(hklm, `SOFTWARE\Microsoft\Office\12.0`), want: false},
		{name: "reg value exists any type", rule: RegValueExists(hklm, `SOFTWARE\Test`, "DWord", ""), want: true},
		{name: "reg value exists type match", rule: RegValueExists(hklm, `SOFTWARE\Test`, "DWord", "REG_DWORD"), want: true},
		{name: "reg value exists type mismatch", rule: RegValueExists(hklm, `SOFTWARE\Test`, "DWord", "REG_SZ"), want: false},
		{name: "dword equal", rule: RegDword(hklm, `SOFTWARE\Test`, "DWord", EqualTo, 7), want: true},
		{name: "dword less", rule: RegDword(hklm, `SOFTWARE\Test`, "DWord", LessThan, 7), want: false},
		{name: "dword ge", rule: RegDword(hklm, `SOFTWARE\Test`, "DWord", GreaterThanOrEqualTo, 1), want: true},
		{name: "dword absent", rule: RegDword(hklm, `SOFTWARE\Test`, "Nope", EqualTo, 0), want: false},
		{name: "dword on sz value", rule: RegDword(hklm, `SOFTWARE\Test`, "SZ", EqualTo, 0), want: false},
		{name: "sz equal ignores case", rule: RegSz(hklm, `SOFTWARE\Test`, "SZ", EqualTo, "service pack 3"), want: true},
		{name: "sz contains", rule: RegSz(hklm, `SOFTWARE\Test`, "SZ", Contains, "Pack"), want: true},
		{name: "sz begins", rule: RegSz(hklm, `SOFTWARE\Test`, "SZ", BeginsWith, "Pack"), want: false},
		{name: "sz ends", rule: RegSz(hklm, `SOFTWARE\Test`, "SZ", EndsWith, "3"), want: true},
		{name: "file version numeric not lexical", rule: FileVersion(`C:\WINDOWS\system32\ntoskrnl.exe`, GreaterThan, "5.1.2600.999"), want: true},
		{name: "file version csidl", rule: FileVersion("ntoskrnl.exe", EqualTo, "5.1.2600.5512", Csidl(CSIDLSystem)), want: true},
		{name: "file version short rule version", rule: FileVersion("ntoskrnl.exe", GreaterThanOrEqualTo, "5.1", Csidl(CSIDLSystem)), want: true},
		{name: "file version lt", rule: FileVersion(`C:\Program Files\Microsoft Office\OFFICE11\WINWORD.EXE`, LessThan, "11.0.6502.0"), want: false},
		{name: "file version absent file", rule: FileVersion(`C:\nope.exe`, GreaterThan, "0.0.0.0"), want: false},
		{name: "file version no resource", rule: FileVersion(`C:\WINDOWS\system32\noversion.dat`, GreaterThan, "0.0.0.0"), want: false},
		{name: "file exists", rule: FileExists(`Microsoft Office\OFFICE11\WINWORD.EXE`, Csidl(CSIDLProgramFiles)), want: true},
		{name: "file exists absent", rule: FileExists(`C:\nope.exe`), want: false},
		{name: "file version prepend regsz", rule: Leaf(NameFileVersionPrependRegSz, Attr{"Path", "WINWORD.EXE"},
			Attr{"Comparison", "EqualTo"}, Attr{"Version", "11.0.8173.0"}, Attr{"Key", hklm}, Attr{"Subkey", office}, Attr{"Value", "Path"}), want: true},
		{name: "file exists prepend missing value", rule: Leaf(NameFileExistsPrependRegSz, Attr{"Path", "WINWORD.EXE"},
			Attr{"Key", hklm}, Attr{"Subkey", office}, Attr{"Value", "Nope"}), want: false},
		{name: "xp", rule: WindowsVersion(EqualTo, 5, 1, ProductType(1)), want: true},
		{name: "xp server product type", rule: WindowsVersion(EqualTo, 5, 1, ProductType(3)), want: false},
		{name: "xp sp2 or later", rule: WindowsVersion(GreaterThanOrEqualTo, 5, 1, ServicePackMajor(2)), want: true},
		{name: "xp sp3 exactly", rule: WindowsVersion(EqualTo, 5, 1, BuildNumber(2600), ServicePackMajor(3), ServicePackMinor(0)), want: true},
		{name: "less than vista", rule: WindowsVersion(LessThan, 6, 0), want: true},
		{name: "greater than xp", rule: WindowsVersion(GreaterThan, 5, 1), want: false},
		{name: "le xp", rule: WindowsVersion(LessThanOrEqualTo, 5, 1), want: true},
		{name: "product type only", rule: Leaf(NameWindowsVersion, Attr{"Comparison", "EqualTo"}, Attr{"ProductType", "1"}), want: true},
		{name: "suite mask any", rule: WindowsVersion(EqualTo, 5, 1, SuiteMask(0x110)), want: true},
		{name: "suite mask all", rule: WindowsVersion(EqualTo, 5, 1, SuiteMask(0x110), Attr{"AllSuitesMustBePresent", "true"}), want: false},
		{name: "processor x86", rule: Processor(ArchX86), want: true},
		{name: "processor amd64", rule: Processor(ArchAMD64), want: false},

		// fails
		{name: "unknown element", rule: Leaf("b.LicenseDword", Attr{"Value", "x"}), wantErr: ErrUnknownRule, errHas: "b.LicenseDword"},
		{name: "unknown behind short circuit", rule: Or(True(), Leaf("b.WmiQuery")), wantErr: ErrUnknownRule, errHas: "b.WmiQuery"},
		{name: "unknown nested in not", rule: Not(And(Leaf("m.MsiComponentInstalled"))), wantErr: ErrUnknownRule, errHas: "m.MsiComponentInstalled"},
		{name: "unknown attribute", rule: Leaf(NameMsiProductInstalled, Attr{"ProductCode", officeCode}, Attr{"VersionMax", "12.0"}),
			wantErr: ErrUnknownRule, errHas: "VersionMax"},
		{name: "missing attribute", rule: Leaf(NameRegDword, Attr{"Key", hklm}, Attr{"Value", "x"}, Attr{"Comparison", "EqualTo"}),
			wantErr: ErrInvalidRule, errHas: "Data"},
		{name: "repeated attribute", rule: Leaf(NameRegKeyExists, Attr{"Key", hklm}, Attr{"Key", hklm}), wantErr: ErrInvalidRule, errHas: "repeats"},
		{name: "not with two operands", rule: &Rule{Name: NameNot, Children: []*Rule{True(), True()}}, wantErr: ErrInvalidRule, errHas: "Not"},
		{name: "true with operand", rule: &Rule{Name: NameTrue, Children: []*Rule{True()}}, wantErr: ErrInvalidRule},
		{name: "leaf with operand", rule: &Rule{Name: NameRegKeyExists, Attrs: []Attr{{"Key", hklm}}, Children: []*Rule{True()}}, wantErr: ErrInvalidRule},
		{name: "and with attribute", rule: &Rule{Name: NameAnd, Attrs: []Attr{{"x", "y"}}}, wantErr: ErrInvalidRule},
		{name: "nil rule", rule: nil, wantErr: ErrInvalidRule},
		{name: "dword data not a number", rule: Leaf(NameRegDword, Attr{"Key", hklm}, Attr{"Subkey", "S"}, Attr{"Value", "x"},
			Attr{"Comparison", "EqualTo"}, Attr{"Data", "seven"}), wantErr: ErrInvalidRule, errHas: "seven"},
		{name: "dword comparison contains", rule: RegDword(hklm, `SOFTWARE\Test`, "DWord", Contains, 7), wantErr: ErrInvalidRule, errHas: "Contains"},
		{name: "sz comparison less", rule: RegSz(hklm, `SOFTWARE\Test`, "SZ", LessThan, "x"), wantErr: ErrInvalidRule, errHas: "LessThan"},
		{name: "bad rule version", rule: FileVersion(`C:\x`, EqualTo, "11.0.x"), wantErr: ErrInvalidRule, errHas: "11.0.x"},
		{name: "unknown csidl", rule: FileExists("x", Csidl(99)), wantErr: ErrInvalidRule, errHas: "Csidl 99"},
		{name: "windows version not a number", rule: Leaf(NameWindowsVersion, Attr{"MajorVersion", "five"}), wantErr: ErrInvalidRule, errHas: "five"},
		{name: "windows version bad comparison", rule: WindowsVersion("Sometimes", 5, 1), wantErr: ErrInvalidRule, errHas: "Sometimes"},
	}
	m := newFakeMachine()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Evaluate(tt.rule, m)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Evaluate(%v) error = %v, want %v", tt.rule, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.errHas) || !strings.HasPrefix(err.Error(), "updatexml: ") {
					t.Fatalf("error %q should start with \"updatexml: \" and contain %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("Evaluate(%v): %v", tt.rule, err)
			}
			if got != tt.want {
				t.Fatalf("Evaluate(%v) = %v, want %v", tt.rule, got, tt.want)
			}
		})
	}
}

func TestEvaluateNilMachine(t *testing.T) {
	if _, err := Evaluate(True(), nil); err == nil {
		t.Fatal("want error for nil machine")
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b    string
		want    int
		wantErr bool
	}{
		{a: "5.1.2600.5512", b: "5.1.2600.5512", want: 0},
		{a: "5.1.2600.5512", b: "5.1.2600.10000", want: -1}, // numeric, not lexical
		{a: "11.0.8173.0", b: "11.0.6502.0", want: 1},
		{a: "11.0", b: "11.0.0.0", want: 0},
		{a: "6", b: "5.2.3790.3959", want: 1},
		{a: "5.1", b: "5.1.0.1", want: -1},
		{a: "", b: "1", wantErr: true},
		{a: "1.2.3.4.5", b: "1", wantErr: true},
		{a: "1.x", b: "1", wantErr: true},
		{a: "1..2", b: "1", wantErr: true},
		{a: "1", b: "70000", wantErr: true}, // components are 16-bit
		{a: "-1", b: "1", wantErr: true},
	}
	for _, tt := range tests {
		got, err := CompareVersions(tt.a, tt.b)
		if (err != nil) != tt.wantErr {
			t.Errorf("CompareVersions(%q, %q) error = %v, wantErr %v", tt.a, tt.b, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestParseArchitecture(t *testing.T) {
	for _, a := range []Architecture{ArchX86, ArchIA64, ArchAMD64} {
		got, err := ParseArchitecture(a.String())
		if err != nil || got != a {
			t.Errorf("ParseArchitecture(%q) = %v, %v", a.String(), got, err)
		}
	}
	if _, err := ParseArchitecture("arm64"); err == nil {
		t.Error("arm64: want error")
	}
}

func TestValidateKnownRules(t *testing.T) {
	for _, name := range KnownRules() {
		if _, ok := leafSpecs[name]; !ok && !strings.Contains("And Or Not True False", name) {
			t.Errorf("KnownRules lists %s but the evaluator has no spec", name)
		}
	}
	if len(KnownRules()) != len(leafSpecs)+5 {
		t.Errorf("KnownRules has %d names, evaluator knows %d", len(KnownRules()), len(leafSpecs)+5)
	}
}
