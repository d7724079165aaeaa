package mockwsustest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsustest"
)

func TestExampleNew(t *testing.T) { testKB954960(t) }

// TestNewStopsInCleanup: the mock answers during the test and is gone
// once the test's cleanup ran.
func TestNewStopsInCleanup(t *testing.T) {
	var url string
	t.Run("inner", func(t *testing.T) {
		m := mockwsustest.New(t)
		url = m.URL
		if !strings.HasPrefix(m.URL, "http://127.0.0.1:") || !strings.HasPrefix(m.AdminURL, "http://127.0.0.1:") {
			t.Fatalf("URL %q, AdminURL %q: want loopback URLs", m.URL, m.AdminURL)
		}
		resp, err := http.Get(m.AdminURL + "/version")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /version: %s", resp.Status)
		}
	})
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	if resp, err := c.Get(url + "/ClientWebService/client.asmx"); err == nil {
		resp.Body.Close()
		t.Fatalf("the mock still answers after its test ended (%s)", resp.Status)
	}
}

// TestSyncSameComputer: a profile synced twice is one computer; another
// profile is another computer; WithIndex picks one.
func TestSyncSameComputer(t *testing.T) {
	m := mockwsustest.New(t)
	ctx := t.Context()
	a, err := m.Sync(ctx, "xp-sp3-office2003")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Sync(ctx, "xp-sp3-office2003")
	c, _ := m.Sync(ctx, "xp-sp3")
	d, _ := m.Sync(ctx, "xp-sp3", mockwsustest.WithIndex(7))
	if a.ClientID != b.ClientID {
		t.Errorf("the same profile synced twice registered %s then %s", a.ClientID, b.ClientID)
	}
	if c.ClientID == a.ClientID || d.ClientID == c.ClientID {
		t.Errorf("distinct computers share a client ID: %s %s %s", a.ClientID, c.ClientID, d.ClientID)
	}
	if n := len(m.Server.Computers()); n != 3 {
		t.Errorf("%d computers registered, want 3", n)
	}
}

// TestBadOptions: a bad behaviour or profile is an error, not a panic.
func TestBadOptions(t *testing.T) {
	if _, err := mockwsustest.Start(mockwsustest.WithBehaviour("no-such-bug", behaviour.Buggy)); err == nil {
		t.Error("Start with an unknown behaviour succeeded")
	}
	m := mockwsustest.New(t)
	if _, err := m.Sync(t.Context(), "no-such-profile"); err == nil {
		t.Error("Sync of an unknown profile succeeded")
	}
}

// TestAwaitDeadline: an Await that never matches returns ErrAwaitTimeout at
// its context's deadline.
func TestAwaitDeadline(t *testing.T) {
	m := mockwsustest.New(t)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := m.AwaitEntry(ctx, mockwsustest.Operation("SyncUpdates"))
	if !errors.Is(err, mockwsustest.ErrAwaitTimeout) {
		t.Fatalf("AwaitEntry on an idle mock: %v, want ErrAwaitTimeout", err)
	}
	_, err = m.AwaitEvent(ctx, mockwsustest.EventID(147))
	if !errors.Is(err, mockwsustest.ErrAwaitTimeout) {
		t.Fatalf("AwaitEvent on an idle mock: %v, want ErrAwaitTimeout", err)
	}
}

// TestAwaitConcurrent: an Await started before the sync returns the entry
// the sync causes.
func TestAwaitConcurrent(t *testing.T) {
	m := mockwsustest.New(t, mockwsustest.WithBehaviour("kb954960", behaviour.Buggy))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	got := make(chan mockwsus.Entry, 1)
	errc := make(chan error, 1)
	go func() {
		e, err := m.AwaitEntry(ctx, mockwsustest.Fault("InternalServerError"))
		got <- e
		errc <- err
	}()
	res, err := m.Sync(ctx, "xp-sp3-office2003")
	if err != nil {
		t.Fatal(err)
	}
	e := <-got
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if res.Fault == nil || e.FaultID != res.Fault.ID || e.Operation != "SyncUpdates" {
		t.Errorf("awaited %+v, want the SyncUpdates fault the agent got (%+v)", e, res.Fault)
	}
}

// TestVirtualClockByteStable: with a seed and the virtual clock, two mocks
// give byte-identical WindowsUpdate.log, SoftwareDistribution.log and
// results.
func TestVirtualClockByteStable(t *testing.T) {
	run := func() (client, server, result string) {
		var sd, wu bytes.Buffer
		m := mockwsustest.New(t, mockwsustest.WithSeed(42), mockwsustest.WithVirtualClock(),
			mockwsustest.WithVersion("3.1.6001.65"), mockwsustest.WithSoftwareDistributionLog(&sd))
		res, err := m.Sync(t.Context(), "xp-sp3-office2003", mockwsustest.WithLog(&wu))
		if err != nil {
			t.Fatal(err)
		}
		var js bytes.Buffer
		if err := res.WithoutTimings().WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		// The port in the URL differs between the two mocks.
		return strings.ReplaceAll(wu.String(), m.URL, "URL"), strings.ReplaceAll(sd.String(), m.URL, "URL"), strings.ReplaceAll(js.String(), m.URL, "URL")
	}
	c1, s1, r1 := run()
	c2, s2, r2 := run()
	if c1 != c2 || s1 != s2 || r1 != r2 {
		t.Errorf("two seeded runs differ:\nclient log equal %t\nserver log equal %t\nresult equal %t", c1 == c2, s1 == s2, r1 == r2)
	}
	if !strings.Contains(c1, "2008-06-13") || !strings.Contains(c1, "0x8024400e") && !strings.Contains(c1, "0x8024400E") {
		t.Errorf("the client log is not the virtual day's KB954960 failure:\n%s", c1)
	}
}

// TestAdminToken: with WithAdminToken a change without the token is
// refused.
func TestAdminToken(t *testing.T) {
	m := mockwsustest.New(t, mockwsustest.WithAdminToken("s3cret-for-test"))
	put := func(auth string) int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, m.AdminURL+"/version", strings.NewReader(`{"version":"3.1.6001.66"}`))
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := put(""); code != http.StatusUnauthorized {
		t.Errorf("PUT /version without the token: %d, want 401", code)
	}
	if code := put("s3cret-for-test"); code != http.StatusOK {
		t.Errorf("PUT /version with the token: %d, want 200", code)
	}
	if m.Server.Version() != "3.1.6001.66" {
		t.Errorf("version %s after the authorised PUT", m.Server.Version())
	}
}
