package mockwsustest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsustest"
)

// The KB954960 reproduction: on WSUS 3.1.6001.65 a computer with Office
// 2003 gets InternalServerError from SyncUpdates and fails with 0x8024400E;
// after the 3.1.6001.66 hotfix the same computer finds its updates.
func ExampleStart_kb954960() {
	ctx := context.Background()
	m, err := mockwsustest.Start(mockwsustest.WithVersion("3.1.6001.65"))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	before, _ := m.Sync(ctx, "xp-sp3-office2003")
	fmt.Println("buggy:", before.HResult, before.Fault.ErrorCode)
	m.Server.SetVersion("3.1.6001.66")
	after, _ := m.Sync(ctx, "xp-sp3-office2003")
	fmt.Println("fixed:", after.HResult, len(after.Updates) > 0)
	// Output:
	// buggy: 0x8024400E InternalServerError
	// fixed: 0x00000000 true
}

// Waiting for what the server journaled: the fault the agent met, with the
// fault ID that SoftwareDistribution.log repeats.
func ExampleMock_AwaitEntry() {
	m, err := mockwsustest.Start(mockwsustest.WithBehaviour("kb954960", behaviour.Buggy))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Sync(context.Background(), "xp-sp3-office2003"); err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), mockwsustest.DefaultAwaitTimeout)
	defer cancel()
	e, err := m.AwaitEntry(ctx, mockwsustest.Fault("InternalServerError"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Operation, e.Status, e.FaultID != "")
	// Output: SyncUpdates 500 true
}

// Waiting for a reporting event: the agent reports detection failed (148)
// with the search's HRESULT.
func ExampleMock_AwaitEvent() {
	m, err := mockwsustest.Start(mockwsustest.WithBehaviour("kb954960", behaviour.Buggy))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Sync(context.Background(), "xp-sp3-office2003"); err != nil {
		log.Fatal(err)
	}
	ev, err := m.AwaitEvent(context.Background(), mockwsustest.EventID(148))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("event %d 0x%08X\n", ev.EventID, uint32(ev.HResult))
	// Output: event 148 0x8024400E
}

// The admin API through its Go client: the KB's workaround (decline,
// approve, decline Office 2003 SP1) cures a buggy server.
func ExampleMock_Admin() {
	ctx := context.Background()
	m, err := mockwsustest.Start(mockwsustest.WithVersion("3.1.6001.65"), mockwsustest.WithAdminToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	admin := m.Admin()
	const sp1 = "Office 2003 Service Pack 1"
	if _, err := admin.Decline(ctx, sp1); err != nil {
		log.Fatal(err)
	}
	if _, err := admin.Approve(ctx, sp1, "All Computers", "Install"); err != nil {
		log.Fatal(err)
	}
	if _, err := admin.Decline(ctx, sp1); err != nil {
		log.Fatal(err)
	}
	res, _ := m.Sync(ctx, "xp-sp3-office2003")
	fmt.Println(res.HResult)
	// Output: 0x00000000
}
