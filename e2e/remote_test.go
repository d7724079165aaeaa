package e2e

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/wsusmock/wsusmock/adminclient"
	"github.com/wsusmock/wsusmock/mockwsus"
)

// remoteToken is the admin token of the server these specs start; it must
// never come back in an answer.
const remoteToken = "e2e-Remote-Token-5c1d"

// The proofs run against a mockwsus started on its own, as a CI job runs
// them against a service: wsusrepro run --server --admin --admin-token.
var _ = Describe("wsusrepro run against a running mockwsus with an admin token", Label("binary", "wsusrepro", "remote"), func() {
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

	// runRemote runs the default proofs against srv and checks the summary
	// and the artifacts: the client logs with the advisory's lines, the
	// server's SoftwareDistribution.log (fetched through the admin API)
	// with the same fault ID.
	runRemote := func(ctx context.Context, srv *mockServer, out string, env []string, tokenArgs ...string) {
		GinkgoHelper()
		logs.addGlob(filepath.Join(out, "*", "verdict.txt"))
		args := append([]string{"run", "--server", srv.URL, "--admin", srv.AdminURL, "--out", out}, tokenArgs...)
		sess := runBinary(ctx, dir, env, bin.WSUSRepro, args...)
		stdout := string(sess.Out.Contents())
		Expect(sess).To(gexec.Exit(0), "wsusrepro %s should pass the three default proofs; stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), stdout, sess.Err.Contents())
		Expect(stdout).To(ContainSubstring("\nsummary:\n"), "the output should end with a summary")
		summary := stdout[strings.Index(stdout, "\nsummary:\n"):]
		for _, name := range readmeScenarios {
			Expect(summary).To(MatchRegexp(`(?m)^\s*PASS  `+regexp.QuoteMeta(name)+`\s`), "the summary should have 'PASS  %s'", name)
		}
		Expect(stdout).NotTo(ContainSubstring(remoteToken), "wsusrepro must not print the token")

		sdir := filepath.Join(out, "kb954960")
		clientText := readFile(filepath.Join(sdir, "clients", "xp-office", "WindowsUpdate.log"))
		Expect(clientText).To(containInOrder(advisoryClientLines...), "the Office 2003 client's WindowsUpdate.log should have the advisory's lines")
		clientID := faultID(clientFaultRE, clientText)
		Expect(clientID).NotTo(BeEmpty(), "WindowsUpdate.log should have 'PT WARNING: ID:<guid>'")
		serverText := readFile(filepath.Join(sdir, "SoftwareDistribution.log"))
		Expect(serverText).To(containInOrder(advisoryServerLines...), "the SoftwareDistribution.log fetched from the admin API should have the exception and ThrowException")
		Expect(faultID(serverFaultRE, serverText)).To(Equal(clientID), "the server log's ThrowException ID should be the client's fault ID")
		for _, name := range readmeScenarios {
			for _, f := range []string{"SoftwareDistribution.log", "journal.jsonl", "result.json", "junit.xml"} {
				Expect(filepath.Join(out, name, f)).To(BeARegularFile(), "the remote run should write %s/%s as an in-process run does", name, f)
			}
		}
	}

	It("passes the three default proofs twice in a row, then with the token from MOCKWSUS_ADMIN_TOKEN", Label("buggy", "fixed"), func(ctx SpecContext) {
		srv := startMockwsus(ctx, logs, filepath.Join(dir, "server"), "--admin-token", remoteToken)

		runRemote(ctx, srv, filepath.Join(dir, "first"), nil, "--admin-token", remoteToken)
		runRemote(ctx, srv, filepath.Join(dir, "second"), nil, "--admin-token", remoteToken)
		runRemote(ctx, srv, filepath.Join(dir, "from-env"), []string{adminclient.TokenEnv + "=" + remoteToken})

		By("showing the fleet and the admin actions of the last proof (the workaround) through the admin API")
		c, err := adminclient.New(srv.AdminURL, adminclient.WithToken(remoteToken))
		Expect(err).NotTo(HaveOccurred(), "adminclient.New(%s)", srv.AdminURL)
		comps, err := c.Computers(ctx)
		Expect(err).NotTo(HaveOccurred(), "GET /computers")
		Expect(comps).To(HaveLen(2), "the workaround proof's two computers")
		for _, comp := range comps {
			Expect(comp.Status).To(Equal(mockwsus.StatusSucceeded), "after the workaround %s should have succeeded: %+v", comp.DNSName, comp)
			Expect(comp.ReportedHResult).To(Equal(hrOK), "%s should have reported S_OK last", comp.DNSName)
		}
		office := comps[0]
		if !strings.Contains(strings.ToLower(office.DNSName), "off") {
			office = comps[1]
		}
		Expect(office.LastErrorCode).To(Equal("InternalServerError"), "the Office 2003 computer keeps its last fault: %+v", office)
		admin, err := c.JournalAll(ctx, mockwsus.JournalQuery{Kind: mockwsus.KindAdmin})
		Expect(err).NotTo(HaveOccurred(), "GET /journal?kind=admin")
		var ops []string
		for _, e := range admin {
			ops = append(ops, e.Operation)
		}
		Expect(ops).To(Equal([]string{"reset", "decline", "approve", "decline"}), "the workaround's admin actions, journaled after its reset")
		faults, err := c.JournalAll(ctx, mockwsus.JournalQuery{FaultID: office.LastFaultID})
		Expect(err).NotTo(HaveOccurred(), "GET /journal?faultId=")
		Expect(faults).To(HaveLen(1), "one exchange carries the fault ID %s", office.LastFaultID)
		Expect(faults[0].Operation).To(Equal("SyncUpdates"), "the fault came from SyncUpdates")

		By("refusing a run without the token, before any step")
		sess := runBinary(ctx, dir, []string{adminclient.TokenEnv + "="}, bin.WSUSRepro, "run", "--server", srv.URL, "--admin", srv.AdminURL, "--out", filepath.Join(dir, "anon"))
		Expect(sess.ExitCode()).To(Equal(2), "wsusrepro run without the token should stop with an error")
		Expect(string(sess.Err.Contents())).To(ContainSubstring("401"), "the error should say the admin API answered 401")
		Expect(filepath.Join(dir, "anon", "kb954960", "result.json")).NotTo(BeAnExistingFile(), "nothing should have run")
	}, SpecTimeout(4*runTimeout))

	It("answers 401 on every admin path but /healthz without the token, and never with the token in an answer", func(ctx SpecContext) {
		srv := startMockwsus(ctx, logs, filepath.Join(dir, "server"), "--admin-token", remoteToken)
		send := func(method, path, token string) (int, string) {
			GinkgoHelper()
			req, err := http.NewRequestWithContext(ctx, method, srv.AdminURL+path, strings.NewReader(`{}`))
			Expect(err).NotTo(HaveOccurred(), "building %s %s", method, path)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred(), "%s %s", method, path)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			Expect(err).NotTo(HaveOccurred(), "reading the answer to %s %s", method, path)
			all := string(body)
			for k, v := range resp.Header {
				all += k + ": " + strings.Join(v, ",") + "\n"
			}
			Expect(all).NotTo(ContainSubstring(remoteToken), "%s %s (token sent: %t) answered with the token", method, path, token != "")
			return resp.StatusCode, string(body)
		}
		paths := strings.NewReplacer("{name}", "kb954960", "{group}", "All Computers")
		for _, ep := range mockwsus.AdminEndpoints() {
			path := strings.ReplaceAll(paths.Replace(ep.Path), " ", "%20")
			if ep.Path == "/debug/pprof/profile" || ep.Path == "/debug/pprof/trace" {
				path += "?seconds=1"
			}
			status, body := send(ep.Method, path, "")
			if ep.Method == http.MethodGet && ep.Path == "/healthz" {
				Expect(status).To(Equal(http.StatusOK), "GET /healthz needs no token")
				continue
			}
			Expect(status).To(Equal(http.StatusUnauthorized), "%s %s without the token should answer 401, got %s", ep.Method, path, body)
			send(ep.Method, path, remoteToken)
		}
		for _, path := range []string{"/", "/nothing", "/debug/pprof/cmdline", "/debug/pprof/goroutine?debug=2"} {
			status, _ := send(http.MethodGet, path, "")
			Expect(status).To(Equal(http.StatusUnauthorized), "GET %s without the token should answer 401", path)
			send(http.MethodGet, path, remoteToken)
		}
		_, vars := send(http.MethodGet, "/debug/vars", remoteToken)
		Expect(vars).To(ContainSubstring(`"--admin-token","[redacted]"`), "/debug/vars should show the command line with the token redacted")
	}, SpecTimeout(2*runTimeout))
})
