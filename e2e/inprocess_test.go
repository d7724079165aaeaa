package e2e

import (
	"fmt"
	"net/http/httptest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
)

// The same proof without processes: mockwsus.New behind httptest.NewServer
// and the clientsim library, so the server's journal can be read directly.
var _ = Describe("mockwsus and clientsim in-process", Label("in-process"), func() {
	var (
		logs      *specLogs
		srv       *mockwsus.Server
		serverURL string
		serverLog *gbytes.Buffer
		clientLog *gbytes.Buffer
		agent     *clientsim.Agent
	)

	BeforeEach(func() {
		logs = newSpecLogs()
		serverLog = gbytes.NewBuffer()
		clientLog = gbytes.NewBuffer()
		logs.addBuffer("SoftwareDistribution.log (in-process)", serverLog)
		logs.addBuffer("WindowsUpdate.log (in-process)", clientLog)

		var err error
		srv, err = mockwsus.New(mockwsus.Config{
			Behaviours:              map[string]behaviour.Mode{"kb954960": behaviour.Buggy},
			Seed:                    1,
			SoftwareDistributionLog: serverLog,
			Logf:                    func(format string, args ...any) { fmt.Fprintf(GinkgoWriter, format+"\n", args...) },
		})
		Expect(err).NotTo(HaveOccurred(), "mockwsus.New with kb954960=buggy")
		ts := httptest.NewServer(srv)
		DeferCleanup(ts.Close)
		serverURL = ts.URL

		p, err := profile.Builtin(officeProfile)
		Expect(err).NotTo(HaveOccurred(), "built-in profile %s", officeProfile)
		agent, err = clientsim.New(clientsim.Config{
			ServerURL: serverURL,
			Profile:   p,
			Seed:      7,
			Clock:     clock.NewVirtual(clock.DefaultStart, time.Millisecond),
			Log:       clientLog,
		})
		Expect(err).NotTo(HaveOccurred(), "clientsim.New against %s", serverURL)
	})

	AfterEach(func() {
		logs.dumpIfFailed()
	})

	// syncFault returns the journal's SyncUpdates fault entries.
	syncFaults := func() []mockwsus.Entry {
		var out []mockwsus.Entry
		for _, e := range srv.Journal().Entries() {
			if e.Operation == "SyncUpdates" && e.Outcome == "fault" {
				out = append(out, e)
			}
		}
		return out
	}

	It("reproduces KB954960: the client log's fault ID is the journal's FaultID", Label("buggy"), func(ctx SpecContext) {
		res, err := agent.Sync(ctx)
		Expect(err).NotTo(HaveOccurred(), "agent.Sync returns an error only when cancelled or the log fails")
		Expect(res.Success).To(BeFalse(), "the Office 2003 client's search should fail on the buggy server")
		Expect(res.HResult.String()).To(Equal(hrFault), "the search should fail with 0x8024400E")
		Expect(res.FailedOperation).To(Equal("SyncUpdates"), "the search should fail in SyncUpdates")

		clientText := string(clientLog.Contents())
		Expect(clientText).To(containInOrder(advisoryClientLines...), "WindowsUpdate.log should have the advisory's lines in order")
		clientID := faultID(clientFaultRE, clientText)
		Expect(clientID).NotTo(BeEmpty(), "WindowsUpdate.log should have 'PT WARNING: ID:<guid>'")

		faults := syncFaults()
		Expect(faults).To(HaveLen(1), "the journal should hold exactly one SyncUpdates fault")
		Expect(faults[0].ErrorCode).To(Equal("InternalServerError"), "the journal's fault should be InternalServerError")
		Expect(faults[0].FaultID).To(Equal(clientID), "the journal's FaultID should equal the client log's ID")
		Expect(res.Fault).NotTo(BeNil(), "the Result should describe the SOAP fault")
		Expect(res.Fault.ID).To(Equal(clientID), "the Result's fault ID should equal the client log's ID")

		serverText := string(serverLog.Contents())
		Expect(serverText).To(containInOrder(advisoryServerLines...), "SoftwareDistribution.log should have the ArgumentException for key 8862, then ThrowException")
		Expect(faultID(serverFaultRE, serverText)).To(Equal(clientID), "SoftwareDistribution.log's ThrowException ID should equal the client's")
	}, SpecTimeout(runTimeout))

	It("the same agent succeeds once the behaviour is fixed (cookie and cache kept)", Label("buggy", "fixed"), func(ctx SpecContext) {
		res, err := agent.Sync(ctx)
		Expect(err).NotTo(HaveOccurred(), "first agent.Sync")
		Expect(res.HResult.String()).To(Equal(hrFault), "the first search, on the buggy server, should fail with 0x8024400E")

		Expect(srv.SetMode("kb954960", behaviour.Fixed, "")).To(Succeed(), "SetMode kb954960 fixed")

		res, err = agent.Sync(ctx)
		Expect(err).NotTo(HaveOccurred(), "second agent.Sync")
		Expect(res.Success).To(BeTrue(), "the second search, on the fixed server, should succeed: %s", res.Reason)
		Expect(res.HResult.String()).To(Equal(hrOK), "the second search's HRESULT should be S_OK")
		Expect(securityUpdates(*res)).NotTo(BeEmpty(), "the cured client should find security updates, found %v", foundKBs(*res))
		Expect(syncFaults()).To(HaveLen(1), "only the first search should have faulted")
	}, SpecTimeout(runTimeout))
})
