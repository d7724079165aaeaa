package updatexml

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Element names of the applicability rules. Real fragments carry no XML
// namespaces: the schema prefixes ("b." base rules, "m." MSI rules) are part
// of the element name text, so they are written and matched literally.
const (
	NameAnd                     = "And"
	NameOr                      = "Or"
	NameNot                     = "Not"
	NameTrue                    = "True"
	NameFalse                   = "False"
	NameRegKeyExists            = "b.RegKeyExists"
	NameRegValueExists          = "b.RegValueExists"
	NameRegDword                = "b.RegDword"
	NameRegSz                   = "b.RegSz"
	NameRegExpandSz             = "b.RegExpandSz"
	NameFileVersion             = "b.FileVersion"
	NameFileExists              = "b.FileExists"
	NameFileVersionPrependRegSz = "b.FileVersionPrependRegSz"
	NameFileExistsPrependRegSz  = "b.FileExistsPrependRegSz"
	NameWindowsVersion          = "b.WindowsVersion"
	NameProcessor               = "b.Processor"
	NameMsiProductInstalled     = "m.MsiProductInstalled"
	NameMsiPatchInstalled       = "m.MsiPatchInstalled"
)

// Comparison is the value of a rule's Comparison attribute.
type Comparison string

// Comparisons understood by the evaluator. The first five apply to numbers
// and versions; the string ones apply to b.RegSz and b.RegExpandSz.
const (
	EqualTo              Comparison = "EqualTo"
	LessThan             Comparison = "LessThan"
	LessThanOrEqualTo    Comparison = "LessThanOrEqualTo"
	GreaterThan          Comparison = "GreaterThan"
	GreaterThanOrEqualTo Comparison = "GreaterThanOrEqualTo"
	Contains             Comparison = "Contains"
	BeginsWith           Comparison = "BeginsWith"
	EndsWith             Comparison = "EndsWith"
)

// Rule is one node of an applicability expression. It is deliberately a
// generic element (name, ordered attributes, children) rather than one Go
// type per rule: the agent must be able to parse and re-render rules it does
// not understand (real catalogs carry b.LicenseDword, b.WmiQuery, ...), and
// only refuse them when asked to evaluate.
type Rule struct {
	// Name is the element name as written, e.g. "And" or "b.RegDword".
	Name string
	// Attrs are the attributes in document order.
	Attrs []Attr
	// Children are the operands of And, Or and Not; leaves have none.
	Children []*Rule
}

// Attr returns the value of the named attribute.
func (r *Rule) Attr(name string) (string, bool) {
	for _, a := range r.Attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// String renders the rule as fragment XML.
func (r *Rule) String() string {
	var b bytes.Buffer
	writeRule(&b, r)
	return b.String()
}

// Leaf builds a rule element with the given attributes, for rules that have
// no dedicated constructor.
func Leaf(name string, attrs ...Attr) *Rule {
	return &Rule{Name: name, Attrs: attrs}
}

// And is true when every operand is true.
func And(rules ...*Rule) *Rule { return &Rule{Name: NameAnd, Children: rules} }

// Or is true when at least one operand is true.
func Or(rules ...*Rule) *Rule { return &Rule{Name: NameOr, Children: rules} }

// Not negates its single operand.
func Not(r *Rule) *Rule { return &Rule{Name: NameNot, Children: []*Rule{r}} }

// True is the constant rule WSUS uses for "always installed" detectoids.
func True() *Rule { return &Rule{Name: NameTrue} }

// False is the constant false rule.
func False() *Rule { return &Rule{Name: NameFalse} }

// RegKeyExists: the registry key key\subkey exists (key is the hive name,
// e.g. HKEY_LOCAL_MACHINE).
func RegKeyExists(key, subkey string) *Rule {
	return Leaf(NameRegKeyExists, Attr{"Key", key}, Attr{"Subkey", subkey})
}

// RegValueExists: the value exists under key\subkey. regType (REG_SZ,
// REG_DWORD, ...) may be empty to accept any type.
func RegValueExists(key, subkey, value, regType string) *Rule {
	r := Leaf(NameRegValueExists, Attr{"Key", key}, Attr{"Subkey", subkey}, Attr{"Value", value})
	if regType != "" {
		r.Attrs = append(r.Attrs, Attr{"Type", regType})
	}
	return r
}

// RegDword compares a REG_DWORD value with data.
func RegDword(key, subkey, value string, cmp Comparison, data uint32) *Rule {
	return Leaf(NameRegDword, Attr{"Key", key}, Attr{"Subkey", subkey}, Attr{"Value", value},
		Attr{"Comparison", string(cmp)}, Attr{"Data", strconv.FormatUint(uint64(data), 10)})
}

// RegSz compares a REG_SZ value with data (EqualTo, Contains, BeginsWith,
// EndsWith).
func RegSz(key, subkey, value string, cmp Comparison, data string) *Rule {
	return Leaf(NameRegSz, Attr{"Key", key}, Attr{"Subkey", subkey}, Attr{"Value", value},
		Attr{"Comparison", string(cmp)}, Attr{"Data", data})
}

// FileVersion compares the version resource of a file with version. Optional
// attributes (Csidl, File) go in extra, e.g. Csidl(CSIDLSystem). The
// attribute order Path, Comparison, Version, Csidl is the one real WSUS
// fragments use.
func FileVersion(path string, cmp Comparison, version string, extra ...Attr) *Rule {
	r := Leaf(NameFileVersion, Attr{"Path", path}, Attr{"Comparison", string(cmp)}, Attr{"Version", version})
	r.Attrs = append(r.Attrs, extra...)
	return r
}

// FileExists: the file exists. Optional Csidl goes in extra.
func FileExists(path string, extra ...Attr) *Rule {
	r := Leaf(NameFileExists, Attr{"Path", path})
	r.Attrs = append(r.Attrs, extra...)
	return r
}

// WindowsVersion compares the OS version with major.minor. Optional fields
// go in extra (BuildNumber, ServicePackMajor, ServicePackMinor, ProductType,
// SuiteMask helpers); they are put into the canonical attribute order
// regardless of argument order, so equal rules render identically.
func WindowsVersion(cmp Comparison, major, minor int, extra ...Attr) *Rule {
	all := append([]Attr{
		{"Comparison", string(cmp)},
		{"MajorVersion", strconv.Itoa(major)},
		{"MinorVersion", strconv.Itoa(minor)},
	}, extra...)
	order := []string{"Comparison", "MajorVersion", "MinorVersion", "BuildNumber",
		"ServicePackMajor", "ServicePackMinor", "AllSuitesMustBePresent", "SuiteMask", "ProductType"}
	r := Leaf(NameWindowsVersion)
	for _, name := range order {
		for _, a := range all {
			if a.Name == name {
				r.Attrs = append(r.Attrs, a)
			}
		}
	}
	// Unknown names are kept (after the known ones) so that the evaluator,
	// not the constructor, reports them.
	for _, a := range all {
		if !contains(order, a.Name) {
			r.Attrs = append(r.Attrs, a)
		}
	}
	return r
}

// Processor: the processor architecture is arch.
func Processor(arch Architecture) *Rule {
	return Leaf(NameProcessor, Attr{"Architecture", strconv.Itoa(int(arch))})
}

// MsiProductInstalled: the MSI product with this ProductCode
// ("{90110409-6000-11D3-8CFE-0150048383C9}") is installed.
func MsiProductInstalled(productCode string) *Rule {
	return Leaf(NameMsiProductInstalled, Attr{"ProductCode", productCode})
}

// MsiPatchInstalled: the MSI patch with this PatchCode is installed.
func MsiPatchInstalled(patchCode string) *Rule {
	return Leaf(NameMsiPatchInstalled, Attr{"PatchCode", patchCode})
}

// BuildNumber is an optional b.WindowsVersion attribute.
func BuildNumber(n int) Attr { return Attr{"BuildNumber", strconv.Itoa(n)} }

// ServicePackMajor is an optional b.WindowsVersion attribute.
func ServicePackMajor(n int) Attr { return Attr{"ServicePackMajor", strconv.Itoa(n)} }

// ServicePackMinor is an optional b.WindowsVersion attribute.
func ServicePackMinor(n int) Attr { return Attr{"ServicePackMinor", strconv.Itoa(n)} }

// ProductType is an optional b.WindowsVersion attribute (1 workstation,
// 2 domain controller, 3 server). It is matched exactly, not compared.
func ProductType(n int) Attr { return Attr{"ProductType", strconv.Itoa(n)} }

// SuiteMask is an optional b.WindowsVersion attribute: at least one of the
// bits must be set on the machine.
func SuiteMask(mask int) Attr { return Attr{"SuiteMask", strconv.Itoa(mask)} }

// Csidl is an optional attribute of the file rules: Path is relative to this
// shell folder.
func Csidl(n int) Attr { return Attr{"Csidl", strconv.Itoa(n)} }

// CSIDL values that file rules commonly use.
const (
	CSIDLWindows            = 36 // C:\WINDOWS
	CSIDLSystem             = 37 // C:\WINDOWS\system32
	CSIDLProgramFiles       = 38 // C:\Program Files
	CSIDLSystemX86          = 41
	CSIDLProgramFilesX86    = 42
	CSIDLProgramFilesCommon = 43 // C:\Program Files\Common Files
)

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func writeRule(b *bytes.Buffer, r *Rule) {
	if r == nil {
		return
	}
	if len(r.Children) == 0 {
		writeEmpty(b, r.Name, r.Attrs)
		return
	}
	writeStart(b, r.Name, r.Attrs)
	b.WriteByte('>')
	for _, c := range r.Children {
		writeRule(b, c)
	}
	b.WriteString("</")
	b.WriteString(r.Name)
	b.WriteByte('>')
}

// ruleFromNode converts a parsed element into a Rule. Rule elements carry no
// text; anything else is a malformed fragment.
func ruleFromNode(n *node) (*Rule, error) {
	if trimmed := strings.TrimSpace(n.text); trimmed != "" {
		return nil, fmt.Errorf("rule %s has unexpected text %q", n.name, truncate(trimmed))
	}
	r := &Rule{Name: n.name, Attrs: n.attrs}
	for _, c := range n.children {
		cr, err := ruleFromNode(c)
		if err != nil {
			return nil, err
		}
		r.Children = append(r.Children, cr)
	}
	return r, nil
}

// ParseRule parses one rule element, e.g. `<Or><True /></Or>`.
func ParseRule(fragment string) (*Rule, error) {
	nodes, err := parseFragment(fragment)
	if err != nil {
		return nil, fmt.Errorf("updatexml: parse rule: %w", err)
	}
	if len(nodes) != 1 {
		return nil, fmt.Errorf("updatexml: parse rule: want 1 element, got %d", len(nodes))
	}
	r, err := ruleFromNode(nodes[0])
	if err != nil {
		return nil, fmt.Errorf("updatexml: parse rule: %w", err)
	}
	return r, nil
}
