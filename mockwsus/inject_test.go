package mockwsus_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"wsusmock/mockwsus"
	"wsusmock/mockwsus/behaviour"
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
	var resets []mockwsus.Entry
	for _, e := range srv.Journal().Entries() {
		if e.Outcome == "reset" {
			resets = append(resets, e)
		}
	}
	if len(resets) != 3 || resets[0].Status != 0 || resets[0].Detail != "inject-reset: request 5 since switched on (every 5th): connection reset" {
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
