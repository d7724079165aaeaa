package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/wsusmock/wsusmock/scenarios"
)

// scenarioLabels adds the buggy/fixed labels to the built-in scenarios'
// entries; a scenario not listed here runs with the container's labels only.
var scenarioLabels = map[string]Labels{
	"kb954960":            {"buggy"},
	"kb954960-hotfix":     {"buggy", "fixed"},
	"kb954960-workaround": {"buggy", "fixed"},
	"healthy":             {"fixed"},
}

// readmeScenarios are what the README promises plain `wsusrepro run`
// carries out: the fault, then the two cures.
var readmeScenarios = []string{"kb954960", "kb954960-hotfix", "kb954960-workaround"}

// builtinEntries makes one table entry per built-in scenario, so a scenario
// added to scenarios/builtin is covered without touching this file.
func builtinEntries() []TableEntry {
	var entries []TableEntry
	for _, name := range scenarios.BuiltinNames() {
		entries = append(entries, Entry(name, scenarioLabels[name], name, SpecTimeout(runTimeout)))
	}
	return entries
}

// The scenario harness as a user runs it.
var _ = Describe("wsusrepro binary", Label("binary", "wsusrepro"), func() {
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

	DescribeTable("each built-in scenario passes with its artifacts",
		func(ctx SpecContext, name string) {
			out := filepath.Join(dir, "out")
			logs.addGlob(filepath.Join(out, name, "verdict.txt"))
			logs.addGlob(filepath.Join(out, name, "SoftwareDistribution.log"))

			sess := runBinary(ctx, dir, nil, bin.WSUSRepro, "run", name, "--out", out)
			Expect(sess).To(gexec.Exit(0), "wsusrepro run %s should exit 0", name)
			Expect(string(sess.Out.Contents())).To(MatchRegexp(`(?m)^\s*PASS  `+regexp.QuoteMeta(name)+`\b`), "wsusrepro run %s should print 'PASS  %s'", name, name)

			sdir := filepath.Join(out, name)
			for _, f := range []string{"result.json", "junit.xml", "SoftwareDistribution.log"} {
				Expect(filepath.Join(sdir, f)).To(BeARegularFile(), "wsusrepro run %s should write %s", name, f)
			}
			clientLogs, err := filepath.Glob(filepath.Join(sdir, "clients", "*", "WindowsUpdate.log"))
			Expect(err).NotTo(HaveOccurred(), "globbing the client logs")
			Expect(clientLogs).NotTo(BeEmpty(), "wsusrepro run %s should write clients/*/WindowsUpdate.log", name)
			sc, err := scenarios.Builtin(name)
			Expect(err).NotTo(HaveOccurred(), "loading built-in scenario %s", name)
			Expect(clientLogs).To(HaveLen(len(sc.Clients)), "one WindowsUpdate.log per client of %s", name)

			var rep struct {
				Scenario string `json:"scenario"`
				Passed   bool   `json:"passed"`
			}
			data := readFile(filepath.Join(sdir, "result.json"))
			Expect(json.Unmarshal([]byte(data), &rep)).To(Succeed(), "result.json of %s should be JSON", name)
			Expect(rep.Scenario).To(Equal(name), "result.json should name the scenario")
			Expect(rep.Passed).To(BeTrue(), "result.json of %s should say passed", name)
		},
		builtinEntries(),
	)

	It("reports a wrong expectation readably and exits 1", Label("buggy"), func(ctx SpecContext) {
		file, err := filepath.Abs(filepath.Join("..", "scenarios", "testdata", "wrong-expectation.yaml"))
		Expect(err).NotTo(HaveOccurred(), "locating scenarios/testdata/wrong-expectation.yaml")
		out := filepath.Join(dir, "out")
		logs.addGlob(filepath.Join(out, "*", "verdict.txt"))

		sess := runBinary(ctx, dir, nil, bin.WSUSRepro, "run", file, "--out", out)
		Expect(sess).To(gexec.Exit(1), "a scenario whose expectation does not hold should make wsusrepro exit 1")
		stdout := string(sess.Out.Contents())
		Expect(stdout).To(MatchRegexp(`(?m)^\s*FAIL  wrong-expectation\b`), "the report should say 'FAIL  wrong-expectation'")
		Expect(stdout).To(ContainSubstring(hrFault), "the report should show the observed 0x8024400E")
		Expect(stdout).To(MatchRegexp(`hresult\s+0x00000000\s+0x8024400E.*FAIL`), "the failed check's row should show expected S_OK against observed 0x8024400E")
	}, SpecTimeout(runTimeout))

	It("check refuses a broken scenario file with file:line", func(ctx SpecContext) {
		file := filepath.Join(dir, "broken.yaml")
		Expect(os.WriteFile(file, []byte(`name: broken
server:
  version: 3.1.6001.65
  behaviours:
    kb999999: buggy
clients:
  - {name: a, profile: xp-sp3}
steps:
  - sync: all
`), 0o644)).To(Succeed(), "writing %s", file)

		sess := runBinary(ctx, dir, nil, bin.WSUSRepro, "check", file)
		Expect(sess.ExitCode()).NotTo(Equal(0), "wsusrepro check should fail on an unknown behaviour")
		all := string(sess.Out.Contents()) + string(sess.Err.Contents())
		Expect(all).To(ContainSubstring("broken.yaml:5:"), "the message should point at broken.yaml line 5 (the kb999999 key)")
		Expect(all).To(ContainSubstring(`unknown behaviour "kb999999"`), "the message should name the unknown behaviour")
	}, SpecTimeout(runTimeout))

	It("run against a server that does not answer fails clearly", func(ctx SpecContext) {
		sess := runBinary(ctx, dir, nil, bin.WSUSRepro, "run", "--server", "http://127.0.0.1:1", "kb954960", "--out", filepath.Join(dir, "out"))
		Expect(sess.ExitCode()).NotTo(Equal(0), "wsusrepro run against a closed port should fail")
		all := string(sess.Out.Contents()) + string(sess.Err.Contents())
		Expect(all).To(ContainSubstring("does not answer"), "the message should say the server does not answer")
		Expect(all).To(ContainSubstring("http://127.0.0.1:1"), "the message should name the server URL")
	}, SpecTimeout(runTimeout))

	It("the README's main command, plain `wsusrepro run`, proves the bug and both cures", Label("buggy", "fixed"), func(ctx SpecContext) {
		logs.addGlob(filepath.Join(dir, "wsusrepro-out", "*", "verdict.txt"))

		sess := runBinary(ctx, dir, nil, bin.WSUSRepro, "run")
		Expect(sess).To(gexec.Exit(0), "wsusrepro run (no arguments) should exit 0")
		stdout := string(sess.Out.Contents())
		Expect(stdout).To(ContainSubstring("\nsummary:\n"), "the output should end with a summary")
		summary := stdout[regexp.MustCompile(`\nsummary:\n`).FindStringIndex(stdout)[1]:]
		for _, name := range readmeScenarios {
			Expect(summary).To(MatchRegexp(`(?m)^\s*PASS  `+regexp.QuoteMeta(name)+`\s`), "the summary should have 'PASS  %s'", name)
		}
		Expect(summary).NotTo(ContainSubstring("FAIL"), "the summary should have no FAIL line")
		for _, name := range readmeScenarios {
			Expect(filepath.Join(dir, "wsusrepro-out", name, "result.json")).To(BeARegularFile(),
				"the default --out (./wsusrepro-out, in the working directory) should hold %s/result.json", name)
		}
	}, SpecTimeout(runTimeout))
})
