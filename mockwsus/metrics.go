package mockwsus

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serverMetrics are the Prometheus metrics of one Server, in a registry of
// its own (several servers may run in one process, as in tests), served by
// GET /metrics on the admin listener.
type serverMetrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	faults   *prometheus.CounterVec
	sessions prometheus.Counter
	handler  http.Handler
}

func newServerMetrics(s *Server) *serverMetrics {
	m := &serverMetrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mockwsus_requests_total",
			Help: "Requests served, by web service, operation, HTTP status and WSUS ErrorCode (empty without a fault).",
		}, []string{"service", "operation", "status", "error_code"}),
		faults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mockwsus_faults_total",
			Help: "Faults a behaviour caused (an exception, an HTTP error, an injected transport fault), by behaviour.",
		}, []string{"behaviour"}),
		sessions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mockwsus_sessions_total",
			Help: "Agent sessions: cookies GetCookie issued (each search of an agent starts one).",
		}),
	}
	m.registry.MustRegister(m.requests, m.faults, m.sessions,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "mockwsus_requests_in_flight",
			Help: "Requests being served now.",
		}, func() float64 { return float64(s.inFlight.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "mockwsus_registered_computers",
			Help: "Computers the server knows (RegisterComputer or a cookie).",
		}, func() float64 {
			s.mu.RLock()
			defer s.mu.RUnlock()
			return float64(len(s.computers))
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "mockwsus_journal_entries",
			Help: "Exchanges the journal holds in memory.",
		}, func() float64 { return float64(s.journal.Len()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "mockwsus_journal_dropped_total",
			Help: "Old journal entries dropped from memory (still in --log-dir's journal.jsonl).",
		}, func() float64 { return float64(s.journal.Dropped()) }),
	)
	m.handler = promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return m
}

// knownOperations are the label values of operation: the operations of the
// web services and the HTTP methods of other requests. Anything else (an
// unknown SOAPAction, a made-up method) is "other", so that a client
// cannot grow the label set without bound.
var knownOperations = func() map[string]bool {
	ops := map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "DELETE": true, "OPTIONS": true}
	for _, svc := range []*service{clientService, authService, reportingService} {
		for op := range svc.ops {
			ops[op] = true
		}
		for op := range svc.modernOps {
			ops[op] = true
		}
	}
	return ops
}()

// serviceOf names the web service of a request path (its first segment,
// as IIS's applications are), or "other".
func serviceOf(path string) string {
	first, _, _ := strings.Cut(strings.TrimPrefix(strings.ToLower(path), "/"), "/")
	switch first {
	case "clientwebservice":
		return "ClientWebService"
	case "simpleauthwebservice":
		return "SimpleAuthWebService"
	case "reportingwebservice":
		return "ReportingWebService"
	case "selfupdate":
		return "selfupdate"
	case "content":
		return "content"
	}
	return "other"
}

// observe counts one journaled exchange.
func (m *serverMetrics) observe(e Entry) {
	op := e.Operation
	if !knownOperations[op] {
		op = "other"
	}
	errorCode := e.ErrorCode
	if errorCode != "" && !isIdentifier(errorCode) {
		errorCode = "other"
	}
	m.requests.WithLabelValues(serviceOf(e.Path), op, statusLabel(e.Status), errorCode).Inc()
	if e.Operation == "GetCookie" && e.Outcome == "ok" {
		m.sessions.Inc()
	}
}

// statusLabels are the status label values, made once: observe runs on
// every request.
var statusLabels = func() (l [600]string) {
	for i := range l {
		l[i] = strconv.Itoa(i)
	}
	return l
}()

func statusLabel(code int) string {
	if code >= 0 && code < len(statusLabels) {
		return statusLabels[code]
	}
	return strconv.Itoa(code)
}

// fault counts a fault the named behaviour caused.
func (m *serverMetrics) fault(behaviourName string) {
	if behaviourName != "" {
		m.faults.WithLabelValues(behaviourName).Inc()
	}
}

// isIdentifier reports whether s looks like a WSUS ErrorCode (letters and
// digits, a few dozen at most): the ErrorCodes are the server's own, but a
// label value must never be free text.
func isIdentifier(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// serveMetrics is GET /metrics.
func serveMetrics(s *Server, w http.ResponseWriter, r *http.Request) {
	s.metrics.handler.ServeHTTP(w, r)
}

// MetricsHandler serves the server's metrics in the Prometheus text format
// (GET /metrics on the admin listener): requests by service, operation,
// status and ErrorCode; sessions; faults by behaviour; registered computers;
// journal size; the Go runtime and the process.
func (s *Server) MetricsHandler() http.Handler {
	return s.metrics.handler
}

// Metrics is the server's metrics registry, for a program that embeds the
// server and serves or pushes its metrics itself.
func (s *Server) Metrics() prometheus.Gatherer { return s.metrics.registry }
