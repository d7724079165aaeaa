package capture

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/wsusmock/wsusmock/clock"
)

// DefaultMaxBody is how many bytes of each body Record and NewProxy keep
// when WriterOptions.MaxBody is 0: enough for any SOAP message (ASP.NET
// refuses requests over 4 MiB) while bounding memory for update payloads.
const DefaultMaxBody = 16 << 20

// WriterOptions configures a Writer.
type WriterOptions struct {
	// MaxBody caps the bytes of each body that Record and NewProxy keep;
	// the rest still streams to its reader, and meta.json notes the
	// truncation. 0 means DefaultMaxBody; negative means no cap.
	MaxBody int64
	// Redact is applied to every exchange before it is written.
	Redact Redaction
	// Clock stamps recorded exchanges (meta.json's time); nil means the
	// real clock.
	Clock clock.Clock
	// Logf reports recording failures, which a middleware cannot return;
	// nil keeps them for Err only.
	Logf func(format string, args ...any)
}

// Writer writes exchanges into a capture directory. It is safe for
// concurrent use. Each exchange is written into a temporary folder (a name
// starting with ".", which Read skips) and renamed into place only when all
// its files are written, so a reader never sees half an exchange and a
// failed write leaves nothing behind.
type Writer struct {
	dir  string
	opts WriterOptions
	clk  clock.Clock
	red  *redactor

	mu      sync.Mutex
	next    int
	claimed map[string]bool
	err     error

	// pending counts recordings that have begun but are not written yet.
	pending sync.WaitGroup

	manifestMu sync.Mutex
	manifest   RedactionManifest

	// beforeFile, when set (tests), runs before each file of an exchange is
	// written; an error aborts the exchange as a failing disk would.
	beforeFile func(file string) error
}

// NewWriter returns a Writer for dir, creating it if needed. When dir
// already holds exchanges, numbering continues after the highest numbered
// one, and an existing redaction manifest is extended.
func NewWriter(dir string, opts WriterOptions) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("capture: creating capture directory: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("capture: reading capture directory: %w", err)
	}
	w := &Writer{dir: dir, opts: opts, clk: opts.Clock, next: 1, claimed: map[string]bool{}}
	if w.clk == nil {
		w.clk = clock.Real{}
	}
	if w.opts.MaxBody == 0 {
		w.opts.MaxBody = DefaultMaxBody
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		w.claimed[e.Name()] = true
		if n, err := strconv.Atoi(e.Name()); err == nil && n >= w.next {
			w.next = n + 1
		}
	}
	if opts.Redact.enabled() {
		w.red = newRedactor(opts.Redact)
		w.manifest = RedactionManifest{Tool: "github.com/wsusmock/wsusmock/capture", Version: 1, Settings: opts.Redact.settings()}
		data, err := readRegular(filepath.Join(dir, FileRedactions))
		switch {
		case err == nil:
			if err := json.Unmarshal(data, &w.manifest); err != nil {
				return nil, fmt.Errorf("capture: %s: malformed: %w", filepath.Join(dir, FileRedactions), err)
			}
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("capture: reading %s: %w", FileRedactions, err)
		}
	}
	return w, nil
}

// Dir returns the capture directory.
func (w *Writer) Dir() string { return w.dir }

// Err returns the first error of an exchange Record or NewProxy failed to
// write (they cannot return it to anyone).
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Wait blocks until every exchange Record or NewProxy has begun recording
// is written (or has failed). A client that got its response may otherwise
// look before the recorder has renamed the folder into place.
func (w *Writer) Wait() { w.pending.Wait() }

// reserve takes the next number, in arrival order, and counts the
// recording as pending until release.
func (w *Writer) reserve() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		name := fmt.Sprintf("%06d", w.next)
		w.next++
		if !w.claimed[name] {
			w.claimed[name] = true
			w.pending.Add(1)
			return name
		}
	}
}

// claim takes a given name (HAR import keeps the names of the source).
func (w *Writer) claim(name string) error {
	if name == "" || strings.HasPrefix(name, ".") || strings.ContainsAny(name, `/\`) || name != filepath.Base(name) {
		return fmt.Errorf("capture: %q cannot be an exchange folder name", name)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.claimed[name] {
		return fmt.Errorf("capture: exchange %s exists already in %s", name, w.dir)
	}
	w.claimed[name] = true
	if n, err := strconv.Atoi(name); err == nil && n >= w.next {
		w.next = n + 1
	}
	w.pending.Add(1)
	return nil
}

// releaseClaims gives back names claimed or reserved but never written
// (an import that failed), so that the writer's pending count drops to
// zero; the names stay taken.
func (w *Writer) releaseClaims(names []string) {
	for _, name := range names {
		if name != "" {
			w.pending.Done()
		}
	}
}

func (w *Writer) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
	if w.opts.Logf != nil {
		w.opts.Logf("%v", err)
	}
}

// Write writes ex as the next exchange and returns it as written: with its
// folder name, redacted, and with meta.json's method, path, soap_action,
// status and body sizes and hashes derived from the messages (a body size
// already set is kept as the original size).
func (w *Writer) Write(ex Exchange) (Exchange, error) {
	return w.writeAs(w.reserve(), ex)
}

// writeAs writes ex into folder name, which the caller has reserved or
// claimed, and counts the name's recording as done.
func (w *Writer) writeAs(name string, ex Exchange) (Exchange, error) {
	defer w.pending.Done()
	return w.writeFolder(name, ex)
}

// record writes an exchange Record or NewProxy saw into the folder
// reserved for it. A failure is kept for Err (and logged) before the
// recording counts as done, so that a caller of Wait then Err sees it.
func (w *Writer) record(name string, ex Exchange) {
	defer w.pending.Done()
	if _, err := w.writeFolder(name, ex); err != nil {
		w.fail(err)
	}
}

// writeFolder writes ex into folder name.
func (w *Writer) writeFolder(name string, ex Exchange) (Exchange, error) {
	ex.Name = name
	ex.Request.Header = ex.Request.Header.Clone()
	ex.Response.Header = ex.Response.Header.Clone()
	ex.Meta.Extra = cloneExtra(ex.Meta.Extra)
	noResponse := ex.Response.StatusCode == 0
	retained := ex.Meta.Bodies == ""

	if ex.Meta.RequestBodySize == 0 {
		ex.Meta.RequestBodySize = int64(len(ex.Request.Body))
	}
	if ex.Meta.ResponseBodySize == 0 {
		ex.Meta.ResponseBodySize = int64(len(ex.Response.Body))
	}
	var redactions []RedactionEntry
	if w.red != nil {
		redactions = w.red.apply(&ex)
		ex.Meta.Sanitized = true
	}
	m := &ex.Meta
	m.Method = ex.Request.Method
	m.Path = ex.Request.Path()
	m.SOAPAction = ex.Request.Header.Get("SOAPAction")
	m.Status = ex.Response.StatusCode
	m.RequestBodyBytes, m.RequestBodySHA256 = 0, ""
	m.ResponseBodyBytes, m.ResponseBodySHA256 = 0, ""
	if retained || ex.Request.Body != nil {
		m.RequestBodyBytes, m.RequestBodySHA256 = int64(len(ex.Request.Body)), sha256Hex(ex.Request.Body)
	}
	if !noResponse && (retained || ex.Response.Body != nil) {
		m.ResponseBodyBytes, m.ResponseBodySHA256 = int64(len(ex.Response.Body)), sha256Hex(ex.Response.Body)
	}
	if noResponse {
		m.ResponseBodySize = 0
	}
	if len(ex.Request.Body) == 0 {
		ex.Request.Body = nil
	}
	if len(ex.Response.Body) == 0 {
		ex.Response.Body = nil
	}

	// MarshalJSON directly: json.Marshal would compact its layout.
	metaJSON, err := ex.Meta.MarshalJSON()
	if err != nil {
		return ex, fmt.Errorf("capture: exchange %s: encoding meta.json: %w", name, err)
	}
	metaJSON = append(metaJSON, '\n')
	type file struct {
		name string
		data []byte
	}
	files := []file{{FileRequestHeaders, formatRequestHead(&ex.Request)}}
	if m.RequestBodySHA256 != "" {
		files = append(files, file{FileRequestBody, ex.Request.Body})
	}
	if !noResponse {
		files = append(files, file{FileResponseHeaders, formatResponseHead(&ex.Response)})
		if m.ResponseBodySHA256 != "" {
			files = append(files, file{FileResponseBody, ex.Response.Body})
		}
	}
	// meta.json last: its presence marks a complete folder even to a
	// reader that ignores the rename protocol.
	files = append(files, file{FileMeta, metaJSON})

	final := filepath.Join(w.dir, name)
	if _, err := os.Lstat(final); err == nil {
		return ex, fmt.Errorf("capture: exchange %s exists already in %s", name, w.dir)
	}
	tmp, err := os.MkdirTemp(w.dir, ".tmp-"+name+"-")
	if err != nil {
		return ex, fmt.Errorf("capture: exchange %s: %w", name, err)
	}
	abort := func(err error) (Exchange, error) {
		os.RemoveAll(tmp)
		return ex, fmt.Errorf("capture: exchange %s: %w", name, err)
	}
	for _, f := range files {
		if w.beforeFile != nil {
			if err := w.beforeFile(f.name); err != nil {
				return abort(fmt.Errorf("writing %s: %w", f.name, err))
			}
		}
		if err := os.WriteFile(filepath.Join(tmp, f.name), f.data, 0o644); err != nil {
			return abort(err)
		}
	}
	// MkdirTemp makes the folder private; an exchange is as readable as
	// the directory it lands in.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return abort(err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return abort(err)
	}
	if w.red != nil {
		if err := w.addToManifest(name, redactions); err != nil {
			return ex, err
		}
	}
	return ex, nil
}

func cloneExtra(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// addToManifest records an exchange's redactions and rewrites
// redactions.json through a temporary file, so the manifest on disk is
// always whole.
func (w *Writer) addToManifest(name string, entries []RedactionEntry) error {
	w.manifestMu.Lock()
	defer w.manifestMu.Unlock()
	if entries == nil {
		entries = []RedactionEntry{}
	}
	w.manifest.Exchanges = append(w.manifest.Exchanges, ExchangeRedactions{Exchange: name, Redactions: entries})
	sort.SliceStable(w.manifest.Exchanges, func(i, j int) bool {
		return exchangeLess(&Exchange{Name: w.manifest.Exchanges[i].Exchange}, &Exchange{Name: w.manifest.Exchanges[j].Exchange})
	})
	totals := map[string]int{}
	for _, ex := range w.manifest.Exchanges {
		for _, e := range ex.Redactions {
			totals[e.Kind] += e.Count
		}
	}
	w.manifest.Totals = totals
	data, err := json.MarshalIndent(w.manifest, "", "  ")
	if err != nil {
		return fmt.Errorf("capture: encoding %s: %w", FileRedactions, err)
	}
	f, err := os.CreateTemp(w.dir, ".tmp-"+FileRedactions+"-")
	if err != nil {
		return fmt.Errorf("capture: writing %s: %w", FileRedactions, err)
	}
	_, werr := f.Write(append(data, '\n'))
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(f.Name(), filepath.Join(w.dir, FileRedactions))
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("capture: writing %s: %w", FileRedactions, werr)
	}
	return nil
}
