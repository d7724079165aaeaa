package clientws

import (
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestInstalledDriverNilHWID: a driver without a computer hardware ID match
// is written with MatchingComputerHWID as xsi:nil in its WSDL place, as the
// native agent writes it; one with an ID is written as generated; both read
// back.
func TestInstalledDriverNilHWID(t *testing.T) {
	d := InstalledDriver{MatchingID: `STORAGE\Volume`, DriverVerDate: NewDateTime(time.Date(2006, 6, 21, 0, 0, 0, 0, time.UTC)),
		DriverVerVersion: 1, Class: "c", DriverRank: -1}
	out, err := xml.Marshal(struct {
		XMLName xml.Name        `xml:"Device"`
		D       InstalledDriver `xml:"installedDriver"`
	}{D: d})
	if err != nil {
		t.Fatal(err)
	}
	want := `<Class>c</Class><MatchingComputerHWID a:nil="true" xmlns:a="` + NamespaceXSI + `"></MatchingComputerHWID><DriverRank>-1</DriverRank>`
	if !strings.Contains(string(out), want) {
		t.Errorf("marshalled %s\nwant it to contain %s", out, want)
	}
	var back struct {
		D InstalledDriver `xml:"installedDriver"`
	}
	if err := xml.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back.D.MatchingID, d.MatchingID) || back.D.DriverRank != -1 {
		t.Errorf("read back %+v, %v", back.D, err)
	}
	d.MatchingComputerHWID = "0005a67e-b5cb-59d5-b9fd-be410637d24e"
	out, err = xml.Marshal(struct {
		XMLName xml.Name        `xml:"Device"`
		D       InstalledDriver `xml:"installedDriver"`
	}{D: d})
	if err != nil || !strings.Contains(string(out), "<MatchingComputerHWID>0005a67e") {
		t.Errorf("with an ID: %s, %v", out, err)
	}
}

// TestNilGuidMirrors: the MarshalXML methods list InstalledDriver's and
// ExtensionDriver's fields by hand; a field added to a generated type must
// be added there too.
func TestNilGuidMirrors(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want []string
	}{
		{InstalledDriver{}, []string{"MatchingID", "DriverVerDate", "DriverVerVersion", "Class", "Manufacturer", "Provider", "Model",
			"MatchingComputerHWID", "DriverRank", "SkipProviderFiltering", "IsGeneric"}},
		{ExtensionDriver{}, []string{"ExtensionId", "DriverVerDate", "DriverVerVersion", "Class", "DriverRank", "MatchingComputerHWID"}},
	} {
		typ := reflect.TypeOf(tt.v)
		var names []string
		for i := range typ.NumField() {
			names = append(names, typ.Field(i).Name)
		}
		if !reflect.DeepEqual(names, tt.want) {
			t.Errorf("%s fields %v; its MarshalXML writes %v: update it", typ.Name(), names, tt.want)
		}
	}
}
