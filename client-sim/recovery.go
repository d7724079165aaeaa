package clientsim

import (
	"context"
	"fmt"

	"github.com/wsusmock/wsusmock/client-sim/wulog"
)

// maxRecoveries is how often one call may be retried after recovering
// from an ErrorCode: enough for a cookie to expire between two calls, never
// a loop.
const maxRecoveries = 2

// reaction is what MS-WUSP prescribes for a fault's ErrorCode (protocol
// notes, section 3 and 4).
type reaction int

const (
	// reactFail: no recovery; the fault ends the search (InternalServerError,
	// InvalidParameters, ServerBusy, an unknown code, a fault without detail).
	reactFail reaction = iota
	// reactReauth: CookieExpired. GetAuthorizationCookie, GetCookie, retry.
	reactReauth
	// reactRefresh: InvalidCookie, ServerChanged. Discard the cookie;
	// GetConfig, GetAuthorizationCookie, GetCookie, RefreshCache, retry.
	// WUA calls this WU_E_PT_REFRESH_CACHE_REQUIRED internally.
	reactRefresh
	// reactReconfig: ConfigChanged. GetConfig, GetAuthorizationCookie,
	// GetCookie, retry.
	reactReconfig
	// reactRegister: RegistrationRequired. RegisterComputer, retry.
	reactRegister
	// reactFileLocations: FileLocationChanged. GetFileLocations, retry
	// (WU_E_PT_FILE_LOCATIONS_CHANGED internally).
	reactFileLocations
)

func reactionTo(errorCode string) reaction {
	switch errorCode {
	case "CookieExpired":
		return reactReauth
	case "InvalidCookie", "ServerChanged":
		return reactRefresh
	case "ConfigChanged":
		return reactReconfig
	case "RegistrationRequired":
		return reactRegister
	case "FileLocationChanged", "FileLocationsChanged":
		return reactFileLocations
	}
	return reactFail
}

// internalHR is the HRESULT WUA works with while it recovers, which it
// logs as PTError and reports if the recovery does not help.
func (r reaction) internalHR(faultHR HResult) HResult {
	switch r {
	case reactRefresh:
		return HRRefreshCacheRequired
	case reactFileLocations:
		return HRFileLocationsChanged
	}
	return faultHR
}

// withRecovery runs do and, when it fails with a fault whose ErrorCode has
// a prescribed reaction, logs the fault, runs the reaction and tries again,
// at most maxRecoveries times. Recoveries do not nest: a fault during one
// is final.
func (s *session) withRecovery(ctx context.Context, op string, do func() *exchangeError) *exchangeError {
	for attempt := 0; ; attempt++ {
		e := do()
		if e == nil || e.fault == nil || s.recovering {
			return e
		}
		r := reactionTo(e.fault.ErrorCode())
		if r == reactFail {
			return e
		}
		if attempt >= maxRecoveries {
			e.hr = r.internalHR(e.hr)
			e.reason = fmt.Sprintf("%s; still failing after %d recoveries", e.reason, maxRecoveries)
			return e
		}
		s.logFault(e)
		s.log.PTError(uint32(r.internalHR(e.hr)))
		s.recovering = true
		rerr := s.recover(ctx, r)
		s.recovering = false
		if rerr != nil {
			return rerr
		}
		if r.redoes(op) {
			// The recovery ran the failed call itself (a GetCookie that
			// said ConfigChanged is followed by GetConfig,
			// GetAuthorizationCookie and a new GetCookie).
			return nil
		}
	}
}

// redoes reports whether reaction r's calls include op.
func (r reaction) redoes(op string) bool {
	switch r {
	case reactReauth, reactRefresh, reactReconfig:
		return op == "GetAuthorizationCookie" || op == "GetCookie" ||
			op == "GetConfig" && r != reactReauth
	case reactRegister:
		return op == "RegisterComputer"
	case reactFileLocations:
		return op == "GetFileLocations"
	}
	return false
}

// recover runs the calls reaction r prescribes.
func (s *session) recover(ctx context.Context, r reaction) *exchangeError {
	switch r {
	case reactReauth:
		return s.authorize(ctx)
	case reactRefresh, reactReconfig:
		// The cached cookie is no good any more (InvalidCookie) or was
		// issued under an older configuration (ConfigChanged).
		if r == reactRefresh {
			s.cookie = nil
		}
		if e := s.getConfig(ctx); e != nil {
			return e
		}
		if e := s.authorize(ctx); e != nil {
			return e
		}
		if r == reactRefresh {
			return s.refreshCache(ctx)
		}
		return nil
	case reactRegister:
		return s.registerComputer(ctx)
	case reactFileLocations:
		return s.getFileLocations(ctx)
	}
	return nil
}

// logFault writes the fault block of e (see wulog.Writer.SOAPFault). The
// classic agent prints HTTP status 200 whatever the wire status was, as
// the KB954960 excerpt shows.
func (s *session) logFault(e *exchangeError) {
	f := e.fault
	var d struct{ code, msg, method, id string }
	if f.Detail != nil {
		d.code, d.msg, d.method, d.id = f.Detail.ErrorCode, f.Detail.Message, f.Detail.Method, f.Detail.ID
	}
	fs := f.String
	if fs == "" {
		fs = "Fault occurred"
	}
	info := wulog.NewFaultInfo(s.flavour, f.Code, fs, d.code, d.msg, d.method, d.id)
	info.HResult = uint32(e.hr)
	if !f.Standard() {
		// A code outside the SOAP ones (WCF's InternalServiceFault) is
		// printed as the server sent its local part.
		info.FaultCode = f.Code
	}
	info.NoDetail = f.Detail == nil
	s.log.SOAPFault(e.op, info, 200)
}

// faultInfo is the Result's view of e's fault.
func faultInfo(e *exchangeError) *FaultInfo {
	f := e.fault
	out := &FaultInfo{Operation: e.op, Code: f.Code, String: f.String, HTTPStatus: e.status}
	if out.String == "" {
		out.String = "Fault occurred"
	}
	if d := f.Detail; d != nil {
		out.ErrorCode, out.Message, out.ID, out.Method = d.ErrorCode, d.Message, d.ID, d.Method
	}
	return out
}
