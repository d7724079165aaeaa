package clientsim_test

import (
	"encoding/json"
	"strings"
	"testing"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
)

func TestHResult(t *testing.T) {
	tests := []struct {
		in   string
		want clientsim.HResult
	}{
		{"0x8024400E", clientsim.HRSoapServer},
		{"0x8024400e", clientsim.HRSoapServer},
		{"8024400e", clientsim.HRSoapServer},
		{"-2145107954", clientsim.HRSoapServer}, // ReportingEvent.Win32HResult
		{"0", clientsim.HRSuccess},
	}
	for _, tt := range tests {
		got, err := clientsim.ParseHResult(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseHResult(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	if _, err := clientsim.ParseHResult("0xZZ"); err == nil {
		t.Error("ParseHResult accepted 0xZZ")
	}
	if s := clientsim.HRSoapServer.String(); s != "0x8024400E" {
		t.Errorf("String() = %s", s)
	}
	if !clientsim.HRTimeout.Failed() || clientsim.HRSuccess.Failed() {
		t.Error("Failed() wrong")
	}
	for status, want := range map[int]clientsim.HResult{404: clientsim.HRHTTPNotFound, 407: clientsim.HRHTTPProxyAuthReq,
		503: clientsim.HRHTTPUnavailable, 500: clientsim.HRHTTPServerError, 302: clientsim.HRHTTPNotMapped} {
		if got := clientsim.HTTPStatusHResult(status); got != want {
			t.Errorf("HTTPStatusHResult(%d) = %s, want %s", status, got, want)
		}
	}
}

// TestHResultJSON: a Result's hresult stays the "0x8024400E" string in JSON
// (the form tools and the golden files read) and reads back to the number.
func TestHResultJSON(t *testing.T) {
	for _, hr := range []clientsim.HResult{clientsim.HRSuccess, clientsim.HRSoapServer, clientsim.HRTimeout} {
		b, err := json.Marshal(clientsim.Result{HResult: hr})
		if err != nil {
			t.Fatal(err)
		}
		want := `"hresult":"` + hr.String() + `"`
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
		var back clientsim.Result
		if err := json.Unmarshal(b, &back); err != nil || back.HResult != hr {
			t.Errorf("read back %v (%v), want %v", back.HResult, err, hr)
		}
	}
}
