package sdlog

import "fmt"

// Sources (the "Class.Method" column) of the records the mock writes.
const (
	SourceSyncUpdates     = "ClientImplementation.SyncUpdates"
	SourceCreateException = "SoapUtilities.CreateException"
)

// duplicateKeyMessage is .NET 2.0's ArgumentException text for a Hashtable
// key added twice (resource Argument_AddingDuplicate__): note the TWO spaces
// before "Key being added", which the advisory's rendering collapsed.
const duplicateKeyMessage = "Item has already been added. Key in dictionary: '%s'  Key being added: '%s'"

// SQLTimeoutMessage is the SqlException text of a command timeout in .NET
// 2.0 (two spaces after "expired."), for a SyncUpdates that times out in the
// database.
const SQLTimeoutMessage = "Timeout expired.  The timeout period elapsed prior to completion of the operation or the server is not responding."

// HashtableAddFrames are the frames of Hashtable.Add throwing on a duplicate
// key [P the advisory].
var HashtableAddFrames = []string{
	"System.Collections.Hashtable.Insert(Object key, Object nvalue, Boolean add)",
	"System.Collections.Hashtable.Add(Object key, Object value)",
}

// SyncUpdatesFrames are the WSUS 3.0 SP1 frames from GetSyncInfo up to the
// web method Client.SyncUpdates, in the advisory's order (innermost first;
// ClientImplementation.SyncUpdates appears twice, an overload calling the
// other) [P the advisory].
var SyncUpdatesFrames = []string{
	"Microsoft.UpdateServices.Internal.ClientImplementation.GetSyncInfo(DataAccess dataAccess, Hashtable stateTable, Hashtable deploymentTable, Boolean haveGroupsChanged, Boolean doChunking)",
	"Microsoft.UpdateServices.Internal.ClientImplementation.SoftwareSync(DataAccess dataAccess, UnencryptedCookieData cookieData, Int32[] installedNonLeafUpdateIds, Int32[] leafUpdateIds, Boolean haveGroupsChanged, Boolean expressQuery)",
	"Microsoft.UpdateServices.Internal.ClientImplementation.SyncUpdates(Cookie cookie, SyncUpdateParameters parameters)",
	"Microsoft.UpdateServices.Internal.ClientImplementation.SyncUpdates(Cookie cookie, SyncUpdateParameters parameters)",
	"Microsoft.UpdateServices.Internal.Client.SyncUpdates(Cookie cookie, SyncUpdateParameters parameters)",
}

// ASMXFrames are the .NET 2.0 ASP.NET frames below an ASMX web method on
// IIS 6 (the frames the advisory replaced by "<lines removed>"). They are
// the well-known System.Web.Services / System.Web frames of that runtime;
// the advisory does not show them, so their presence and exact list in
// WSUS's record is an inference.
var ASMXFrames = []string{
	"System.RuntimeMethodHandle._InvokeMethodFast(Object target, Object[] arguments, SignatureStruct& sig, MethodAttributes methodAttributes, RuntimeTypeHandle typeOwner)",
	"System.RuntimeMethodHandle.InvokeMethodFast(Object target, Object[] arguments, Signature sig, MethodAttributes methodAttributes, RuntimeTypeHandle typeOwner)",
	"System.Reflection.RuntimeMethodInfo.Invoke(Object obj, BindingFlags invokeAttr, Binder binder, Object[] parameters, CultureInfo culture, Boolean skipVisibilityChecks)",
	"System.Reflection.RuntimeMethodInfo.Invoke(Object obj, BindingFlags invokeAttr, Binder binder, Object[] parameters, CultureInfo culture)",
	"System.Web.Services.Protocols.LogicalMethodInfo.Invoke(Object target, Object[] values)",
	"System.Web.Services.Protocols.WebServiceHandler.Invoke()",
	"System.Web.Services.Protocols.WebServiceHandler.CoreProcessRequest()",
	"System.Web.Services.Protocols.SyncSessionlessHandler.ProcessRequest(HttpContext context)",
	"System.Web.HttpApplication.CallHandlerExecutionStep.System.Web.HttpApplication.IExecutionStep.Execute()",
	"System.Web.HttpApplication.ExecuteStep(IExecutionStep step, Boolean& completedSynchronously)",
}

// SQLTimeoutFrames are the System.Data frames of a SqlCommand.ExecuteReader
// that timed out (.NET 2.0); callers append the WSUS data-access and
// ClientImplementation frames of the call that ran the query [I].
var SQLTimeoutFrames = []string{
	"System.Data.SqlClient.SqlConnection.OnError(SqlException exception, Boolean breakConnection)",
	"System.Data.SqlClient.SqlInternalConnection.OnError(SqlException exception, Boolean breakConnection)",
	"System.Data.SqlClient.TdsParser.ThrowExceptionAndWarning(TdsParserStateObject stateObj)",
	"System.Data.SqlClient.TdsParser.Run(RunBehavior runBehavior, SqlCommand cmdHandler, SqlDataReader dataStream, BulkCopySimpleResultSet bulkCopyHandler, TdsParserStateObject stateObj)",
	"System.Data.SqlClient.SqlDataReader.ConsumeMetaData()",
	"System.Data.SqlClient.SqlDataReader.get_MetaData()",
	"System.Data.SqlClient.SqlCommand.FinishExecuteReader(SqlDataReader ds, RunBehavior runBehavior, String resetOptionsString)",
	"System.Data.SqlClient.SqlCommand.RunExecuteReaderTds(CommandBehavior cmdBehavior, RunBehavior runBehavior, Boolean returnStream, Boolean async)",
	"System.Data.SqlClient.SqlCommand.RunExecuteReader(CommandBehavior cmdBehavior, RunBehavior runBehavior, Boolean returnStream, String method, DbAsyncResult result)",
	"System.Data.SqlClient.SqlCommand.RunExecuteReader(CommandBehavior cmdBehavior, RunBehavior runBehavior, Boolean returnStream, String method)",
	"System.Data.SqlClient.SqlCommand.ExecuteReader(CommandBehavior behavior, String method)",
	"System.Data.SqlClient.SqlCommand.ExecuteReader(CommandBehavior behavior)",
}

// Stack joins frame lists, innermost first, into one stack for Exception.
func Stack(parts ...[]string) []string {
	var n int
	for _, p := range parts {
		n += len(p)
	}
	out := make([]string, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// duplicateKeyStack is the full stack of the KB954960 exception.
func duplicateKeyStack() []string {
	return Stack(HashtableAddFrames, SyncUpdatesFrames, ASMXFrames)
}

// DuplicateKeyException writes the KB954960 server record: an Error from
// ClientImplementation.SyncUpdates,
//
//	System.ArgumentException: Item has already been added. Key in dictionary: '8862'  Key being added: '8862'
//
// followed by duplicateKeyStack [P the advisory, except the ASP.NET frames].
func (w *Writer) DuplicateKeyException(thread int, key string) {
	w.Exception(thread, SourceSyncUpdates, "System.ArgumentException",
		fmt.Sprintf(duplicateKeyMessage, key, key), duplicateKeyStack())
}

// ThrowException writes the Warning WSUS logs when it turns an error into a
// SOAP fault, from SoapUtilities.CreateException:
//
//	ThrowException: actor = <actor>, ID=<id>, ErrorCode=<errorCode>, Message=<message>, Client=<client>
//
// actor is the service URL the request came to, id the fault's GUID (the
// client logs the same ID), message the fault's Message (empty for
// InternalServerError), client the client's ID or "?" when the cookie did
// not yield one; an empty client is written as "?" [P the advisory for
// InternalServerError; KB4096317 for InvalidParameters with a client ID].
func (w *Writer) ThrowException(thread int, actor, id, errorCode, message, client string) {
	if client == "" {
		client = "?"
	}
	w.Warning(thread, SourceCreateException,
		fmt.Sprintf("ThrowException: actor = %s, ID=%s, ErrorCode=%s, Message=%s, Client=%s",
			actor, id, errorCode, message, client))
}
