package capture

import (
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
)

// The real native captures (a Windows 11 agent against a Windows Server
// 2025 WSUS) replayed against the fixed mock: every request must be
// accepted. The answers differ, as they must: the mock's catalog is not
// the lab server's (other update GUIDs, no drivers, no Defender updates).
func TestReplayRealCapturesAgainstMock(t *testing.T) {
	exs := mustRead(t, realDir(t, "flow"))
	rep := replayOn(t, exs, mockwsus.Config{Version: mockwsus.VersionFixed})
	t.Logf("real flow capture replayed against the fixed mock:\n%s", rep.Text())
	if rep.Errors != 0 {
		t.Fatalf("%d transport errors", rep.Errors)
	}
	// The capture starts with a SyncUpdates on a cookie from an earlier
	// scan: the replay registered with the client ID of its reporting
	// events first.
	if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "e1da06a3-5601-43c9-bac3-52d5db701494") {
		t.Errorf("notes = %q", rep.Notes)
	}
	for i, e := range rep.Exchanges {
		if e.StatusB != 200 {
			t.Errorf("%s %s: live status %d, want the request accepted", e.Exchange, e.Operation, e.StatusB)
		}
		if len(exs[i].Request.Body) > 0 && len(e.Rethreaded) == 0 {
			t.Errorf("%s: the recorded (zeroed) cookie was sent as it was", e.Exchange)
		}
		for _, d := range e.Diff {
			if strings.HasPrefix(d, "fault:") || strings.HasPrefix(d, "operation:") || strings.HasPrefix(d, "status:") {
				t.Errorf("%s: %s", e.Exchange, d)
			}
		}
	}
}
