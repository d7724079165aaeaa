package updatexml

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// office2003Detectoid is the "Office 2003" detectoid of the KB954960
// catalog (docs/architecture.md, Shared facts).
func office2003Detectoid() *Core {
	return &Core{
		Identity:      Identity{UpdateID: "6a12a8a6-0d05-4d49-8e0f-1e1b2a6c2003", RevisionNumber: 101},
		UpdateType:    UpdateTypeDetectoid,
		Prerequisites: []Prerequisite{Require(Identity{UpdateID: "477b856e-65c4-4473-b621-a8b230bb70d9"})},
		IsInstalled:   Or(MsiProductInstalled(officeCode), RegKeyExists(hklm, office)),
	}
}

func TestCoreRender(t *testing.T) {
	tests := []struct {
		name string
		core *Core
		want string
	}{
		{
			name: "office 2003 detectoid",
			core: office2003Detectoid(),
			want: `<UpdateIdentity UpdateID="6a12a8a6-0d05-4d49-8e0f-1e1b2a6c2003" RevisionNumber="101" />` +
				`<Properties UpdateType="Detectoid" />` +
				`<Relationships><Prerequisites><UpdateIdentity UpdateID="477b856e-65c4-4473-b621-a8b230bb70d9" /></Prerequisites></Relationships>` +
				`<ApplicabilityRules><IsInstalled><Or>` +
				`<m.MsiProductInstalled ProductCode="{90110409-6000-11D3-8CFE-0150048383C9}" />` +
				`<b.RegKeyExists Key="HKEY_LOCAL_MACHINE" Subkey="SOFTWARE\Microsoft\Office\11.0\Common\InstallRoot" />` +
				`</Or></IsInstalled></ApplicabilityRules>`,
		},
		{
			name: "category without relationships or rules",
			core: &Core{Identity: Identity{UpdateID: "477b856e-65c4-4473-b621-a8b230bb70d9", RevisionNumber: 100}, UpdateType: UpdateTypeCategory},
			want: `<UpdateIdentity UpdateID="477b856e-65c4-4473-b621-a8b230bb70d9" RevisionNumber="100" /><Properties UpdateType="Category" />`,
		},
		{
			name: "software with every relationship",
			core: &Core{
				Identity:   Identity{UpdateID: "aaaaaaaa-0000-0000-0000-000000000001", RevisionNumber: 3},
				UpdateType: UpdateTypeSoftware,
				Properties: []Attr{{"ExplicitlyDeployable", "true"}, {"AutoSelectOnWebSites", "true"}},
				Prerequisites: []Prerequisite{
					Require(Identity{UpdateID: "p1"}),
					AnyOf(Identity{UpdateID: "p2"}),
					// Parsing sets AtLeastOne for every group, so the round
					// trip below compares equal only with it set.
					{AnyOf: []Identity{{UpdateID: "p3"}}, AtLeastOne: true, IsCategory: true},
					AnyOf(Identity{UpdateID: "p4"}, Identity{UpdateID: "p5"}),
				},
				BundledUpdates:    []Identity{{UpdateID: "b1", RevisionNumber: 200}},
				SupersededUpdates: []Identity{{UpdateID: "s1"}},
				IsInstalled:       False(),
				IsInstallable:     Not(WindowsVersion(LessThan, 5, 1, ServicePackMajor(2), ProductType(1))),
				IsSuperseded:      True(),
			},
			want: `<UpdateIdentity UpdateID="aaaaaaaa-0000-0000-0000-000000000001" RevisionNumber="3" />` +
				`<Properties UpdateType="Software" ExplicitlyDeployable="true" AutoSelectOnWebSites="true" />` +
				`<Relationships><SupersededUpdates><UpdateIdentity UpdateID="s1" /></SupersededUpdates>` +
				`<Prerequisites><UpdateIdentity UpdateID="p1" /><AtLeastOne><UpdateIdentity UpdateID="p2" /></AtLeastOne>` +
				`<AtLeastOne IsCategory="true"><UpdateIdentity UpdateID="p3" /></AtLeastOne>` +
				`<AtLeastOne><UpdateIdentity UpdateID="p4" /><UpdateIdentity UpdateID="p5" /></AtLeastOne></Prerequisites>` +
				`<BundledUpdates><UpdateIdentity UpdateID="b1" RevisionNumber="200" /></BundledUpdates></Relationships>` +
				`<ApplicabilityRules><IsInstalled><False /></IsInstalled><IsSuperseded><True /></IsSuperseded>` +
				`<IsInstallable><Not><b.WindowsVersion Comparison="LessThan" MajorVersion="5" MinorVersion="1" ServicePackMajor="2" ProductType="1" /></Not></IsInstallable>` +
				`</ApplicabilityRules>`,
		},
		{
			name: "escaping",
			core: &Core{Identity: Identity{UpdateID: "x", RevisionNumber: 1}, UpdateType: UpdateTypeDetectoid,
				IsInstalled: RegSz(hklm, `SOFTWARE\A&B`, "V", EqualTo, `say "<hi>"`)},
			want: `<UpdateIdentity UpdateID="x" RevisionNumber="1" /><Properties UpdateType="Detectoid" />` +
				`<ApplicabilityRules><IsInstalled><b.RegSz Key="HKEY_LOCAL_MACHINE" Subkey="SOFTWARE\A&amp;B" Value="V" Comparison="EqualTo" Data="say &quot;&lt;hi&gt;&quot;" /></IsInstalled></ApplicabilityRules>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.core.Render()
			if got != tt.want {
				t.Fatalf("Render:\n got %s\nwant %s", got, tt.want)
			}
			back, err := ParseCore(got)
			if err != nil {
				t.Fatalf("ParseCore(Render()): %v", err)
			}
			if !reflect.DeepEqual(back, tt.core) {
				t.Fatalf("round trip changed the core:\n got %#v\nwant %#v", back, tt.core)
			}
		})
	}
}

func TestWindowsVersionAttributeOrder(t *testing.T) {
	a := WindowsVersion(EqualTo, 5, 1, ProductType(1), ServicePackMajor(3), BuildNumber(2600))
	b := WindowsVersion(EqualTo, 5, 1, BuildNumber(2600), ServicePackMajor(3), ProductType(1))
	want := `<b.WindowsVersion Comparison="EqualTo" MajorVersion="5" MinorVersion="1" BuildNumber="2600" ServicePackMajor="3" ProductType="1" />`
	if a.String() != want || b.String() != want {
		t.Fatalf("got\n%s\n%s\nwant\n%s", a, b, want)
	}
}

func TestParseCoreBundledAtLeastOne(t *testing.T) {
	// Real WSUS groups bundled updates in AtLeastOne; the model flattens.
	frag := `<UpdateIdentity UpdateID="u" RevisionNumber="200" /><Properties UpdateType="Software" />` +
		`<Relationships><BundledUpdates><AtLeastOne><UpdateIdentity UpdateID="a" RevisionNumber="200" />` +
		`<UpdateIdentity UpdateID="b" RevisionNumber="201" /></AtLeastOne><UpdateIdentity UpdateID="c" RevisionNumber="1" /></BundledUpdates></Relationships>`
	c, err := ParseCore(frag)
	if err != nil {
		t.Fatal(err)
	}
	want := []Identity{{"a", 200}, {"b", 201}, {"c", 1}}
	if !reflect.DeepEqual(c.BundledUpdates, want) {
		t.Fatalf("BundledUpdates = %v, want %v", c.BundledUpdates, want)
	}
}

func TestParseCoreWhitespace(t *testing.T) {
	frag := "\n  <UpdateIdentity UpdateID=\"u\" RevisionNumber=\"1\"/>\n  <Properties UpdateType=\"Detectoid\"/>\n" +
		"  <ApplicabilityRules>\n    <IsInstalled>\n      <And>\n        <True/>\n      </And>\n    </IsInstalled>\n  </ApplicabilityRules>\n"
	c, err := ParseCore(frag)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.IsInstalled.String(); got != "<And><True /></And>" {
		t.Fatalf("IsInstalled = %s", got)
	}
}

func TestParseCoreErrors(t *testing.T) {
	const id = `<UpdateIdentity UpdateID="u" RevisionNumber="1" />`
	const props = `<Properties UpdateType="Detectoid" />`
	tests := []struct {
		name, frag, errHas string
	}{
		{"empty", ``, "must start with"},
		{"not xml", `hello`, "unexpected text"},
		{"unclosed", id + props + `<Relationships>`, ""},
		{"mismatched end", id + props + `<Relationships></ApplicabilityRules>`, "closed by"},
		{"stray end", id + props + `</Relationships>`, ""},
		{"missing properties", id, "must start with"},
		{"properties first", props + id, "must start with"},
		{"no revision", `<UpdateIdentity UpdateID="u" />` + props, "RevisionNumber"},
		{"bad revision", `<UpdateIdentity UpdateID="u" RevisionNumber="x" />` + props, "RevisionNumber"},
		{"negative revision", `<UpdateIdentity UpdateID="u" RevisionNumber="-1" />` + props, "RevisionNumber"},
		{"no update id", `<UpdateIdentity RevisionNumber="1" />` + props, "UpdateID"},
		{"identity extra attribute", `<UpdateIdentity UpdateID="u" RevisionNumber="1" Foo="1" />` + props, "Foo"},
		{"no update type", id + `<Properties />`, "UpdateType"},
		{"properties children", id + `<Properties UpdateType="Software"><X /></Properties>`, "content"},
		{"unknown top element", id + props + `<Files />`, "Files"},
		{"duplicate relationships", id + props + `<Relationships /><Relationships />`, "duplicate"},
		{"unknown relationship", id + props + `<Relationships><Uninstalls /></Relationships>`, "Uninstalls"},
		{"prerequisite junk", id + props + `<Relationships><Prerequisites><And /></Prerequisites></Relationships>`, "And"},
		{"atleastone junk attr", id + props + `<Relationships><Prerequisites><AtLeastOne Foo="1" /></Prerequisites></Relationships>`, "Foo"},
		{"atleastone junk child", id + props + `<Relationships><Prerequisites><AtLeastOne><True /></AtLeastOne></Prerequisites></Relationships>`, "True"},
		{"superseded junk", id + props + `<Relationships><SupersededUpdates><AtLeastOne /></SupersededUpdates></Relationships>`, "AtLeastOne"},
		{"unknown applicability", id + props + `<ApplicabilityRules><Metadata /></ApplicabilityRules>`, "Metadata"},
		{"empty is installed", id + props + `<ApplicabilityRules><IsInstalled /></ApplicabilityRules>`, "exactly one rule"},
		{"two rules", id + props + `<ApplicabilityRules><IsInstalled><True /><True /></IsInstalled></ApplicabilityRules>`, "exactly one rule"},
		{"duplicate is installed", id + props + `<ApplicabilityRules><IsInstalled><True /></IsInstalled><IsInstalled><True /></IsInstalled></ApplicabilityRules>`, "duplicate"},
		{"rule text", id + props + `<ApplicabilityRules><IsInstalled><True>yes</True></IsInstalled></ApplicabilityRules>`, "text"},
		{"reserved wrapper name", id + props + `</updatexml-fragment><updatexml-fragment>`, "reserved"},
		{"directive", `<!DOCTYPE x>` + id + props, ""},
		{"undefined entity", id + `<Properties UpdateType="&bogus;" />`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCore(tt.frag)
			if err == nil {
				t.Fatalf("ParseCore(%q) = %+v, want error", tt.frag, c)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if !strings.HasPrefix(err.Error(), "updatexml: parse core: ") || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("error %q: want prefix \"updatexml: parse core: \" and %q", err, tt.errHas)
			}
		})
	}
}

func TestParseRule(t *testing.T) {
	r, err := ParseRule(`<Not><b.Processor Architecture="9" /></Not>`)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, Not(Processor(ArchAMD64))) {
		t.Fatalf("got %v", r)
	}
	for _, bad := range []string{``, `<True /><False />`, `<True>x</True>`, `<True`} {
		if _, err := ParseRule(bad); err == nil {
			t.Errorf("ParseRule(%q): want error", bad)
		}
	}
}

func TestParseCoreDepthLimit(t *testing.T) {
	deep := strings.Repeat("<Not>", maxDepth+10) + "<True />" + strings.Repeat("</Not>", maxDepth+10)
	frag := `<UpdateIdentity UpdateID="u" RevisionNumber="1" /><Properties UpdateType="Detectoid" />` +
		`<ApplicabilityRules><IsInstalled>` + deep + `</IsInstalled></ApplicabilityRules>`
	if _, err := ParseCore(frag); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Fatalf("want depth error, got %v", err)
	}
}
