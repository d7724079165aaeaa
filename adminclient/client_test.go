package adminclient_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/adminclient"
	"github.com/wsusmock/wsusmock/mockwsus"
)

func TestToken(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good", "  file-token  \nsecond line ignored\n")
	empty := write("empty", "\n\nlater")
	env := func(v string) func(string) string {
		return func(name string) string {
			if name != adminclient.TokenEnv {
				t.Errorf("read the environment variable %s", name)
			}
			return v
		}
	}
	tests := []struct {
		name, flag, file, env string
		want, wantErr         string
	}{
		{name: "none", want: ""},
		{name: "flag", flag: "f", env: "e", want: "f"},
		{name: "file", file: good, env: "e", want: "file-token"},
		{name: "environment", env: "e", want: "e"},
		{name: "both flags", flag: "f", file: good, wantErr: "not both"},
		{name: "empty file", file: empty, wantErr: "holds no token"},
		{name: "missing file", file: filepath.Join(dir, "nope"), wantErr: "reading the admin token"},
		{name: "control character", flag: "a\x01b", wantErr: "control characters"},
		{name: "space in the environment", env: "a b", wantErr: adminclient.TokenEnv},
	}
	for _, tt := range tests {
		got, err := adminclient.Token(tt.flag, tt.file, env(tt.env))
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: %q, %v; want an error saying %q", tt.name, got, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		case err != nil && strings.Contains(err.Error(), "a\x01b"):
			t.Errorf("%s: the error %q carries the token", tt.name, err)
		}
	}
}

// Errors carry the status and the server's message; JournalAll follows the
// pages; ServerLog reads from an offset.
func TestClientAgainstServer(t *testing.T) {
	srv, err := mockwsus.New(mockwsus.Config{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	l, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", AdminToken: "t0k"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Shutdown(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := adminclient.New(l.AdminURL+"/", adminclient.WithToken("t0k"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SetVersion(ctx, "banana")
	if !adminclient.IsStatus(err, 400) || !strings.Contains(err.Error(), `version "banana" is not a WSUS version`) || !strings.Contains(err.Error(), "PUT /version") {
		t.Errorf("SetVersion(banana) = %v, want a 400 with the server's message", err)
	}
	anon, _ := adminclient.New(l.AdminURL)
	if _, err := anon.Computers(ctx); !adminclient.IsStatus(err, 401) || !strings.Contains(err.Error(), "no token was sent") {
		t.Errorf("without a token: %v, want a 401 that says no token was sent", err)
	}
	for i := range 7 {
		if err := c.SetMode(ctx, "sql-timeout", []string{"buggy", "fixed"}[i%2], ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Decline(ctx, "KB842532"); err != nil {
		t.Fatal(err)
	}
	all, err := c.JournalAll(ctx, mockwsus.JournalQuery{Limit: 2, Kind: "admin"})
	if err != nil || len(all) != 9 || all[0].Operation != "start" || all[8].Operation != "decline" {
		t.Fatalf("JournalAll = %d entries %v", len(all), err)
	}
	whole, err := c.ServerLog(ctx, 0)
	if err != nil || whole.Size == 0 || !strings.Contains(whole.Text, "Declined revision") {
		t.Fatalf("ServerLog(0) = %+v, %v", whole, err)
	}
	if tail, err := c.ServerLog(ctx, whole.Size); err != nil || tail.Text != "" || tail.Offset != whole.Size {
		t.Errorf("ServerLog(size) = %+v, %v; want nothing from %d", tail, err, whole.Size)
	}
	if _, err := c.ServerLog(ctx, whole.Size+1); !adminclient.IsStatus(err, 416) {
		t.Errorf("ServerLog past the end: %v, want 416", err)
	}
	if _, err := adminclient.New("127.0.0.1:8539"); err == nil {
		t.Error("New took a URL without a scheme")
	}
}
