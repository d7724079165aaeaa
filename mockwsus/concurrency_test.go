package mockwsus_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

// Computers sync while an administrator changes approvals, modes and the
// version and resets the server. Run with -race; every answer must be a
// response or a WSUS fault, whatever state the server was in.
func TestConcurrentSyncAndAdmin(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	adm := h.srv.AdminHandler(mockwsus.AdminOptions{})
	const clients, rounds = 4, 6
	sessions := make([]*session, clients)
	for i := range sessions {
		sessions[i] = h.register(fmt.Sprintf("c%d", i), fmt.Sprintf("c%d.lab.local", i), []string{"", "Workstations"}[i%2])
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients*rounds*10)
	for i, s := range sessions {
		wg.Go(func() {
			installed := []int32{101, 102, 103, 110, 111, 112, 113, 120, 130, 131, 132, 133, detXP, detOffice2003}
			for range rounds {
				body, err := soap.EncodeRequest(soap.SOAP11, &clientws.SyncUpdates{Cookie: s.cookie, Parameters: &clientws.SyncUpdateParameters{
					InstalledNonLeafUpdateIDs: &clientws.ArrayOfInt{Int: installed},
					OtherCachedUpdateIDs:      &clientws.ArrayOfInt{Int: []int32{1003, 1004, 1005}},
				}})
				if err != nil {
					errs <- err
					return
				}
				header := http.Header{}
				soap.SetRequestHeaders(header, soap.SOAP11, clientws.ActionSyncUpdates)
				rec := h.serve(http.MethodPost, clientPath, header, body)
				var resp clientws.SyncUpdatesResponse
				err = soap.ParseResponse(rec.Body.Bytes(), &resp)
				switch f := asFaultOrNil(err); {
				case err == nil:
					if rec.Code != 200 {
						errs <- fmt.Errorf("client %d: HTTP %d with a response", i, rec.Code)
					}
				case f == nil:
					errs <- fmt.Errorf("client %d: unreadable answer: %v", i, err)
				case f.ErrorCode() != "InternalServerError" && f.ErrorCode() != "ServerChanged":
					errs <- fmt.Errorf("client %d: unexpected fault %v", i, f)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range rounds {
			for _, req := range []struct{ method, path, body string }{
				{http.MethodPost, "/declines", `{"update":"KB842532"}`},
				{http.MethodPost, "/approvals", `{"update":"KB842532"}`},
				{http.MethodPut, "/behaviours/kb954960", `{"mode":"fixed","group":"Workstations"}`},
				{http.MethodGet, "/approvals", ""},
				{http.MethodGet, "/behaviours", ""},
				{http.MethodGet, "/computers", ""},
				{http.MethodGet, "/journal", ""},
				{http.MethodPut, "/version", `{"version":"3.1.6001.66"}`},
				{http.MethodPut, "/version", `{"version":"3.1.6001.65"}`},
			} {
				rec := httptest.NewRecorder()
				adm.ServeHTTP(rec, httptest.NewRequest(req.method, req.path, strings.NewReader(req.body)))
				if rec.Code != 200 {
					errs <- fmt.Errorf("admin %s %s: HTTP %d %s", req.method, req.path, rec.Code, rec.Body)
				}
			}
			if i == rounds/2 {
				rec := httptest.NewRecorder()
				adm.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/reset", nil))
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func asFaultOrNil(err error) *soap.Fault {
	f, _ := err.(*soap.Fault)
	return f
}
