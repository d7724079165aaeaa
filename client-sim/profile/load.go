package profile

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/wsusmock/wsusmock/internal/yamlguard"
	"github.com/wsusmock/wsusmock/updatexml"
)

// fileProfile is the YAML schema. It is separate from Profile because a
// file overlays a base: pointer fields tell "not given" from zero (SP 0 and
// minor version 0 are real values), and lists are added to the base's.
type fileProfile struct {
	Base                  string                             `yaml:"base"`
	Name                  string                             `yaml:"name"`
	OS                    *fileOS                            `yaml:"os"`
	ProcessorArchitecture string                             `yaml:"processorArchitecture"`
	Locale                string                             `yaml:"locale"`
	OSLocale              *int                               `yaml:"osLocale"`
	AgentVersion          string                             `yaml:"agentVersion"`
	Manufacturer          string                             `yaml:"manufacturer"`
	Model                 string                             `yaml:"model"`
	BIOSVersion           string                             `yaml:"biosVersion"`
	BIOSName              string                             `yaml:"biosName"`
	BIOSReleaseDate       string                             `yaml:"biosReleaseDate"`
	Registry              map[string]map[string]fileRegValue `yaml:"registry"`
	Files                 map[string]string                  `yaml:"files"`
	MSIProducts           []string                           `yaml:"msiProducts"`
	MSIPatches            []string                           `yaml:"msiPatches"`
	InstalledUpdates      []string                           `yaml:"installedUpdates"`
	AcceptXpress          *bool                              `yaml:"acceptXpress"`
}

type fileOS struct {
	Major       *int    `yaml:"major"`
	Minor       *int    `yaml:"minor"`
	Build       *int    `yaml:"build"`
	SPMajor     *int    `yaml:"spMajor"`
	SPMinor     *int    `yaml:"spMinor"`
	ProductType *int    `yaml:"productType"`
	SuiteMask   *int    `yaml:"suiteMask"`
	Description *string `yaml:"description"`
}

// fileRegValue is one registry value: exactly one of the fields is set,
// e.g. `Path: {sz: 'C:\Program Files\'}` or `Start: {dword: 2}`.
type fileRegValue struct {
	DWord    *uint32 `yaml:"dword"`
	SZ       *string `yaml:"sz"`
	ExpandSZ *string `yaml:"expandSz"`
}

// Load reads a profile file. See Parse.
func Load(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	return Parse(data, path)
}

// Resolve returns the built-in profile called nameOrPath or, when there is
// none, loads nameOrPath as a file.
func Resolve(nameOrPath string) (*Profile, error) {
	if _, ok := builtins[nameOrPath]; ok {
		return Builtin(nameOrPath)
	}
	if _, err := os.Stat(nameOrPath); err != nil {
		return nil, fmt.Errorf("profile: %q is neither a built-in profile (%s) nor a readable file: %w",
			nameOrPath, strings.Join(Names(), ", "), err)
	}
	return Load(nameOrPath)
}

// Parse decodes a YAML profile; filename is used in error messages and, when
// the file has no name field, as the profile name (without extension).
// Decoding is strict: an unknown field or a value of the wrong type is an
// error of the form "profile: FILE:LINE:COL: field "os.major": ..." followed
// by the offending source lines. A file with "base: NAME" starts from that
// built-in: scalar fields replace the base's, registry values and files are
// merged in, and lists are added to.
func Parse(data []byte, filename string) (*Profile, error) {
	if filename == "" {
		filename = "<profile>"
	}
	idx := indexYAML(data)
	var fp fileProfile
	if err := yamlguard.Call(func() error { return yaml.UnmarshalWithOptions(data, &fp, yaml.Strict()) }); err != nil {
		return nil, decodeError(filename, idx, err)
	}
	fail := func(path []string, format string, args ...any) error {
		return idx.errorAt(filename, path, fmt.Sprintf(format, args...))
	}

	p := &Profile{}
	if fp.Base != "" {
		b, err := Builtin(fp.Base)
		if err != nil {
			return nil, fail([]string{"base"}, "%v", strings.TrimPrefix(err.Error(), "profile: "))
		}
		p = b
	}
	if p.Registry == nil {
		p.Registry = map[string]map[string]updatexml.RegValue{}
	}
	if p.Files == nil {
		p.Files = map[string]string{}
	}

	p.Name = firstNonEmpty(fp.Name, strings.TrimSuffix(filepath.Base(filename), filepath.Ext(filename)))
	if o := fp.OS; o != nil {
		setInt(&p.OS.Major, o.Major)
		setInt(&p.OS.Minor, o.Minor)
		setInt(&p.OS.Build, o.Build)
		setInt(&p.OS.SPMajor, o.SPMajor)
		setInt(&p.OS.SPMinor, o.SPMinor)
		setInt(&p.OS.ProductType, o.ProductType)
		setInt(&p.OS.SuiteMask, o.SuiteMask)
		if o.Description != nil {
			p.OS.Description = *o.Description
		}
	}
	if fp.AcceptXpress != nil {
		p.AcceptXpress = *fp.AcceptXpress
	}
	if fp.ProcessorArchitecture != "" {
		a, err := updatexml.ParseArchitecture(fp.ProcessorArchitecture)
		if err != nil {
			return nil, fail([]string{"processorArchitecture"}, "unknown architecture %q (want x86, ia64 or amd64)", fp.ProcessorArchitecture)
		}
		p.ProcessorArchitecture = a
	}
	p.Locale = firstNonEmpty(fp.Locale, p.Locale)
	setInt(&p.OSLocale, fp.OSLocale)
	p.AgentVersion = firstNonEmpty(fp.AgentVersion, p.AgentVersion)
	p.Manufacturer = firstNonEmpty(fp.Manufacturer, p.Manufacturer)
	p.Model = firstNonEmpty(fp.Model, p.Model)
	p.BIOSVersion = firstNonEmpty(fp.BIOSVersion, p.BIOSVersion)
	p.BIOSName = firstNonEmpty(fp.BIOSName, p.BIOSName)
	if fp.BIOSReleaseDate != "" {
		t, err := time.Parse(time.DateOnly, fp.BIOSReleaseDate)
		if err != nil {
			return nil, fail([]string{"biosReleaseDate"}, "want a date like 2008-04-14, got %q", fp.BIOSReleaseDate)
		}
		p.BIOSReleaseDate = t
	}

	for _, key := range slices.Sorted(maps.Keys(fp.Registry)) {
		path := []string{"registry", key}
		if !knownHive(key) {
			return nil, fail(path, "registry key %q does not start with a hive (HKEY_LOCAL_MACHINE, HKLM, ...)", key)
		}
		dst := registryKey(p.Registry, key)
		for _, name := range slices.Sorted(maps.Keys(fp.Registry[key])) {
			v, err := fp.Registry[key][name].value()
			if err != nil {
				return nil, fail(append(path, name), "value %q: %v", name, err)
			}
			dst[name] = v
		}
	}
	for _, path := range slices.Sorted(maps.Keys(fp.Files)) {
		v := fp.Files[path]
		if v != "" {
			if _, err := updatexml.CompareVersions(v, v); err != nil {
				return nil, fail([]string{"files", path}, "file %q: version %q is not like 11.0.8173.0", path, v)
			}
		}
		p.Files[path] = v
	}
	var err error
	if p.MSIProducts, err = addCodes(p.MSIProducts, fp.MSIProducts, msiCode, "msiProducts", fail); err != nil {
		return nil, err
	}
	if p.MSIPatches, err = addCodes(p.MSIPatches, fp.MSIPatches, msiCode, "msiPatches", fail); err != nil {
		return nil, err
	}
	if p.InstalledUpdates, err = addCodes(p.InstalledUpdates, fp.InstalledUpdates, updateGUID, "installedUpdates", fail); err != nil {
		return nil, err
	}

	// Locale defaults: every built-in is en-US, and a file that only adds
	// registry keys should not have to say so.
	if p.Locale == "" && p.OSLocale == 0 {
		p.Locale, p.OSLocale = "en-US", 1033
	}
	if err := p.validate(); err != nil {
		return nil, fail(nil, "%v", err)
	}
	return p, nil
}

// registryKey finds the existing entry for key (ignoring case and hive
// abbreviations) so that a file adding values to a base key merges into it.
func registryKey(reg map[string]map[string]updatexml.RegValue, key string) map[string]updatexml.RegValue {
	want := canonicalKey(key, "")
	for k, vals := range reg {
		if canonicalKey(k, "") == want {
			if vals == nil {
				vals = map[string]updatexml.RegValue{}
				reg[k] = vals
			}
			return vals
		}
	}
	vals := map[string]updatexml.RegValue{}
	reg[key] = vals
	return vals
}

func (v fileRegValue) value() (updatexml.RegValue, error) {
	n := 0
	var out updatexml.RegValue
	if v.DWord != nil {
		n++
		out = updatexml.RegValue{Type: updatexml.RegDWORD, DWord: *v.DWord}
	}
	if v.SZ != nil {
		n++
		out = updatexml.RegValue{Type: updatexml.RegSZ, String: *v.SZ}
	}
	if v.ExpandSZ != nil {
		n++
		out = updatexml.RegValue{Type: updatexml.RegExpandSZ, String: *v.ExpandSZ}
	}
	if n != 1 {
		return updatexml.RegValue{}, errors.New("give exactly one of dword, sz, expandSz")
	}
	return out, nil
}

var (
	msiCode    = regexp.MustCompile(`^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$`)
	updateGUID = regexp.MustCompile(`^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$`)
)

func addCodes(have, add []string, re *regexp.Regexp, field string,
	fail func([]string, string, ...any) error) ([]string, error) {
	for i, c := range add {
		if !re.MatchString(c) {
			return nil, fail([]string{field, fmt.Sprint(i)}, "%q is not a GUID like %s", c, Office2003ProductCode)
		}
		if !hasCode(have, c) {
			have = append(have, c)
		}
	}
	return have, nil
}

func (p *Profile) validate() error {
	switch {
	case p.Name == "":
		return errors.New("name: must not be empty")
	case p.OS.Major <= 0:
		return errors.New("os.major: must be set (or use base:)")
	case p.OS.ProductType < 1 || p.OS.ProductType > 3:
		return fmt.Errorf("os.productType: must be 1 (workstation), 2 (domain controller) or 3 (server), got %d", p.OS.ProductType)
	case len(strings.Split(p.AgentVersion, ".")) != 4:
		return fmt.Errorf("agentVersion: want four parts like %s, got %q", agentVersionXPSP3, p.AgentVersion)
	}
	if _, err := updatexml.CompareVersions(p.AgentVersion, p.AgentVersion); err != nil {
		return fmt.Errorf("agentVersion: want four numbers like %s, got %q", agentVersionXPSP3, p.AgentVersion)
	}
	return nil
}

func setInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// yamlIndex maps YAML paths (mapping keys and sequence indexes) to source
// positions and tokens back to paths, so that both goccy's errors and our
// own validation errors can name the field and the line.
type yamlIndex struct {
	lines map[string]int    // joined path -> line of the key
	paths map[string]string // "line:col" of a key or value -> dotted path
}

// The decoder parses the source again, so its tokens are not ours: match
// them by position.
func posKey(tk *token.Token) string {
	return fmt.Sprintf("%d:%d", tk.Position.Line, tk.Position.Column)
}

const pathSep = "\x00"

func indexYAML(data []byte) *yamlIndex {
	idx := &yamlIndex{lines: map[string]int{}, paths: map[string]string{}}
	var f *ast.File
	err := yamlguard.Call(func() (err error) {
		f, err = parser.ParseBytes(data, 0)
		return err
	})
	if err != nil {
		return idx // the decoder reports the syntax error itself
	}
	for _, d := range f.Docs {
		idx.walk(d.Body, nil)
	}
	return idx
}

func (idx *yamlIndex) walk(n ast.Node, path []string) {
	switch n := n.(type) {
	case *ast.MappingNode:
		for _, mv := range n.Values {
			idx.walk(mv, path)
		}
	case *ast.MappingValueNode:
		key := ""
		if s, ok := n.Key.(*ast.StringNode); ok {
			key = s.Value
		} else if tk := n.Key.GetToken(); tk != nil {
			key = tk.Value
		}
		p := append(slices.Clone(path), key)
		if tk := n.Key.GetToken(); tk != nil {
			idx.lines[strings.Join(p, pathSep)] = tk.Position.Line
			idx.paths[posKey(tk)] = strings.Join(p, ".")
		}
		idx.mark(n.Value, p)
		idx.walk(n.Value, p)
	case *ast.SequenceNode:
		for i, v := range n.Values {
			p := append(slices.Clone(path), fmt.Sprint(i))
			if tk := v.GetToken(); tk != nil {
				idx.lines[strings.Join(p, pathSep)] = tk.Position.Line
			}
			idx.mark(v, p)
			idx.walk(v, p)
		}
	case *ast.TagNode:
		idx.walk(n.Value, path)
	case *ast.AnchorNode:
		idx.walk(n.Value, path)
	}
}

// mark records the value's own token, which is where goccy points type
// errors.
func (idx *yamlIndex) mark(n ast.Node, path []string) {
	if n == nil {
		return
	}
	if tk := n.GetToken(); tk != nil {
		if _, ok := idx.paths[posKey(tk)]; !ok {
			idx.paths[posKey(tk)] = strings.Join(path, ".")
		}
	}
}

// errorAt formats a validation error at path (nil: the whole file).
func (idx *yamlIndex) errorAt(filename string, path []string, msg string) error {
	if len(path) == 0 {
		return fmt.Errorf("profile: %s: %s", filename, msg)
	}
	field := strings.Join(path, ".")
	// Fall back to the nearest enclosing key that has a line.
	for i := len(path); i > 0; i-- {
		if line, ok := idx.lines[strings.Join(path[:i], pathSep)]; ok {
			return fmt.Errorf(`profile: %s:%d: field "%s": %s`, filename, line, field, msg)
		}
	}
	return fmt.Errorf(`profile: %s: field "%s": %s`, filename, field, msg)
}

// decodeError turns a goccy error into "profile: FILE:LINE:COL: field
// "x.y": message" plus goccy's caret-annotated source excerpt.
func decodeError(filename string, idx *yamlIndex, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return fmt.Errorf("profile: %s: %w", filename, err)
	}
	tk := ye.GetToken()
	field := idx.paths[posKey(tk)]
	var uf *yaml.UnknownFieldError
	if field == "" && errors.As(err, &uf) {
		field = tk.Value
	}
	msg := ye.GetMessage()
	var oe *yaml.OverflowError
	if errors.As(err, &oe) && oe.DstType != nil {
		msg = fmt.Sprintf("%s is out of range for %s", oe.SrcNum, oe.DstType)
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && te.DstType != nil && te.SrcType != nil {
		// goccy names our internal Go struct; say it in YAML terms.
		msg = fmt.Sprintf("cannot use a %s here: want %s", te.SrcType, yamlKind(te.DstType))
	}
	where := fmt.Sprintf("%s:%d:%d", filename, tk.Position.Line, tk.Position.Column)
	head := where + ": "
	if field != "" {
		// %s, not %q: registry paths are full of backslashes.
		head += fmt.Sprintf(`field "%s": `, field)
	}
	source := ye.FormatError(false, true)
	if _, rest, ok := strings.Cut(source, "\n"); ok {
		source = "\n" + rest
	} else {
		source = ""
	}
	return &decodeErr{msg: "profile: " + head + msg + source, err: err}
}

func yamlKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	case reflect.Slice:
		return "a list"
	}
	return t.String()
}

// decodeErr keeps goccy's error reachable with errors.As while printing our
// one-line prefix first.
type decodeErr struct {
	msg string
	err error
}

func (e *decodeErr) Error() string { return e.msg }
func (e *decodeErr) Unwrap() error { return e.err }
