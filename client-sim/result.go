package clientsim

import (
	"encoding/json"
	"io"
	"sort"
	"time"

	"github.com/wsusmock/wsusmock/internal/jsonout"
)

// Result is the outcome of one search (one Sync). Its JSON form has a
// stable field order (the struct's) and, for a seed and a virtual clock, the
// same bytes on every run except Timings, which measure real time.
type Result struct {
	// Computer is the DNS name the agent registered with.
	Computer string `json:"computer"`
	// ClientID is the SusClientId GUID.
	ClientID string `json:"clientId"`
	// Profile is the machine profile's name.
	Profile string `json:"profile"`
	// Server is the WUServer URL.
	Server string `json:"server"`
	// Success is true when the search ended with HRESULT 0.
	Success bool `json:"success"`
	// HResult is the search's HRESULT; it prints, and is in JSON, as
	// "0x8024400E". HResultCode is the same number, for tools that want it
	// as one.
	HResult     HResult `json:"hresult"`
	HResultCode uint32  `json:"hresultCode"`
	// FailedOperation is the operation the search failed in ("SyncUpdates",
	// "SelfUpdate", ...); empty on success.
	FailedOperation string `json:"failedOperation,omitempty"`
	// Reason says in words why the search failed; empty on success.
	Reason string `json:"reason,omitempty"`
	// Fault is the SOAP fault that ended the search, if one did.
	Fault *FaultInfo `json:"fault,omitempty"`
	// Updates are the updates found: applicable and not installed.
	Updates []FoundUpdate `json:"updates"`
	// Categories counts the installed categories the search knows.
	Categories int `json:"categories"`
	// Evaluated counts the updates whose rules were evaluated; Deployed the
	// updates the server sent (cached included).
	Evaluated int `json:"evaluated"`
	Deployed  int `json:"deployed"`
	// UnknownRules lists the updates whose rules could not be evaluated
	// (unknown or malformed); each was treated as not applicable.
	UnknownRules []UnknownRule `json:"unknownRules"`
	// RoundTrips counts HTTP exchanges with the server (self-update GET
	// included).
	RoundTrips int `json:"roundTrips"`
	// Calls is every exchange in order, with its outcome.
	Calls []Call `json:"calls"`
	// ReportedEvents are the reporting event IDs sent with ReportEventBatch
	// (147 detection succeeded, 148 failed); empty when reporting was
	// skipped or failed.
	ReportedEvents []int `json:"reportedEvents"`
	// Timings are per-operation wall-clock timings. They are not
	// deterministic; compare Results without them (see WithoutTimings).
	Timings []OpTiming `json:"timings"`

	// latencies are the individual call durations, for fleet percentiles.
	latencies []opLatency
}

// FaultInfo is a SOAP fault the server sent.
type FaultInfo struct {
	// Operation is the call that faulted, e.g. "SyncUpdates".
	Operation string `json:"operation"`
	// Code is the faultcode's local name: Server or Client.
	Code string `json:"code"`
	// String is the faultstring ("Fault occurred").
	String string `json:"string"`
	// ErrorCode, Message, ID and Method are the WSUS detail, as the log's
	// "ErrorCode:", "Message:", "ID:" and "Method:" lines print them. ID is
	// the fault's GUID, which the server's SoftwareDistribution.log repeats;
	// Method is the quoted SOAPAction.
	ErrorCode string `json:"errorCode,omitempty"`
	Message   string `json:"message,omitempty"`
	ID        string `json:"id,omitempty"`
	Method    string `json:"method,omitempty"`
	// HTTPStatus is the status the fault came with on the wire (WUA 7's log
	// prints 200 whatever it was).
	HTTPStatus int `json:"httpStatus"`
}

// FoundUpdate is an update the search found.
type FoundUpdate struct {
	RevisionID     int32  `json:"revisionId"`
	UpdateID       string `json:"updateId"`
	RevisionNumber int    `json:"revisionNumber"`
	// Title comes from the LocalizedProperties fragment; empty when the
	// server sent none.
	Title string `json:"title,omitempty"`
	// KB is the KB article number without "KB".
	KB string `json:"kb,omitempty"`
	// Classification is the title of the update's classification
	// category, when the server described it.
	Classification string `json:"classification,omitempty"`
	// Action is the deployment action (Install, ...).
	Action string `json:"action,omitempty"`
}

// UnknownRule is an update whose applicability rule the simulator could
// not evaluate.
type UnknownRule struct {
	RevisionID int32  `json:"revisionId"`
	UpdateID   string `json:"updateId,omitempty"`
	// Rule is IsInstalled, IsInstallable or Core (the fragment itself did
	// not parse).
	Rule string `json:"rule"`
	// Error says what was not understood.
	Error string `json:"error"`
}

// Call is one exchange of the search.
type Call struct {
	// Operation is the SOAP operation, or "SelfUpdate" for the wuident.cab
	// GET.
	Operation string `json:"operation"`
	// Status is the HTTP status, 0 when no answer came.
	Status int `json:"status"`
	// Outcome is "ok", "fault ErrorCode" (or "fault Server" without a
	// detail) or the HRESULT of a transport failure.
	Outcome string `json:"outcome"`
}

// OpTiming summarises the calls of one operation.
type OpTiming struct {
	Operation string  `json:"operation"`
	Calls     int     `json:"calls"`
	TotalMS   float64 `json:"totalMs"`
	MaxMS     float64 `json:"maxMs"`
}

type opLatency struct {
	op string
	d  time.Duration
}

// WithoutTimings returns a copy of r with Timings cleared, the part of a
// Result that is deterministic for a seed.
func (r *Result) WithoutTimings() *Result {
	c := *r
	c.Timings = nil
	c.latencies = nil
	return &c
}

// WriteJSON writes r as indented JSON followed by a newline.
func (r *Result) WriteJSON(w io.Writer) error {
	jsonout.EmptyNotNull(r)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// summariseTimings folds the call latencies into per-operation timings,
// sorted by operation name.
func summariseTimings(lat []opLatency) []OpTiming {
	byOp := map[string]*OpTiming{}
	for _, l := range lat {
		t := byOp[l.op]
		if t == nil {
			t = &OpTiming{Operation: l.op}
			byOp[l.op] = t
		}
		ms := float64(l.d) / float64(time.Millisecond)
		t.Calls++
		t.TotalMS += ms
		if ms > t.MaxMS {
			t.MaxMS = ms
		}
	}
	out := make([]OpTiming, 0, len(byOp))
	for _, t := range byOp {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Operation < out[j].Operation })
	return out
}
