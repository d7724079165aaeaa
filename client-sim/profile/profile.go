// Package profile describes the simulated machines the Windows Update Agent
// simulator runs as: operating system, hardware strings, agent version and
// the registry keys, files and MSI products that applicability rules look
// at. A *Profile implements updatexml.Machine, so the agent evaluates the
// rules a server sends against it exactly as it would against a real box.
//
// Profiles come built in (Builtin, Names) or from YAML files (Load, Parse),
// and a file may start from a built-in with "base:". The built-ins exist for
// KB954960: xp-sp3-office2003 is the machine whose Office 2003 detectoid
// evaluates installed, which is what lets the server reach the Office 2003
// SP1 revision; xp-sp3 is the same machine without Office, which does not.
package profile

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/updatexml"
)

// OS describes the operating system (OSVERSIONINFOEX plus a display name).
type OS struct {
	Major, Minor, Build int
	SPMajor, SPMinor    int
	// ProductType is 1 for a workstation, 2 for a domain controller, 3 for
	// a server.
	ProductType int
	// SuiteMask is the VER_SUITE_* bit mask.
	SuiteMask int
	// Description is the human name, e.g. "Windows XP Professional SP3".
	Description string
}

// Profile is one simulated machine. The zero value is an empty machine;
// use Builtin or Load to get a complete one. Lookups used by rules ignore
// case, as Windows does.
type Profile struct {
	Name string
	OS   OS
	// ProcessorArchitecture is x86, ia64 or amd64.
	ProcessorArchitecture updatexml.Architecture
	// Locale is the user locale name ("en-US"); OSLocale the LCID (1033).
	Locale   string
	OSLocale int
	// AgentVersion is the Windows Update Agent version, four parts
	// ("7.2.6001.788" for the XP SP3 era agent).
	AgentVersion string
	// Hardware strings reported in ComputerInfo.
	Manufacturer    string
	Model           string
	BIOSVersion     string
	BIOSName        string
	BIOSReleaseDate time.Time
	// Registry maps a full key path ("HKEY_LOCAL_MACHINE\SOFTWARE\...") to
	// its values by name. Parent keys exist implicitly. HKLM, HKCU, HKCR and
	// HKU abbreviations are accepted in paths.
	Registry map[string]map[string]updatexml.RegValue
	// Files maps a full path ("C:\WINDOWS\system32\ntoskrnl.exe") to its
	// version resource; an empty version is a file without one.
	Files map[string]string
	// MSIProducts and MSIPatches are installed product and patch codes,
	// with braces ("{90110409-6000-11D3-8CFE-0150048383C9}").
	MSIProducts []string
	MSIPatches  []string
	// InstalledUpdates are update GUIDs the simulator reports as installed
	// (besides what the rules detect).
	InstalledUpdates []string

	// AcceptXpress makes the agent ask for Xpress-compressed answers
	// (Accept-Encoding: xpress on its SOAP requests), as the Windows 10/11
	// agent of the captures does. The WUA 7 built-ins leave it false, so
	// their requests stay as they were.
	AcceptXpress bool

	// Agent is how the machine's Windows Update Agent talks: WUA 7 (the
	// zero value) or WUA 10, with what the captured WUA 10 requests carry.
	Agent Agent
}

// Generation is a Windows Update Agent generation whose wire and log
// behaviour the simulator reproduces.
type Generation int

const (
	// WUA7 is the agent of Windows XP to Windows 7 and Server 2008 R2:
	// ATL-based SOAP client, classic WindowsUpdate.log, self-update check.
	WUA7 Generation = iota
	// WUA10 is the agent of Windows 10 and 11: NWS-based SOAP client (every
	// SOAP fault is 0x80244007), the decoded (Get-WindowsUpdateLog) log, no
	// self-update check, and the request fields of the captured native
	// Windows 11 requests.
	WUA10
)

// Agent describes a profile's Windows Update Agent beyond its version.
type Agent struct {
	Generation Generation
	// ClientProtocol is the Client-Protocol of the User-Agent header and the
	// protocolVersion of GetConfig and GetCookie; "" means the simulator's
	// default for WUA 7 ("1.0").
	ClientProtocol string
	// UserAgentVersion is the version in "Windows-Update-Agent/V"; "" means
	// AgentVersion. WUA 10 sends a version of its own there.
	UserAgentVersion string
	// DeviceAttributes, CallerAttributes and Products are the
	// semicolon-separated strings WUA 10 sends in SyncUpdates'
	// ProductsParameters and GetExtendedUpdateInfo (deviceAttributes,
	// callerAttributes); GeoID is GetExtendedUpdateInfo's GeoId.
	DeviceAttributes string
	CallerAttributes string
	Products         string
	GeoID            string
	// HardwareIDs are the computer hardware IDs (GUIDs) of the driver pass's
	// ComputerSpec; FeatureScoreMatchingKey is sent with them.
	HardwareIDs             []string
	FeatureScoreMatchingKey string
	// Devices are the machine's devices and their installed drivers, sent
	// as SystemSpec in the driver pass.
	Devices []Device
}

// Device is one device of the machine as the driver pass reports it.
type Device struct {
	HardwareIDs   []string
	CompatibleIDs []string
	// Driver is the installed driver; nil for a device without one.
	Driver *Driver
	// Extensions are the device's extension drivers (extension INFs).
	Extensions []Extension
	// Flags is the DeviceFlags value; 0 is not sent.
	Flags int32
}

// Extension is an extension driver of a device.
type Extension struct {
	ID      string // the extension ID GUID, with braces
	Date    time.Time
	Version int64
	Class   string
	Rank    int32
}

// Driver is a device's installed driver.
type Driver struct {
	MatchingID   string
	Date         time.Time
	Version      int64 // DriverVerVersion: the four 16-bit parts of the driver version
	Class        string
	Manufacturer string
	Provider     string
	Model        string
	Rank         int32
	// Generic marks a driver matched on a compatible ID of a class (USB
	// input devices): sent as SkipProviderFiltering and IsGeneric.
	Generic bool
}

var _ updatexml.Machine = (*Profile)(nil)

// Clone returns a deep copy, so a caller can change a built-in or a loaded
// profile without affecting other users of it.
func (p *Profile) Clone() *Profile {
	c := *p
	c.Registry = make(map[string]map[string]updatexml.RegValue, len(p.Registry))
	for k, vals := range p.Registry {
		c.Registry[k] = maps.Clone(vals)
		if c.Registry[k] == nil {
			c.Registry[k] = map[string]updatexml.RegValue{}
		}
	}
	c.Files = maps.Clone(p.Files)
	c.MSIProducts = slices.Clone(p.MSIProducts)
	c.MSIPatches = slices.Clone(p.MSIPatches)
	c.InstalledUpdates = slices.Clone(p.InstalledUpdates)
	c.Agent.HardwareIDs = slices.Clone(p.Agent.HardwareIDs)
	c.Agent.Devices = make([]Device, len(p.Agent.Devices))
	for i, d := range p.Agent.Devices {
		d.HardwareIDs, d.CompatibleIDs = slices.Clone(d.HardwareIDs), slices.Clone(d.CompatibleIDs)
		d.Extensions = slices.Clone(d.Extensions)
		if d.Driver != nil {
			drv := *d.Driver
			d.Driver = &drv
		}
		c.Agent.Devices[i] = d
	}
	if p.Agent.Devices == nil {
		c.Agent.Devices = nil
	}
	return &c
}

var hiveAliases = map[string]string{
	"HKLM": "HKEY_LOCAL_MACHINE",
	"HKCU": "HKEY_CURRENT_USER",
	"HKCR": "HKEY_CLASSES_ROOT",
	"HKU":  "HKEY_USERS",
	"HKCC": "HKEY_CURRENT_CONFIG",
}

// canonicalKey turns hive + subkey (or a full path when subkey is empty)
// into an upper-case full path with the hive spelled out, for comparison.
func canonicalKey(key, subkey string) string {
	full := strings.Trim(key, `\`)
	if s := strings.Trim(subkey, `\`); s != "" {
		full += `\` + s
	}
	hive, rest, _ := strings.Cut(full, `\`)
	if long, ok := hiveAliases[strings.ToUpper(hive)]; ok {
		hive = long
	}
	if rest == "" {
		return strings.ToUpper(hive)
	}
	return strings.ToUpper(hive + `\` + rest)
}

func knownHive(path string) bool {
	hive, _, _ := strings.Cut(canonicalKey(path, ""), `\`)
	for _, long := range hiveAliases {
		if hive == long {
			return true
		}
	}
	return false
}

// RegistryKeyExists implements updatexml.Machine. A key exists when it or
// any key below it is in Registry; a bare hive always exists.
func (p *Profile) RegistryKeyExists(key, subkey string) bool {
	want := canonicalKey(key, subkey)
	if !strings.Contains(want, `\`) {
		return knownHive(want)
	}
	for k := range p.Registry {
		have := canonicalKey(k, "")
		if have == want || strings.HasPrefix(have, want+`\`) {
			return true
		}
	}
	return false
}

// RegistryValue implements updatexml.Machine. The empty name is the key's
// default value.
func (p *Profile) RegistryValue(key, subkey, name string) (updatexml.RegValue, bool) {
	want := canonicalKey(key, subkey)
	vals, ok := lookup(p.Registry, func(k string) bool { return canonicalKey(k, "") == want })
	if !ok {
		return updatexml.RegValue{}, false
	}
	return lookup(vals, func(n string) bool { return strings.EqualFold(n, name) })
}

// FileVersion implements updatexml.Machine.
func (p *Profile) FileVersion(path string) (string, bool) {
	return lookup(p.Files, func(f string) bool { return strings.EqualFold(f, path) })
}

// FileExists implements updatexml.Machine.
func (p *Profile) FileExists(path string) bool {
	_, ok := p.FileVersion(path)
	return ok
}

// lookup returns the value of the smallest key that matches. Case-folded
// lookups can match several keys of a hand-built profile (HKLM\X and
// HKEY_LOCAL_MACHINE\X); picking by sorted key rather than map order keeps
// every run's verdicts identical.
func lookup[V any](m map[string]V, match func(string) bool) (V, bool) {
	var best string
	found := false
	for k := range m {
		if match(k) && (!found || k < best) {
			best, found = k, true
		}
	}
	if !found {
		var zero V
		return zero, false
	}
	return m[best], true
}

// normalizeCode makes "90110409-..." and "{90110409-...}" compare equal.
func normalizeCode(code string) string {
	return strings.ToUpper(strings.Trim(strings.TrimSpace(code), "{}"))
}

func hasCode(list []string, code string) bool {
	want := normalizeCode(code)
	for _, c := range list {
		if normalizeCode(c) == want {
			return true
		}
	}
	return false
}

// MSIProductInstalled implements updatexml.Machine.
func (p *Profile) MSIProductInstalled(productCode string) bool {
	return hasCode(p.MSIProducts, productCode)
}

// MSIPatchInstalled implements updatexml.Machine.
func (p *Profile) MSIPatchInstalled(patchCode string) bool {
	return hasCode(p.MSIPatches, patchCode)
}

// OSVersion implements updatexml.Machine.
func (p *Profile) OSVersion() updatexml.OSVersion {
	return updatexml.OSVersion{
		Major: p.OS.Major, Minor: p.OS.Minor, Build: p.OS.Build,
		SPMajor: p.OS.SPMajor, SPMinor: p.OS.SPMinor,
		ProductType: p.OS.ProductType, SuiteMask: p.OS.SuiteMask,
	}
}

// Architecture implements updatexml.Machine.
func (p *Profile) Architecture() updatexml.Architecture {
	return p.ProcessorArchitecture
}

// HasUpdate reports whether the update GUID is in InstalledUpdates.
func (p *Profile) HasUpdate(updateID string) bool {
	return hasCode(p.InstalledUpdates, updateID)
}
