// Package clientws holds the wire types of the WSUS ClientWebService
// (/ClientWebService/client.asmx, MS-WUSP): the request and response wrapper elements of
// GetConfig, GetCookie, RegisterComputer, StartCategoryScan, SyncUpdates, RefreshCache,
// GetExtendedUpdateInfo and GetFileLocations, and the types they carry.
//
// The server (mockwsus) and the agent simulator (client-sim) both encode and decode
// these types, so they agree on element names and order by construction. The types are
// generated from ../wsdl/ClientWebService.wsdl by gowsdl v0.5.0 and repaired by
// internal/wsdlfix; the SOAP envelope itself is the soap package's business.
//
// Hand-written helpers live in types.go: Base64Binary and DateTime (the XSD types
// gowsdl gets wrong), the namespace and the SOAPAction of each operation.
package clientws

//go:generate go tool gowsdl -d .. -p clientws -o clientws_gen.go ../wsdl/ClientWebService.wsdl
//go:generate go run github.com/wsusmock/wsusmock/internal/wsdlfix -wsdl ../wsdl/ClientWebService.wsdl clientws_gen.go
//go:generate go run ../../internal/streamgen -pkg clientws
