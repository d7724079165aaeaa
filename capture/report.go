package capture

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/wsusmock/wsusmock/internal/jsonout"
)

// WriteText renders the report for people: a summary line, the notes,
// then one line per exchange with its verdict and, indented under it, the
// differences or the error.
func (r *ReplayReport) WriteText(w io.Writer) error {
	var b strings.Builder
	if r.URLA != "" {
		fmt.Fprintf(&b, "replay of %d exchanges against A=%s and B=%s: %d same, %d differ, %d errors\n",
			len(r.Exchanges), r.URLA, r.URLB, r.Same, r.Differs, r.Errors)
	} else {
		fmt.Fprintf(&b, "replay of %d exchanges against %s: %d same, %d differ, %d errors\n",
			len(r.Exchanges), r.URLB, r.Same, r.Differs, r.Errors)
	}
	if r.FirstDifference != "" {
		fmt.Fprintf(&b, "first difference: exchange %s\n", r.FirstDifference)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	for _, e := range r.Exchanges {
		what := e.Operation
		if what == "" {
			what = e.Path
		}
		fmt.Fprintf(&b, "%s %s %s: %s", e.Exchange, e.Method, what, e.Verdict)
		if e.Verdict != VerdictError {
			fmt.Fprintf(&b, " (%s %d, %s %d)", r.A, e.StatusA, r.B, e.StatusB)
		}
		b.WriteString("\n")
		if e.Error != "" {
			fmt.Fprintf(&b, "  error: %s\n", e.Error)
		}
		for _, d := range e.Diff {
			fmt.Fprintf(&b, "  %s\n", d)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Text returns WriteText's rendering.
func (r *ReplayReport) Text() string {
	var b strings.Builder
	r.WriteText(&b)
	return b.String()
}

// WriteJSON renders the report as indented JSON (the ReplayReport fields).
func (r *ReplayReport) WriteJSON(w io.Writer) error {
	jsonout.EmptyNotNull(r)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("capture: writing the report: %w", err)
	}
	return nil
}
