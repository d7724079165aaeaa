package main

import (
	"encoding/pem"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
)

// An https server with a certificate the agent does not trust fails with
// ERROR_WINHTTP_SECURE_FAILURE, as WinHTTP reports it; --ca-file and
// --insecure make it trusted.
func TestTLSTrust(t *testing.T) {
	srv, err := mockwsus.New(mockwsus.Config{Version: mockwsus.VersionFixed, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	ts.StartTLS()
	defer ts.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"sync", "--server", ts.URL, "--profile", "xp-sp3", "--seed", "2", "--log", filepath.Join(t.TempDir(), "wu.log"), "--json"}
	out, _, err := runCLI(t, base...)
	if exitCode(err) != 1 || !strings.Contains(out, "0x80072F8F") {
		t.Errorf("untrusted certificate: exit %d, %s", exitCode(err), out)
	}
	for _, extra := range [][]string{{"--ca-file", ca}, {"--insecure"}} {
		out, _, err := runCLI(t, append(append([]string{}, base...), extra...)...)
		if err != nil || !strings.Contains(out, `"hresult": "0x00000000"`) {
			t.Errorf("%v: %v %s", extra, err, out)
		}
	}
	if _, _, err := runCLI(t, append(append([]string{}, base...), "--ca-file", filepath.Join(t.TempDir(), "none.pem"))...); exitCode(err) != 2 {
		t.Errorf("missing --ca-file: exit %d", exitCode(err))
	}
}
