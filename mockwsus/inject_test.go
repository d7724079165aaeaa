package mockwsus_test

import (
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
)

// An injected fault counts requests from the moment it is switched on, acts
// for the whole server only, and leaves a journal entry naming the request
// even when the request never reached WSUS.
func TestInjectionCountsFromSwitchOn(t *testing.T) {
	srv, l := listenFor(t, mockwsus.ListenOptions{Addr: "127.0.0.1:0"})
	if err := srv.SetMode(behaviour.InjectResetName, behaviour.Buggy, "Workstations"); err == nil || !strings.Contains(err.Error(), "whole server") {
		t.Errorf("inject-reset for one group: %v, want a refusal", err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	get := func() error {
		resp, err := client.Get(l.URL + "/selfupdate/wuident.cab")
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil
	}
	for i := 0; i < 7; i++ { // before the switch: not counted
		if err := get(); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.SetMode(behaviour.InjectResetName, behaviour.Buggy, ""); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		err := get()
		if hit := i%behaviour.InjectResetEvery == 0; hit != (err != nil) {
			t.Fatalf("request %d since switched on: error %v, want a reset %t", i, err, hit)
		}
		if err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("request %d: %v, want a connection reset", i, err)
		}
	}
	// Switching it on again while on changes nothing; off then on restarts
	// the count.
	srv.SetMode(behaviour.InjectResetName, behaviour.Buggy, "")
	srv.SetMode(behaviour.InjectResetName, behaviour.Fixed, "")
	srv.SetMode(behaviour.InjectResetName, behaviour.Buggy, "")
	for i := 1; i <= 4; i++ {
		if err := get(); err != nil {
			t.Fatalf("request %d after switching on again: %v", i, err)
		}
	}
	if err := get(); err == nil {
		t.Fatal("5th request after switching on again was answered")
	}
	// The server journals a reset after the client already saw it: wait
	// for the entry, with a deadline.
	var resets []mockwsus.Entry
	for deadline := time.Now().Add(5 * time.Second); ; {
		resets = resets[:0]
		for _, e := range srv.Journal().Entries() {
			if e.Outcome == "reset" {
				resets = append(resets, e)
			}
		}
		if len(resets) >= 3 || time.Now().After(deadline) {
			break
		}
		runtime.Gosched()
	}
	// Each reset is journaled when its handler ends, so their order in the
	// journal is not the order of the requests: compare as a set.
	details := map[string]int{}
	for _, e := range resets {
		if e.Status != 0 {
			t.Errorf("a reset journaled with status %d", e.Status)
		}
		details[e.Detail]++
	}
	if len(resets) != 3 || details["inject-reset: request 5 since switched on (every 5th): connection reset"] != 2 ||
		details["inject-reset: request 10 since switched on (every 5th): connection reset"] != 1 {
		t.Errorf("journal resets: %+v", resets)
	}
	// Reset goes back to the configured modes: the fault is off.
	if err := srv.Reset(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if err := get(); err != nil {
			t.Fatalf("request %d after Reset: %v", i, err)
		}
	}
}
