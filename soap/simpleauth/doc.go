// Package simpleauth holds the wire types of the WSUS SimpleAuthWebService
// (/SimpleAuthWebService/SimpleAuth.asmx): GetAuthorizationCookie and the
// AuthorizationCookie it returns, which the agent then passes to the ClientWebService's
// GetCookie (as a clientws.AuthorizationCookie: same shape, other namespace).
//
// The types are generated from ../wsdl/SimpleAuthWebService.wsdl by gowsdl v0.5.0 and
// repaired by internal/wsdlfix. types.go holds the namespace, the SOAPAction and the XSD
// helper types (shared with clientws).
package simpleauth

//go:generate go tool gowsdl -d .. -p simpleauth -o simpleauth_gen.go ../wsdl/SimpleAuthWebService.wsdl
//go:generate go run github.com/wsusmock/wsusmock/internal/wsdlfix -wsdl ../wsdl/SimpleAuthWebService.wsdl simpleauth_gen.go
//go:generate go run ../../internal/streamgen -pkg simpleauth
