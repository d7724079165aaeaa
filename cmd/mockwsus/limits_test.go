package main

import (
	"context"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/adminclient"
	clientsim "github.com/wsusmock/wsusmock/client-sim"
)

func TestByteSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"4194304", 4 << 20, true},
		{"4MiB", 4 << 20, true},
		{"64KiB", 64 << 10, true},
		{"64 KB", 64 << 10, true},
		{"1GiB", 1 << 30, true},
		{"512B", 512, true},
		{"0", 0, true},
		{"", 0, false},
		{"-1", 0, false},
		{"4 MiBs", 0, false},
		{"1.5MiB", 0, false},
		{"99999999999GiB", 0, false},
	} {
		var b byteSize
		err := b.Set(tt.in)
		if (err == nil) != tt.ok || (tt.ok && int64(b) != tt.want) {
			t.Errorf("Set(%q) = %d, %v; want %d, ok %t", tt.in, int64(b), err, tt.want, tt.ok)
		}
	}
	for _, tt := range []struct {
		v    byteSize
		want string
	}{{4 << 20, "4MiB"}, {64 << 10, "64KiB"}, {1000, "1000"}, {0, "0"}} {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("String(%d) = %q, want %q", int64(tt.v), got, tt.want)
		}
	}
}

func TestBadLimitFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--page-size", "0"},
		{"--max-body", "0"},
		{"--max-body", "lots"},
		{"--max-header-bytes", "2GiB"},
		{"--max-elements", "-1"},
		{"--max-installed-prerequisites", "0"},
		{"--max-cached-updates", "-5"},
		{"--max-extended-updates", "0"},
		{"--cookie-lifetime", "10ms"},
		{"--write-timeout", "0s"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // a flag accepted by mistake serves until then
		err := run(ctx, append([]string{"--addr", "127.0.0.1:0", "--admin-addr", ""}, args...), io.Discard, io.Discard)
		cancel()
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")) {
			t.Errorf("%v: %v, want an error naming the flag", args, err)
		}
	}
}

// The limit flags reach the server: a smaller page and batch mean more
// round trips for the same updates, and bodies and headers past the given
// sizes get 413 and 431.
func TestLimitFlagsReachTheServer(t *testing.T) {
	base, stopBase := start(t, "--addr", "127.0.0.1:0", "--admin-addr", "", "--behaviour", "kb954960=fixed")
	defer stopBase()
	small, stopSmall := start(t, "--addr", "127.0.0.1:0", "--admin-addr", "", "--behaviour", "kb954960=fixed",
		"--page-size", "2", "--max-extended-updates", "1", "--max-body", "8KiB", "--max-header-bytes", "4KiB")
	defer stopSmall()

	want, got := syncOffice(t, base), syncOffice(t, small)
	if !got.Success || !reflect.DeepEqual(got.Updates, want.Updates) {
		t.Fatalf("sync with small pages: success %t, %d updates; want the %d of the defaults", got.Success, len(got.Updates), len(want.Updates))
	}
	if got.RoundTrips <= want.RoundTrips {
		t.Errorf("round trips with --page-size 2 --max-extended-updates 1: %d, want more than the defaults' %d", got.RoundTrips, want.RoundTrips)
	}

	post := func(body string, header string) int {
		req, err := http.NewRequest("POST", small+"/ClientWebService/client.asmx", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", `"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetConfig"`)
		req.Header.Set("X-Padding", header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	envelope := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetConfig xmlns="http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService"><protocolVersion>1.8</protocolVersion></GetConfig></soap:Body></soap:Envelope>`
	if code := post(envelope, "x"); code != http.StatusOK {
		t.Errorf("GetConfig under the limits: %d, want 200", code)
	}
	if code := post(envelope+strings.Repeat(" ", 8<<10), "x"); code != http.StatusRequestEntityTooLarge {
		t.Errorf("body over --max-body: %d, want 413", code)
	}
	if code := post(envelope, strings.Repeat("x", 16<<10)); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("headers over --max-header-bytes: %d, want 431", code)
	}
}

// The request-size limits reach the server too: an Office 2003 computer's
// SyncUpdates carries more installed non-leaf IDs than 5 and more elements
// than 40, and fails the way those limits say.
func TestRequestLimitFlagsReachTheServer(t *testing.T) {
	for _, tt := range []struct {
		flag, value string
		check       func(*clientsim.Result) bool
		want        string
	}{
		{"--max-installed-prerequisites", "5", func(r *clientsim.Result) bool {
			return r.Fault != nil && r.Fault.ErrorCode == "InvalidParameters" && r.FailedOperation == "SyncUpdates"
		}, "an InvalidParameters fault on SyncUpdates"},
		{"--max-elements", "40", func(r *clientsim.Result) bool {
			return !r.Success && r.FailedOperation == "SyncUpdates"
		}, "SyncUpdates refused"},
	} {
		url, stop := start(t, "--addr", "127.0.0.1:0", "--admin-addr", "", "--behaviour", "kb954960=fixed", tt.flag, tt.value)
		res := syncOffice(t, url)
		if !tt.check(res) {
			t.Errorf("%s %s: success %t, %s in %s (fault %+v); want %s", tt.flag, tt.value, res.Success, res.HResult, res.FailedOperation, res.Fault, tt.want)
		}
		stop()
	}
}

// --server-log-limit reaches the server: past it, the admin API serves the
// newest lines only and says from which offset.
func TestServerLogLimitFlag(t *testing.T) {
	_, admin, stop := startBoth(t, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--server-log-limit", "4KiB")
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := adminclient.New(admin)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		if _, err := c.Decline(ctx, []string{"KB950749", "KB951646", "KB842532"}[i%3]); err != nil {
			t.Fatal(err)
		}
	}
	l, err := c.ServerLog(ctx, 0)
	if err != nil || l.Offset == 0 || len(l.Text) > 4096 || l.Size != l.Offset+int64(len(l.Text)) {
		t.Errorf("ServerLog(0) = %d bytes from %d of %d, %v; want at most 4 KiB, the oldest dropped", len(l.Text), l.Offset, l.Size, err)
	}
	if msg := startError(t, "--server-log-limit", "100"); !strings.Contains(msg, "server-log-limit") {
		t.Errorf("--server-log-limit 100: %q, want a refusal naming the flag", msg)
	}
}

// startError runs mockwsus with args that must be refused at start and
// returns run's error text ("" when it ran).
func startError(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := run(ctx, append([]string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"}, args...), io.Discard, io.Discard)
	if err == nil {
		return ""
	}
	return err.Error()
}
