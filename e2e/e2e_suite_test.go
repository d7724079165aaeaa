// Package e2e holds the end-to-end suites of wsusmock: the mockwsus,
// client-sim and wsusrepro binaries built once with gexec and driven as a user
// would, and the same proofs in-process (mockwsus.New behind httptest, the
// clientsim library).
//
// The suites run in plain `go test ./...` (no build tag) and take a few
// seconds. Useful invocations:
//
//	go test ./e2e                                              # everything
//	go test ./e2e -ginkgo.v                                    # spec by spec
//	go test ./e2e -ginkgo.label-filter='binary && buggy'       # a subset
//	go test ./e2e -ginkgo.label-filter='in-process'
//	go test ./e2e -ginkgo.junit-report=report.xml              # JUnit report
//
// Labels: e2e (every spec, suite-level), binary, in-process, buggy, fixed,
// tls, wsusrepro, remote. Ginkgo flags must be given to `go test ./e2e` only: other
// packages do not define them. With the CLI, specs can also run in parallel:
// `go tool ginkgo -p ./e2e` (binaries listen on port 0, so there are no
// clashes).
package e2e

import (
	"encoding/json"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "E2E Suite", Label("e2e"))
}

// SynchronizedBeforeSuite builds the three binaries once (on process 1 under
// `ginkgo -p`) and hands their paths to every process.
var _ = SynchronizedBeforeSuite(func() []byte {
	DeferCleanup(gexec.CleanupBuildArtifacts)
	var b binaries
	var err error
	b.MockWSUS, err = gexec.Build("github.com/wsusmock/wsusmock/cmd/mockwsus")
	Expect(err).NotTo(HaveOccurred(), "building wsusmock/cmd/mockwsus")
	b.ClientSim, err = gexec.Build("github.com/wsusmock/wsusmock/cmd/client-sim")
	Expect(err).NotTo(HaveOccurred(), "building wsusmock/cmd/client-sim")
	b.WSUSRepro, err = gexec.Build("github.com/wsusmock/wsusmock/cmd/wsusrepro")
	Expect(err).NotTo(HaveOccurred(), "building wsusmock/cmd/wsusrepro")
	data, err := json.Marshal(b)
	Expect(err).NotTo(HaveOccurred(), "encoding the binary paths for the other processes")
	return data
}, func(data []byte) {
	Expect(json.Unmarshal(data, &bin)).To(Succeed(), "decoding the binary paths from process 1")
})
