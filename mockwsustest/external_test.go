package mockwsustest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// consumerTest is the test of a module outside this one: it starts the mock
// in one line and gets a GetConfigResponse, with only public types.
const consumerTest = `package consumer

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/clock"
	"github.com/wsusmock/wsusmock/mockwsustest"
)

const getConfig = ` + "`" + `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
	`<GetConfig xmlns="http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService"><protocolVersion>1.0</protocolVersion></GetConfig>` +
	`</soap:Body></soap:Envelope>` + "`" + `

func TestGetConfig(t *testing.T) {
	m := mockwsustest.New(t, mockwsustest.WithSeed(3), mockwsustest.WithClock(clock.NewVirtual(clock.DefaultStart, 0)))
	req, _ := http.NewRequestWithContext(t.Context(), "POST", m.URL+"/ClientWebService/client.asmx", strings.NewReader(getConfig))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", ` + "`" + `"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetConfig"` + "`" + `)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "GetConfigResponse") {
		t.Fatalf("GetConfig: %s\n%s", resp.Status, body)
	}
	res, err := m.Sync(t.Context(), "xp-sp3")
	if err != nil || !res.Success {
		t.Fatalf("sync: %v %+v", err, res)
	}
}
`

// TestExternalModule builds, vets and tests a module outside this one that
// requires it through a replace, as a user's module would before a release
// (or with `go get` after one): only public packages and types are usable
// there, so an internal type in mockwsustest's API would fail it. It runs
// offline, from the module cache this module's own build filled.
func TestExternalModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a second module (-short)")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH: cannot build an external module")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod": "module example.com/consumer\n\ngo 1.26.8\n\n" +
			"require github.com/wsusmock/wsusmock v0.0.0-00010101000000-000000000000\n\n" +
			"replace github.com/wsusmock/wsusmock => " + root + "\n",
		// The consumer needs the sums of the dependencies it loads, which
		// are this module's.
		"go.sum":           string(sum),
		"consumer_test.go": consumerTest,
		"doc.go":           "// Package consumer uses mockwsustest from outside its module.\npackage consumer\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}, {"test", "-count=1", "./..."}} {
		cmd := exec.CommandContext(t.Context(), goBin, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in the external module: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
