package mockwsus

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The console: HTML pages for a person with a browser, served on the admin
// listener at / (a contract). Every page is rendered on the server from the
// Server's state with html/template, so the read-only views work without
// JavaScript; one small embedded script makes the counts and the journal's
// tail live (polling /console/live) and keeps the admin token for the tab.
//
// Security, with a token set (--admin-token): a page asked for without it
// answers 401 with a login form. Posting the token there sets a session
// cookie (no Expires or Max-Age, so it dies with the browser session;
// HttpOnly; SameSite=Strict; Secure over TLS) naming a random server-side
// session, never the token itself; the script also keeps the token in
// sessionStorage, for this tab only, and sends it as "Authorization: Bearer"
// with its requests. No token ever travels in a URL. Changes are POST forms
// carrying a CSRF token (an HMAC of the session under a per-process random
// key) and are refused from another site (Origin, Sec-Fetch-Site). Without a
// token the admin listener is loopback-only, and the console answers only
// requests whose Host is a loopback address or localhost, so a page on
// another site cannot read it through DNS rebinding. The script and the
// style sheet are inlined and pinned by hash in a Content-Security-Policy
// that allows nothing else: a name a client sent can never run as script.

//go:embed console
var consoleFS embed.FS

const (
	consoleCookie = "mockwsus-console"
	// consoleSessionLife bounds a session even in a browser left open.
	consoleSessionLife = 12 * time.Hour
	// consoleMaxSessions bounds the sessions kept (oldest dropped).
	consoleMaxSessions = 256
	// consolePageSize is how many computers one page lists.
	consolePageSize = 100
	// consoleNameLen is how many characters of a computer's name a table
	// shows; consoleTitleLen how many its tooltip and detail lines show
	// (a DNS name has at most 255).
	consoleNameLen  = 48
	consoleTitleLen = 255
)

// console serves the HTML console; see registerConsole.
type console struct {
	s     *Server
	token string
	key   []byte // per process: CSRF tokens
	tmpl  *template.Template
	csp   string

	mu       sync.Mutex
	sessions map[string]time.Time // session ID -> created
}

// registerConsole adds the console's routes to the admin mux: the
// computers at /, and the rest under /console/. It marks them in
// selfAuth: the admin API's bearer check lets them through, because the
// console checks the token itself (a bearer or a session) and answers a
// request without it with 401 and its login form rather than JSON.
func (s *Server) registerConsole(mux *http.ServeMux, opts AdminOptions, selfAuth map[string]bool) {
	c, err := newConsole(s, opts.Token)
	if err != nil {
		// The templates are embedded and tested: this is a broken build.
		panic(err)
	}
	for pattern, h := range map[string]http.HandlerFunc{
		"GET /{$}":                       c.page(c.computersPage),
		"GET /console/updates":           c.page(c.updatesPage),
		"GET /console/behaviours":        c.page(c.behavioursPage),
		"GET /console/faults/{id}":       c.page(c.faultPage),
		"GET /console/live":              c.live,
		"POST /console/login":            c.login,
		"POST /console/logout":           c.logout,
		"POST /console/actions/{action}": c.action,
	} {
		mux.HandleFunc(pattern, h)
		selfAuth[pattern] = true
	}
}

func newConsole(s *Server, token string) (*console, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("mockwsus: console key: %w", err)
	}
	js, err := consoleFS.ReadFile("console/console.js")
	if err != nil {
		return nil, err
	}
	css, err := consoleFS.ReadFile("console/console.css")
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"when":    consoleTime,
		"pathEsc": url.PathEscape,
		"script":  func() template.JS { return template.JS(js) },
		"style":   func() template.CSS { return template.CSS(css) },
	}
	t, err := template.New("console").Funcs(funcs).ParseFS(consoleFS, "console/*.html")
	if err != nil {
		return nil, fmt.Errorf("mockwsus: console templates: %w", err)
	}
	csp := "default-src 'none'; script-src " + hashSource(js) + "; style-src " + hashSource(css) +
		"; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	return &console{s: s, token: token, key: key, tmpl: t, csp: csp, sessions: map[string]time.Time{}}, nil
}

// hashSource is a CSP source allowing exactly one inline script or style.
func hashSource(b []byte) string {
	sum := sha256.Sum256(b)
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// request is what every page and action needs of one request.
type request struct {
	session string // "" without a token or with a bearer token
	csrf    string
}

// authorize reports whether r may see the console: no token is set, or it
// carries the token as a bearer, or a live session cookie.
func (c *console) authorize(r *http.Request) (request, bool) {
	if c.token == "" {
		return request{csrf: c.csrfFor("")}, true
	}
	if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if subtle.ConstantTimeCompare([]byte(got), []byte(c.token)) == 1 {
			return request{csrf: c.csrfFor("")}, true
		}
		return request{}, false
	}
	ck, err := r.Cookie(consoleCookie)
	if err != nil {
		return request{}, false
	}
	c.mu.Lock()
	created, ok := c.sessions[ck.Value]
	if ok && time.Since(created) > consoleSessionLife {
		delete(c.sessions, ck.Value)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		return request{}, false
	}
	return request{session: ck.Value, csrf: c.csrfFor(ck.Value)}, true
}

func (c *console) csrfFor(session string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("csrf\x00" + session))
	return hex.EncodeToString(m.Sum(nil))
}

// hostAllowed refuses, on a server without a token, a Host that is not
// loopback: the answer of a rebinding DNS name must not reach another
// site's page.
func (c *console) hostAllowed(r *http.Request) bool {
	if c.token != "" {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin refuses a state change sent from another site: browsers say
// where a request comes from in Sec-Fetch-Site and Origin.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return false
		}
	}
	return true
}

// setHeaders sets what every console answer carries.
func (c *console) setHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", c.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: with no-referrer a browser sends
	// "Origin: null" with the forms, and sameOrigin could not tell them.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
}

// pageFunc builds the data of one page, or fails with a status.
type pageFunc func(r *http.Request, req request) (name string, data any, err error)

// consoleError is a failure with the status to answer.
type consoleError struct {
	status int
	err    error
}

func (e *consoleError) Error() string { return e.err.Error() }
func (e *consoleError) Unwrap() error { return e.err }

func statusError(status int, format string, args ...any) error {
	return &consoleError{status: status, err: fmt.Errorf("mockwsus: "+format, args...)}
}

// page wraps a read-only page: host check, authorization (a login form
// when it fails), rendering.
func (c *console) page(fn pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c.setHeaders(w)
		if !c.hostAllowed(r) {
			c.renderError(w, request{}, statusError(http.StatusForbidden, "the console without an admin token answers only loopback hosts (localhost, 127.0.0.1, [::1]), not %q", cutText(r.Host, 64)))
			return
		}
		req, ok := c.authorize(r)
		if !ok {
			c.loginForm(w, r.URL.RequestURI(), false)
			return
		}
		name, data, err := fn(r, req)
		if err != nil {
			c.renderError(w, req, err)
			return
		}
		c.render(w, http.StatusOK, name, data)
	}
}

// render executes a template into a buffer first, so a failure answers 500
// rather than half a page.
func (c *console) render(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := c.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		c.s.cfg.Logf("mockwsus: console: rendering %s: %v", name, err)
		http.Error(w, "mockwsus: console: rendering failed (see the server's log)", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

type errorData struct {
	basePage
	Status  int
	Message string
}

func (c *console) renderError(w http.ResponseWriter, req request, err error) {
	status := http.StatusInternalServerError
	var ce *consoleError
	if errors.As(err, &ce) {
		status = ce.status
	}
	c.render(w, status, "error.html", errorData{basePage: basePage{Title: http.StatusText(status), CSRF: req.csrf}, Status: status, Message: err.Error()})
}

type loginData struct {
	basePage
	Next   string
	Failed bool
}

// loginForm answers 401 with the form that posts the token once.
func (c *console) loginForm(w http.ResponseWriter, next string, failed bool) {
	c.render(w, http.StatusUnauthorized, "login.html", loginData{basePage: basePage{Title: "Admin token", Login: true}, Next: localPath(next), Failed: failed})
}

// localPath keeps next only when it is a path on this server (no scheme,
// no host, no "//"), so the login cannot redirect elsewhere.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/console/login") {
		return "/"
	}
	return next
}

func (c *console) login(w http.ResponseWriter, r *http.Request) {
	c.setHeaders(w)
	if !sameOrigin(r) {
		c.renderError(w, request{}, statusError(http.StatusForbidden, "a login from another site is refused"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxAdminBody)
	if err := r.ParseForm(); err != nil {
		c.renderError(w, request{}, statusError(http.StatusBadRequest, "login form: %v", err))
		return
	}
	next := localPath(r.PostForm.Get("next"))
	if c.token == "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("token")), []byte(c.token)) != 1 {
		c.loginForm(w, next, true)
		return
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		c.renderError(w, request{}, statusError(http.StatusInternalServerError, "session: %v", err))
		return
	}
	id := hex.EncodeToString(raw)
	c.mu.Lock()
	if len(c.sessions) >= consoleMaxSessions {
		oldest, at := "", time.Time{}
		for k, t := range c.sessions {
			if oldest == "" || t.Before(at) {
				oldest, at = k, t
			}
		}
		delete(c.sessions, oldest)
	}
	c.sessions[id] = time.Now()
	c.mu.Unlock()
	// No Expires nor Max-Age: a session cookie, gone with the browser
	// session; the token itself stays on the server.
	http.SetCookie(w, &http.Cookie{Name: consoleCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *console) logout(w http.ResponseWriter, r *http.Request) {
	c.setHeaders(w)
	req, ok := c.authorize(r)
	if !ok || !sameOrigin(r) || !c.csrfOK(r, req) {
		c.renderError(w, request{}, statusError(http.StatusForbidden, "logout refused (stale form or another site)"))
		return
	}
	if req.session != "" {
		c.mu.Lock()
		delete(c.sessions, req.session)
		c.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: consoleCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// csrfOK checks the form's CSRF token. A request carrying the bearer token
// needs none: another site cannot make a browser send that header.
func (c *console) csrfOK(r *http.Request, req request) bool {
	if c.token != "" && req.session == "" {
		return true // authorized by the Authorization header
	}
	return hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(req.csrf))
}

// cutText shortens s to at most n characters (an ellipsis marks the cut)
// and makes it valid UTF-8; html/template escapes the result.
func cutText(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos] + "…"
		}
		i++
	}
	return s
}

// consoleTime formats a time for the tables (UTC, to the second); zero is
// "never".
func consoleTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}
