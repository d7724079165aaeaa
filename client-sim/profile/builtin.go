package profile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/updatexml"
)

// Office 2003 facts the KB954960 reproduction turns on. The detectoid the
// server sends for "Office 2003" is
// Or(m.MsiProductInstalled ProductCode=Office2003ProductCode,
// b.RegKeyExists HKEY_LOCAL_MACHINE office2003InstallRootKey).
const (
	// Office2003ProductCode is Office Professional Edition 2003, en-US.
	Office2003ProductCode = "{90110409-6000-11D3-8CFE-0150048383C9}"
	// office2003InstallRootKey is the subkey under HKEY_LOCAL_MACHINE.
	office2003InstallRootKey = `SOFTWARE\Microsoft\Office\11.0\Common\InstallRoot`
	office2003Dir            = `C:\Program Files\Microsoft Office\OFFICE11\`
)

// agentVersionXPSP3 is the Windows Update Agent 3.0 build of the XP SP3 /
// WSUS 3.0 SP1 era (mid 2008).
const agentVersionXPSP3 = "7.2.6001.788"

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
		system32 + `\wuaueng.dll`:  agentVersionXPSP3,
		system32 + `\wuapi.dll`:    agentVersionXPSP3,
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
		AgentVersion:          agentVersionXPSP3,
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
	p.Registry[hklm+`\`+office2003InstallRootKey] = map[string]updatexml.RegValue{"Path": sz(office2003Dir)}
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
		AgentVersion:          agentVersionXPSP3,
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
		AgentVersion:          agentVersionXPSP3,
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
		AgentVersion:          agentVersionXPSP3,
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
	"win10":             win10,
	"win11":             win11,
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

// Windows Update Agent facts of the WUA 10 built-ins.
const (
	// userAgentWin11 and clientProtocolWin11 are what the native Windows 11
	// agent of the captures sends (../shared/captures/wsus2025-native/flow,
	// every request.headers: "Windows-Update-Agent/1507.2601.30012.0
	// Client-Protocol/2.90"). The capture's machine is 25H2, which is 24H2
	// (build 26100) plus an enablement package: one servicing branch, one
	// Windows Update client (the captured DeviceAttributes say
	// LCUVer=10.0.26100.x), so 24H2 sends the same.
	userAgentWin11      = "1507.2601.30012.0"
	clientProtocolWin11 = "2.90"
	// userAgentWin10 and clientProtocolWin10 are those of a real Windows 10
	// agent's SyncUpdates request (GoSecure/pywsus issue #10, 2021; protocol
	// notes S16): "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.32".
	userAgentWin10      = "10.0.10011.16384"
	clientProtocolWin10 = "2.32"
)

// wua10Devices are the devices a simulated Windows 10/11 PC reports in the
// driver pass: in-box devices of any Windows PC with Microsoft's class
// drivers, in the shape of the captured driver pass (HardwareIDs,
// CompatibleIDs, the installed driver, DeviceFlags for printers).
func wua10Devices() []Device {
	inbox := date(2006, time.June, 21)
	return []Device{
		{HardwareIDs: []string{"{084f01fa-e634-4d77-83ee-074817c03581}"},
			Driver: &Driver{MatchingID: "{084f01fa-e634-4d77-83ee-074817c03581}", Date: inbox, Version: 0x000a000065f40001,
				Class: "Printer", Manufacturer: "Microsoft", Provider: "Microsoft", Model: "Microsoft Print To PDF", Rank: -1},
			Flags: 1},
		{HardwareIDs: []string{`STORAGE\Volume`},
			Driver: &Driver{MatchingID: `STORAGE\Volume`, Date: inbox, Version: 0x000a000065f40001,
				Class: "{71A27CDD-812A-11D0-BEC7-08002BE2092F}", Rank: 0xff0000}},
		{HardwareIDs: []string{`ACPI\VEN_PNP&DEV_0303`, `ACPI\PNP0303`, `*PNP0303`},
			Driver: &Driver{MatchingID: `*PNP0303`, Date: inbox, Version: 0x000a000065f40001,
				Class: "{4D36E96B-E325-11CE-BFC1-08002BE10318}", Rank: 0xff0002}},
		{HardwareIDs: []string{`HDAUDIO\FUNC_01&VEN_10EC&DEV_0269&SUBSYS_10280577`, `HDAUDIO\FUNC_01&VEN_10EC&DEV_0269`},
			Driver: &Driver{MatchingID: `HDAUDIO\FUNC_01&VEN_10EC&DEV_0269`, Date: inbox, Version: 0x000a000065f40001,
				Class: "{4D36E96C-E325-11CE-BFC1-08002BE10318}", Rank: 0x2000},
			Extensions: []Extension{{ID: "{96BEDF2C-18CB-4A15-B821-5E95ED0FEA61}", Date: inbox, Version: 0x000a000065f40001,
				Class: "{E2F84CE7-8EFA-411C-AA69-97454CA4CB57}", Rank: 0xff2000}}},
		{HardwareIDs: []string{`USB\VID_413C&PID_2113&REV_0108`, `USB\VID_413C&PID_2113`},
			CompatibleIDs: []string{`USB\Class_03&SubClass_01&Prot_01`, `USB\Class_03&SubClass_01`, `USB\Class_03`},
			Driver: &Driver{MatchingID: `USB\Class_03`, Date: inbox, Version: 0x000a000065f40001,
				Class: "{745A17A0-74D3-11D0-B6FE-00A0C90F57DA}", Rank: 0xff3005, Generic: true}},
		{HardwareIDs: []string{`PRINTENUM\LocalPrintQueue`}, CompatibleIDs: []string{`SWD\GenericRaw`, `SWD\Generic`},
			Driver: &Driver{MatchingID: `PRINTENUM\LocalPrintQueue`, Date: inbox, Version: 0x000a000065f40001,
				Class: "{1ED2BBF9-11F0-4084-B21F-AD83A8E6DCDC}", Rank: 0}},
	}
}

// wua10Agent is the agent part of a Windows 10/11 profile. The attribute
// strings follow the form of the captured ones (key=value;...) with this
// machine's values.
func wua10Agent(uaVersion, protocol, osVersion, product string) Agent {
	return Agent{
		Generation:       WUA10,
		ClientProtocol:   protocol,
		UserAgentVersion: uaVersion,
		DeviceAttributes: "App=WU_OS;AppVer=" + uaVersion + ";DeviceFamily=Windows.Desktop;InstallLanguage=en-US;" +
			"IsVirtualDevice=0;OEMModel=OptiPlex 7010;OEMName_Uncleaned=Dell Inc.;OSArchitecture=AMD64;" +
			"OSSkuId=48;OSUILocale=en-US;OSVersion=" + osVersion + ";ProductType=WinNT;TelemetryLevel=1;",
		CallerAttributes:        "Interactive=0;SheddingAware=1;Id=UpdateOrchestrator;",
		Products:                "PN=" + product + "&V=" + osVersion + "&PrimaryOSProduct=1;",
		GeoID:                   "USA",
		HardwareIDs:             []string{"6a3c9e20-5b1f-5a4e-9a0e-2f0f8a6d3b11", "8e1d2c44-7a90-5c3b-b1f2-5d6e7f809a12"},
		FeatureScoreMatchingKey: "AMD64.10.0",
		Devices:                 wua10Devices(),
	}
}

// wua10Machine is a 64-bit Dell desktop running Windows 10 or 11.
func wua10Machine(name, build, revision, description, product string) *Profile {
	b, _ := strconv.Atoi(build)
	kernel := "10.0." + build + "." + revision
	return &Profile{
		Name: name,
		OS: OS{Major: 10, Minor: 0, Build: b, ProductType: 1, SuiteMask: suiteSingleTS,
			Description: description},
		ProcessorArchitecture: updatexml.ArchAMD64,
		Locale:                "en-US",
		OSLocale:              1033,
		Manufacturer:          "Dell Inc.",
		Model:                 "OptiPlex 7010",
		BIOSVersion:           "DELL   - 1072009",
		BIOSName:              "1.23.0",
		BIOSReleaseDate:       date(2024, time.March, 12),
		Registry:              windowsKeys("6.3", build, "", product),
		Files: map[string]string{
			`C:\Windows\System32\ntoskrnl.exe`: kernel,
			`C:\Windows\System32\kernel32.dll`: kernel,
			`C:\Windows\System32\wuaueng.dll`:  kernel,
			`C:\Windows\System32\wuapi.dll`:    kernel,
		},
	}
}

// win10 is Windows 10 22H2 (build 19045) with its Windows Update Agent.
func win10() *Profile {
	p := wua10Machine("win10", "19045", "5737", "Windows 10 Pro 22H2", "Windows 10 Pro")
	p.AgentVersion = "10.0.19041.5737"
	p.Agent = wua10Agent(userAgentWin10, clientProtocolWin10, "10.0.19045.5737", "Client.OS.rs2.amd64")
	// The Windows 10 request of the protocol notes (S16) says
	// Accept-Encoding: xpress.
	p.AcceptXpress = true
	return p
}

// win11 is Windows 11 24H2 (build 26100) with the Windows Update Agent of
// the captures.
func win11() *Profile {
	p := wua10Machine("win11", "26100", "8037", "Windows 11 Pro 24H2", "Windows 11 Pro")
	p.AgentVersion = "10.0.26100.8037"
	p.Agent = wua10Agent(userAgentWin11, clientProtocolWin11, "10.0.26100.8037", "Client.OS.rs2.amd64")
	// Every captured request says Accept-Encoding: xpress.
	p.AcceptXpress = true
	return p
}
