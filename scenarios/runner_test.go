package scenarios

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
)

func TestBuiltinScenariosPass(t *testing.T) {
	for _, name := range BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			sc, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Run(context.Background(), sc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Passed {
				var b bytes.Buffer
				WriteTable(&b, rep)
				t.Errorf("scenario failed:\n%s", b.String())
			}
		})
	}
}

func TestWrongExpectationFailsReadably(t *testing.T) {
	sc, err := Load(filepath.Join("testdata", "wrong-expectation.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed {
		t.Fatal("a wrong expectation passed")
	}
	var b bytes.Buffer
	WriteTable(&b, rep)
	out := b.String()
	for _, want := range []string{"FAIL  wrong-expectation", "hresult", "0x00000000", "0x8024400E (InternalServerError)", "FAIL"} {
		if !strings.Contains(out, want) {
			t.Errorf("verdict table lacks %q:\n%s", want, out)
		}
	}
}

// Artifacts are written, and byte-stable for one seed (junit.xml carries
// wall time and is left out of the comparison).
func TestArtifactsAreByteStable(t *testing.T) {
	sc, err := Builtin("kb954960")
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, d := range dirs {
		if _, err := Run(context.Background(), sc, Options{OutDir: d}); err != nil {
			t.Fatal(err)
		}
	}
	files := []string{"SoftwareDistribution.log", "journal.jsonl", "result.json", "verdict.txt", "junit.xml",
		filepath.Join("clients", "xp-office", "WindowsUpdate.log"), filepath.Join("clients", "xp-plain", "WindowsUpdate.log")}
	for _, f := range files {
		a, err := os.ReadFile(filepath.Join(dirs[0], "kb954960", f))
		if err != nil {
			t.Fatalf("artifact %s: %v", f, err)
		}
		b, err := os.ReadFile(filepath.Join(dirs[1], "kb954960", f))
		if err != nil {
			t.Fatal(err)
		}
		if f != "junit.xml" && !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
	}
}

// A scenario can drive a server started elsewhere through its admin API.
func TestRemoteServer(t *testing.T) {
	srv, err := mockwsus.New(mockwsus.Config{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	l, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Shutdown(context.Background()) })
	sc, err := Builtin("kb954960-hotfix")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), sc, Options{ServerURL: l.URL}); err == nil || !strings.Contains(err.Error(), "give --admin URL") {
		t.Errorf("a mutating scenario without the admin API: %v", err)
	}
	rep, err := Run(context.Background(), sc, Options{ServerURL: l.URL, AdminURL: l.AdminURL})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed {
		var b bytes.Buffer
		WriteTable(&b, rep)
		t.Errorf("remote hotfix scenario failed:\n%s", b.String())
	}
	if srv.ClientWebServiceDLLVersion() != mockwsus.VersionFixed {
		t.Error("the remote server was not switched to the fix")
	}
}

func TestUnreachableServerIsAClearError(t *testing.T) {
	sc, err := Builtin("kb954960")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), sc, Options{ServerURL: "http://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("err = %v, want a clear 'does not answer' error", err)
	}
}
