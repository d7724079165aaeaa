package mockwsus_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
)

// BenchmarkConsolePages measures the console's pages with 10,000 computers
// registered (the target: under 100 ms each).
//
//	go test -run '^$' -bench BenchmarkConsolePages -benchtime 20x ./mockwsus/
func BenchmarkConsolePages(b *testing.B) {
	// 10,000 computers register and sync through the protocol, not a
	// shortcut into the server's state; every 4th has Office 2003 and fails.
	h := newHarness(b, mockwsus.Config{})
	for i := range 10_000 {
		s := h.register(fmt.Sprintf("c-%05d", i), fmt.Sprintf("PC-%05d.lab.local", i), "")
		if i%4 == 0 {
			_, _ = s.sync(detXP, detOffice2003)
		} else if _, err := s.sync(detXP); err != nil {
			b.Fatalf("sync of computer %d: %v", i, err)
		}
	}
	if n := len(h.srv.Computers()); n != 10_000 {
		b.Fatalf("%d computers registered, want 10,000", n)
	}
	handler := h.srv.AdminHandler(mockwsus.AdminOptions{})
	for _, path := range []string{"/", "/?status=failed", "/?status=succeeded&page=50", "/console/updates", "/console/behaviours", "/console/live?after=0"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				r := httptest.NewRequest(http.MethodGet, path, nil)
				r.Host = "127.0.0.1:8539"
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, r)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s answered %d", path, rec.Code)
				}
			}
		})
	}
}
