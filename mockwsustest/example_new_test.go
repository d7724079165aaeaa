package mockwsustest_test

import (
	"testing"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/mockwsustest"
)

// testKB954960 is a test of your own: New starts the mock for t and stops it
// when t ends; Sync runs a simulated Windows XP computer with Office 2003.
func testKB954960(t *testing.T) {
	m := mockwsustest.New(t, mockwsustest.WithVersion("3.1.6001.65"))
	res, err := m.Sync(t.Context(), "xp-sp3-office2003")
	if err != nil {
		t.Fatal(err)
	}
	if res.HResult != clientsim.HRSoapServer {
		t.Errorf("search ended %s, want KB954960's %s", res.HResult, clientsim.HRSoapServer)
	}
}

// New in a test function (this whole file is the example; the test named
// TestExampleNew runs testKB954960).
func ExampleNew() {}
