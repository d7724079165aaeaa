package soap

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/xmlstream"
)

// DecodeOptions.Checked against plain decoding: the discarded SystemSpec
// is checked exactly as strictly whether its content was seen before or
// not, and everything else decodes to the same value. Fuzz with
//
//	go test -run='^$' -fuzz=FuzzCheckedDecode -fuzztime=60s ./soap/

// fastSyncUpdates decodes data as a SyncUpdates request on the fast path
// alone (ok is false where it declines), with checked (nil: none).
func fastSyncUpdates(data []byte, checked *xmlstream.Checked) (*clientws.SyncUpdates, bool) {
	req, _, ok := sniffStream(data)
	if !ok {
		return nil, false
	}
	d := req.stream
	req.stream = nil
	d.SetChecked(checked)
	var v clientws.SyncUpdates
	if v.DecodeStream(d, req.Operation.Space, req.Operation.Local) != nil || !finishStream(d) {
		return nil, false
	}
	return &v, true
}

// publicSyncUpdates is what a server gets from the public entry point,
// with or without checked.
func publicSyncUpdates(data []byte, checked *xmlstream.Checked) (*clientws.SyncUpdates, error) {
	req, _, err := sniff(data)
	if fast, _, ok := sniffStream(data); ok {
		req, err = fast, nil
	}
	if err != nil {
		return nil, err
	}
	var v clientws.SyncUpdates
	err = req.DecodeWith(&v, DecodeOptions{Checked: checked})
	return &v, err
}

func withoutSystemSpec(v *clientws.SyncUpdates) *clientws.SyncUpdates {
	if v == nil || v.Parameters == nil {
		return v
	}
	c, p := *v, *v.Parameters
	p.SystemSpec = nil
	c.Parameters = &p
	return &c
}

// checkCheckedAgrees fails when decoding data with checked declines,
// errs or reads anything but the SystemSpec differently from decoding it
// without.
func checkCheckedAgrees(t *testing.T, data []byte, checked *xmlstream.Checked) {
	t.Helper()
	plain, plainOK := fastSyncUpdates(data, nil)
	got, gotOK := fastSyncUpdates(data, checked)
	if plainOK != gotOK {
		t.Fatalf("fast path: without Checked ok=%v, with ok=%v:\n%q", plainOK, gotOK, data)
	}
	if gotOK {
		if got.Parameters != nil && got.Parameters.SystemSpec != nil {
			t.Fatalf("the discarded SystemSpec was kept:\n%q", data)
		}
		if !reflect.DeepEqual(got, withoutSystemSpec(plain)) {
			t.Fatalf("fast path: values differ beyond the SystemSpec:\nwith    %+v\nwithout %+v\ninput %q", got, plain, data)
		}
	}
	pPlain, errPlain := publicSyncUpdates(data, nil)
	pGot, errGot := publicSyncUpdates(data, checked)
	if (errPlain == nil) != (errGot == nil) || errPlain != nil && errPlain.Error() != errGot.Error() {
		t.Fatalf("DecodeWith: error %v, Decode: error %v:\n%q", errGot, errPlain, data)
	}
	if errGot == nil && !reflect.DeepEqual(withoutSystemSpec(pGot), withoutSystemSpec(pPlain)) {
		t.Fatalf("DecodeWith: values differ beyond the SystemSpec:\n%q", data)
	}
}

const (
	driverScanHead = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><SyncUpdates xmlns="` + clientws.Namespace + `"><cookie><EncryptedData>AAAA</EncryptedData></cookie><parameters><ExpressQuery>false</ExpressQuery><InstalledNonLeafUpdateIDs><int>16</int></InstalledNonLeafUpdateIDs><SystemSpec>`
	driverScanSpec = `<Device><HardwareIDs><string>PCI\VEN_8086&amp;DEV_1234</string><string>PCI\VEN_8086</string></HardwareIDs><CompatibleIDs><string>PCI\CC_0300</string></CompatibleIDs><installedDriver><MatchingID>PCI\VEN_8086&amp;DEV_1234</MatchingID><DriverVerDate>2006-06-21T00:00:00</DriverVerDate><DriverVerVersion>1</DriverVerVersion><Class>Display</Class><Provider>Microsoft</Provider></installedDriver><DeviceFlags>1</DeviceFlags></Device>`
	driverScanTail = `</SystemSpec><SkipSoftwareSync>true</SkipSoftwareSync></parameters></SyncUpdates></s:Body></s:Envelope>`
)

func driverScanDoc(spec, end string) []byte {
	return []byte(strings.Replace(driverScanHead+spec+driverScanTail, "</SystemSpec>", end, 1))
}

// TestCheckedKeepsEveryCheck: with a Checked that has seen a driver scan's
// SystemSpec, every near miss of it (a wrong end tag after the same
// content, the content cut or grown, a bad date or number inside, an
// element of the same name inside) is refused or read exactly as without
// Checked; the content seen is passed over and remembered once.
func TestCheckedKeepsEveryCheck(t *testing.T) {
	valid := driverScanDoc(driverScanSpec, "</SystemSpec>")
	checked := &xmlstream.Checked{MaxBytes: 1 << 20}
	for range 2 {
		checkCheckedAgrees(t, valid, checked)
	}
	if v, ok := fastSyncUpdates(valid, checked); !ok || v.Parameters.SkipSoftwareSync != true || len(v.Parameters.InstalledNonLeafUpdateIDs.Int) != 1 {
		t.Fatalf("the valid driver scan did not decode on the fast path: %+v", v)
	}
	if n := checked.Len(); n != 1 {
		t.Fatalf("Checked remembers %d contents, want the one SystemSpec", n)
	}
	for _, tc := range []struct{ name, spec, end string }{
		{"same content, end tag of another name", driverScanSpec, "</SystemSpecs>"},
		{"same content, end tag of a longer name", driverScanSpec, "</SystemSpecX>"},
		{"same content, end tag with space", driverScanSpec, "</SystemSpec >"},
		{"same content, end tag unclosed", driverScanSpec, "</SystemSpec"},
		{"content cut", driverScanSpec[:len(driverScanSpec)-len("</Device>")], "</SystemSpec>"},
		{"content grown", driverScanSpec + driverScanSpec, "</SystemSpec>"},
		{"bad date", strings.Replace(driverScanSpec, "2006-06-21T00:00:00", "2006-13-21T00:00:00", 1), "</SystemSpec>"},
		{"bad number", strings.Replace(driverScanSpec, "<DeviceFlags>1<", "<DeviceFlags>x<", 1), "</SystemSpec>"},
		{"bad entity", strings.Replace(driverScanSpec, "&amp;", "&amp", 1), "</SystemSpec>"},
		{"same name inside", strings.Replace(driverScanSpec, "</Device>", "<SystemSpec></SystemSpec></Device>", 1), "</SystemSpec>"},
		{"same name inside, unclosed", strings.Replace(driverScanSpec, "</Device>", "<SystemSpec></Device>", 1), "</SystemSpec>"},
		{"empty", "", "</SystemSpec>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := driverScanDoc(tc.spec, tc.end)
			checkCheckedAgrees(t, doc, checked)
			checkCheckedAgrees(t, doc, checked) // now seen, if it passed
		})
	}
	// The near misses that passed are remembered too; a full Checked stops
	// remembering and still checks.
	full := &xmlstream.Checked{MaxBytes: 10}
	for range 2 {
		checkCheckedAgrees(t, valid, full)
	}
	if n := full.Len(); n != 0 {
		t.Fatalf("a Checked of 10 bytes remembers %d contents", n)
	}
}

// TestCheckedCapturedDriverScan: the captured driver pass decodes with
// Checked to Decode's value without its SystemSpec, on the fast path,
// first and again.
func TestCheckedCapturedDriverScan(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(shared.FlowDir(t), "000014", "request.body"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, []byte("<SystemSpec>")) {
		t.Fatal("capture 000014 is no longer the driver pass")
	}
	checked := &xmlstream.Checked{MaxBytes: 1 << 20}
	for range 2 {
		checkCheckedAgrees(t, body, checked)
		if _, ok := fastSyncUpdates(body, checked); !ok {
			t.Fatal("the captured driver pass left the fast path")
		}
	}
	if n := checked.Len(); n != 1 {
		t.Fatalf("Checked remembers %d contents, want 1", n)
	}
}

// FuzzCheckedDecode: after decoding warm with a Checked, data decodes
// with it (twice: unseen, then maybe seen) as it does without, but for
// the SystemSpec.
func FuzzCheckedDecode(f *testing.F) {
	valid := driverScanDoc(driverScanSpec, "</SystemSpec>")
	f.Add(valid, valid)
	f.Add(valid, driverScanDoc(driverScanSpec, "</SystemSpecX>"))
	f.Add(valid, driverScanDoc(strings.Replace(driverScanSpec, "</Device>", "<SystemSpec></SystemSpec></Device>", 1), "</SystemSpec>"))
	f.Add(valid, driverScanDoc(strings.Replace(driverScanSpec, "2006-06-21", "2006-06-32", 1), "</SystemSpec>"))
	f.Fuzz(func(t *testing.T, warm, data []byte) {
		checked := &xmlstream.Checked{MaxBytes: 1 << 20}
		checkCheckedAgrees(t, warm, checked)
		checkCheckedAgrees(t, data, checked)
		checkCheckedAgrees(t, data, checked)
	})
}
