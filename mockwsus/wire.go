package mockwsus

import (
	"encoding/xml"
	"strings"
	"sync"

	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

// The answers that carry update XML fragments (SyncUpdates,
// GetExtendedUpdateInfo) are written with types of their own rather than
// the generated clientws ones, for two reasons:
//
//   - Fidelity. The fragments travel as escaped text in <Xml>. WSUS's ASMX
//     serializer (.NET's XmlWriter) escapes only &, < and > in text, so a real
//     answer reads `&lt;UpdateIdentity UpdateID="…" /&gt;` (see the captures'
//     SyncUpdates answers); encoding/xml writes every quote as &#34;. Both are
//     the same XML, but detectors and diff tools read bytes.
//   - Cost. Escaping the same fragments for every answer was a tenth of the
//     server's CPU in a first-sync profile (docs/performance.md); a fragment
//     is escaped once per catalog and written verbatim after that.
//
// Each type mirrors its clientws counterpart field for field (names, order,
// omitempty); wire_test.go checks that both encode alike and that the
// agent's decoder reads these answers into the clientws types unchanged.

// escapedText is element content already escaped, written as it is.
type escapedText struct {
	Text string `xml:",innerxml"`
}

// dotNetTextEscaper escapes text as .NET's XmlWriter does in element
// content: &, < and >, and carriage returns as character references so that
// an XML parser's line-end normalisation does not turn them into line feeds.
var dotNetTextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;")

func escapeText(s string) escapedText { return escapedText{Text: dotNetTextEscaper.Replace(s)} }

type syncUpdatesResponse struct {
	XMLName           xml.Name  `xml:"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService SyncUpdatesResponse"`
	SyncUpdatesResult *syncInfo `xml:"SyncUpdatesResult,omitempty"`
}

type syncInfo struct {
	NewUpdates            *arrayOfUpdateInfo   `xml:"NewUpdates,omitempty"`
	OutOfScopeRevisionIDs *clientws.ArrayOfInt `xml:"OutOfScopeRevisionIDs,omitempty"`
	ChangedUpdates        *arrayOfUpdateInfo   `xml:"ChangedUpdates,omitempty"`
	Truncated             bool                 `xml:"Truncated"`
	NewCookie             *clientws.Cookie     `xml:"NewCookie,omitempty"`
	// DriverSyncNotNeeded: a modern WSUS only (modern.go).
	DriverSyncNotNeeded string `xml:"DriverSyncNotNeeded,omitempty"`
}

type arrayOfUpdateInfo struct {
	UpdateInfo []*updateInfo `xml:"UpdateInfo,omitempty"`
}

type updateInfo struct {
	ID         int32                `xml:"ID"`
	Deployment *clientws.Deployment `xml:"Deployment,omitempty"`
	IsLeaf     bool                 `xml:"IsLeaf"`
	Xml        *escapedText         `xml:"Xml,omitempty"`
}

type getExtendedUpdateInfoResponse struct {
	XMLName                     xml.Name            `xml:"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService GetExtendedUpdateInfoResponse"`
	GetExtendedUpdateInfoResult *extendedUpdateInfo `xml:"GetExtendedUpdateInfoResult,omitempty"`
}

type extendedUpdateInfo struct {
	Updates               *arrayOfUpdateData            `xml:"Updates,omitempty"`
	FileLocations         *clientws.ArrayOfFileLocation `xml:"FileLocations,omitempty"`
	OutOfScopeRevisionIDs *clientws.ArrayOfInt          `xml:"OutOfScopeRevisionIDs,omitempty"`
}

type arrayOfUpdateData struct {
	Update []*updateData `xml:"Update,omitempty"`
}

type updateData struct {
	ID  int32        `xml:"ID"`
	Xml *escapedText `xml:"Xml,omitempty"`
}

// fragmentCache holds, per update of one catalog, its Core and Extended
// fragments escaped for the wire, each made on first use. A Reset builds a
// new catalog and a new cache, so the old one goes with the updates it
// keyed.
type fragmentCache struct {
	core, extended sync.Map // *catalog.Update -> *escapedText
}

func (c *fragmentCache) coreOf(u *catalog.Update) *escapedText {
	return cached(&c.core, u, func() string { return u.Core() })
}

func (c *fragmentCache) extendedOf(u *catalog.Update) *escapedText {
	return cached(&c.extended, u, func() string { return extendedFragment(u) })
}

func cached(m *sync.Map, u *catalog.Update, render func() string) *escapedText {
	if v, ok := m.Load(u); ok {
		return v.(*escapedText)
	}
	// Two requests may make the same entry at once; both are equal and
	// LoadOrStore keeps one.
	t := escapeText(render())
	v, _ := m.LoadOrStore(u, &t)
	return v.(*escapedText)
}
