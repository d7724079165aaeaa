package soap_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/xmlstream"
)

// driverScan is a SyncUpdates request with a driver scan's SystemSpec:
// hardware IDs (one escaped), a driver with its date, class and provider.
func driverScan() *clientws.SyncUpdates {
	dev := func(id string) *clientws.Device {
		return &clientws.Device{
			HardwareIDs:   &clientws.ArrayOfString{String: []string{`PCI\VEN_8086&DEV_` + id, `PCI\VEN_8086&DEV_` + id + `&SUBSYS_00000000`}},
			CompatibleIDs: &clientws.ArrayOfString{String: []string{`PCI\CC_0300`, "x<y"}},
			InstalledDriver: &clientws.InstalledDriver{
				MatchingID:    `PCI\VEN_8086&DEV_` + id,
				DriverVerDate: clientws.NewDateTime(time.Date(2006, 6, 21, 0, 0, 0, 0, time.UTC)),
				Class:         "Display", Manufacturer: "Intel", Provider: "Microsoft",
			},
		}
	}
	return &clientws.SyncUpdates{
		Cookie: &clientws.Cookie{EncryptedData: clientws.Base64Binary(bytes.Repeat([]byte{7}, 64))},
		Parameters: &clientws.SyncUpdateParameters{
			SystemSpec: &clientws.ArrayOfDevice{Device: []*clientws.Device{dev("1234"), dev("5678")}},
		},
	}
}

func decodeInterned(t testing.TB, body []byte, in *xmlstream.Interner) *clientws.SyncUpdates {
	t.Helper()
	if in == nil {
		return decodeWith(t, body, nil)
	}
	return decodeWith(t, body, &soap.DecodeOptions{Strings: in})
}

// decodeWith decodes body as a SyncUpdates request with opts (nil:
// Decode).
func decodeWith(t testing.TB, body []byte, opts *soap.DecodeOptions) *clientws.SyncUpdates {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/ClientWebService/client.asmx", bytes.NewReader(body))
	soap.SetRequestHeaders(r.Header, soap.SOAP11, clientws.ActionSyncUpdates)
	req, err := soap.ReadRequest(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer req.Release()
	var got clientws.SyncUpdates
	if opts == nil {
		err = req.Decode(&got)
	} else {
		err = req.DecodeWith(&got, *opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &got
}

// TestDecodeWithSharesStrings: DecodeWith with Strings gives Decode's value, and
// a second request's strings are the first's (the same bytes in memory),
// escaped texts included; an interner that is full still decodes the same
// value and keeps what it held.
func TestDecodeWithSharesStrings(t *testing.T) {
	body, err := soap.EncodeRequest(soap.SOAP11, driverScan())
	if err != nil {
		t.Fatal(err)
	}
	want := decodeInterned(t, body, nil) // Decode's value
	in := &xmlstream.Interner{MinLen: 1, MaxBytes: 1 << 20}
	first := decodeInterned(t, body, in)
	second := decodeInterned(t, body, in)
	for i, got := range []*clientws.SyncUpdates{first, second} {
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decode %d differs from Decode's:\n got %+v\nwant %+v", i, got.Parameters.SystemSpec.Device[0], want.Parameters.SystemSpec.Device[0])
		}
	}
	same := func(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }
	for i, d := range second.Parameters.SystemSpec.Device {
		d1 := first.Parameters.SystemSpec.Device[i]
		for j, s := range d.HardwareIDs.String {
			if !same(s, d1.HardwareIDs.String[j]) {
				t.Errorf("device %d hardware ID %d (%q) was allocated again, not shared", i, j, s)
			}
		}
		for j, s := range d.CompatibleIDs.String {
			if !same(s, d1.CompatibleIDs.String[j]) {
				t.Errorf("device %d compatible ID %d (%q, escaped on the wire) was allocated again", i, j, s)
			}
		}
		if !same(d.InstalledDriver.Provider, d1.InstalledDriver.Provider) {
			t.Errorf("device %d driver provider was allocated again", i)
		}
	}

	// Too small for the texts: it fills, then only looks up.
	tiny := &xmlstream.Interner{MinLen: 1, MaxBytes: 40}
	for range 2 {
		if got := decodeInterned(t, body, tiny); !reflect.DeepEqual(got, want) {
			t.Fatalf("with a full interner the value differs: %+v", got.Parameters.SystemSpec.Device[0])
		}
	}
	// Decode (no interner) shares nothing.
	a, b := decodeInterned(t, body, nil), decodeInterned(t, body, nil)
	if same(a.Parameters.SystemSpec.Device[0].InstalledDriver.Provider, b.Parameters.SystemSpec.Device[0].InstalledDriver.Provider) {
		t.Error("without an interner two requests share a string")
	}
}

// BenchmarkDecodeDriverScan decodes the captured driver pass (flow/000014:
// 51 KB, 75 devices with their hardware IDs) with Decode, with Strings (as
// the server did before Checked), and as the server does, with Strings and
// Checked (warm, as in a fleet: the SystemSpec seen before):
//
//	go test -run '^$' -bench DecodeDriverScan -benchmem ./soap/
func BenchmarkDecodeDriverScan(b *testing.B) {
	body, err := os.ReadFile(filepath.Join(shared.FlowDir(b), "000014", "request.body"))
	if err != nil {
		b.Fatal(err)
	}
	strs := &xmlstream.Interner{MinLen: 1, MaxBytes: 4 << 20}
	for _, bc := range []struct {
		name    string
		opts    *soap.DecodeOptions
		devices int
	}{
		{"Decode", nil, 75},
		{"Strings", &soap.DecodeOptions{Strings: strs}, 75},
		{"StringsChecked", &soap.DecodeOptions{Strings: strs, Checked: &xmlstream.Checked{MaxBytes: 4 << 20}}, 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				got := decodeWith(b, body, bc.opts)
				n := 0
				if got.Parameters.SystemSpec != nil {
					n = len(got.Parameters.SystemSpec.Device)
				}
				if n != bc.devices || len(got.Parameters.InstalledNonLeafUpdateIDs.Int) == 0 {
					b.Fatalf("decoded %d devices (want %d) and %d installed IDs", n, bc.devices, len(got.Parameters.InstalledNonLeafUpdateIDs.Int))
				}
			}
		})
	}
}
