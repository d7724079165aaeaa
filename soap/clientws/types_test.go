package clientws_test

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/soap/clientws"
)

func TestBase64BinaryMarshalsAsBase64(t *testing.T) {
	c := clientws.Cookie{EncryptedData: clientws.Base64Binary{0, 1, 2, 0xff}}
	out, err := xml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "<EncryptedData>AAEC/w==</EncryptedData>") {
		t.Errorf("marshal = %s, want base64 AAEC/w==", out)
	}
	var back clientws.Cookie
	if err := xml.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if string(back.EncryptedData) != string(c.EncryptedData) {
		t.Errorf("round trip = %v, want %v", back.EncryptedData, c.EncryptedData)
	}
}

func TestBase64BinaryUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: "AAEC", want: "\x00\x01\x02"},
		{in: " AA\nEC\r\n", want: "\x00\x01\x02"}, // XML Schema allows whitespace
		{in: "", want: ""},
		{in: "not base64!", wantErr: true},
	}
	for _, tt := range tests {
		var b clientws.Base64Binary
		err := b.UnmarshalText([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("UnmarshalText(%q) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && string(b) != tt.want {
			t.Errorf("UnmarshalText(%q) = %q, want %q", tt.in, b, tt.want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "clientws: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
}

func TestDateTimeMarshalsLikeWSUS(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 10, 4, 16, 3, 35, 996723600, time.UTC), "2026-10-04T16:03:35.9967236Z"},
		{time.Date(2026, 10, 4, 16, 3, 35, 0, time.UTC), "2026-10-04T16:03:35.0000000Z"},
		// converted to UTC; digits beyond 100 ns are cut, as .NET ticks would be
		{time.Date(2026, 10, 4, 18, 3, 35, 123456789, time.FixedZone("CEST", 2*3600)), "2026-10-04T16:03:35.1234567Z"},
	}
	for _, tt := range tests {
		got, err := clientws.NewDateTime(tt.in).MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("MarshalText(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	utc := func(ns int) time.Time { return time.Date(2026, 10, 4, 15, 20, 47, ns, time.UTC) }
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "2026-10-04T15:20:47.9967236Z", want: utc(996723600)},
		{in: "2026-10-04T15:20:47.397Z", want: utc(397000000)},
		{in: "2026-10-04T15:20:47Z", want: utc(0)},
		{in: "2026-10-04T15:20:47", want: utc(0)},
		{in: "2026-10-04T15:20:47.5", want: utc(500000000)},
		{in: "2026-10-04T17:20:47+02:00", want: utc(0)},
		{in: "2026-10-04T17:20:47.25+02:00", want: utc(250000000)},
		{in: "  2026-10-04T15:20:47Z\n", want: utc(0)},
		{in: "", want: time.Time{}},
		{in: "2026-10-04", wantErr: true},
		{in: "yesterday", wantErr: true},
	}
	for _, tt := range tests {
		got, err := clientws.ParseDateTime(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseDateTime(%q) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("ParseDateTime(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDateTimeAsAttribute(t *testing.T) {
	v := clientws.Verification{
		Timestamp:         clientws.NewDateTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)),
		LeafCertificateId: 7,
		Signature:         clientws.Base64Binary{1, 2, 3},
	}
	out, err := xml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `<Verification Timestamp="2026-01-02T03:04:05.0000000Z" LeafCertificateId="7" Signature="AQID"></Verification>`
	if string(out) != want {
		t.Errorf("marshal = %s, want %s", out, want)
	}
	var back clientws.Verification
	if err := xml.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Timestamp.Equal(v.Timestamp.Time) || string(back.Signature) != "\x01\x02\x03" {
		t.Errorf("round trip = %+v", back)
	}
}

func TestActions(t *testing.T) {
	const want = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates"
	if clientws.ActionSyncUpdates != want || clientws.Action(clientws.OpSyncUpdates) != want {
		t.Errorf("SyncUpdates action = %q / %q, want %q", clientws.ActionSyncUpdates, clientws.Action("SyncUpdates"), want)
	}
}
