package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/gexec"
	"github.com/onsi/gomega/types"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
)

// binaries are the paths gexec.Build produced (see e2e_suite_test.go).
type binaries struct {
	MockWSUS, ClientSim, WSUSRepro string
}

// bin is set once per process by SynchronizedBeforeSuite.
var bin binaries

const (
	// officeProfile has Office 2003 (both detectoid rules true): it hits the
	// KB954960 bug. plainProfile has no Office and never does.
	officeProfile = "xp-sp3-office2003"
	plainProfile  = "xp-sp3"

	// seed is the client-sim seed of every sync: same identity, same log.
	seed = "7"

	hrFault = "0x8024400E"
	hrOK    = "0x00000000"

	buggyVersion = "3.1.6001.65"
	fixedVersion = "3.1.6001.66"

	// officeSP1 is the update with the inconsistent double approval.
	officeSP1 = "KB842532"

	syncUpdatesMethod = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates"

	// Generous bounds: every step takes well under a second on a quiet
	// machine, but `go test ./...` shares two cores with other packages.
	startTimeout = 15 * time.Second
	runTimeout   = 30 * time.Second
)

// advisoryClientLines are the WindowsUpdate.log lines of Security Advisory
// 954960, in the order the agent writes them (whitespace collapsed, see
// collapse).
var advisoryClientLines = []string{
	"PT WARNING: SyncUpdates failure, error = 0x8024400E, soap client error = 7, soap error code = 400, HTTP status code = 200",
	"PT WARNING: SOAP Fault: 0x000190",
	"PT WARNING: faultstring:Fault occurred",
	"PT WARNING: ErrorCode:InternalServerError(5)",
	"PT WARNING: Message:(null)",
	`PT WARNING: Method:"` + syncUpdatesMethod + `"`,
	"PT WARNING: ID:",
}

// advisoryServerLines are the SoftwareDistribution.log lines of the bug, in
// order (whitespace collapsed).
var advisoryServerLines = []string{
	"ClientImplementation.SyncUpdates System.ArgumentException: Item has already been added. Key in dictionary: '8862' Key being added: '8862'",
	"at System.Collections.Hashtable.Insert(Object key, Object nvalue, Boolean add)",
	"at Microsoft.UpdateServices.Internal.ClientImplementation.GetSyncInfo(",
	"SoapUtilities.CreateException ThrowException: actor =",
	"ErrorCode=InternalServerError",
}

var (
	guid          = `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`
	clientFaultRE = regexp.MustCompile(`PT\s+WARNING: ID:(` + guid + `)`)
	serverFaultRE = regexp.MustCompile(`ThrowException: actor = \S+, ID=(` + guid + `)`)
	spacesRE      = regexp.MustCompile(`[ \t]+`)
)

// collapse turns runs of spaces and tabs into one space, so that expected
// lines need not spell the logs' tab-separated columns.
func collapse(s string) string { return spacesRE.ReplaceAllString(s, " ") }

// containInOrder succeeds when the (collapsed) text contains every part, each
// after the previous one; its failure names the first part not found.
func containInOrder(parts ...string) types.GomegaMatcher {
	var state struct{ Missing, After string }
	return gcustom.MakeMatcher(func(text string) (bool, error) {
		text = collapse(text)
		pos := 0
		state.After = "(start of log)"
		for _, p := range parts {
			i := strings.Index(text[pos:], p)
			if i < 0 {
				state.Missing = p
				return false, nil
			}
			pos += i + len(p)
			state.After = p
		}
		return true, nil
	}).WithTemplate("Expected the log\n{{.FormattedActual}}\n{{.To}} contain, in order:\n{{format .Data.Parts 1}}\nfirst missing: {{printf \"%q\" .Data.State.Missing}} (looked after {{printf \"%q\" .Data.State.After}})",
		map[string]any{"Parts": parts, "State": &state})
}

// faultID returns the first fault ID re finds in text, or "".
func faultID(re *regexp.Regexp, text string) string {
	m := re.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return m[1]
}

// readFile reads a file the spec needs; a missing file fails the spec.
func readFile(path string) string {
	GinkgoHelper()
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred(), "reading %s", path)
	return string(data)
}

// specLogs collects what to print when a spec fails: server logs, journals,
// client logs. Containers declare one, BeforeEach makes it and AfterEach
// dumps it when CurrentSpecReport().Failed().
type specLogs struct {
	items []logItem
}

type logItem struct {
	name string
	read func() ([]byte, error)
}

func newSpecLogs() *specLogs { return &specLogs{} }

// addFile registers a file (it need not exist yet).
func (l *specLogs) addFile(path string) {
	l.items = append(l.items, logItem{name: path, read: func() ([]byte, error) { return os.ReadFile(path) }})
}

// addGlob registers the files matching pattern at dump time.
func (l *specLogs) addGlob(pattern string) {
	l.items = append(l.items, logItem{name: pattern, read: func() ([]byte, error) {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				fmt.Fprintf(&b, "--- %s: %v\n", p, err)
				continue
			}
			fmt.Fprintf(&b, "--- %s\n%s\n", p, data)
		}
		return b.Bytes(), nil
	}})
}

// addBuffer registers an in-memory log.
func (l *specLogs) addBuffer(name string, buf *gbytes.Buffer) {
	l.items = append(l.items, logItem{name: name, read: func() ([]byte, error) { return buf.Contents(), nil }})
}

// dumpIfFailed writes every registered log to GinkgoWriter when the spec
// failed (GinkgoWriter output is shown with the failure and goes into the
// JUnit report's system-err).
func (l *specLogs) dumpIfFailed() {
	if l == nil || !CurrentSpecReport().Failed() {
		return
	}
	for _, it := range l.items {
		data, err := it.read()
		if err != nil {
			fmt.Fprintf(GinkgoWriter, "\n===== %s: %v\n", it.name, err)
			continue
		}
		fmt.Fprintf(GinkgoWriter, "\n===== %s (%d bytes)\n%s\n===== end of %s\n", it.name, len(data), data, it.name)
	}
}

// mockServer is a running mockwsus binary.
type mockServer struct {
	sess     *gexec.Session
	URL      string
	AdminURL string
	LogDir   string
}

var (
	listeningRE = regexp.MustCompile(`listening on (https?://\S+)`)
	adminRE     = regexp.MustCompile(`admin on (https?://\S+)`)
)

// startMockwsus starts mockwsus on ephemeral ports with its logs in logDir,
// waits for both readiness lines and registers a SIGTERM for the end of the
// spec.
func startMockwsus(ctx context.Context, logs *specLogs, logDir string, extra ...string) *mockServer {
	GinkgoHelper()
	args := append([]string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--log-dir", logDir}, extra...)
	logs.addFile(filepath.Join(logDir, "SoftwareDistribution.log"))
	logs.addFile(filepath.Join(logDir, "journal.jsonl"))
	sess, err := gexec.Start(exec.Command(bin.MockWSUS, args...), GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred(), "starting mockwsus %s", strings.Join(args, " "))
	DeferCleanup(func() {
		sess.Terminate()
		Eventually(sess).WithTimeout(startTimeout).Should(gexec.Exit(), "mockwsus did not stop within %s of SIGTERM", startTimeout)
	})
	Eventually(sess.Out).WithContext(ctx).WithTimeout(startTimeout).Should(gbytes.Say(`listening on https?://\S+\n`),
		"mockwsus %s never printed its 'listening on URL' line", strings.Join(args, " "))
	Eventually(sess.Out).WithContext(ctx).WithTimeout(startTimeout).Should(gbytes.Say(`admin on https?://\S+\n`),
		"mockwsus never printed its 'admin on URL' line")
	out := string(sess.Out.Contents())
	s := &mockServer{sess: sess, LogDir: logDir}
	s.URL = listeningRE.FindStringSubmatch(out)[1]
	s.AdminURL = adminRE.FindStringSubmatch(out)[1]
	return s
}

// stop sends SIGTERM and expects a graceful "stopped" and exit status 0.
func (s *mockServer) stop(ctx context.Context) {
	GinkgoHelper()
	s.sess.Terminate()
	Eventually(s.sess).WithContext(ctx).WithTimeout(startTimeout).Should(gexec.Exit(0), "mockwsus should exit 0 after SIGTERM")
	Expect(s.sess.Out).To(gbytes.Say(`stopped`), "mockwsus should print 'stopped' on SIGTERM")
}

// softwareDistributionLog returns the server log written so far.
func (s *mockServer) softwareDistributionLog() string {
	GinkgoHelper()
	return readFile(filepath.Join(s.LogDir, "SoftwareDistribution.log"))
}

// admin sends one admin API request and expects 200; it returns the body.
func (s *mockServer) admin(ctx context.Context, method, path, body string) []byte {
	GinkgoHelper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.AdminURL+path, rd)
	Expect(err).NotTo(HaveOccurred(), "building admin request %s %s", method, path)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred(), "admin request %s %s %s", method, path, body)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred(), "reading the answer to %s %s", method, path)
	Expect(resp.StatusCode).To(Equal(http.StatusOK), "admin %s %s %s answered %s: %s", method, path, body, resp.Status, data)
	return data
}

// version returns GET /version's serverVersion and DLL version.
func (s *mockServer) version(ctx context.Context) (server, dll string) {
	GinkgoHelper()
	var v struct {
		ServerVersion              string `json:"serverVersion"`
		ClientWebServiceDLLVersion string `json:"clientWebServiceDllVersion"`
	}
	data := s.admin(ctx, http.MethodGet, "/version", "")
	Expect(json.Unmarshal(data, &v)).To(Succeed(), "GET /version should answer JSON, got %s", data)
	return v.ServerVersion, v.ClientWebServiceDLLVersion
}

// runBinary runs a command to completion (killed if the spec's context
// ends) and returns its finished session. env adds to the environment.
func runBinary(ctx context.Context, dir string, env []string, path string, args ...string) *gexec.Session {
	GinkgoHelper()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	sess, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred(), "starting %s %s", filepath.Base(path), strings.Join(args, " "))
	Eventually(sess).WithContext(ctx).WithTimeout(runTimeout).Should(gexec.Exit(),
		"%s %s did not finish within %s", filepath.Base(path), strings.Join(args, " "), runTimeout)
	return sess
}

// clientSync runs `client-sim sync --json --seed 7` with the log in logFile
// and decodes its JSON result (printed on success and on failure alike).
func clientSync(ctx context.Context, env []string, serverURL, profileName, logFile string) (*gexec.Session, clientsim.Result) {
	GinkgoHelper()
	args := []string{"sync", "--server", serverURL, "--profile", profileName, "--log", logFile, "--json", "--seed", seed}
	sess := runBinary(ctx, "", env, bin.ClientSim, args...)
	var res clientsim.Result
	Expect(json.Unmarshal(sess.Out.Contents(), &res)).To(Succeed(),
		"client-sim %s should print a JSON result, got stdout %q stderr %q", strings.Join(args, " "), sess.Out.Contents(), sess.Err.Contents())
	return sess, res
}

// securityUpdates returns the KBs of the found updates classified as
// security updates.
func securityUpdates(res clientsim.Result) []string {
	var kbs []string
	for _, u := range res.Updates {
		if u.Classification == "Security Updates" {
			kbs = append(kbs, "KB"+u.KB)
		}
	}
	return kbs
}

// foundKBs returns the KBs of the found updates.
func foundKBs(res clientsim.Result) []string {
	kbs := []string{}
	for _, u := range res.Updates {
		kbs = append(kbs, "KB"+u.KB)
	}
	return kbs
}
