package profile

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/updatexml"
)

// Office 2003 facts the KB954960 reproduction turns on. The detectoid the
// server sends for "Office 2003" is
// Or(m.MsiProductInstalled ProductCode=Office2003ProductCode,
// b.RegKeyExists HKEY_LOCAL_MACHINE Office2003InstallRootKey).
const (
	// Office2003ProductCode is Office Professional Edition 2003, en-US.
	Office2003ProductCode = "{90110409-6000-11D3-8CFE-0150048383C9}"
	// Office2003InstallRootKey is the subkey under HKEY_LOCAL_MACHINE.
	Office2003InstallRootKey = `SOFTWARE\Microsoft\Office\11.0\Common\InstallRoot`
	office2003Dir            = `C:\Program Files\Microsoft Office\OFFICE11\`
)

// AgentVersionXPSP3 is the Windows Update Agent 3.0 build of the XP SP3 /
// WSUS 3.0 SP1 era (mid 2008).
const AgentVersionXPSP3 = "7.2.6001.788"

const (
	hklm          = "HKEY_LOCAL_MACHINE"
	suiteTerminal = 0x0010
	suiteSingleTS = 0x0100
)

func sz(s string) updatexml.RegValue { return updatexml.RegValue{Type: updatexml.RegSZ, String: s} }
func dword(v uint32) updatexml.RegValue {
	return updatexml.RegValue{Type: updatexml.RegDWORD, DWord: v}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// windowsKeys gives every built-in the CurrentVersion values real machines
// have, so rules reading them (RegSz on CSDVersion, ...) see plausible data.
func windowsKeys(version, build, csd, product string) map[string]map[string]updatexml.RegValue {
	return map[string]map[string]updatexml.RegValue{
		hklm + `\SOFTWARE\Microsoft\Windows NT\CurrentVersion`: {
			"CurrentVersion":     sz(version),
			"CurrentBuildNumber": sz(build),
			"CSDVersion":         sz(csd),
			"ProductName":        sz(product),
		},
		hklm + `\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate`: {},
		hklm + `\SYSTEM\CurrentControlSet\Services\wuauserv`:              {"Start": dword(2)},
	}
}

// systemFiles gives every built-in the kernel and agent binaries real
// machines have, so rules reading their versions (b.FileVersion) see the
// OS build and the agent the profile claims.
func systemFiles(system32, kernelVersion string) map[string]string {
	return map[string]string{
		system32 + `\ntoskrnl.exe`: kernelVersion,
		system32 + `\kernel32.dll`: kernelVersion,
		system32 + `\wuaueng.dll`:  AgentVersionXPSP3,
		system32 + `\wuapi.dll`:    AgentVersionXPSP3,
	}
}

func xpSP3() *Profile {
	return &Profile{
		Name: "xp-sp3",
		OS: OS{Major: 5, Minor: 1, Build: 2600, SPMajor: 3, ProductType: 1, SuiteMask: suiteSingleTS,
			Description: "Windows XP Professional SP3"},
		ProcessorArchitecture: updatexml.ArchX86,
		Locale:                "en-US",
		OSLocale:              1033,
		AgentVersion:          AgentVersionXPSP3,
		Manufacturer:          "Dell Inc.",
		Model:                 "OptiPlex 755",
		BIOSVersion:           "DELL   - 15",
		BIOSName:              "Phoenix ROM BIOS PLUS Version 1.10 A08",
		BIOSReleaseDate:       date(2008, time.April, 14),
		Registry:              windowsKeys("5.1", "2600", "Service Pack 3", "Microsoft Windows XP"),
		Files:                 systemFiles(`C:\WINDOWS\system32`, "5.1.2600.5512"),
	}
}

func xpSP3Office2003() *Profile {
	p := xpSP3()
	p.Name = "xp-sp3-office2003"
	p.MSIProducts = []string{Office2003ProductCode}
	p.Registry[hklm+`\`+Office2003InstallRootKey] = map[string]updatexml.RegValue{"Path": sz(office2003Dir)}
	p.Registry[hklm+`\SOFTWARE\Microsoft\Office\11.0\Word\InstallRoot`] = map[string]updatexml.RegValue{"Path": sz(office2003Dir)}
	p.Registry[hklm+`\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\`+Office2003ProductCode] = map[string]updatexml.RegValue{
		"DisplayName":    sz("Microsoft Office Professional Edition 2003"),
		"DisplayVersion": sz("11.0.8173.0"),
	}
	p.Files[office2003Dir+"WINWORD.EXE"] = "11.0.8173.0"
	p.Files[office2003Dir+"EXCEL.EXE"] = "11.0.8169.0"
	p.Files[office2003Dir+"OUTLOOK.EXE"] = "11.0.8169.0"
	p.Files[office2003Dir+"POWERPNT.EXE"] = "11.0.8169.0"
	return p
}

func server2003SP2() *Profile {
	return &Profile{
		Name: "server2003-sp2",
		OS: OS{Major: 5, Minor: 2, Build: 3790, SPMajor: 2, ProductType: 3, SuiteMask: suiteTerminal | suiteSingleTS,
			Description: "Windows Server 2003 Standard Edition SP2"},
		ProcessorArchitecture: updatexml.ArchX86,
		Locale:                "en-US",
		OSLocale:              1033,
		AgentVersion:          AgentVersionXPSP3,
		Manufacturer:          "HP",
		Model:                 "ProLiant DL380 G5",
		BIOSVersion:           "HP     - 2",
		BIOSName:              "BIOS Date: 05/02/08 20:51:48 Ver: P56",
		BIOSReleaseDate:       date(2008, time.May, 2),
		Registry:              windowsKeys("5.2", "3790", "Service Pack 2", "Microsoft Windows Server 2003"),
		Files:                 systemFiles(`C:\WINDOWS\system32`, "5.2.3790.3959"),
	}
}

func vistaSP1() *Profile {
	return &Profile{
		Name: "vista-sp1",
		OS: OS{Major: 6, Minor: 0, Build: 6001, SPMajor: 1, ProductType: 1, SuiteMask: suiteSingleTS,
			Description: "Windows Vista Business SP1"},
		ProcessorArchitecture: updatexml.ArchX86,
		Locale:                "en-US",
		OSLocale:              1033,
		AgentVersion:          AgentVersionXPSP3,
		Manufacturer:          "Lenovo",
		Model:                 "ThinkPad T61",
		BIOSVersion:           "LENOVO - 2260",
		BIOSName:              "Ver 1.00PARTTBL",
		BIOSReleaseDate:       date(2008, time.March, 11),
		Registry:              windowsKeys("6.0", "6001", "Service Pack 1", "Windows Vista (TM) Business"),
		Files:                 systemFiles(`C:\Windows\System32`, "6.0.6001.18000"),
	}
}

// server2008 is 64-bit: almost every Windows Server 2008 WSUS client of the
// time was, and it gives the fleet one amd64 machine for b.Processor rules.
// Server 2008 RTM reports itself as 6.0.6001 Service Pack 1.
func server2008() *Profile {
	return &Profile{
		Name: "server2008",
		OS: OS{Major: 6, Minor: 0, Build: 6001, SPMajor: 1, ProductType: 3, SuiteMask: suiteTerminal | suiteSingleTS,
			Description: "Windows Server 2008 Standard"},
		ProcessorArchitecture: updatexml.ArchAMD64,
		Locale:                "en-US",
		OSLocale:              1033,
		AgentVersion:          AgentVersionXPSP3,
		Manufacturer:          "HP",
		Model:                 "ProLiant DL380 G5",
		BIOSVersion:           "HP     - 2",
		BIOSName:              "BIOS Date: 05/02/08 20:51:48 Ver: P56",
		BIOSReleaseDate:       date(2008, time.May, 2),
		Registry:              windowsKeys("6.0", "6001", "Service Pack 1", "Windows Server (R) 2008 Standard"),
		Files:                 systemFiles(`C:\Windows\System32`, "6.0.6001.18000"),
	}
}

// builtins is the one explicit list of built-in profiles.
var builtins = map[string]func() *Profile{
	"xp-sp3":            xpSP3,
	"xp-sp3-office2003": xpSP3Office2003,
	"server2003-sp2":    server2003SP2,
	"vista-sp1":         vistaSP1,
	"server2008":        server2008,
}

// Names returns the built-in profile names, sorted.
func Names() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Builtin returns a fresh copy of the named built-in profile; callers may
// modify it.
func Builtin(name string) (*Profile, error) {
	mk, ok := builtins[name]
	if !ok {
		return nil, fmt.Errorf("profile: unknown built-in profile %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return mk(), nil
}
