// Package adminclient is the Go client of the mockwsus admin API: typed
// methods for every endpoint (versions, behaviour modes, groups, approvals,
// computers, the journal, SoftwareDistribution.log, resets), the admin token
// sent with every request, and errors that carry the HTTP status and the
// server's message.
//
// The token comes from the caller, typically through Token, which reads it
// the way every command of this module does: --admin-token, else
// --admin-token-file, else the environment variable MOCKWSUS_ADMIN_TOKEN.
// The client never puts the token in an error or a URL.
//
//	c, err := adminclient.New("http://127.0.0.1:8539", adminclient.WithToken(token))
//	if err != nil { ... }
//	if err := c.SetMode(ctx, "kb954960", "fixed", ""); err != nil { ... }
package adminclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// TokenEnv is the environment variable that holds the admin token, read by
// mockwsus and by every client of its admin API.
const TokenEnv = "MOCKWSUS_ADMIN_TOKEN"

// Token resolves the admin token from a command's flags: the token itself
// (--admin-token), else the first line of a file (--admin-token-file), else
// the environment variable TokenEnv through getenv (os.Getenv when nil). It
// is "" when none is given. Giving both flags is an error, and so is a file
// that cannot be read or holds no token; a token with white space or control
// characters inside is refused (it could not travel in a header).
func Token(flagValue, file string, getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var tok, from string
	switch {
	case flagValue != "" && file != "":
		return "", errors.New("adminclient: give the admin token once: --admin-token or --admin-token-file, not both")
	case flagValue != "":
		tok, from = flagValue, "--admin-token"
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("adminclient: reading the admin token: %w", err)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		tok, from = strings.TrimSpace(line), "--admin-token-file "+file
		if tok == "" {
			return "", fmt.Errorf("adminclient: %s holds no token (its first line is empty)", file)
		}
	default:
		tok, from = getenv(TokenEnv), TokenEnv
	}
	for _, r := range tok {
		if r <= ' ' || r == 0x7f {
			return "", fmt.Errorf("adminclient: the admin token of %s has white space or control characters; use printable characters only", from)
		}
	}
	return tok, nil
}

// Client calls one mockwsus admin API. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	token string
	hc    *http.Client
}

// Option configures a Client.
type Option func(*Client)

// WithToken sends token as "Authorization: Bearer <token>" with every
// request ("" sends none).
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// WithHTTPClient sets the HTTP client (default: one with a 60-second
// timeout per request).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// New returns a client of the admin API at baseURL (http or https).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("adminclient: %q is not an http(s) URL of the admin API, such as http://127.0.0.1:8539", baseURL)
	}
	c := &Client{base: u, hc: &http.Client{Timeout: 60 * time.Second}}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// URL is the admin API's base URL.
func (c *Client) URL() string { return c.base.String() }

// Error is an answer of the admin API other than success: its HTTP status
// and the server's message.
type Error struct {
	Method, Path string
	Status       int
	Message      string
}

// Error names the request, the status and the server's message.
func (e *Error) Error() string {
	return fmt.Sprintf("adminclient: %s %s: %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), e.Message)
}

// IsStatus reports whether err is an *Error with the given status.
func IsStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// do sends a request; in (nil for none) is sent as JSON. It returns the
// successful answer, whose body the caller closes.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in any) (*http.Response, error) {
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + path
	u.RawQuery = query.Encode()
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("adminclient: %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("adminclient: %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("adminclient: %s %s: the admin API at %s does not answer: %w", method, path, c.base, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		e := &Error{Method: method, Path: path, Status: resp.StatusCode}
		var msg struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &msg) == nil && msg.Error != "" {
			e.Message = msg.Error
		} else {
			e.Message = strings.TrimSpace(string(data))
		}
		if resp.StatusCode == http.StatusUnauthorized && c.token == "" {
			e.Message += " (no token was sent: give --admin-token, --admin-token-file or " + TokenEnv + ")"
		}
		return nil, e
	}
	return resp, nil
}

// call sends a request and decodes its JSON answer into out (nil: ignored).
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	resp, err := c.do(ctx, method, path, nil, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	} else {
		err = json.NewDecoder(resp.Body).Decode(out)
	}
	if err != nil {
		return fmt.Errorf("adminclient: %s %s: reading the answer: %w", method, path, err)
	}
	return nil
}

// Health checks GET /healthz (the one endpoint that needs no token).
func (c *Client) Health(ctx context.Context) error {
	return c.call(ctx, http.MethodGet, "/healthz", nil, nil)
}

// Version returns the server's versions.
func (c *Client) Version(ctx context.Context) (mockwsus.VersionInfo, error) {
	var v mockwsus.VersionInfo
	err := c.call(ctx, http.MethodGet, "/version", nil, &v)
	return v, err
}

// SetVersion installs a WSUS version (3.1.6001.66 is the KB954960 fix).
func (c *Client) SetVersion(ctx context.Context, version string) (mockwsus.VersionInfo, error) {
	var v mockwsus.VersionInfo
	err := c.call(ctx, http.MethodPut, "/version", map[string]string{"version": version}, &v)
	return v, err
}

// Behaviours returns every behaviour with its modes.
func (c *Client) Behaviours(ctx context.Context) ([]mockwsus.BehaviourState, error) {
	var out []mockwsus.BehaviourState
	err := c.call(ctx, http.MethodGet, "/behaviours", nil, &out)
	return out, err
}

// SetMode switches a behaviour to mode (buggy or fixed) for the whole
// server (group "") or one target group.
func (c *Client) SetMode(ctx context.Context, name, mode, group string) error {
	body := map[string]string{"mode": mode}
	if group != "" {
		body["group"] = group
	}
	return c.call(ctx, http.MethodPut, "/behaviours/"+url.PathEscape(name), body, nil)
}

// RemoveMode drops a behaviour's explicit mode: the group's override, or
// with group "" the whole-server mode.
func (c *Client) RemoveMode(ctx context.Context, name, group string) error {
	if group == "" {
		return c.call(ctx, http.MethodDelete, "/behaviours/"+url.PathEscape(name), nil, nil)
	}
	return c.call(ctx, http.MethodDelete, "/groups/"+url.PathEscape(group)+"/behaviours/"+url.PathEscape(name), nil, nil)
}

// Groups returns the target groups with their computers and modes.
func (c *Client) Groups(ctx context.Context) ([]mockwsus.Group, error) {
	var out []mockwsus.Group
	err := c.call(ctx, http.MethodGet, "/groups", nil, &out)
	return out, err
}

// Approvals returns the approval rows.
func (c *Client) Approvals(ctx context.Context) ([]catalog.Approval, error) {
	var out []catalog.Approval
	err := c.call(ctx, http.MethodGet, "/approvals", nil, &out)
	return out, err
}

// Approve approves an update (KB, title or ID) for a group with an action
// (Install, ...), as the WSUS console does.
func (c *Client) Approve(ctx context.Context, update, group, action string) (catalog.Approval, error) {
	var out catalog.Approval
	err := c.call(ctx, http.MethodPost, "/approvals", map[string]string{"update": update, "group": group, "action": action}, &out)
	return out, err
}

// Decline declines an update for every group.
func (c *Client) Decline(ctx context.Context, update string) (mockwsus.DeclineResult, error) {
	var out mockwsus.DeclineResult
	err := c.call(ctx, http.MethodPost, "/declines", map[string]string{"update": update}, &out)
	return out, err
}

// Computers returns the computers the server knows with their state.
func (c *Client) Computers(ctx context.Context) ([]mockwsus.Computer, error) {
	var out []mockwsus.Computer
	err := c.call(ctx, http.MethodGet, "/computers", nil, &out)
	return out, err
}

// Events returns the acknowledged reporting events.
func (c *Client) Events(ctx context.Context) ([]mockwsus.Event, error) {
	var out []mockwsus.Event
	err := c.call(ctx, http.MethodGet, "/events", nil, &out)
	return out, err
}

// Memory returns the server's heap after a GC and what it holds.
func (c *Client) Memory(ctx context.Context) (mockwsus.MemoryStats, error) {
	var out mockwsus.MemoryStats
	err := c.call(ctx, http.MethodGet, "/debug/memory", nil, &out)
	return out, err
}

// Reset puts the server back into the state it started with.
func (c *Client) Reset(ctx context.Context) (mockwsus.ResetResult, error) {
	var out mockwsus.ResetResult
	err := c.call(ctx, http.MethodPost, "/reset", nil, &out)
	return out, err
}

// ResetTo resets the server into the state a setup describes (a scenario's
// server section); fields the setup leaves empty take a fresh server's
// defaults. A setup the server cannot take is refused (400) naming the
// field, and changes nothing.
func (c *Client) ResetTo(ctx context.Context, setup mockwsus.Setup) (mockwsus.ResetResult, error) {
	var out mockwsus.ResetResult
	err := c.call(ctx, http.MethodPost, "/reset", setup, &out)
	return out, err
}

// JournalPage is a page of the journal.
type JournalPage struct {
	Entries []mockwsus.Entry
	// Next is the From of the next page (0: nothing more matched).
	Next uint64
	// FirstSeq is the oldest entry the server still holds, LastSeq the
	// newest it wrote.
	FirstSeq, LastSeq uint64
}

// Journal returns the journal entries q selects (see
// mockwsus.JournalQuery; Computers takes one ID or DNS name).
func (c *Client) Journal(ctx context.Context, q mockwsus.JournalQuery) (JournalPage, error) {
	v := url.Values{}
	setNum := func(name string, n uint64) {
		if n != 0 {
			v.Set(name, strconv.FormatUint(n, 10))
		}
	}
	setNum("from", q.From)
	setNum("to", q.To)
	setNum("limit", uint64(max(q.Limit, 0)))
	for name, val := range map[string]string{"operation": q.Operation, "outcome": q.Outcome, "kind": q.Kind, "faultId": q.FaultID} {
		if val != "" {
			v.Set(name, val)
		}
	}
	switch len(q.Computers) {
	case 0:
	case 1:
		v.Set("computer", q.Computers[0])
	default:
		return JournalPage{}, errors.New("adminclient: the journal filters by one computer at a time")
	}
	resp, err := c.do(ctx, http.MethodGet, "/journal", v, nil)
	if err != nil {
		return JournalPage{}, err
	}
	defer resp.Body.Close()
	page := JournalPage{Entries: []mockwsus.Entry{}}
	page.Next, _ = strconv.ParseUint(resp.Header.Get(mockwsus.HeaderJournalNext), 10, 64)
	page.FirstSeq, _ = strconv.ParseUint(resp.Header.Get(mockwsus.HeaderJournalFirst), 10, 64)
	page.LastSeq, _ = strconv.ParseUint(resp.Header.Get(mockwsus.HeaderJournalLast), 10, 64)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var e mockwsus.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return page, fmt.Errorf("adminclient: GET /journal: line %d: %w", len(page.Entries)+1, err)
		}
		page.Entries = append(page.Entries, e)
	}
	if err := sc.Err(); err != nil {
		return page, fmt.Errorf("adminclient: GET /journal: %w", err)
	}
	return page, nil
}

// JournalAll returns every entry q selects, page after page (q.Limit is the
// page size; 0 takes everything in one answer).
func (c *Client) JournalAll(ctx context.Context, q mockwsus.JournalQuery) ([]mockwsus.Entry, error) {
	var all []mockwsus.Entry
	for {
		page, err := c.Journal(ctx, q)
		if err != nil {
			return all, err
		}
		all = append(all, page.Entries...)
		if page.Next == 0 {
			return all, nil
		}
		q.From = page.Next
	}
}

// ServerLog is a piece of SoftwareDistribution.log.
type ServerLog struct {
	// Text is the log from Offset on.
	Text string
	// Offset is where Text starts: the offset asked for, or later when the
	// server no longer held the bytes before it (Offset > the one asked
	// for says some were lost).
	Offset int64
	// Size is the log's size: the offset to ask from next time.
	Size int64
}

// ServerLog returns SoftwareDistribution.log from offset (bytes since the
// server started; 0 for all it holds). An offset past the log's size is a
// 416 *Error: the server restarted, or the offset came from another one.
func (c *Client) ServerLog(ctx context.Context, offset int64) (ServerLog, error) {
	v := url.Values{}
	if offset != 0 {
		v.Set("offset", strconv.FormatInt(offset, 10))
	}
	resp, err := c.do(ctx, http.MethodGet, "/logs/SoftwareDistribution.log", v, nil)
	if err != nil {
		return ServerLog{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return ServerLog{}, fmt.Errorf("adminclient: GET /logs/SoftwareDistribution.log: %w", err)
	}
	out := ServerLog{Text: string(data)}
	out.Offset, _ = strconv.ParseInt(resp.Header.Get(mockwsus.HeaderLogOffset), 10, 64)
	out.Size, _ = strconv.ParseInt(resp.Header.Get(mockwsus.HeaderLogSize), 10, 64)
	return out, nil
}
