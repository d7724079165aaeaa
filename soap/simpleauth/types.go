package simpleauth

import "github.com/wsusmock/wsusmock/soap/clientws"

// Namespace is the XML namespace of the SimpleAuth elements and the prefix of its
// SOAPAction.
const Namespace = "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService"

// OpGetAuthorizationCookie is the service's only operation.
const OpGetAuthorizationCookie = "GetAuthorizationCookie"

// ActionGetAuthorizationCookie is the SOAPAction of GetAuthorizationCookie (unquoted;
// HTTP carries it in double quotes).
const ActionGetAuthorizationCookie = Namespace + "/" + OpGetAuthorizationCookie

// Action returns the SOAPAction of operation op (unquoted): Namespace + "/" + op.
func Action(op string) string { return Namespace + "/" + op }

// Base64Binary is clientws.Base64Binary: one implementation of the XSD fix for all
// three services.
type Base64Binary = clientws.Base64Binary

// DateTime is clientws.DateTime (xs:dateTime written the .NET way).
type DateTime = clientws.DateTime
