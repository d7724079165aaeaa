// Package reporting holds the wire types of the WSUS Reporting web service
// (/ReportingWebService/ReportingWebService.asmx): ReportEventBatch, the batch of
// ReportingEvents an agent uploads after detection, download or installation
// (event 147 = detection succeeded, 148 = detection failed).
//
// The types are generated from ../wsdl/ReportingWebService.wsdl by gowsdl v0.5.0 and
// repaired by internal/wsdlfix. types.go holds the namespace, the SOAPAction and the XSD
// helper types (shared with clientws).
package reporting

//go:generate go tool gowsdl -d .. -p reporting -o reporting_gen.go ../wsdl/ReportingWebService.wsdl
//go:generate go run github.com/wsusmock/wsusmock/internal/wsdlfix -wsdl ../wsdl/ReportingWebService.wsdl reporting_gen.go
//go:generate go run ../../internal/streamgen -pkg reporting
