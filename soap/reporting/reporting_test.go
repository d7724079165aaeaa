package reporting_test

import (
	"encoding/xml"
	"github.com/wsusmock/wsusmock/internal/wiretest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/soap/reporting"
)

func batch() *reporting.ReportEventBatch {
	at := reporting.DateTime{Time: time.Date(2026, 10, 4, 15, 20, 47, 397000000, time.UTC)}
	return &reporting.ReportEventBatch{
		Cookie:     &reporting.Cookie{Expiration: reporting.DateTime{Time: time.Date(2026, 10, 4, 16, 3, 35, 996723600, time.UTC)}, EncryptedData: reporting.Base64Binary{0, 1, 2}},
		ClientTime: at,
		EventBatch: &reporting.ArrayOfReportingEvent{ReportingEvent: []*reporting.ReportingEvent{{
			BasicData: &reporting.BasicData{
				TargetID:        &reporting.ComputerTargetIdentifier{Sid: "e1da06a3-5601-43c9-bac3-52d5db701494"},
				SequenceNumber:  0,
				TimeAtTarget:    at,
				EventInstanceID: "fab199c1-6123-44f2-b01c-a5a92201b011",
				NamespaceID:     1,
				EventID:         reporting.EventDetectionFailed,
				SourceID:        101,
				UpdateID:        &reporting.UpdateRevisionIdentifier{UpdateID: "00000000-0000-0000-0000-000000000000"},
				Win32HResult:    -2145123314, // 0x8024400E
				AppName:         "AutomaticUpdates",
			},
			ExtendedData: &reporting.ExtendedData{
				ReplacementStrings:    &reporting.ArrayOfString{String: []string{"0x8024400e"}},
				MiscData:              &reporting.ArrayOfString{String: []string{"B=3", "C=3"}},
				ComputerBrand:         "QEMU",
				ComputerModel:         "Standard PC",
				BiosRevision:          "unknown",
				ProcessorArchitecture: reporting.ProcessorArchitectureX86Compatible,
				OSVersion:             &reporting.DetailedVersion{Major: 5, Minor: 1, Build: 2600, ServicePackMajor: 3},
				OSLocaleID:            1033,
			},
			PrivateData: &reporting.PrivateData{},
		}}},
	}
}

func TestRoundTrip(t *testing.T) {
	for name, msg := range map[string]any{
		"ReportEventBatch":         batch(),
		"ReportEventBatchResponse": &reporting.ReportEventBatchResponse{ReportEventBatchResult: true},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := xml.Marshal(msg)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(out), "<"+name+` xmlns="`+reporting.Namespace+`">`) {
				t.Errorf("marshal starts %.100s", out)
			}
			back := reflect.New(reflect.TypeOf(msg).Elem()).Interface()
			if err := xml.Unmarshal(out, back); err != nil {
				t.Fatal(err)
			}
			reflect.ValueOf(msg).Elem().FieldByName("XMLName").Set(reflect.ValueOf(xml.Name{Space: reporting.Namespace, Local: name}))
			if !reflect.DeepEqual(msg, back) {
				t.Errorf("round trip differs\n got %#v\nwant %#v\n xml %s", back, msg, out)
			}
		})
	}
}

func TestRequiredMembersAreWritten(t *testing.T) {
	out, err := xml.Marshal(reporting.ReportEventBatchResponse{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "<ReportEventBatchResult>false</ReportEventBatchResult>") {
		t.Errorf("marshal = %s, want an explicit false", out)
	}
	out, err = xml.Marshal(reporting.BasicData{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<SequenceNumber>0</SequenceNumber>", "<Win32HResult>0</Win32HResult>", "<EventID>0</EventID>"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("BasicData marshal lacks %s: %s", want, out)
		}
	}
}

func TestActions(t *testing.T) {
	const want = "http://www.microsoft.com/SoftwareDistribution/ReportEventBatch"
	if reporting.ActionReportEventBatch != want || reporting.Action("ReportEventBatch") != want {
		t.Errorf("action = %q", reporting.ActionReportEventBatch)
	}
}

func TestMarshalOrderFollowsWSDL(t *testing.T) {
	order := wiretest.SchemaOrder(t, "../wsdl/ReportingWebService.wsdl")
	types := wiretest.StructTypes([]reflect.Type{reflect.TypeFor[reporting.ReportEventBatch](), reflect.TypeFor[reporting.ReportEventBatchResponse]()})
	for name, want := range order {
		typ, ok := types[name]
		if !ok {
			t.Errorf("schema type %s has no generated Go type", name)
			continue
		}
		v := reflect.New(typ)
		wiretest.Fill(v.Elem(), 0)
		if got := wiretest.ChildNames(t, v.Interface()); !slices.Equal(got, want) {
			t.Errorf("%s marshals children %v, want WSDL order %v", name, got, want)
		}
	}
}

// TestCaptures decodes the three real ReportEventBatch exchanges, checks key fields and
// that writing them back gives the captured element trees.
func TestCaptures(t *testing.T) {
	dir := wiretest.FlowDir(t)
	tests := []struct {
		exchange string
		events   []int16
		hresult  int32 // of the first event
	}{
		{"000016", []int16{147, 148, 148, 148}, 0},
		{"000017", []int16{148, 148, 147, 156, 147, 156, 161, 161, 181}, -2145123272},
		{"000018", []int16{182, 182}, -2145099769},
	}
	for _, tt := range tests {
		t.Run(tt.exchange, func(t *testing.T) {
			for _, file := range []string{"request.body", "response.body"} {
				data, err := os.ReadFile(filepath.Join(dir, tt.exchange, file))
				if err != nil {
					t.Fatal(err)
				}
				var msg any = new(reporting.ReportEventBatch)
				if file == "response.body" {
					msg = new(reporting.ReportEventBatchResponse)
				}
				name, err := wiretest.DecodeBody(data, msg)
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				if name.Space != reporting.Namespace {
					t.Fatalf("%s: body element %v not in %s", file, name, reporting.Namespace)
				}
				env, err := wiretest.ParseTree(data)
				if err != nil {
					t.Fatal(err)
				}
				out, err := xml.Marshal(msg)
				if err != nil {
					t.Fatal(err)
				}
				got, err := wiretest.ParseTree(out)
				if err != nil {
					t.Fatal(err)
				}
				if diff, ok := wiretest.SameTree("", wiretest.BodyChild(env), got); !ok {
					t.Errorf("%s: %s", file, diff)
				}
				if r, ok := msg.(*reporting.ReportEventBatchResponse); ok && !r.ReportEventBatchResult {
					t.Errorf("ReportEventBatchResult = false, want true")
				}
				req, ok := msg.(*reporting.ReportEventBatch)
				if !ok {
					continue
				}
				if req.Cookie == nil || len(req.Cookie.EncryptedData) == 0 || req.ClientTime.IsZero() || req.EventBatch == nil {
					t.Fatalf("request = %+v", req)
				}
				var ids []int16
				for _, ev := range req.EventBatch.ReportingEvent {
					ids = append(ids, ev.BasicData.EventID)
				}
				if !slices.Equal(ids, tt.events) {
					t.Errorf("EventIDs = %v, want %v", ids, tt.events)
				}
				first := req.EventBatch.ReportingEvent[0]
				b, x := first.BasicData, first.ExtendedData
				if b.Win32HResult != tt.hresult || b.NamespaceID != 1 || b.SourceID != 101 ||
					b.TargetID == nil || b.TargetID.Sid != "e1da06a3-5601-43c9-bac3-52d5db701494" || b.EventInstanceID == "" {
					t.Errorf("first BasicData = %+v", b)
				}
				if x == nil || x.ProcessorArchitecture != reporting.ProcessorArchitectureAmd64Compatible || x.OSLocaleID != 1033 ||
					x.OSVersion == nil || x.OSVersion.Build != 26200 || x.MiscData == nil || len(x.MiscData.String) == 0 {
					t.Errorf("first ExtendedData = %+v", x)
				}
				if first.PrivateData == nil {
					t.Error("empty <PrivateData/> was not decoded")
				}
			}
		})
	}

	// exchange 000016's detection-succeeded event, in full
	req := new(reporting.ReportEventBatch)
	if _, err := wiretest.DecodeBody(wiretest.ReadCapture(t, "000016", "request.body"), req); err != nil {
		t.Fatal(err)
	}
	ev := req.EventBatch.ReportingEvent[0]
	wantAt := time.Date(2026, 10, 4, 15, 20, 47, 397000000, time.UTC)
	if ev.BasicData.EventID != reporting.EventDetectionSucceeded || !ev.BasicData.TimeAtTarget.Equal(wantAt) ||
		ev.BasicData.AppName != "OOBE ZDP" || ev.BasicData.UpdateID == nil || ev.BasicData.UpdateID.UpdateID != "00000000-0000-0000-0000-000000000000" ||
		ev.ExtendedData.ReplacementStrings == nil || ev.ExtendedData.ReplacementStrings.String[0] != "0" {
		t.Errorf("event 147 = %+v / %+v", ev.BasicData, ev.ExtendedData)
	}
}
