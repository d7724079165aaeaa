package mockwsus

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

// A modern WSUS is WSUS on Windows Server 2016 to 2025: the role reports
// 10.0.x builds, and every version from 10.0 up answers as the captures'
// server (Windows Server 2025, ../shared/captures/wsus2025-native) and
// MS-WUSP describe it, where WSUS 3.0 differs:
//
//   - GetConfig: ProtocolVersion 3.2, PackageServerShare between
//     MaxExtendedUpdatesPerRequest and ProtocolVersion, no AllowedEventIds
//     element (MS-WUSP 2.2.2.2.1; the order and the absent element as
//     observed on Windows Server 2025 by the wsus-rs project).
//   - StartCategoryScan exists (MS-WUSP 3.1.5.x: it SHOULD NOT exist below
//     protocol 3.2, and a 3.x server here still answers it with ASP.NET's
//     unknown-SOAPAction fault).
//   - SyncUpdates: DriverSyncNotNeeded, false on a software pass and true on
//     the driver pass (SkipSoftwareSync) when no driver is in scope, sent
//     only to clients that said protocolVersion 1.7 or later in GetCookie
//     (MS-WUSP 2.2.2.2.4); empty NewUpdates, OutOfScopeRevisionIDs and
//     ChangedUpdates are left out rather than sent empty (the captures'
//     driver pass answer has none of the three), and so are the empty lists
//     of GetExtendedUpdateInfo.
//   - The ClientWebService envelope is written as WCF writes it (s prefix,
//     xsi and xsd on the Body, no XML declaration); SimpleAuth and Reporting
//     keep the ASMX framing (captures, exchanges 000001 and 000016).
//   - The headers name IIS 10.0 and ASP.NET 4.0.30319; Reporting answers
//     say Cache-Control: private, max-age=0.
//
// KB954960's default stays fixed on every modern version: the bug was
// fixed in 3.1.6001.66, years before WSUS 10.0 (behaviour.KB954960).

// isModern reports whether version v answers as a modern WSUS.
func isModern(v string) bool { return behaviour.CompareVersions(v, "10.0") >= 0 }

// packagesShare is the share WSUS creates for its packages; PackageServerShare
// names it on the server's computer.
const packagesShare = "UpdateServicesPackages"

// modernConfig is GetConfig's answer on a modern WSUS.
func (s *Server) modernConfig(c *call, lastChange time.Time) *clientws.GetConfigResponse {
	return &clientws.GetConfigResponse{GetConfigResult: &clientws.Config{
		LastChange:             clientws.NewDateTime(lastChange),
		IsRegistrationRequired: !s.cfg.RegistrationNotRequired,
		AuthInfo: &clientws.ArrayOfAuthPlugInInfo{AuthPlugInInfo: []*clientws.AuthPlugInInfo{
			{PlugInID: plugInID, ServiceUrl: "SimpleAuthWebService/SimpleAuth.asmx"},
		}},
		Properties: &clientws.ArrayOfConfigurationProperty{ConfigurationProperty: []*clientws.ConfigurationProperty{
			{Name: "MaxExtendedUpdatesPerRequest", Value: fmt.Sprint(s.cfg.MaxExtendedUpdatesPerRequest)},
			{Name: "PackageServerShare", Value: `\\` + computerName(c.httpReq.Host) + `\` + packagesShare},
			{Name: "ProtocolVersion", Value: "3.2"},
			{Name: "IsInventoryRequired", Value: "0"},
			{Name: "ClientReportingLevel", Value: "2"},
		}},
	}}
}

// computerName is the server's computer name as WSUS writes it in a UNC
// path, taken from the Host the client used: the first label of a DNS name
// in capitals (a NetBIOS name), an IP address as it is.
func computerName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "" {
		return "WSUS"
	}
	if net.ParseIP(host) != nil {
		return host
	}
	name, _, _ := strings.Cut(host, ".")
	return strings.ToUpper(name)
}

// modernSyncInfo turns a SyncUpdates answer into a modern WSUS's: empty
// lists left out, and DriverSyncNotNeeded for clients of protocol 1.7 and
// later. The mock's catalogs hold no drivers, so the driver pass never has
// one in scope; a software pass says false, as the captured pages do.
func modernSyncInfo(info *syncInfo, driverPass bool, clientProtocol string) {
	if info.NewUpdates != nil && len(info.NewUpdates.UpdateInfo) == 0 {
		info.NewUpdates = nil
	}
	if info.OutOfScopeRevisionIDs != nil && len(info.OutOfScopeRevisionIDs.Int) == 0 {
		info.OutOfScopeRevisionIDs = nil
	}
	if info.ChangedUpdates != nil && len(info.ChangedUpdates.UpdateInfo) == 0 {
		info.ChangedUpdates = nil
	}
	if behaviour.CompareVersions(clientProtocol, "1.7") >= 0 {
		info.DriverSyncNotNeeded = fmt.Sprint(driverPass)
	}
}

// modernExtendedUpdateInfo leaves the empty lists of a GetExtendedUpdateInfo
// answer out, as a modern WSUS does with SyncUpdates' (the captured answer
// has Updates and FileLocations and no empty OutOfScopeRevisionIDs).
func modernExtendedUpdateInfo(info *extendedUpdateInfo) {
	if info.Updates != nil && len(info.Updates.Update) == 0 {
		info.Updates = nil
	}
	if info.FileLocations != nil && len(info.FileLocations.FileLocation) == 0 {
		info.FileLocations = nil
	}
	if info.OutOfScopeRevisionIDs != nil && len(info.OutOfScopeRevisionIDs.Int) == 0 {
		info.OutOfScopeRevisionIDs = nil
	}
}

// cacheControlWriter sets Cache-Control as the answer's header goes out: a
// modern WSUS's Reporting web service answers "private, max-age=0" where
// the other services say "private" (captures, exchanges 000016 to 000018).
type cacheControlWriter struct {
	http.ResponseWriter
	value string
}

func (w cacheControlWriter) WriteHeader(status int) {
	w.Header().Set("Cache-Control", w.value)
	w.ResponseWriter.WriteHeader(status)
}

// startCategoryScan answers which of the requested categories the client
// should filter its SyncUpdates by, following MS-WUSP's data processing
// rules for StartCategoryScan: a category the server does not know goes to
// requestedCategoryIdsInError and takes its AND group out; a group of one
// product, or of a product and an update classification, contributes the
// product; any other group clears the preferred list. The request carries
// no cookie (the captured native request had none).
func (s *Server) startCategoryScan(c *call) (any, error) {
	var req clientws.StartCategoryScan
	if err := c.req.Decode(&req); err != nil {
		return nil, err
	}
	if req.RequestedCategories == nil {
		return nil, invalidParameters("requestedCategories", "StartCategoryScan without requestedCategories")
	}
	type group struct {
		ids     []clientws.Guid
		kinds   []string
		unknown bool
	}
	var order []int32
	groups := map[int32]*group{}
	var inError []clientws.Guid
	cat := s.Catalog()
	for _, rel := range req.RequestedCategories.CategoryRelationship {
		if rel == nil {
			return nil, invalidParameters("requestedCategories", "an empty CategoryRelationship")
		}
		g := groups[rel.IndexOfAndGroup]
		if g == nil {
			g = &group{}
			groups[rel.IndexOfAndGroup] = g
			order = append(order, rel.IndexOfAndGroup)
		}
		u := cat.ByID(string(rel.CategoryId))
		if u == nil || u.Type != catalog.TypeCategory {
			inError = append(inError, rel.CategoryId)
			g.unknown = true
			continue
		}
		g.ids = append(g.ids, rel.CategoryId)
		g.kinds = append(g.kinds, u.CategoryType)
	}
	c.summary["requestedCategories"] = len(req.RequestedCategories.CategoryRelationship)
	var preferred []clientws.Guid
	for _, idx := range order {
		g := groups[idx]
		if g.unknown {
			continue
		}
		product, ok := productOf(g.ids, g.kinds)
		if !ok {
			preferred = nil
			break
		}
		preferred = append(preferred, product)
	}
	resp := &clientws.StartCategoryScanResponse{}
	if len(preferred) > 0 {
		resp.PreferredCategoryIds = &clientws.ArrayOfGuid{Guid: preferred}
	}
	if len(inError) > 0 {
		resp.RequestedCategoryIdsInError = &clientws.ArrayOfGuid{Guid: inError}
	}
	c.detail = fmt.Sprintf("%d preferred, %d in error", len(preferred), len(inError))
	return resp, nil
}

// productOf returns the product of an AND group of known categories: the
// group is one product, or one product and one update classification.
func productOf(ids []clientws.Guid, kinds []string) (clientws.Guid, bool) {
	switch {
	case len(ids) == 1 && kinds[0] == catalog.CategoryProduct:
		return ids[0], true
	case len(ids) == 2 && kinds[0] == catalog.CategoryProduct && kinds[1] == catalog.CategoryClassification:
		return ids[0], true
	case len(ids) == 2 && kinds[1] == catalog.CategoryProduct && kinds[0] == catalog.CategoryClassification:
		return ids[1], true
	}
	return "", false
}
