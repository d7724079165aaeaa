package mockwsus

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
	"github.com/wsusmock/wsusmock/soap/xmlstream"
)

// The answers of the hot operations are appended to the envelope byte by
// byte instead of marshalled with encoding/xml, whose reflection and
// per-element writes were a quarter of the server's CPU under load. The
// bytes are encoding/xml's exactly (element order, omitempty, `<X></X>` for
// empty elements, its escaping of text): wirewrite_test.go compares the two
// on many answers, and the golden files hold. Answers of other types, and
// any field this writer does not know, go through encoding/xml
// (appendAnswer reports false).

// writeAnswer writes resp, the answer of an operation, in an envelope of
// version v and framing f.
func writeAnswer(w http.ResponseWriter, v soap.Version, f soap.Framing, resp any) error {
	if !appendable(resp) {
		return soap.WriteResponseFramed(w, v, f, resp)
	}
	return soap.WriteResponseBody(w, v, f, func(dst []byte) []byte {
		dst, _ = appendAnswer(dst, resp)
		return dst
	})
}

// appendable reports whether appendAnswer writes resp.
func appendable(resp any) bool {
	if r, ok := resp.(*syncUpdatesResponse); ok && r.SyncUpdatesResult != nil {
		for _, list := range []*arrayOfUpdateInfo{r.SyncUpdatesResult.NewUpdates, r.SyncUpdatesResult.ChangedUpdates} {
			if list == nil {
				continue
			}
			for _, u := range list.UpdateInfo {
				if u != nil && u.Deployment != nil && !deploymentPlain(u.Deployment) {
					return false
				}
			}
		}
	}
	switch resp.(type) {
	case *syncUpdatesResponse, *getExtendedUpdateInfoResponse, *clientws.GetCookieResponse,
		*clientws.RegisterComputerResponse, *simpleauth.GetAuthorizationCookieResponse, *reporting.ReportEventBatchResponse:
		return true
	}
	return false
}

// appendAnswer appends the Body content of resp and reports whether it
// knows the type.
func appendAnswer(dst []byte, resp any) ([]byte, bool) {
	switch r := resp.(type) {
	case *syncUpdatesResponse:
		return r.appendXML(dst), true
	case *getExtendedUpdateInfoResponse:
		return r.appendXML(dst), true
	case *clientws.GetCookieResponse:
		dst = append(dst, `<GetCookieResponse xmlns="`+clientws.Namespace+`">`...)
		if r.GetCookieResult != nil {
			dst = appendCookie(dst, "GetCookieResult", r.GetCookieResult)
		}
		return append(dst, `</GetCookieResponse>`...), true
	case *clientws.RegisterComputerResponse:
		return append(dst, `<RegisterComputerResponse xmlns="`+clientws.Namespace+`"></RegisterComputerResponse>`...), true
	case *simpleauth.GetAuthorizationCookieResponse:
		dst = append(dst, `<GetAuthorizationCookieResponse xmlns="`+simpleauth.Namespace+`">`...)
		if c := r.GetAuthorizationCookieResult; c != nil {
			dst = append(dst, `<GetAuthorizationCookieResult>`...)
			if c.PlugInId != "" {
				dst = appendElement(dst, "PlugInId", c.PlugInId)
			}
			if len(c.CookieData) > 0 {
				dst = appendBase64Element(dst, "CookieData", c.CookieData)
			}
			dst = append(dst, `</GetAuthorizationCookieResult>`...)
		}
		return append(dst, `</GetAuthorizationCookieResponse>`...), true
	case *reporting.ReportEventBatchResponse:
		dst = append(dst, `<ReportEventBatchResponse xmlns="`+reporting.Namespace+`"><ReportEventBatchResult>`...)
		dst = strconv.AppendBool(dst, r.ReportEventBatchResult)
		return append(dst, `</ReportEventBatchResult></ReportEventBatchResponse>`...), true
	}
	return dst, false
}

func (r *syncUpdatesResponse) appendXML(dst []byte) []byte {
	dst = append(dst, `<SyncUpdatesResponse xmlns="`+clientws.Namespace+`">`...)
	if s := r.SyncUpdatesResult; s != nil {
		dst = append(dst, `<SyncUpdatesResult>`...)
		if s.NewUpdates != nil {
			dst = appendUpdateInfos(dst, "NewUpdates", s.NewUpdates)
		}
		if s.OutOfScopeRevisionIDs != nil {
			dst = appendInts(dst, "OutOfScopeRevisionIDs", s.OutOfScopeRevisionIDs.Int)
		}
		if s.ChangedUpdates != nil {
			dst = appendUpdateInfos(dst, "ChangedUpdates", s.ChangedUpdates)
		}
		dst = append(dst, `<Truncated>`...)
		dst = strconv.AppendBool(dst, s.Truncated)
		dst = append(dst, `</Truncated>`...)
		if s.NewCookie != nil {
			dst = appendCookie(dst, "NewCookie", s.NewCookie)
		}
		if s.DriverSyncNotNeeded != "" {
			dst = appendElement(dst, "DriverSyncNotNeeded", s.DriverSyncNotNeeded)
		}
		dst = append(dst, `</SyncUpdatesResult>`...)
	}
	return append(dst, `</SyncUpdatesResponse>`...)
}

func appendUpdateInfos(dst []byte, name string, a *arrayOfUpdateInfo) []byte {
	dst = appendOpen(dst, name)
	for _, u := range a.UpdateInfo {
		if u == nil {
			continue // encoding/xml writes nothing for a nil element
		}
		dst = append(dst, `<UpdateInfo><ID>`...)
		dst = strconv.AppendInt(dst, int64(u.ID), 10)
		dst = append(dst, `</ID>`...)
		if u.Deployment != nil {
			dst = appendDeployment(dst, u.Deployment)
		}
		dst = append(dst, `<IsLeaf>`...)
		dst = strconv.AppendBool(dst, u.IsLeaf)
		dst = append(dst, `</IsLeaf>`...)
		if u.Xml != nil {
			dst = append(dst, `<Xml>`...)
			dst = append(dst, u.Xml.Text...)
			dst = append(dst, `</Xml>`...)
		}
		dst = append(dst, `</UpdateInfo>`...)
	}
	return appendClose(dst, name)
}

// appendDeployment writes the fields wireDeployment sets; a Deployment
// with any other field set is marshalled by encoding/xml (see
// deploymentPlain).
func appendDeployment(dst []byte, d *clientws.Deployment) []byte {
	dst = append(dst, `<Deployment><ID>`...)
	dst = strconv.AppendInt(dst, int64(d.ID), 10)
	dst = append(dst, `</ID>`...)
	dst = appendElement(dst, "Action", string(d.Action))
	if d.Deadline != "" {
		dst = appendElement(dst, "Deadline", d.Deadline)
	}
	dst = append(dst, `<IsAssigned>`...)
	dst = strconv.AppendBool(dst, d.IsAssigned)
	dst = append(dst, `</IsAssigned>`...)
	for _, f := range [...]struct{ name, value string }{
		{"LastChangeTime", d.LastChangeTime},
		{"DownloadPriority", d.DownloadPriority},
		{"AutoSelect", d.AutoSelect},
		{"AutoDownload", d.AutoDownload},
		{"SupersedenceBehavior", d.SupersedenceBehavior},
	} {
		if f.value != "" {
			dst = appendElement(dst, f.name, f.value)
		}
	}
	return append(dst, `</Deployment>`...)
}

// deploymentPlain reports whether d sets only the fields appendDeployment
// writes.
func deploymentPlain(d *clientws.Deployment) bool {
	c := *d
	c.ID, c.Action, c.Deadline, c.IsAssigned, c.LastChangeTime, c.DownloadPriority, c.AutoSelect, c.AutoDownload, c.SupersedenceBehavior = 0, "", "", false, "", "", "", "", ""
	return c == clientws.Deployment{}
}

func (r *getExtendedUpdateInfoResponse) appendXML(dst []byte) []byte {
	dst = append(dst, `<GetExtendedUpdateInfoResponse xmlns="`+clientws.Namespace+`">`...)
	if e := r.GetExtendedUpdateInfoResult; e != nil {
		dst = append(dst, `<GetExtendedUpdateInfoResult>`...)
		if e.Updates != nil {
			dst = append(dst, `<Updates>`...)
			for _, u := range e.Updates.Update {
				if u == nil {
					continue
				}
				dst = append(dst, `<Update><ID>`...)
				dst = strconv.AppendInt(dst, int64(u.ID), 10)
				dst = append(dst, `</ID>`...)
				if u.Xml != nil {
					dst = append(dst, `<Xml>`...)
					dst = append(dst, u.Xml.Text...)
					dst = append(dst, `</Xml>`...)
				}
				dst = append(dst, `</Update>`...)
			}
			dst = append(dst, `</Updates>`...)
		}
		if e.FileLocations != nil {
			dst = append(dst, `<FileLocations>`...)
			for _, f := range e.FileLocations.FileLocation {
				if f == nil {
					continue
				}
				dst = append(dst, `<FileLocation>`...)
				if len(f.FileDigest) > 0 {
					dst = appendBase64Element(dst, "FileDigest", f.FileDigest)
				}
				for _, s := range [...]struct{ name, value string }{
					{"Url", f.Url}, {"PiecesHashUrl", f.PiecesHashUrl}, {"BlockMapUrl", f.BlockMapUrl}, {"EsrpDecryptionInformation", f.EsrpDecryptionInformation},
				} {
					if s.value != "" {
						dst = appendElement(dst, s.name, s.value)
					}
				}
				dst = append(dst, `</FileLocation>`...)
			}
			dst = append(dst, `</FileLocations>`...)
		}
		if e.OutOfScopeRevisionIDs != nil {
			dst = appendInts(dst, "OutOfScopeRevisionIDs", e.OutOfScopeRevisionIDs.Int)
		}
		dst = append(dst, `</GetExtendedUpdateInfoResult>`...)
	}
	return append(dst, `</GetExtendedUpdateInfoResponse>`...)
}

func appendCookie(dst []byte, name string, c *clientws.Cookie) []byte {
	dst = appendOpen(dst, name)
	dst = append(dst, `<Expiration>`...)
	dst = c.Expiration.Time.UTC().AppendFormat(dst, clientws.DateTimeLayout)
	dst = append(dst, `</Expiration>`...)
	if len(c.EncryptedData) > 0 {
		dst = appendBase64Element(dst, "EncryptedData", c.EncryptedData)
	}
	return appendClose(dst, name)
}

func appendInts(dst []byte, name string, ids []int32) []byte {
	dst = appendOpen(dst, name)
	for _, id := range ids {
		dst = append(dst, `<int>`...)
		dst = strconv.AppendInt(dst, int64(id), 10)
		dst = append(dst, `</int>`...)
	}
	return appendClose(dst, name)
}

func appendOpen(dst []byte, name string) []byte {
	dst = append(dst, '<')
	dst = append(dst, name...)
	return append(dst, '>')
}

func appendClose(dst []byte, name string) []byte {
	dst = append(dst, '<', '/')
	dst = append(dst, name...)
	return append(dst, '>')
}

func appendElement(dst []byte, name, text string) []byte {
	dst = appendOpen(dst, name)
	dst = xmlstream.AppendText(dst, text)
	return appendClose(dst, name)
}

func appendBase64Element(dst []byte, name string, b []byte) []byte {
	dst = appendOpen(dst, name)
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return appendClose(dst, name)
}
