package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// A small run works end to end and reports every figure; no wall time is
// asserted.
func TestRunSmall(t *testing.T) {
	rep, err := Run(context.Background(), Config{Clients: 12, Concurrency: 4, DeltaSyncs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Phases) != 2 || rep.Phases[0].Sessions != 12 || rep.Phases[1].Failed != 0 || len(rep.Errors) != 0 {
		t.Fatalf("phases %+v errors %v", rep.Phases, rep.Errors)
	}
	ops := map[string]int{}
	for _, o := range rep.Ops {
		ops[o.Operation] = o.Calls
	}
	if ops["SyncUpdates"] < 24 || ops["GetConfig"] != 12 {
		t.Errorf("operations %v", ops)
	}
	// Delta syncs reuse the cookie: no new GetCookie.
	if ops["GetCookie"] != 12 {
		t.Errorf("GetCookie calls %d, want one per computer", ops["GetCookie"])
	}
	if rep.AllocsPerRequest <= 0 || rep.PeakRSSBytes == 0 || rep.ServerCPUSeconds <= 0 {
		t.Errorf("missing figures: %+v", rep)
	}
	var b bytes.Buffer
	rep.WriteText(&b)
	if !strings.Contains(b.String(), "delta sync 1") || !strings.Contains(b.String(), "errors: none") {
		t.Errorf("text report:\n%s", b.String())
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	if _, err := Run(context.Background(), Config{}); err == nil {
		t.Error("zero clients accepted")
	}
	if _, err := Run(context.Background(), Config{Clients: 1, Catalog: "nope"}); err == nil {
		t.Error("unknown catalog accepted")
	}
	if _, err := Run(context.Background(), Config{Clients: 1, Mix: "xp=abc"}); err == nil {
		t.Error("bad mix accepted")
	}
}

// A soak run samples the server's memory at its start, on its ticker and
// at its end; the figures are recorded, not asserted.
func TestSoakSamples(t *testing.T) {
	rep, err := Run(context.Background(), Config{Clients: 6, Concurrency: 3, DeltaSyncs: 0, Soak: 300 * time.Millisecond, SoakSample: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Soak
	if s == nil || s.Passes < 1 || len(s.Samples) < 2 || s.Failed != 0 || s.FirstHeap == 0 || s.MaxHeap < s.LastHeap {
		t.Fatalf("soak report %+v", s)
	}
	var b bytes.Buffer
	rep.WriteText(&b)
	if !strings.Contains(b.String(), "soak: ") || !strings.Contains(b.String(), "heap MiB") {
		t.Errorf("text report lacks the soak samples:\n%s", b.String())
	}
}
