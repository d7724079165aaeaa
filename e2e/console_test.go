package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/internal/golden"
)

const (
	// consoleToken protects the admin API of the console spec's server, so
	// the spec logs in as a person would.
	consoleToken = "console-e2e-token"
	// consoleFleetSize computers, consoleOfficeShare percent of them with
	// Office 2003.
	consoleFleetSize   = 10
	consoleOfficeShare = 40
	// browserTimeout bounds each browser step; Chromium shares two cores
	// with the rest of `go test ./...`.
	browserTimeout = 60 * time.Second
	consoleTimeout = 4 * time.Minute
)

// findChromium returns the Chromium to drive. Without one the spec skips
// on a developer's machine, and fails in CI (CI=true), where .ci/run
// installs Debian's chromium package.
func findChromium() string {
	GinkgoHelper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		Fail("chromium is not installed: .ci/run installs it (apt-get install -y chromium); the console spec cannot be skipped in CI")
	}
	Skip("chromium is not installed: apt-get install -y chromium to run the console spec in a real headless browser")
	return ""
}

// artifactDir is where the spec leaves its screenshots:
// $WSUSMOCK_ARTIFACT_DIR/console, else wsusmock-artifacts/console in the
// system's temporary directory (kept after the run, overwritten by the next).
func artifactDir() string {
	GinkgoHelper()
	root := os.Getenv("WSUSMOCK_ARTIFACT_DIR")
	if root == "" {
		root = filepath.Join(os.TempDir(), "wsusmock-artifacts")
	}
	dir := filepath.Join(root, "console")
	Expect(os.MkdirAll(dir, 0o755)).To(Succeed(), "creating the artifact directory %s", dir)
	return dir
}

// newBrowser starts a headless Chromium with a fresh profile and returns a
// tab's context; the browser stops with the spec.
func newBrowser(ctx context.Context, chromium string) context.Context {
	GinkgoHelper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(GinkgoT().TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	// The browser outlives the spec's context only until DeferCleanup.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(ctx), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(func(f string, a ...any) { fmt.Fprintf(GinkgoWriter, "chromedp: "+f+"\n", a...) }))
	DeferCleanup(func() { cancelTab(); cancelAlloc() })
	Expect(chromedp.Do(tab)).To(Succeed(), "starting %s headless", chromium)
	return tab
}

// step runs browser actions with a deadline.
func step(tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(tab, browserTimeout)
	defer cancel()
	Expect(chromedp.Do(ctx, actions...)).To(Succeed(), "browser: %s", what)
}

// navigate runs actions that load a page (a link, a form) and expects the
// page to answer 200.
func navigate(tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(tab, browserTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	Expect(err).NotTo(HaveOccurred(), "browser: %s", what)
	Expect(resp.Status).To(BeEquivalentTo(http.StatusOK), "browser: %s answered %d %s", what, resp.Status, resp.StatusText)
}

// evaluate runs JavaScript in the page and decodes its value.
func evaluate[T any](tab context.Context, what, js string) T {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(tab, browserTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	Expect(err).NotTo(HaveOccurred(), "browser: %s", what)
	return v
}

// waitFor polls a JavaScript predicate in the page until it holds.
func waitFor(tab context.Context, what, predicate string) {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(tab, browserTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingTimeout(browserTimeout)))
	Expect(err).NotTo(HaveOccurred(), "browser: waiting until %s", what)
}

func screenshot(tab context.Context, path string) []byte {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(tab, browserTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	Expect(err).NotTo(HaveOccurred(), "taking a screenshot")
	Expect(os.WriteFile(path, png, 0o644)).To(Succeed(), "writing %s", path)
	AddReportEntry("screenshot", path)
	fmt.Fprintf(GinkgoWriter, "screenshot: %s\n", path)
	return png
}

// consoleRow is a row of the console's computer table.
type consoleRow struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Status  string `json:"status"`
	HResult string `json:"hresult"`
	FaultID string `json:"faultId"`
}

const readRowsJS = `Array.from(document.querySelectorAll('#computers tbody tr[data-computer]')).map(tr => ({
	id: tr.dataset.computer,
	name: tr.cells[0].textContent.trim(),
	status: tr.cells[5].querySelector('.status').textContent.trim(),
	hresult: tr.cells[6].textContent.trim(),
	faultId: tr.cells[7].textContent.trim(),
}))`

// runFleet runs `client-sim fleet` (seed 7: the same computers every run)
// with each computer's WindowsUpdate.log in logDir.
func runFleet(ctx context.Context, serverURL, logDir string) clientsim.FleetSummary {
	GinkgoHelper()
	mix := fmt.Sprintf("%s=%d,%s=%d", officeProfile, consoleOfficeShare, plainProfile, 100-consoleOfficeShare)
	sess := runBinary(ctx, "", nil, bin.ClientSim, "fleet", "--server", serverURL, "--clients", strconv.Itoa(consoleFleetSize),
		"--mix", mix, "--seed", seed, "--log-dir", logDir, "--json", "--quiet")
	var sum clientsim.FleetSummary
	Expect(json.Unmarshal(sess.Out.Contents(), &sum)).To(Succeed(), "client-sim fleet --json should print its summary, got %q (stderr %q)", sess.Out.Contents(), sess.Err.Contents())
	return sum
}

// fleetFaultIDs reads the fault ID each computer of the fleet logged, by
// computer name ("" for a computer whose search succeeded).
func fleetFaultIDs(logDir string) map[string]string {
	GinkgoHelper()
	paths, err := filepath.Glob(filepath.Join(logDir, "*.log"))
	Expect(err).NotTo(HaveOccurred())
	Expect(paths).To(HaveLen(consoleFleetSize), "one WindowsUpdate.log per computer in %s", logDir)
	out := map[string]string{}
	for _, p := range paths {
		out[strings.TrimSuffix(filepath.Base(p), ".log")] = faultID(clientFaultRE, readFile(p))
	}
	return out
}

// The console as a person uses it: a mixed fleet fails on the buggy server,
// the console shows who failed with what, the workaround is applied from its
// buttons, and the rerun fleet is all green.
var _ = Describe("the console in headless Chromium", Label("binary", "console", "buggy", "fixed"), func() {
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

	It("shows a mixed fleet failing with 0x8024400E, flags revision 8862, applies the KB's workaround from its buttons, then shows every computer succeed", func(ctx SpecContext) {
		chromium := findChromium()
		artifacts := artifactDir()
		srv := startMockwsus(ctx, logs, filepath.Join(dir, "server"), "--behaviour", "kb954960=buggy", "--admin-token", consoleToken)

		By("running a mixed fleet against the buggy server")
		before := filepath.Join(dir, "fleet-before")
		logs.addGlob(filepath.Join(before, "*.log"))
		sum := runFleet(ctx, srv.URL, before)
		Expect(sum.Failed).To(BeNumerically(">", 0), "Office 2003 computers should fail on the buggy server: %+v", sum.Profiles)
		Expect(sum.Succeeded).To(BeNumerically(">", 0), "computers without Office should succeed: %+v", sum.Profiles)
		clientFaults := fleetFaultIDs(before)

		By("logging in to the console with the admin token")
		tab := newBrowser(ctx, chromium)
		ctx401, cancel := context.WithTimeout(tab, browserTimeout)
		resp, err := chromedp.RunResponse(ctx401, chromedp.Navigate(srv.AdminURL+"/"))
		cancel()
		Expect(err).NotTo(HaveOccurred(), "opening the console")
		Expect(resp.Status).To(BeEquivalentTo(http.StatusUnauthorized), "the console should ask for the token first")
		step(tab, "typing the token", chromedp.SendKeys(chromedp.CSS("#token"), consoleToken))
		navigate(tab, "submitting the login form", chromedp.Click(chromedp.CSS("form[data-login] button")))
		step(tab, "waiting for the computers", chromedp.WaitVisible(chromedp.CSS("#computers")))

		By("checking the token is kept for this tab only")
		Expect(evaluate[string](tab, "reading sessionStorage", `sessionStorage.getItem("mockwsus.adminToken")`)).To(Equal(consoleToken),
			"the console should keep the token in sessionStorage")
		cookies := evaluateCookies(tab, srv.AdminURL)
		Expect(cookies).To(HaveLen(1), "one console cookie")
		Expect(cookies[0].Session).To(BeTrue(), "the console cookie must die with the browser session (no Expires)")
		Expect(cookies[0].HTTPOnly).To(BeTrue(), "the console cookie must be HttpOnly")
		Expect(cookies[0].SameSite).To(Equal(network.CookieSameSiteStrict), "the console cookie must be SameSite=Strict")
		Expect(cookies[0].Value).NotTo(ContainSubstring(consoleToken), "the console cookie must not carry the token")
		Expect(evaluate[string](tab, "reading the URL", `location.href`)).NotTo(ContainSubstring(consoleToken), "no token in the URL")

		By("reading every computer with its status, HRESULT and fault ID")
		rows := evaluate[[]consoleRow](tab, "reading the computer table", readRowsJS)
		Expect(rows).To(HaveLen(consoleFleetSize), "every computer of the fleet should be listed")
		serverLog := srv.softwareDistributionLog()
		for name, clientID := range clientFaults {
			i := slices.IndexFunc(rows, func(r consoleRow) bool { return strings.HasPrefix(r.Name, name+".") || r.Name == name })
			Expect(i).NotTo(Equal(-1), "computer %s should be listed, rows: %+v", name, rows)
			r := rows[i]
			if clientID == "" {
				Expect(r.Status).To(Equal("succeeded"), "%s found its updates", name)
				Expect(r.HResult).To(Equal(hrOK), "%s reported S_OK", name)
				Expect(r.FaultID).To(BeEmpty(), "%s has no fault", name)
				continue
			}
			Expect(r.Status).To(Equal("failed"), "%s failed on the buggy server", name)
			Expect(r.HResult).To(Equal(hrFault), "%s reported 0x8024400E", name)
			Expect(r.FaultID).To(Equal(clientID), "%s: the console's fault ID should be the one in its WindowsUpdate.log", name)
			Expect(serverLog).To(ContainSubstring("ID="+clientID), "%s's fault ID should be in SoftwareDistribution.log", name)
		}
		Expect(evaluate[string](tab, "reading the failed count", `document.querySelector('[data-live=failed]').textContent`)).To(Equal(strconv.Itoa(sum.Failed)))
		Expect(evaluate[string](tab, "reading the succeeded count", `document.querySelector('[data-live=succeeded]').textContent`)).To(Equal(strconv.Itoa(sum.Succeeded)))
		png := screenshot(tab, filepath.Join(artifacts, "console-before.png"))
		if golden.Update() {
			Expect(os.WriteFile(filepath.Join("..", "docs", "console.png"), png, 0o644)).To(Succeed(), "writing docs/console.png")
		}

		By("reading the same table in a tab without JavaScript")
		noJS, cancelNoJS := chromedp.NewContext(tab) // a second tab of the same browser: the session cookie, not the script
		DeferCleanup(cancelNoJS)
		// Opened with the tab's own context: a first action under a deadline
		// would close the tab when the deadline's context is cancelled.
		Expect(chromedp.Do(noJS)).To(Succeed(), "opening a second tab")
		step(noJS, "disabling scripts", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}))
		navigate(noJS, "opening the console without JavaScript", chromedp.Navigate(srv.AdminURL+"/?status=failed"))
		noJSCtx, cancelText := context.WithTimeout(noJS, browserTimeout)
		caption, err := chromedp.Run(noJSCtx, chromedp.Text(chromedp.CSS("#computers caption")))
		cancelText()
		Expect(err).NotTo(HaveOccurred(), "reading the table's caption without JavaScript")
		Expect(caption).To(HavePrefix(fmt.Sprintf("%d computer", sum.Failed)), "without JavaScript the filtered table should list the failed computers")
		cancelNoJS()

		By("following a fault ID to its journal entries and its SoftwareDistribution.log lines")
		failed := rows[slices.IndexFunc(rows, func(r consoleRow) bool { return r.FaultID != "" })]
		navigate(tab, "opening the fault page", chromedp.Click(chromedp.CSS(`#computers a.fault[href$="`+failed.FaultID+`"]`)))
		Expect(evaluate[string](tab, "reading the fault page", `document.querySelector('main').textContent`)).To(
			And(ContainSubstring(failed.FaultID), ContainSubstring("SyncUpdates"), ContainSubstring("InternalServerError"),
				ContainSubstring("Key being added: '8862'"), ContainSubstring("ThrowException"), ContainSubstring("ID="+failed.FaultID)),
			"the fault page should show the SyncUpdates exchange that answered the fault and its SoftwareDistribution.log lines")

		By("watching the journal and the counts change live, without reloading")
		navigate(tab, "back to the computers", chromedp.Navigate(srv.AdminURL+"/"))
		lastSeq := evaluate[string](tab, "reading the journal's last sequence number", `document.getElementById('journal').dataset.lastSeq`)
		extra := filepath.Join(dir, "extra.log")
		logs.addFile(extra)
		// Another seed: a computer the fleet (seed 7) does not have.
		runBinary(ctx, "", nil, bin.ClientSim, "sync", "--server", srv.URL, "--profile", plainProfile, "--log", extra, "--seed", "99", "--computer", "LATECOMER.lab.local")
		waitFor(tab, "the total count shows the new computer", fmt.Sprintf(`document.querySelector('[data-live=total]').textContent === "%d"`, consoleFleetSize+1))
		waitFor(tab, "the journal shows the new exchanges", fmt.Sprintf(`Number(document.querySelector('#journal tbody tr td').textContent) > %s`, lastSeq))
		Expect(evaluate[bool](tab, "reading the reload hint", `!document.querySelector('[data-live-hint]').hidden`)).To(BeTrue(), "the page should offer to reload its table")

		By("showing a hostile computer name escaped and cut")
		hostile := `<script>window.__pwned=1</script>"'<img src=x onerror="window.__pwned=2">` + strings.Repeat("x", 10_000)
		hostileLog := filepath.Join(dir, "hostile.log")
		logs.addFile(hostileLog)
		runBinary(ctx, "", nil, bin.ClientSim, "sync", "--server", srv.URL, "--profile", plainProfile, "--log", hostileLog, "--seed", "98", "--computer", hostile)
		navigate(tab, "reloading the computers", chromedp.Navigate(srv.AdminURL+"/"))
		shown := evaluate[string](tab, "reading the hostile row", `Array.from(document.querySelectorAll('#computers tbody th')).map(th => th.textContent).find(t => t.startsWith('<script>')) || ""`)
		Expect(shown).To(HavePrefix(`<script>window.__pwned=1</script>"'<img`), "the hostile name should be shown as text")
		Expect(len([]rune(shown))).To(BeNumerically("<=", 49), "the hostile name should be cut")
		Expect(evaluate[bool](tab, "checking nothing ran", `window.__pwned === undefined && document.scripts.length === 1 && document.images.length === 0`)).To(BeTrue(),
			"the hostile name must not add a script or an image to the page")

		By("finding revision 8862 flagged on the updates page")
		navigate(tab, "opening the updates", chromedp.Click(chromedp.CSS(`nav a[href="/console/updates"]`)))
		flagged := evaluate[[]string](tab, "reading the flagged updates", `Array.from(document.querySelectorAll('section[data-inconsistent]')).map(s => s.dataset.revision)`)
		Expect(flagged).To(Equal([]string{"8862"}), "exactly revision 8862 (Office 2003 SP1, two approval rows for All Computers) should be flagged")

		By("applying the KB's workaround with the console's buttons: decline, approve, decline")
		navigate(tab, "step 1: decline", chromedp.Click(chromedp.CSS(`#rev-8862 button[data-step=decline]`)))
		Expect(evaluate[bool](tab, "reading step 1", `!!document.querySelector('#rev-8862 .declined') && document.querySelectorAll('#rev-8862 tbody tr.ok, #rev-8862 tbody tr.bad').length === 0`)).To(BeTrue(), "after declining, revision 8862 has no approval row")
		step(tab, "choosing All Computers and Install",
			chromedp.SetValue(chromedp.CSS("#g-8862"), "All Computers"), chromedp.SetValue(chromedp.CSS("#a-8862"), "Install"))
		navigate(tab, "step 2: approve", chromedp.Click(chromedp.CSS(`#rev-8862 button[data-step=approve]`)))
		Expect(evaluate[int](tab, "reading step 2", `document.querySelectorAll('#rev-8862 tbody tr.ok').length`)).To(Equal(1), "after approving, revision 8862 has one consistent row")
		navigate(tab, "step 3: decline", chromedp.Click(chromedp.CSS(`#rev-8862 button[data-step=decline]`)))
		Expect(evaluate[int](tab, "reading the flags", `document.querySelectorAll('section[data-inconsistent]').length`)).To(Equal(0), "no update is flagged after the workaround")
		navigate(tab, "opening the behaviours", chromedp.Click(chromedp.CSS(`nav a[href="/console/behaviours"]`)))
		Expect(evaluate[string](tab, "reading the version", `document.querySelector('[data-live=version]').textContent`)).To(Equal(buggyVersion), "the workaround must not change the server version")
		Expect(evaluate[string](tab, "reading the DLL version", `document.querySelector('[data-live=dllVersion]').textContent`)).To(Equal(buggyVersion), "the workaround must not install the fixed DLL")

		By("rerunning the fleet: every computer succeeds")
		after := filepath.Join(dir, "fleet-after")
		sum = runFleet(ctx, srv.URL, after)
		Expect(sum.Failed).To(BeZero(), "after the workaround no computer should fail: %+v", sum.Outcomes)
		navigate(tab, "back to the computers", chromedp.Click(chromedp.CSS(`nav a[href="/"]`)))
		rows = evaluate[[]consoleRow](tab, "reading the computer table", readRowsJS)
		Expect(rows).To(HaveLen(consoleFleetSize+2), "the fleet, the latecomer and the hostile name")
		for _, r := range rows {
			Expect(r.Status).To(Equal("succeeded"), "%s should have succeeded after the workaround", r.Name)
			Expect(r.HResult).To(Equal(hrOK), "%s should report S_OK after the workaround", r.Name)
			Expect(r.FaultID).To(BeEmpty(), "%s should show no fault after the workaround", r.Name)
		}
		Expect(evaluate[string](tab, "reading the failed count", `document.querySelector('[data-live=failed]').textContent`)).To(Equal("0"))
		screenshot(tab, filepath.Join(artifacts, "console-after.png"))
		Expect(srv.sess).NotTo(gexec.Exit(), "mockwsus should still be running")
	}, SpecTimeout(consoleTimeout))
})

// evaluateCookies returns the browser's cookies for the admin URL.
func evaluateCookies(tab context.Context, adminURL string) []*network.Cookie {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(tab, browserTimeout)
	defer cancel()
	cookies, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{adminURL + "/"}})
		return res.Cookies, err
	})
	Expect(err).NotTo(HaveOccurred(), "reading the browser's cookies")
	return cookies
}
