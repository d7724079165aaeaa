package behaviour_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
)

// Each injection hits exactly the requests its Info says, only when buggy,
// and says which request it hit.
func TestInjectionTriggers(t *testing.T) {
	tests := []struct {
		name string
		hits []uint64 // among requests 1..20
	}{
		{behaviour.InjectLatencyName, []uint64{4, 8, 12, 16, 20}},
		{behaviour.InjectResetName, []uint64{5, 10, 15, 20}},
		{behaviour.InjectTruncatedBodyName, []uint64{4, 8, 12, 16, 20}},
		{behaviour.InjectSlowBodyName, []uint64{3, 6, 9, 12, 15, 18}},
		{behaviour.Inject503WindowName, []uint64{3, 4, 5, 6, 7}},
		{behaviour.InjectWrongContentTypeName, []uint64{2, 4, 6, 8, 10, 12, 14, 16, 18, 20}},
	}
	for _, tt := range tests {
		b, err := behaviour.Lookup(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		inj, ok := b.(behaviour.ResponseInjector)
		if !ok || !behaviour.IsInjector(tt.name) {
			t.Fatalf("%s is not a ResponseInjector", tt.name)
		}
		var got []uint64
		for n := uint64(0); n <= 20; n++ {
			if _, hit := inj.Injects(behaviour.Fixed, n); hit {
				t.Errorf("%s hits request %d when fixed", tt.name, n)
			}
			note, hit := inj.Injects(behaviour.Buggy, n)
			if !hit {
				continue
			}
			got = append(got, n)
			if !strings.HasPrefix(note, tt.name+": request "+strconv.FormatUint(n, 10)+" ") {
				t.Errorf("%s note %q does not name itself and request %d", tt.name, note, n)
			}
		}
		if len(got) != len(tt.hits) {
			t.Errorf("%s hits %v, want %v", tt.name, got, tt.hits)
			continue
		}
		for i := range got {
			if got[i] != tt.hits[i] {
				t.Errorf("%s hits %v, want %v", tt.name, got, tt.hits)
				break
			}
		}
	}
	if behaviour.IsInjector(behaviour.KB954960Name) || behaviour.IsInjector("nosuch") {
		t.Error("IsInjector is true for a behaviour that is no injection")
	}
}

// The injections that rewrite an answer keep it whole but for what they
// change; tested on a recorder (no connection to cut).
func TestInjectionsRewriteAnswers(t *testing.T) {
	next := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "<answer/>")
	}
	rec := httptest.NewRecorder()
	behaviour.InjectWrongContentType{}.InjectResponse(rec, httptest.NewRequest("POST", "/", nil), next)
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" || rec.Body.String() != "<answer/>" || rec.Header().Get("Content-Length") != "9" {
		t.Errorf("wrong-content-type: %q %q %v", ct, rec.Body, rec.Header())
	}

	rec = httptest.NewRecorder()
	behaviour.Inject503Window{}.InjectResponse(rec, httptest.NewRequest("POST", "/", nil), func(http.ResponseWriter) { t.Error("503 window served the request") })
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "HTTP Error 503") {
		t.Errorf("503 window: %d %q", rec.Code, rec.Body)
	}

	// A slow body whose client is gone stops at once.
	req := httptest.NewRequest("POST", "/", nil)
	ctx, cancel := contextCancelled()
	defer cancel()
	rec = httptest.NewRecorder()
	start := time.Now()
	behaviour.InjectSlowBody{}.InjectResponse(rec, req.WithContext(ctx), func(w http.ResponseWriter) {
		io.WriteString(w, strings.Repeat("x", 10_000))
	})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("slow body for a cancelled request took %s", d)
	}
	if rec.Header().Get("Content-Length") != "10000" || rec.Body.Len() >= 10_000 || rec.Body.Len() == 0 {
		t.Errorf("slow body sent %d bytes with Content-Length %s, want a first piece of a declared 10000", rec.Body.Len(), rec.Header().Get("Content-Length"))
	}

	// Latency for a request whose client is gone serves nothing.
	rec = httptest.NewRecorder()
	behaviour.InjectLatency{}.InjectResponse(rec, req.WithContext(ctx), func(http.ResponseWriter) { t.Error("latency served a cancelled request") })
}

func contextCancelled() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx, cancel
}
