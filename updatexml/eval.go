package updatexml

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrUnknownRule is wrapped when a rule uses an element or attribute the
// evaluator does not implement. The agent must not guess: a real WUA fails
// the update when its metadata does not validate, and treating an unknown
// rule as true would let a broken catalog pass unnoticed.
var ErrUnknownRule = errors.New("unknown applicability rule")

// ErrInvalidRule is wrapped when a known rule is malformed: a missing or
// non-numeric attribute, an unsupported comparison, a Not without exactly
// one operand.
var ErrInvalidRule = errors.New("invalid applicability rule")

// RegType is a registry value type name as used in rules ("REG_DWORD").
type RegType string

// Registry value types a Machine can hold.
const (
	RegSZ       RegType = "REG_SZ"
	RegExpandSZ RegType = "REG_EXPAND_SZ"
	RegDWORD    RegType = "REG_DWORD"
)

// RegValue is a typed registry value.
type RegValue struct {
	Type RegType
	// DWord holds REG_DWORD data.
	DWord uint32
	// String holds REG_SZ and REG_EXPAND_SZ data.
	String string
}

// OSVersion is what b.WindowsVersion looks at (OSVERSIONINFOEX).
type OSVersion struct {
	Major, Minor, Build int
	SPMajor, SPMinor    int
	// ProductType: 1 workstation, 2 domain controller, 3 server.
	ProductType int
	SuiteMask   int
}

// Architecture is a PROCESSOR_ARCHITECTURE_* value, the number b.Processor
// carries in its Architecture attribute.
type Architecture int

// Processor architectures.
const (
	ArchX86   Architecture = 0
	ArchIA64  Architecture = 6
	ArchAMD64 Architecture = 9
)

// String returns the short name used in profiles: x86, ia64, amd64.
func (a Architecture) String() string {
	switch a {
	case ArchX86:
		return "x86"
	case ArchIA64:
		return "ia64"
	case ArchAMD64:
		return "amd64"
	}
	return "arch(" + strconv.Itoa(int(a)) + ")"
}

// ParseArchitecture accepts x86, ia64 and amd64 (any case).
func ParseArchitecture(s string) (Architecture, error) {
	switch strings.ToLower(s) {
	case "x86":
		return ArchX86, nil
	case "ia64":
		return ArchIA64, nil
	case "amd64", "x64":
		return ArchAMD64, nil
	}
	return 0, fmt.Errorf("updatexml: unknown processor architecture %q (want x86, ia64 or amd64)", s)
}

// Machine is the state applicability rules inspect. Lookups never fail:
// a simulated machine either has a thing or not. Implementations should
// compare keys, paths and codes case-insensitively, as Windows does.
type Machine interface {
	// RegistryKeyExists reports whether key\subkey exists; key is a hive
	// name such as HKEY_LOCAL_MACHINE.
	RegistryKeyExists(key, subkey string) bool
	// RegistryValue returns the named value under key\subkey.
	RegistryValue(key, subkey, name string) (RegValue, bool)
	// FileVersion returns the version resource of the file at path
	// (e.g. "11.0.8173.0"); ok is false when the file does not exist, and
	// the version is empty when the file has no version resource.
	FileVersion(path string) (version string, ok bool)
	// FileExists reports whether a file exists at path.
	FileExists(path string) bool
	// MSIProductInstalled reports whether the MSI product code (with
	// braces) is installed.
	MSIProductInstalled(productCode string) bool
	// MSIPatchInstalled reports whether the MSI patch code is installed.
	MSIPatchInstalled(patchCode string) bool
	// OSVersion returns the operating system version.
	OSVersion() OSVersion
	// Architecture returns the processor architecture.
	Architecture() Architecture
}

// csidlPaths resolves the shell folders file rules use. The mock pins them
// to the default install locations instead of asking the Machine: every
// simulated machine is a default install, and XP/2003 and Vista/2008 agree
// on these paths up to case, which the lookups ignore.
var csidlPaths = map[int]string{
	CSIDLWindows:            `C:\WINDOWS`,
	CSIDLSystem:             `C:\WINDOWS\system32`,
	CSIDLProgramFiles:       `C:\Program Files`,
	CSIDLSystemX86:          `C:\WINDOWS\system32`,
	CSIDLProgramFilesX86:    `C:\Program Files`,
	CSIDLProgramFilesCommon: `C:\Program Files\Common Files`,
}

// Validate checks the whole tree for elements and attributes the evaluator
// does not know, without a Machine. Evaluate calls it first, so that an
// unknown rule is reported even where evaluation would short-circuit past
// it.
func Validate(r *Rule) error {
	return validate(r, 0)
}

func validate(r *Rule, depth int) error {
	if r == nil {
		return fmt.Errorf("updatexml: %w: nil rule", ErrInvalidRule)
	}
	if depth > maxDepth {
		return fmt.Errorf("updatexml: %w: rules nested deeper than %d", ErrInvalidRule, maxDepth)
	}
	spec, ok := leafSpecs[r.Name]
	switch r.Name {
	case NameAnd, NameOr:
		if len(r.Attrs) > 0 {
			return fmt.Errorf("updatexml: %w: %s takes no attributes", ErrInvalidRule, r.Name)
		}
	case NameNot:
		if len(r.Attrs) > 0 || len(r.Children) != 1 {
			return fmt.Errorf("updatexml: %w: Not takes exactly one operand and no attributes", ErrInvalidRule)
		}
	case NameTrue, NameFalse:
		if len(r.Attrs) > 0 || len(r.Children) > 0 {
			return fmt.Errorf("updatexml: %w: %s takes no operands or attributes", ErrInvalidRule, r.Name)
		}
	default:
		if !ok {
			return fmt.Errorf("updatexml: %w: element %s", ErrUnknownRule, r.Name)
		}
		if len(r.Children) > 0 {
			return fmt.Errorf("updatexml: %w: %s takes no operands", ErrInvalidRule, r.Name)
		}
		seen := map[string]bool{}
		for _, a := range r.Attrs {
			if !contains(spec.required, a.Name) && !contains(spec.optional, a.Name) {
				return fmt.Errorf("updatexml: %w: attribute %s of %s", ErrUnknownRule, a.Name, r.Name)
			}
			if seen[a.Name] {
				return fmt.Errorf("updatexml: %w: %s repeats attribute %s", ErrInvalidRule, r.Name, a.Name)
			}
			seen[a.Name] = true
		}
		for _, name := range spec.required {
			if !seen[name] {
				return fmt.Errorf("updatexml: %w: %s lacks attribute %s", ErrInvalidRule, r.Name, name)
			}
		}
	}
	for _, c := range r.Children {
		if err := validate(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

type leafSpec struct {
	required, optional []string
	eval               func(r *Rule, m Machine) (bool, error)
}

// leafSpecs lists the leaves the evaluator implements. RegType32 only
// selects the 32-bit registry view on 64-bit Windows; the simulated
// registry has one view, so it is accepted and ignored.
var leafSpecs = map[string]leafSpec{
	NameRegKeyExists:   {[]string{"Key"}, []string{"Subkey", "RegType32"}, evalRegKeyExists},
	NameRegValueExists: {[]string{"Key", "Value"}, []string{"Subkey", "Type", "RegType32"}, evalRegValueExists},
	NameRegDword:       {[]string{"Key", "Value", "Comparison", "Data"}, []string{"Subkey", "RegType32"}, evalRegDword},
	NameRegSz:          {[]string{"Key", "Value", "Comparison", "Data"}, []string{"Subkey", "RegType32"}, evalRegSz},
	NameRegExpandSz:    {[]string{"Key", "Value", "Comparison", "Data"}, []string{"Subkey", "RegType32"}, evalRegSz},
	NameFileVersion:    {[]string{"Path", "Comparison", "Version"}, []string{"Csidl", "File"}, evalFileVersion},
	NameFileExists:     {[]string{"Path"}, []string{"Csidl", "File"}, evalFileExists},
	NameFileVersionPrependRegSz: {[]string{"Key", "Value", "Path", "Comparison", "Version"},
		[]string{"Subkey", "RegType32"}, evalFileVersion},
	NameFileExistsPrependRegSz: {[]string{"Key", "Value", "Path"}, []string{"Subkey", "RegType32"}, evalFileExists},
	NameWindowsVersion: {nil, []string{"Comparison", "MajorVersion", "MinorVersion", "BuildNumber",
		"ServicePackMajor", "ServicePackMinor", "ProductType", "SuiteMask", "AllSuitesMustBePresent"}, evalWindowsVersion},
	NameProcessor:           {[]string{"Architecture"}, nil, evalProcessor},
	NameMsiProductInstalled: {[]string{"ProductCode"}, nil, evalMsiProduct},
	NameMsiPatchInstalled:   {[]string{"PatchCode"}, nil, evalMsiPatch},
}

// KnownRules returns the element names Evaluate implements, for
// documentation and for servers that want to check a catalog up front.
func KnownRules() []string {
	return []string{NameAnd, NameOr, NameNot, NameTrue, NameFalse,
		NameRegKeyExists, NameRegValueExists, NameRegDword, NameRegSz, NameRegExpandSz,
		NameFileVersion, NameFileExists, NameFileVersionPrependRegSz, NameFileExistsPrependRegSz,
		NameWindowsVersion, NameProcessor, NameMsiProductInstalled, NameMsiPatchInstalled}
}

// Evaluate evaluates r against m. It first validates the whole tree, so an
// unknown element anywhere returns an error wrapping ErrUnknownRule (naming
// the element) even if the result would not depend on it. An empty And is
// true and an empty Or is false.
func Evaluate(r *Rule, m Machine) (bool, error) {
	if err := Validate(r); err != nil {
		return false, err
	}
	if m == nil {
		return false, errors.New("updatexml: evaluate: nil machine")
	}
	return eval(r, m)
}

func eval(r *Rule, m Machine) (bool, error) {
	switch r.Name {
	case NameTrue:
		return true, nil
	case NameFalse:
		return false, nil
	case NameNot:
		v, err := eval(r.Children[0], m)
		return !v, err
	case NameAnd:
		for _, c := range r.Children {
			v, err := eval(c, m)
			if err != nil || !v {
				return false, err
			}
		}
		return true, nil
	case NameOr:
		for _, c := range r.Children {
			v, err := eval(c, m)
			if err != nil || v {
				return v, err
			}
		}
		return false, nil
	}
	spec := leafSpecs[r.Name] // presence checked by Validate
	v, err := spec.eval(r, m)
	if err != nil {
		return false, fmt.Errorf("updatexml: %w: %s: %v", ErrInvalidRule, r.String(), err)
	}
	return v, nil
}

func attr(r *Rule, name string) string {
	v, _ := r.Attr(name)
	return v
}

func intAttr(r *Rule, name string) (int, bool, error) {
	v, ok := r.Attr(name)
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, true, fmt.Errorf("attribute %s=%q is not a number", name, v)
	}
	return n, true, nil
}

func evalRegKeyExists(r *Rule, m Machine) (bool, error) {
	return m.RegistryKeyExists(attr(r, "Key"), attr(r, "Subkey")), nil
}

func evalRegValueExists(r *Rule, m Machine) (bool, error) {
	v, ok := m.RegistryValue(attr(r, "Key"), attr(r, "Subkey"), attr(r, "Value"))
	if !ok {
		return false, nil
	}
	if t, has := r.Attr("Type"); has && !strings.EqualFold(t, string(v.Type)) {
		return false, nil
	}
	return true, nil
}

func evalRegDword(r *Rule, m Machine) (bool, error) {
	want, err := strconv.ParseUint(attr(r, "Data"), 10, 32)
	if err != nil {
		return false, fmt.Errorf("data %q is not a DWORD", attr(r, "Data"))
	}
	cmp := Comparison(attr(r, "Comparison"))
	if !isOrdering(cmp) {
		return false, fmt.Errorf("unsupported comparison %q", cmp)
	}
	v, ok := m.RegistryValue(attr(r, "Key"), attr(r, "Subkey"), attr(r, "Value"))
	if !ok || v.Type != RegDWORD {
		return false, nil
	}
	return compareOrdered(cmp, cmp3(uint64(v.DWord), want)), nil
}

// evalRegSz compares case-insensitively: Windows treats the paths and names
// these rules look at case-insensitively, and a case mismatch in a
// simulated registry should not flip a detectoid.
func evalRegSz(r *Rule, m Machine) (bool, error) {
	cmp := Comparison(attr(r, "Comparison"))
	switch cmp {
	case EqualTo, Contains, BeginsWith, EndsWith:
	default:
		return false, fmt.Errorf("unsupported string comparison %q", cmp)
	}
	v, ok := m.RegistryValue(attr(r, "Key"), attr(r, "Subkey"), attr(r, "Value"))
	if !ok || (v.Type != RegSZ && v.Type != RegExpandSZ) {
		return false, nil
	}
	got, want := strings.ToLower(v.String), strings.ToLower(attr(r, "Data"))
	switch cmp {
	case EqualTo:
		return got == want, nil
	case Contains:
		return strings.Contains(got, want), nil
	case BeginsWith:
		return strings.HasPrefix(got, want), nil
	default:
		return strings.HasSuffix(got, want), nil
	}
}

// filePath resolves the file a file rule names: a Csidl folder or a
// registry string (the *PrependRegSz rules), then Path, then File.
func filePath(r *Rule, m Machine) (string, bool, error) {
	path := attr(r, "Path")
	if strings.HasSuffix(r.Name, "PrependRegSz") {
		v, ok := m.RegistryValue(attr(r, "Key"), attr(r, "Subkey"), attr(r, "Value"))
		if !ok || (v.Type != RegSZ && v.Type != RegExpandSZ) {
			// No install location: the file cannot be there.
			return "", false, nil
		}
		path = joinPath(v.String, path)
	} else if n, ok, err := intAttr(r, "Csidl"); err != nil {
		return "", false, err
	} else if ok {
		dir, known := csidlPaths[n]
		if !known {
			return "", false, fmt.Errorf("unsupported Csidl %d", n)
		}
		path = joinPath(dir, path)
	}
	if f, ok := r.Attr("File"); ok {
		path = joinPath(path, f)
	}
	return path, true, nil
}

func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return strings.TrimRight(dir, `\`) + `\` + strings.TrimLeft(name, `\`)
}

func evalFileExists(r *Rule, m Machine) (bool, error) {
	path, ok, err := filePath(r, m)
	if err != nil || !ok {
		return false, err
	}
	return m.FileExists(path), nil
}

func evalFileVersion(r *Rule, m Machine) (bool, error) {
	cmp := Comparison(attr(r, "Comparison"))
	if !isOrdering(cmp) {
		return false, fmt.Errorf("unsupported comparison %q", cmp)
	}
	want := attr(r, "Version")
	if _, err := parseVersion(want); err != nil {
		return false, err
	}
	path, ok, err := filePath(r, m)
	if err != nil || !ok {
		return false, err
	}
	got, ok := m.FileVersion(path)
	if !ok || got == "" {
		return false, nil
	}
	c, err := CompareVersions(got, want)
	if err != nil {
		return false, fmt.Errorf("file %s: %w", path, err)
	}
	return compareOrdered(cmp, c), nil
}

// evalWindowsVersion compares the specified version fields in the order
// Major, Minor, Build, SP major, SP minor (fields the rule omits are
// skipped), then requires ProductType to match exactly and SuiteMask bits
// to be present. So "GreaterThanOrEqualTo 5.1 SP2" holds for XP SP3 and for
// any 6.x.
func evalWindowsVersion(r *Rule, m Machine) (bool, error) {
	cmp := EqualTo
	if v, ok := r.Attr("Comparison"); ok {
		cmp = Comparison(v)
	}
	if !isOrdering(cmp) {
		return false, fmt.Errorf("unsupported comparison %q", cmp)
	}
	ver := m.OSVersion()
	c := 0
	for _, f := range []struct {
		name string
		have int
	}{
		{"MajorVersion", ver.Major}, {"MinorVersion", ver.Minor}, {"BuildNumber", ver.Build},
		{"ServicePackMajor", ver.SPMajor}, {"ServicePackMinor", ver.SPMinor},
	} {
		want, ok, err := intAttr(r, f.name)
		if err != nil {
			return false, err
		}
		if ok && c == 0 {
			c = cmp3(uint64(f.have), uint64(want))
		}
	}
	if !compareOrdered(cmp, c) {
		return false, nil
	}
	if pt, ok, err := intAttr(r, "ProductType"); err != nil {
		return false, err
	} else if ok && pt != ver.ProductType {
		return false, nil
	}
	if mask, ok, err := intAttr(r, "SuiteMask"); err != nil {
		return false, err
	} else if ok {
		if attr(r, "AllSuitesMustBePresent") == "true" {
			return ver.SuiteMask&mask == mask, nil
		}
		return ver.SuiteMask&mask != 0, nil
	}
	return true, nil
}

func evalProcessor(r *Rule, m Machine) (bool, error) {
	n, _, err := intAttr(r, "Architecture")
	if err != nil {
		return false, err
	}
	return Architecture(n) == m.Architecture(), nil
}

func evalMsiProduct(r *Rule, m Machine) (bool, error) {
	return m.MSIProductInstalled(attr(r, "ProductCode")), nil
}

func evalMsiPatch(r *Rule, m Machine) (bool, error) {
	return m.MSIPatchInstalled(attr(r, "PatchCode")), nil
}

func isOrdering(c Comparison) bool {
	switch c {
	case EqualTo, LessThan, LessThanOrEqualTo, GreaterThan, GreaterThanOrEqualTo:
		return true
	}
	return false
}

func cmp3(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareOrdered applies cmp to the sign c of (machine value - rule value).
func compareOrdered(cmp Comparison, c int) bool {
	switch cmp {
	case EqualTo:
		return c == 0
	case LessThan:
		return c < 0
	case LessThanOrEqualTo:
		return c <= 0
	case GreaterThan:
		return c > 0
	case GreaterThanOrEqualTo:
		return c >= 0
	}
	return false
}

// parseVersion splits a dotted version into at most four numeric parts.
func parseVersion(v string) ([]uint64, error) {
	parts := strings.Split(v, ".")
	if v == "" || len(parts) > 4 {
		return nil, fmt.Errorf("bad version %q", v)
	}
	out := make([]uint64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("bad version %q", v)
		}
		out[i] = n
	}
	return out, nil
}

// CompareVersions compares dotted versions numerically per component
// ("5.1.2600.5512" < "5.1.2600.10000"); missing components count as 0.
// It returns -1, 0 or 1.
func CompareVersions(a, b string) (int, error) {
	va, err := parseVersion(a)
	if err != nil {
		return 0, fmt.Errorf("updatexml: %w", err)
	}
	vb, err := parseVersion(b)
	if err != nil {
		return 0, fmt.Errorf("updatexml: %w", err)
	}
	for i := 0; i < 4; i++ {
		var x, y uint64
		if i < len(va) {
			x = va[i]
		}
		if i < len(vb) {
			y = vb[i]
		}
		if c := cmp3(x, y); c != 0 {
			return c, nil
		}
	}
	return 0, nil
}
