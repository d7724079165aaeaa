package clientsim_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/internal/golden"
	"github.com/wsusmock/wsusmock/mockwsus"
)

// TestGoldenLogs compares the WindowsUpdate.log of a clean search (xp-sp3
// against a fixed server) and of the KB954960 failure (xp-sp3-office2003
// against a buggy one), in both flavours, with testdata/*.golden. Each is
// produced twice from scratch to show it is stable for the seed.
// Regenerate with UPDATE_GOLDEN=1.
func TestGoldenLogs(t *testing.T) {
	tests := []struct {
		name    string
		profile string
		server  mockwsus.Config
		flavour wulog.Flavour
	}{
		{"clean_classic", "xp-sp3", mockwsus.Config{Version: mockwsus.VersionFixed}, wulog.Classic},
		{"clean_wua10", "xp-sp3", mockwsus.Config{Version: mockwsus.VersionFixed}, wulog.WUA10},
		{"kb954960_classic", "xp-sp3-office2003", mockwsus.Config{}, wulog.Classic},
		{"kb954960_wua10", "xp-sp3-office2003", mockwsus.Config{}, wulog.WUA10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := func() []byte {
				m := newMock(t, tt.server)
				cfg := m.agentConfig(t, tt.profile)
				cfg.LogFormat = tt.flavour
				var log bytes.Buffer
				cfg.Log = &log
				sync1(t, cfg)
				return log.Bytes()
			}
			first, second := run(), run()
			if !bytes.Equal(first, second) {
				t.Fatalf("two runs with one seed wrote different logs:\n%s\n--- second ---\n%s", first, second)
			}
			golden.Assert(t, filepath.Join("testdata", tt.name+".golden"), first)
		})
	}
}
