package e2e

import (
	"net/http"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// The KB954960 proof with the real binaries: mockwsus on ephemeral ports,
// client-sim syncing against it, the admin API switching it.
var _ = Describe("mockwsus and client-sim binaries", Label("binary"), func() {
	var (
		logs *specLogs
		dir  string
	)

	BeforeEach(func() {
		logs = newSpecLogs()
		dir = GinkgoT().TempDir()
	})

	AfterEach(func() {
		logs.dumpIfFailed()
	})

	// clientLog names a client log in the spec's directory and registers it
	// for the failure dump.
	clientLog := func(name string) string {
		p := filepath.Join(dir, name)
		logs.addFile(p)
		return p
	}

	It("reproduces KB954960 on the buggy server: client lines, server lines, equal fault IDs", Label("buggy"), func(ctx SpecContext) {
		srv := startMockwsus(ctx, logs, filepath.Join(dir, "server"), "--behaviour", "kb954960=buggy")

		logFile := clientLog("WindowsUpdate.log")
		sess, res := clientSync(ctx, nil, srv.URL, officeProfile, logFile)
		Expect(sess.ExitCode()).To(Equal(1), "client-sim sync should exit 1 when the search fails")
		Expect(res.Success).To(BeFalse(), "the Office 2003 client's search should fail on the buggy server")
		Expect(res.HResult.String()).To(Equal(hrFault), "the search should fail with WU_E_PT_SOAP_SERVER (0x8024400E)")
		Expect(res.FailedOperation).To(Equal("SyncUpdates"), "the search should fail in SyncUpdates")
		Expect(res.Updates).To(BeEmpty(), "a failed search finds no update at all")
		Expect(res.Fault).NotTo(BeNil(), "the JSON result should describe the SOAP fault")

		clientText := readFile(logFile)
		Expect(clientText).To(containInOrder(advisoryClientLines...), "WindowsUpdate.log should have the advisory's lines in order")
		clientID := faultID(clientFaultRE, clientText)
		Expect(clientID).NotTo(BeEmpty(), "WindowsUpdate.log should have 'PT WARNING: ID:<guid>'")
		Expect(res.Fault.ID).To(Equal(clientID), "the JSON fault ID should be the one in WindowsUpdate.log")

		srv.stop(ctx)

		serverText := srv.softwareDistributionLog()
		Expect(serverText).To(containInOrder(advisoryServerLines...), "SoftwareDistribution.log should have the ArgumentException for key 8862, then ThrowException")
		serverID := faultID(serverFaultRE, serverText)
		Expect(serverID).NotTo(BeEmpty(), "SoftwareDistribution.log should have 'ThrowException: actor = ..., ID=<guid>'")
		Expect(serverID).To(Equal(clientID), "the server's ThrowException ID should equal the client's fault ID")
	}, SpecTimeout(runTimeout))

	DescribeTable("the hotfix cures it: the same client succeeds after the switch", Label("buggy", "fixed"),
		func(ctx SpecContext, method, path, body, wantVersion string) {
			srv := startMockwsus(ctx, logs, filepath.Join(dir, "server"), "--behaviour", "kb954960=buggy")

			sess, res := clientSync(ctx, nil, srv.URL, officeProfile, clientLog("before.log"))
			Expect(sess.ExitCode()).To(Equal(1), "before the fix, client-sim sync should exit 1")
			Expect(res.HResult.String()).To(Equal(hrFault), "before the fix, the Office 2003 client should fail with 0x8024400E")

			srv.admin(ctx, method, path, body)
			server, _ := srv.version(ctx)
			Expect(server).To(Equal(wantVersion), "GET /version after %s %s", method, path)

			sess, res = clientSync(ctx, nil, srv.URL, officeProfile, clientLog("after.log"))
			Expect(sess).To(gexec.Exit(0), "after the fix, client-sim sync (same seed) should exit 0")
			Expect(res.Success).To(BeTrue(), "after the fix, the search should succeed")
			Expect(res.HResult.String()).To(Equal(hrOK), "after the fix, the search's HRESULT should be S_OK")
			Expect(securityUpdates(res)).NotTo(BeEmpty(), "after the fix, the client should find security updates, found %v", foundKBs(res))
			Expect(foundKBs(res)).To(ContainElement("KB951646"), "the Office 2003 client should now find the Word 2003 security update")
			Expect(readFile(filepath.Join(dir, "after.log"))).NotTo(ContainSubstring("SyncUpdates failure"), "the cured client's log should have no SyncUpdates failure")
		},
		Entry("PUT /behaviours/kb954960 fixed", http.MethodPut, "/behaviours/kb954960", `{"mode":"fixed"}`, buggyVersion, SpecTimeout(runTimeout)),
		Entry("PUT /version 3.1.6001.66 (the KB954960 DLL)", http.MethodPut, "/version", `{"version":"`+fixedVersion+`"}`, fixedVersion, SpecTimeout(runTimeout)),
	)

	It("the workaround (decline, approve, decline Office 2003 SP1) cures the still-buggy server", Label("buggy", "fixed"), func(ctx SpecContext) {
		srv := startMockwsus(ctx, logs, filepath.Join(dir, "server"), "--behaviour", "kb954960=buggy")

		sess, res := clientSync(ctx, nil, srv.URL, officeProfile, clientLog("before.log"))
		Expect(sess.ExitCode()).To(Equal(1), "before the workaround, client-sim sync should exit 1")
		Expect(res.HResult.String()).To(Equal(hrFault), "before the workaround, the Office 2003 client should fail with 0x8024400E")

		srv.admin(ctx, http.MethodPost, "/declines", `{"update":"`+officeSP1+`"}`)
		srv.admin(ctx, http.MethodPost, "/approvals", `{"update":"`+officeSP1+`","group":"All Computers","action":"Install"}`)
		srv.admin(ctx, http.MethodPost, "/declines", `{"update":"`+officeSP1+`"}`)

		server, dll := srv.version(ctx)
		Expect(server).To(Equal(buggyVersion), "the workaround must not change the server version")
		Expect(dll).To(Equal(buggyVersion), "the workaround must not install the fixed ClientWebService DLL")

		sess, res = clientSync(ctx, nil, srv.URL, officeProfile, clientLog("after.log"))
		Expect(sess).To(gexec.Exit(0), "after the workaround, client-sim sync should exit 0")
		Expect(res.HResult.String()).To(Equal(hrOK), "after the workaround, the search's HRESULT should be S_OK")
		Expect(securityUpdates(res)).NotTo(BeEmpty(), "after the workaround, the client should find security updates, found %v", foundKBs(res))
		Expect(foundKBs(res)).NotTo(ContainElement(officeSP1), "the declined Office 2003 SP1 must not be offered")
	}, SpecTimeout(runTimeout))

	DescribeTable("a client without Office 2003 never fails",
		func(ctx SpecContext, mode string) {
			srv := startMockwsus(ctx, logs, filepath.Join(dir, "server"), "--behaviour", "kb954960="+mode)

			logFile := clientLog("WindowsUpdate.log")
			sess, res := clientSync(ctx, nil, srv.URL, plainProfile, logFile)
			Expect(sess).To(gexec.Exit(0), "the xp-sp3 client's sync should exit 0 on the %s server", mode)
			Expect(res.HResult.String()).To(Equal(hrOK), "the xp-sp3 client's search should succeed on the %s server", mode)
			Expect(res.Updates).NotTo(BeEmpty(), "the xp-sp3 client should find its Windows updates on the %s server", mode)
			Expect(foundKBs(res)).NotTo(ContainElement(officeSP1), "a computer without Office must not be offered Office 2003 SP1")
			Expect(readFile(logFile)).NotTo(ContainSubstring(hrFault), "the xp-sp3 client's log should never mention 0x8024400E")
		},
		Entry("buggy server", Label("buggy"), "buggy", SpecTimeout(runTimeout)),
		Entry("fixed server", Label("fixed"), "fixed", SpecTimeout(runTimeout)),
	)
})
