package mockwsus

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
	"github.com/wsusmock/wsusmock/updatexml"
)

// plugInID is the SimpleAuth plug-in WSUS names in GetConfig.
const plugInID = "SimpleTargeting"

func (s *Server) protocolVersion() string {
	v := s.Version()
	if behaviour.CompareVersions(v, "3.2") >= 0 {
		return "3.2"
	}
	if behaviour.CompareVersions(v, "3.1") >= 0 {
		return "3.1"
	}
	return "3.0"
}

func (s *Server) getConfig(c *call) (any, error) {
	var req clientws.GetConfig
	if err := c.req.Decode(&req); err != nil {
		return nil, err
	}
	c.summary["protocolVersion"] = req.ProtocolVersion
	s.mu.RLock()
	lastChange := s.lastChange
	s.mu.RUnlock()
	if s.modern.Load() {
		return s.modernConfig(c, lastChange), nil
	}
	return &clientws.GetConfigResponse{GetConfigResult: &clientws.Config{
		LastChange:             clientws.NewDateTime(lastChange),
		IsRegistrationRequired: !s.cfg.RegistrationNotRequired,
		AuthInfo: &clientws.ArrayOfAuthPlugInInfo{AuthPlugInInfo: []*clientws.AuthPlugInInfo{
			{PlugInID: plugInID, ServiceUrl: "SimpleAuthWebService/SimpleAuth.asmx"},
		}},
		AllowedEventIds: &clientws.ArrayOfInt{},
		Properties: &clientws.ArrayOfConfigurationProperty{ConfigurationProperty: []*clientws.ConfigurationProperty{
			{Name: "MaxExtendedUpdatesPerRequest", Value: fmt.Sprint(s.cfg.MaxExtendedUpdatesPerRequest)},
			{Name: "ProtocolVersion", Value: s.protocolVersion()},
			{Name: "IsInventoryRequired", Value: "0"},
			{Name: "ClientReportingLevel", Value: "2"},
		}},
	}}, nil
}

func (s *Server) getAuthorizationCookie(c *call) (any, error) {
	var req simpleauth.GetAuthorizationCookie
	if err := c.req.Decode(&req); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.ClientId) == "" {
		return nil, invalidParameters("clientId", "GetAuthorizationCookie without a clientId")
	}
	c.computer = req.ClientId
	c.summary["dnsName"], c.summary["targetGroup"] = req.DnsName, req.TargetGroupName
	now := s.clk.Now()
	s.mu.RLock()
	data := s.cookies.seal(kindAuth, cookieData{
		ClientID: req.ClientId, DNSName: req.DnsName, TargetGroup: req.TargetGroupName,
		Issued: now, Expires: now.Add(s.cfg.CookieLifetime),
	})
	s.mu.RUnlock()
	return &simpleauth.GetAuthorizationCookieResponse{GetAuthorizationCookieResult: &simpleauth.AuthorizationCookie{
		PlugInId: plugInID, CookieData: data,
	}}, nil
}

func (s *Server) getCookie(c *call) (any, error) {
	var req clientws.GetCookie
	if err := c.req.Decode(&req); err != nil {
		return nil, err
	}
	now := s.clk.Now()
	var auth cookieData
	var authErr error = errCookieInvalid
	if req.AuthCookies != nil {
		for _, ac := range req.AuthCookies.AuthorizationCookie {
			if ac == nil || ac.PlugInId != plugInID {
				continue
			}
			s.mu.RLock()
			auth, authErr = s.cookies.open(kindAuth, ac.CookieData, now)
			s.mu.RUnlock()
			if authErr == nil {
				break
			}
		}
	}
	if authErr != nil {
		return nil, &wsusError{code: "InvalidAuthorizationCookie", client: true, cause: authErr}
	}
	c.computer = auth.ClientID
	s.mu.Lock()
	if req.LastChange.Time.Before(s.lastChange) && !req.LastChange.Time.IsZero() {
		s.mu.Unlock()
		return nil, &wsusError{code: "ConfigChanged", client: true, cause: fmt.Errorf("client configuration of %s is older than the server's %s", req.LastChange.Time.Format(time.RFC3339), s.lastChange.Format(time.RFC3339))}
	}
	comp := s.computers[auth.ClientID]
	if comp == nil {
		comp = &computer{ID: auth.ClientID}
		s.computers[auth.ClientID] = comp
	}
	comp.DNSName = auth.DNSName
	comp.Protocol = req.ProtocolVersion
	comp.Group = catalog.GroupUnassignedComputers
	if auth.TargetGroup != "" {
		if g, err := s.cat.GroupByName(auth.TargetGroup); err == nil {
			comp.Group = g.ID
		}
	}
	c.group = comp.Group
	var lastSync time.Time
	if req.OldCookie != nil {
		if old, err := s.cookies.open(kindSync, req.OldCookie.EncryptedData, now.Add(-s.cfg.CookieLifetime*24)); err == nil && old.ClientID == auth.ClientID {
			lastSync = old.LastSync
		}
	}
	cookie := s.issueCookieLocked(cookieData{ClientID: auth.ClientID, DNSName: auth.DNSName, TargetGroup: auth.TargetGroup, LastSync: lastSync}, now)
	s.mu.Unlock()
	return &clientws.GetCookieResponse{GetCookieResult: cookie}, nil
}

// issueCookieLocked seals a sync cookie; s.mu must be held.
func (s *Server) issueCookieLocked(d cookieData, now time.Time) *clientws.Cookie {
	d.Issued, d.Expires, d.ConfigChange = now, now.Add(s.cfg.CookieLifetime), s.lastChange
	return &clientws.Cookie{Expiration: clientws.NewDateTime(d.Expires), EncryptedData: s.cookies.seal(kindSync, d)}
}

// renewCookie keeps the expiration but records the sync, as a real WSUS's
// NewCookie did (same Expiration, new EncryptedData). It seals with the key
// that opened the request's cookie: after a Reset in between, the client
// gets ServerChanged on its next call, as for any older cookie, rather than
// a cookie of the new incarnation for a computer it does not know.
func (s *Server) renewCookie(c *call, d cookieData) *clientws.Cookie {
	return &clientws.Cookie{Expiration: clientws.NewDateTime(d.Expires), EncryptedData: c.sealer.seal(kindSync, d)}
}

// wireCookie is the sealed data of a request's cookie element and whether
// the element was sent at all.
type wireCookie struct {
	data    []byte
	present bool
}

// cookieBytes reads the cookie element of a client web service or
// reporting request.
func cookieBytes[C interface {
	*clientws.Cookie | *reporting.Cookie
}](ck C) wireCookie {
	switch v := any(ck).(type) {
	case *clientws.Cookie:
		if v != nil {
			return wireCookie{v.EncryptedData, true}
		}
	case *reporting.Cookie:
		if v != nil {
			return wireCookie{v.EncryptedData, true}
		}
	}
	return wireCookie{}
}

// foreignCookieLocked classifies a cookie that names another server ID:
// ServerChanged when one of this server's earlier incarnations sealed it
// (it authenticates under that incarnation's key), InvalidCookie otherwise
// (a key this server never had). s.mu must be held.
func (s *Server) foreignCookieLocked(kind byte, wire []byte) error {
	if id, ok := serverIDOf(wire); ok {
		for _, past := range s.pastSealers {
			if past.serverID != id {
				continue
			}
			// Expiry does not matter: the server has changed since.
			if _, err := past.open(kind, wire, time.Time{}); err == nil {
				return errCookieServerChanged
			}
		}
	}
	return fmt.Errorf("%w: sealed with a key this server never had (another server or process, or forged)", errCookieInvalid)
}

// openCookie checks a client web service cookie and maps its failures to
// the ErrorCodes that drive the agent's recovery.
func (s *Server) openCookie(c *call, ck wireCookie) (cookieData, error) {
	wire := ck.data
	if !ck.present {
		return cookieData{}, &wsusError{code: "InvalidCookie", client: true, cause: errors.New("no cookie")}
	}
	// One read of the server's state: the key that opens the cookie, the
	// last configuration change and the computer all belong to the same
	// incarnation, even when an administrator resets the server meanwhile
	// (a cookie from before a Reset is ServerChanged, never a computer
	// that is suddenly unregistered).
	s.mu.RLock()
	c.sealer = s.cookies
	d, err := s.cookies.open(kindSync, wire, s.clk.Now())
	if errors.Is(err, errCookieForeign) {
		err = s.foreignCookieLocked(kindSync, wire)
	}
	lastChange := s.lastChange
	comp := s.computers[d.ClientID]
	var group, protocol string
	registered := false
	if err == nil && comp != nil {
		group, registered, protocol = comp.Group, comp.Registered, comp.Protocol
	}
	s.mu.RUnlock()
	switch {
	case errors.Is(err, errCookieExpired):
		return d, &wsusError{code: "CookieExpired", client: true, cause: err}
	case errors.Is(err, errCookieServerChanged):
		return d, &wsusError{code: "ServerChanged", client: true, cause: err}
	case err != nil:
		return d, &wsusError{code: "InvalidCookie", client: true, cause: err}
	}
	if d.ConfigChange.Before(lastChange) {
		return d, &wsusError{code: "ConfigChanged", client: true, cause: errors.New("server configuration changed since the cookie was issued")}
	}
	c.computer, c.group, c.registered, c.clientProtocol = d.ClientID, group, registered, protocol
	return d, nil
}

func (s *Server) registerComputer(c *call) (any, error) {
	var req clientws.RegisterComputer
	if err := c.req.Decode(&req); err != nil {
		return nil, err
	}
	d, err := s.openCookie(c, cookieBytes(req.Cookie))
	if err != nil {
		return nil, err
	}
	if s.cfg.RegistrationNotRequired {
		return nil, &wsusError{code: "RegistrationNotRequired", client: true}
	}
	if req.ComputerInfo == nil {
		return nil, invalidParameters("computerInfo", "RegisterComputer without computerInfo")
	}
	ci := req.ComputerInfo
	s.mu.Lock()
	comp := s.computers[d.ClientID]
	if comp == nil {
		comp = &computer{ID: d.ClientID, Group: catalog.GroupUnassignedComputers}
		s.computers[d.ClientID] = comp
	}
	comp.Registered = true
	if ci.DnsName != "" {
		comp.DNSName = ci.DnsName
	}
	comp.OS = fmt.Sprintf("%d.%d.%d SP%d", ci.OSMajorVersion, ci.OSMinorVersion, ci.OSBuildNumber, ci.OSServicePackMajorNumber)
	s.mu.Unlock()
	c.summary["dnsName"], c.summary["os"] = ci.DnsName, comp.OS
	s.sdl.Info(c.thread, "ClientImplementation.RegisterComputer", fmt.Sprintf("Computer %s (%s) registered", d.ClientID, ci.DnsName))
	return &clientws.RegisterComputerResponse{}, nil
}

func (s *Server) syncUpdates(c *call) (any, error) {
	var req clientws.SyncUpdates
	if err := c.req.DecodeWith(&req, soap.DecodeOptions{Strings: s.requestStrings, Checked: s.checkedSpecs, Ints: &s.revisionIDs}); err != nil {
		return nil, err
	}
	d, err := s.openCookie(c, cookieBytes(req.Cookie))
	if err != nil {
		return nil, err
	}
	if !c.registered && !s.cfg.RegistrationNotRequired {
		return nil, &wsusError{code: "RegistrationRequired", client: true}
	}
	p := req.Parameters
	if p == nil {
		return nil, invalidParameters("parameters", "SyncUpdates without parameters")
	}
	var installed, cached []int32
	if p.InstalledNonLeafUpdateIDs != nil {
		installed = p.InstalledNonLeafUpdateIDs.Int
	}
	if p.OtherCachedUpdateIDs != nil {
		cached = p.OtherCachedUpdateIDs.Int
	}
	c.summary["installedNonLeaf"], c.summary["otherCached"], c.summary["skipSoftwareSync"] = len(installed), len(cached), p.SkipSoftwareSync
	if limit := s.maxInstalledPrerequisites(c.group); len(installed) > limit {
		return nil, invalidParameters("parameters.InstalledNonLeafUpdateIDs", "%d installed non-leaf IDs, the limit (maxInstalledPrerequisites) is %d", len(installed), limit)
	}
	if len(cached) > s.cfg.MaxCachedUpdates {
		return nil, invalidParameters("parameters.OtherCachedUpdateIDs", "%d cached IDs, the limit (maxCachedUpdate) is %d", len(cached), s.cfg.MaxCachedUpdates)
	}
	groups := []string{catalog.GroupAllComputers, c.group}
	table := behaviour.Registry[behaviour.KB954960Name].(behaviour.DeploymentTabler).NewDeploymentTable(s.Mode(behaviour.KB954960Name, c.group))
	var res *syncResult
	cat, frags := s.catalogAndFragments()
	err = cat.View(func(v *catalog.View) error {
		var err error
		res, err = getSyncInfo(v, syncRequest{
			Groups: groups, Installed: installed, Cached: cached, SkipSoftware: p.SkipSoftwareSync,
			LastSync: d.LastSync, PageSize: s.cfg.PageSize, Table: table,
		})
		return err
	})
	// getSyncInfo copied what it keeps of the IDs (sorted, and the
	// catalog's key of the installed set): their arrays go back.
	s.revisionIDs.Put(installed)
	s.revisionIDs.Put(cached)
	if err != nil {
		return nil, err
	}
	if s.forceTruncated(c.group) {
		res.Truncated = true
	}
	now := s.clk.Now()
	if res.Leaf && !res.Truncated {
		d.LastSync = now
		s.mu.Lock()
		if comp := s.computers[d.ClientID]; comp != nil {
			comp.LastSync = now
			comp.Syncs++
		}
		s.mu.Unlock()
	}
	info := &syncInfo{
		NewUpdates:            &arrayOfUpdateInfo{UpdateInfo: updateInfos(res.NewUpdates, frags)},
		OutOfScopeRevisionIDs: &clientws.ArrayOfInt{Int: res.OutOfScope},
		ChangedUpdates:        &arrayOfUpdateInfo{UpdateInfo: updateInfos(res.ChangedUpdates, frags)},
		Truncated:             res.Truncated,
		NewCookie:             s.renewCookie(c, d),
	}
	c.detail = fmt.Sprintf("%d new, %d changed, %d out of scope, truncated=%t", len(res.NewUpdates), len(res.ChangedUpdates), len(res.OutOfScope), res.Truncated)
	if s.modern.Load() {
		modernSyncInfo(info, p.SkipSoftwareSync, c.clientProtocol)
	}
	return &syncUpdatesResponse{SyncUpdatesResult: info}, nil
}

func updateInfos(offers []offer, frags *fragmentCache) []*updateInfo {
	// One allocation for the infos and one for their deployments, not two
	// per update: a page lives only until it is written.
	out := make([]*updateInfo, len(offers))
	infos := make([]updateInfo, len(offers))
	deps := make([]clientws.Deployment, len(offers))
	for i, o := range offers {
		deps[i] = wireDeployment(o.Deployment)
		infos[i] = updateInfo{
			ID:         o.Update.RevisionID,
			Deployment: &deps[i],
			IsLeaf:     o.Update.IsLeaf(),
			Xml:        frags.coreOf(o.Update),
		}
		out[i] = &infos[i]
	}
	return out
}

// isoDate is t.UTC().Format("2006-01-02") for the years 0 to 9999,
// written by hand: a page's every deployment has one, and wireDeployment,
// mostly time.Format, was a tenth of the SyncUpdates handler beyond
// decoding and writing (issue 17). Other years go to Format
// (TestISODateIsFormat).
func isoDate(t time.Time) string {
	y, m, d := t.UTC().Date()
	if y < 0 || y > 9999 {
		return t.UTC().Format("2006-01-02")
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + int(m)/10), byte('0' + int(m)%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
}

func wireDeployment(d catalog.Deployment) clientws.Deployment {
	w := clientws.Deployment{
		ID:                   d.ID,
		Action:               clientws.DeploymentAction(d.Action),
		IsAssigned:           d.IsAssigned,
		LastChangeTime:       isoDate(d.LastChange),
		AutoSelect:           "0",
		AutoDownload:         "0",
		SupersedenceBehavior: "0",
	}
	if d.Deadline != nil {
		w.Deadline = d.Deadline.UTC().Format("2006-01-02T15:04:05Z")
	}
	if d.DownloadPriority != 0 {
		w.DownloadPriority = fmt.Sprint(d.DownloadPriority)
	}
	return w
}

func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func contentURL(base string, f *catalog.File) string {
	hexSum := fmt.Sprintf("%x", f.SHA1)
	ext := ""
	if i := strings.LastIndex(f.Name, "."); i >= 0 {
		ext = f.Name[i:]
	}
	return fmt.Sprintf("%s/Content/%s/%s%s", base, strings.ToUpper(hexSum[len(hexSum)-2:]), strings.ToUpper(hexSum), ext)
}

func (s *Server) getExtendedUpdateInfo(c *call) (any, error) {
	var req clientws.GetExtendedUpdateInfo
	if err := c.req.Decode(&req); err != nil {
		return nil, err
	}
	if _, err := s.openCookie(c, cookieBytes(req.Cookie)); err != nil {
		return nil, err
	}
	var revs []int32
	if req.RevisionIDs != nil {
		revs = req.RevisionIDs.Int
	}
	c.summary["revisionIDs"] = len(revs)
	if len(revs) == 0 {
		return nil, invalidParameters("revisionIDs", "no revision IDs")
	}
	if len(revs) > s.cfg.MaxExtendedUpdatesPerRequest {
		return nil, invalidParameters("revisionIDs", "%d revision IDs, MaxExtendedUpdatesPerRequest is %d", len(revs), s.cfg.MaxExtendedUpdatesPerRequest)
	}
	if req.InfoTypes == nil || len(req.InfoTypes.XmlUpdateFragmentType) == 0 {
		return nil, invalidParameters("infoTypes", "no infoTypes")
	}
	var locales []string
	if req.Locales != nil {
		locales = req.Locales.String
	}
	types := req.InfoTypes.XmlUpdateFragmentType
	for _, t := range types {
		if (t == clientws.XmlUpdateFragmentTypeLocalizedProperties || t == clientws.XmlUpdateFragmentTypeEula) && len(locales) == 0 {
			return nil, invalidParameters("locales", "%s requested without locales", t)
		}
	}
	cat, frags := s.catalogAndFragments()
	base := s.baseURL(c.httpReq)
	result := &extendedUpdateInfo{Updates: &arrayOfUpdateData{}, FileLocations: &clientws.ArrayOfFileLocation{}, OutOfScopeRevisionIDs: &clientws.ArrayOfInt{}}
	for _, rev := range revs {
		u := cat.ByRevision(rev)
		if u == nil || cat.Declined(rev) {
			result.OutOfScopeRevisionIDs.Int = append(result.OutOfScopeRevisionIDs.Int, rev)
			continue
		}
		for _, t := range types {
			var xml *escapedText
			switch t {
			case clientws.XmlUpdateFragmentTypeCore:
				xml = frags.coreOf(u)
			case clientws.XmlUpdateFragmentTypeExtended:
				xml = frags.extendedOf(u)
			case clientws.XmlUpdateFragmentTypeLocalizedProperties:
				if !hasEnglish(locales) {
					continue
				}
				lp := updatexml.LocalizedProperties{Language: "en", Title: u.Title, Description: u.Description}
				if u.KB != "" {
					lp.MoreInfoUrl = "http://support.microsoft.com/kb/" + u.KB
				}
				escaped := escapeText(lp.Render())
				xml = &escaped
			default:
				continue
			}
			result.Updates.Update = append(result.Updates.Update, &updateData{ID: rev, Xml: xml})
		}
		for i := range u.Files {
			f := &u.Files[i]
			result.FileLocations.FileLocation = append(result.FileLocations.FileLocation, &clientws.FileLocation{FileDigest: f.SHA1, Url: contentURL(base, f)})
		}
	}
	if s.modern.Load() {
		modernExtendedUpdateInfo(result)
	}
	return &getExtendedUpdateInfoResponse{GetExtendedUpdateInfoResult: result}, nil
}

func hasEnglish(locales []string) bool {
	for _, l := range locales {
		if l == "en" || strings.HasPrefix(strings.ToLower(l), "en-") {
			return true
		}
	}
	return false
}

func extendedFragment(u *catalog.Update) string {
	e := updatexml.Extended{DefaultPropertiesLanguage: "en"}
	if !u.IsLeaf() {
		e.NoDownloadSize = true
		return e.Render()
	}
	e.Handler = "http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/CommandLineInstallation"
	e.InstallationImpact = "Normal"
	e.RebootBehavior = "CanRequestReboot"
	e.KBArticleID = u.KB
	var size int64
	for _, f := range u.Files {
		size += int64(len(f.Data))
		e.Files = append(e.Files, updatexml.File{
			Digest: base64.StdEncoding.EncodeToString(f.SHA1), DigestAlgorithm: "SHA1",
			FileName: f.Name, Size: int64(len(f.Data)), Modified: f.Modified,
		})
	}
	e.MaxDownloadSize = size
	if len(u.Files) > 0 {
		e.HandlerSpecificData = &updatexml.HandlerSpecificData{Type: "cmd:CommandLineInstallation", InstallCommand: &updatexml.CommandLine{
			Program: u.Files[0].Name, Arguments: "/quiet /norestart",
			ReturnCodes: []updatexml.ReturnCode{{Code: 0, Result: "Succeeded"}, {Code: 3010, Result: "Succeeded", Reboot: true}},
		}}
	}
	return e.Render()
}

func (s *Server) getFileLocations(c *call) (any, error) {
	var req clientws.GetFileLocations
	if err := c.req.Decode(&req); err != nil {
		return nil, err
	}
	d, err := s.openCookie(c, cookieBytes(req.Cookie))
	if err != nil {
		return nil, err
	}
	var digests []clientws.Base64Binary
	if req.FileDigests != nil {
		digests = req.FileDigests.Base64Binary
	}
	c.summary["fileDigests"] = len(digests)
	cat := s.Catalog()
	base := s.baseURL(c.httpReq)
	res := &clientws.GetFileLocationsResults{FileLocations: &clientws.ArrayOfFileLocation{}, NewCookie: s.renewCookie(c, d)}
	for _, dg := range digests {
		if f, ok := cat.File(fmt.Sprintf("%x", []byte(dg))); ok {
			res.FileLocations.FileLocation = append(res.FileLocations.FileLocation, &clientws.FileLocation{FileDigest: dg, Url: contentURL(base, f)})
		}
	}
	return &clientws.GetFileLocationsResponse{GetFileLocationsResult: res}, nil
}

func (s *Server) refreshCache(c *call) (any, error) {
	var req clientws.RefreshCache
	if err := c.req.Decode(&req); err != nil {
		return nil, err
	}
	if _, err := s.openCookie(c, cookieBytes(req.Cookie)); err != nil {
		return nil, err
	}
	var idents []*clientws.UpdateIdentity
	if req.GlobalIDs != nil {
		idents = req.GlobalIDs.UpdateIdentity
	}
	c.summary["globalIDs"] = len(idents)
	cat := s.Catalog()
	groups := []string{catalog.GroupAllComputers, c.group}
	out := &clientws.ArrayOfRefreshCacheResult{}
	for _, id := range idents {
		if id == nil {
			continue
		}
		u := cat.ByID(string(id.UpdateID))
		if u == nil || int32(u.RevisionNumber) != id.RevisionNumber {
			continue
		}
		r := &clientws.RefreshCacheResult{RevisionID: u.RevisionID, GlobalID: id, IsLeaf: u.IsLeaf()}
		// One deployment per revision, by the fixed precedence: RefreshCache
		// never went through the buggy Hashtable.
		var best *catalog.Deployment
		for _, d := range cat.DeploymentRows(u.RevisionID, groups) {
			if best == nil || behaviour.PreferDeployment(d, *best) {
				d := d
				best = &d
			}
		}
		if best != nil {
			dep := wireDeployment(*best)
			r.Deployment = &dep
		}
		out.RefreshCacheResult = append(out.RefreshCacheResult, r)
	}
	return &clientws.RefreshCacheResponse{RefreshCacheResult: out}, nil
}

func (s *Server) reportEventBatch(c *call) (any, error) {
	var req reporting.ReportEventBatch
	if err := c.req.Decode(&req); err != nil {
		return nil, err
	}
	d, err := s.openCookie(c, cookieBytes(req.Cookie))
	if err != nil {
		return nil, err
	}
	var evs []Event
	if req.EventBatch != nil {
		for _, re := range req.EventBatch.ReportingEvent {
			if re == nil || re.BasicData == nil {
				return nil, invalidParameters("eventBatch", "a ReportingEvent without BasicData")
			}
			b := re.BasicData
			sid := ""
			if b.TargetID != nil {
				sid = b.TargetID.Sid
			}
			if sid != "" && !strings.EqualFold(sid, d.ClientID) {
				return nil, invalidParameters("eventBatch.TargetID", "event for computer %s sent with the cookie of %s", sid, d.ClientID)
			}
			ev := Event{Time: s.clk.Now(), Computer: d.ClientID, EventID: int(b.EventID), EventInstance: string(b.EventInstanceID),
				HResult: b.Win32HResult, AppName: b.AppName, TimeAtTarget: b.TimeAtTarget.Time}
			if b.UpdateID != nil {
				ev.UpdateID = string(b.UpdateID.UpdateID)
			}
			if re.ExtendedData != nil && re.ExtendedData.ReplacementStrings != nil {
				ev.Replacement = re.ExtendedData.ReplacementStrings.String
			}
			evs = append(evs, ev)
		}
	}
	c.summary["events"] = len(evs)
	s.journal.addEvents(evs)
	s.noteReport(d.ClientID, evs)
	return &reporting.ReportEventBatchResponse{ReportEventBatchResult: true}, nil
}
