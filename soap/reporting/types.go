package reporting

import "github.com/wsusmock/wsusmock/soap/clientws"

// Namespace is the XML namespace of the Reporting elements and the prefix of its
// SOAPActions. Unlike the other two services it has no /Server/... suffix.
const Namespace = "http://www.microsoft.com/SoftwareDistribution"

// OpReportEventBatch is the operation a Windows Update Agent calls.
const OpReportEventBatch = "ReportEventBatch"

// ActionReportEventBatch is the SOAPAction of ReportEventBatch (unquoted; HTTP carries
// it in double quotes).
const ActionReportEventBatch = Namespace + "/" + OpReportEventBatch

// Action returns the SOAPAction of operation op (unquoted): Namespace + "/" + op.
func Action(op string) string { return Namespace + "/" + op }

// Reporting event IDs the simulator and the mock care about (BasicData.EventID).
const (
	EventDetectionSucceeded int16 = 147
	EventDetectionFailed    int16 = 148
)

// Base64Binary is clientws.Base64Binary: one implementation of the XSD fix for all
// three services.
type Base64Binary = clientws.Base64Binary

// DateTime is clientws.DateTime (xs:dateTime written the .NET way).
type DateTime = clientws.DateTime
