package profile

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/updatexml"
)

// The detectoids of the KB954960 catalog, as the server sends them.
var (
	office2003Detectoid = updatexml.Or(
		updatexml.MsiProductInstalled(Office2003ProductCode),
		updatexml.RegKeyExists("HKEY_LOCAL_MACHINE", office2003InstallRootKey),
	)
	windowsXPDetectoid = updatexml.WindowsVersion(updatexml.EqualTo, 5, 1, updatexml.ProductType(1))
)

func mustBuiltin(t *testing.T, name string) *Profile {
	t.Helper()
	p, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDetectoids(t *testing.T) {
	tests := []struct {
		profile string
		rule    *updatexml.Rule
		ruleN   string
		want    bool
	}{
		{"xp-sp3-office2003", office2003Detectoid, "office 2003", true},
		{"xp-sp3", office2003Detectoid, "office 2003", false},
		{"server2003-sp2", office2003Detectoid, "office 2003", false},
		{"vista-sp1", office2003Detectoid, "office 2003", false},
		{"server2008", office2003Detectoid, "office 2003", false},
		{"xp-sp3-office2003", windowsXPDetectoid, "windows xp", true},
		{"xp-sp3", windowsXPDetectoid, "windows xp", true},
		{"server2003-sp2", windowsXPDetectoid, "windows xp", false},
		{"vista-sp1", windowsXPDetectoid, "windows xp", false},
		{"server2008", windowsXPDetectoid, "windows xp", false},
	}
	for _, tt := range tests {
		t.Run(tt.profile+"/"+tt.ruleN, func(t *testing.T) {
			got, err := updatexml.Evaluate(tt.rule, mustBuiltin(t, tt.profile))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("%s on %s = %v, want %v", tt.rule, tt.profile, got, tt.want)
			}
		})
	}
}

// Each half of the Office detectoid must hold on its own, so that the
// profile does not pass only because of one of them.
func TestOfficeDetectoidHalves(t *testing.T) {
	p := mustBuiltin(t, "xp-sp3-office2003")
	for _, r := range office2003Detectoid.Children {
		if ok, err := updatexml.Evaluate(r, p); err != nil || !ok {
			t.Errorf("%s = %v, %v; want true", r, ok, err)
		}
	}
	// The real rule strings go through the wire: parse what the server
	// would render and evaluate that.
	parsed, err := updatexml.ParseRule(office2003Detectoid.String())
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := updatexml.Evaluate(parsed, p); !ok {
		t.Error("parsed office detectoid should hold on xp-sp3-office2003")
	}
}

func TestMachineLookups(t *testing.T) {
	p := mustBuiltin(t, "xp-sp3-office2003")
	tests := []struct {
		name string
		rule *updatexml.Rule
		want bool
	}{
		{"hklm abbreviation", updatexml.RegKeyExists("HKLM", office2003InstallRootKey), true},
		{"key case", updatexml.RegKeyExists("hkey_local_machine", strings.ToLower(office2003InstallRootKey)), true},
		{"parent key", updatexml.RegKeyExists("HKEY_LOCAL_MACHINE", `SOFTWARE\Microsoft\Office`), true},
		{"bare hive", updatexml.RegKeyExists("HKEY_LOCAL_MACHINE", ""), true},
		{"sibling prefix is not parent", updatexml.RegKeyExists("HKEY_LOCAL_MACHINE", `SOFTWARE\Microsoft\Off`), false},
		{"other hive", updatexml.RegKeyExists("HKEY_CURRENT_USER", office2003InstallRootKey), false},
		{"path value", updatexml.RegSz("HKEY_LOCAL_MACHINE", office2003InstallRootKey, "path", updatexml.EndsWith, `OFFICE11\`), true},
		{"service start", updatexml.RegDword("HKEY_LOCAL_MACHINE", `SYSTEM\CurrentControlSet\Services\wuauserv`, "Start", updatexml.EqualTo, 2), true},
		{"csd version", updatexml.RegSz("HKEY_LOCAL_MACHINE", `SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "CSDVersion", updatexml.EqualTo, "Service Pack 3"), true},
		{"winword version", updatexml.FileVersion(`Microsoft Office\OFFICE11\WINWORD.EXE`, updatexml.EqualTo, "11.0.8173.0",
			updatexml.Csidl(updatexml.CSIDLProgramFiles)), true},
		{"word via install root", updatexml.Leaf(updatexml.NameFileVersionPrependRegSz, updatexml.Attr{Name: "Path", Value: "winword.exe"},
			updatexml.Attr{Name: "Comparison", Value: "GreaterThan"}, updatexml.Attr{Name: "Version", Value: "11.0.5604.0"},
			updatexml.Attr{Name: "Key", Value: "HKEY_LOCAL_MACHINE"}, updatexml.Attr{Name: "Subkey", Value: office2003InstallRootKey},
			updatexml.Attr{Name: "Value", Value: "Path"}), true},
		{"outlook exists", updatexml.FileExists(`C:\Program Files\Microsoft Office\OFFICE11\OUTLOOK.EXE`), true},
		{"kernel sp3", updatexml.FileVersion("ntoskrnl.exe", updatexml.GreaterThanOrEqualTo, "5.1.2600.5512", updatexml.Csidl(updatexml.CSIDLSystem)), true},
		{"msi without braces", updatexml.MsiProductInstalled("90110409-6000-11d3-8cfe-0150048383c9"), true},
		{"no patches", updatexml.MsiPatchInstalled("{00000000-0000-0000-0000-000000000000}"), false},
		{"x86", updatexml.Processor(updatexml.ArchX86), true},
		{"xp sp2 or later", updatexml.WindowsVersion(updatexml.GreaterThanOrEqualTo, 5, 1, updatexml.ServicePackMajor(2)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := updatexml.Evaluate(tt.rule, p)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("%s = %v, want %v", tt.rule, got, tt.want)
			}
		})
	}
}

func TestBuiltins(t *testing.T) {
	want := []string{"server2003-sp2", "server2008", "vista-sp1", "win10", "win11", "xp-sp3", "xp-sp3-office2003"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	versions := map[string]updatexml.OSVersion{
		"xp-sp3":            {Major: 5, Minor: 1, Build: 2600, SPMajor: 3, ProductType: 1},
		"xp-sp3-office2003": {Major: 5, Minor: 1, Build: 2600, SPMajor: 3, ProductType: 1},
		"server2003-sp2":    {Major: 5, Minor: 2, Build: 3790, SPMajor: 2, ProductType: 3},
		"vista-sp1":         {Major: 6, Minor: 0, Build: 6001, SPMajor: 1, ProductType: 1},
		"server2008":        {Major: 6, Minor: 0, Build: 6001, SPMajor: 1, ProductType: 3},
		"win10":             {Major: 10, Minor: 0, Build: 19045, ProductType: 1},
		"win11":             {Major: 10, Minor: 0, Build: 26100, ProductType: 1},
	}
	for _, name := range Names() {
		p := mustBuiltin(t, name)
		if p.Name != name {
			t.Errorf("%s: Name = %q", name, p.Name)
		}
		v := p.OSVersion()
		v.SuiteMask = 0
		if v != versions[name] {
			t.Errorf("%s: OSVersion = %+v, want %+v", name, v, versions[name])
		}
		if err := p.validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if p.OS.Description == "" || p.Locale != "en-US" || p.OSLocale != 1033 || p.Manufacturer == "" || p.BIOSReleaseDate.IsZero() {
			t.Errorf("%s: incomplete ComputerInfo data: %+v", name, p)
		}
	}
	if p := mustBuiltin(t, "xp-sp3"); p.AgentVersion != "7.2.6001.788" {
		t.Errorf("xp-sp3 agent = %s", p.AgentVersion)
	}
	if _, err := Builtin("xp-sp2"); err == nil || !strings.Contains(err.Error(), "xp-sp3-office2003") ||
		!strings.HasPrefix(err.Error(), "profile: ") {
		t.Errorf("unknown built-in: error %v should list the known names", err)
	}
}

// Builtin hands out copies: changing one must not leak into the next.
func TestBuiltinIsACopy(t *testing.T) {
	p := mustBuiltin(t, "xp-sp3")
	p.MSIProducts = append(p.MSIProducts, Office2003ProductCode)
	p.Registry[`HKEY_LOCAL_MACHINE\`+office2003InstallRootKey] = nil
	p.Files[`C:\x`] = "1.0"
	q := mustBuiltin(t, "xp-sp3")
	if len(q.MSIProducts) != 0 || q.FileExists(`C:\x`) || q.RegistryKeyExists("HKLM", office2003InstallRootKey) {
		t.Fatal("modifying a built-in changed the next copy")
	}
	c := q.Clone()
	c.Registry[`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion`]["CSDVersion"] = updatexml.RegValue{Type: updatexml.RegSZ}
	if v, _ := q.RegistryValue("HKLM", `SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "CSDVersion"); v.String != "Service Pack 3" {
		t.Fatal("Clone shares registry values")
	}
}

func TestHasUpdate(t *testing.T) {
	p := &Profile{InstalledUpdates: []string{"6A12A8A6-0D05-4D49-8E0F-1E1B2A6C2003"}}
	if !p.HasUpdate("6a12a8a6-0d05-4d49-8e0f-1e1b2a6c2003") || p.HasUpdate("6a12a8a6-0000-4d49-8e0f-1e1b2a6c2003") {
		t.Fatal("HasUpdate should match GUIDs case-insensitively")
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestResolve(t *testing.T) {
	p, err := Resolve("server2008")
	if err != nil || p.Name != "server2008" || p.Architecture() != updatexml.ArchAMD64 {
		t.Fatalf("Resolve(server2008) = %+v, %v", p, err)
	}
	path := writeFile(t, "lab-pc.yaml", "base: xp-sp3\n")
	p, err = Resolve(path)
	if err != nil || p.Name != "lab-pc" {
		t.Fatalf("Resolve(file) = %+v, %v", p, err)
	}
	_, err = Resolve("no-such-profile")
	if err == nil || !strings.Contains(err.Error(), "xp-sp3") || !strings.HasPrefix(err.Error(), "profile: ") {
		t.Fatalf("Resolve(unknown) error = %v, want the list of built-ins", err)
	}
}

// TestWUA10BuiltinsAndBase: win10 and win11 are WUA 10 machines with the
// captured agent's Client-Protocol; a file based on one keeps its agent,
// and Clone copies the devices deeply.
func TestWUA10BuiltinsAndBase(t *testing.T) {
	for name, proto := range map[string]string{"win10": clientProtocolWin10, "win11": clientProtocolWin11} {
		p := mustBuiltin(t, name)
		if p.Agent.Generation != WUA10 || p.Agent.ClientProtocol != proto || len(p.Agent.Devices) == 0 {
			t.Errorf("%s: agent %+v", name, p.Agent)
		}
		c := p.Clone()
		c.Agent.Devices[0].HardwareIDs[0] = "changed"
		c.Agent.Devices[0].Driver.Model = "changed"
		if p.Agent.Devices[0].HardwareIDs[0] == "changed" || p.Agent.Devices[0].Driver.Model == "changed" {
			t.Errorf("%s: Clone shares the devices", name)
		}
	}
	p, err := Parse([]byte("base: win11\nname: lab-pc\nmsiProducts: ['{90110409-6000-11D3-8CFE-0150048383C9}']\n"), "lab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Agent.Generation != WUA10 || p.Agent.UserAgentVersion != userAgentWin11 || p.Name != "lab-pc" {
		t.Errorf("base: win11 gave agent %+v, name %s", p.Agent, p.Name)
	}
}
