package behaviour

// AuthInternalErrorName is the registry name of the SimpleAuth failure.
const AuthInternalErrorName = "auth-internal-error"

// AuthInternalError reproduces GetAuthorizationCookie failing inside the
// SimpleAuth web service.
//
// Bug: the SimpleAuth web service throws while building the authorization
// cookie (SoftwareDistribution.log: "Exception in SimpleAuth constructor:
// System.IndexOutOfRangeException", seen on WSUS after a broken update of its
// web services) and answers InternalServerError. Agents log a SOAP fault
// with ErrorCode InternalServerError, like KB954960, but from
// GetAuthorizationCookie, not SyncUpdates: a look-alike detectors must not
// confuse with it.
//
// Trigger: every GetAuthorizationCookie while the service is broken.
// Buggy: the exception and an InternalServerError fault. Fixed: cookies are
// issued.
//
// Source: shared/docs/wsus-protocol.md section 6 (S27's SimpleAuth
// exception).
type AuthInternalError struct{}

// Info documents the behaviour.
func (AuthInternalError) Info() Info {
	return Info{
		Name:    AuthInternalErrorName,
		Bug:     "SimpleAuth GetAuthorizationCookie throws (System.IndexOutOfRangeException in the SimpleAuth constructor)",
		Trigger: "every GetAuthorizationCookie while the SimpleAuth service is broken",
		Buggy:   "InternalServerError fault from GetAuthorizationCookie; the agent cannot get a cookie",
		Fixed:   "authorization cookies are issued",
		Source:  "SoftwareDistribution.log excerpt of a WSUS SimpleAuth failure (wsus-protocol.md S27)",
	}
}

// DefaultMode: SimpleAuth works.
func (AuthInternalError) DefaultMode(string) Mode { return Fixed }

// Intercept throws from GetAuthorizationCookie.
func (AuthInternalError) Intercept(m Mode, service, op string) error {
	if m != Buggy || op != "GetAuthorizationCookie" {
		return nil
	}
	return &Exception{
		Behaviour: AuthInternalErrorName,
		Type:      "System.IndexOutOfRangeException",
		Message:   "Index was outside the bounds of the array.",
		Stack: []string{
			"Microsoft.UpdateServices.Internal.SimpleAuth..ctor()",
			"Microsoft.UpdateServices.Internal.SimpleAuthImplementation.GetAuthorizationCookie(String clientId, String targetGroupName, String dnsName)",
			"Microsoft.UpdateServices.Internal.SimpleAuth.GetAuthorizationCookie(String clientId, String targetGroupName, String dnsName)",
		},
		ErrorCode: "InternalServerError",
	}
}
