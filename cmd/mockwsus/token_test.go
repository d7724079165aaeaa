package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/adminclient"
)

// The admin token reaches the server from --admin-token, from
// --admin-token-file and from MOCKWSUS_ADMIN_TOKEN alike: without it the
// admin API answers 401, with it 200, and GET /healthz needs none.
func TestAdminTokenSources(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		env   string
		token string
	}{
		{"flag", []string{"--admin-token", "from-flag"}, "", "from-flag"},
		{"file", []string{"--admin-token-file", file}, "", "from-file"},
		{"environment", nil, "from-env", "from-env"},
		{"flag wins over the environment", []string{"--admin-token", "from-flag"}, "from-env", "from-flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(adminclient.TokenEnv, tt.env)
			args := append([]string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"}, tt.args...)
			_, admin, stop := startBoth(t, args...)
			defer stop()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			anon, _ := adminclient.New(admin)
			if err := anon.Health(ctx); err != nil {
				t.Errorf("GET /healthz without a token: %v", err)
			}
			if _, err := anon.Version(ctx); !adminclient.IsStatus(err, http.StatusUnauthorized) {
				t.Errorf("GET /version without a token: %v, want 401", err)
			}
			c, _ := adminclient.New(admin, adminclient.WithToken(tt.token))
			if _, err := c.Version(ctx); err != nil {
				t.Errorf("GET /version with the %s token: %v", tt.name, err)
			}
		})
	}
}

// Both flags at once, an empty token file and a missing one are refused at
// start, naming what to fix; so is an admin API off loopback without a
// token.
func TestAdminTokenRefusals(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	t.Setenv(adminclient.TokenEnv, "")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--admin-token", "a", "--admin-token-file", empty}, "not both"},
		{[]string{"--admin-token-file", empty}, "holds no token"},
		{[]string{"--admin-token-file", filepath.Join(dir, "missing")}, "reading the admin token"},
		{[]string{"--admin-token", "has space"}, "white space"},
		{[]string{"--admin-addr", "0.0.0.0:0"}, "--admin-token"},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		args := append([]string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"}, tt.args...)
		var out strings.Builder
		err := run(ctx, args, &out, &out)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("mockwsus %s: %v, want an error saying %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
}
