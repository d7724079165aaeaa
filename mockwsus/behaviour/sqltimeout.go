package behaviour

// SQLTimeoutName is the registry name of the database timeout behaviour.
const SQLTimeoutName = "sql-timeout"

// SQLTimeout reproduces SyncUpdates failing because the WSUS database
// (SUSDB) does not answer in time.
//
// Bug: the stored procedure behind SoftwareSync runs past the command
// timeout on an overloaded or fragmented SUSDB; ADO.NET throws
// System.Data.SqlClient.SqlException "Timeout expired" inside
// ClientImplementation.SyncUpdates and the web service answers
// InternalServerError. On the client this is exactly KB954960's signature
// (0x8024400E, InternalServerError from SyncUpdates); only the server log
// tells them apart, which is what makes it the hardest look-alike for a
// detector.
//
// Trigger: every SyncUpdates while the database is overloaded (the mode).
// Buggy: the exception and the InternalServerError fault. Fixed: SUSDB
// answers (indexes rebuilt, cleanup run).
//
// Source: WSUS maintenance guidance on SUSDB timeouts; .NET's SqlException
// timeout message.
type SQLTimeout struct{}

// Info documents the behaviour.
func (SQLTimeout) Info() Info {
	return Info{
		Name:    SQLTimeoutName,
		Bug:     "SUSDB command timeout during SyncUpdates (System.Data.SqlClient.SqlException)",
		Trigger: "every SyncUpdates while the database is overloaded",
		Buggy:   "SqlException logged in SoftwareDistribution.log; SyncUpdates answers InternalServerError (client 0x8024400E)",
		Fixed:   "the database answers in time",
		Source:  "WSUS database maintenance guidance; ADO.NET SqlException timeout",
	}
}

// DefaultMode: a healthy database.
func (SQLTimeout) DefaultMode(string) Mode { return Fixed }

// Intercept throws the timeout from SyncUpdates.
func (SQLTimeout) Intercept(m Mode, service, op string) error {
	if m != Buggy || op != "SyncUpdates" {
		return nil
	}
	return &Exception{
		Behaviour: SQLTimeoutName,
		Type:      "System.Data.SqlClient.SqlException",
		Message:   "Timeout expired.  The timeout period elapsed prior to completion of the operation or the server is not responding.",
		Stack: []string{
			"System.Data.SqlClient.SqlConnection.OnError(SqlException exception, Boolean breakConnection)",
			"System.Data.SqlClient.TdsParser.ThrowExceptionAndWarning(TdsParserStateObject stateObj)",
			"System.Data.SqlClient.TdsParser.Run(RunBehavior runBehavior, SqlCommand cmdHandler, SqlDataReader dataStream, BulkCopySimpleResultSet bulkCopyHandler, TdsParserStateObject stateObj)",
			"System.Data.SqlClient.SqlDataReader.ConsumeMetaData()",
			"System.Data.SqlClient.SqlCommand.ExecuteReader(CommandBehavior behavior, String method)",
			"Microsoft.UpdateServices.Internal.DatabaseAccess.DBConnection.ExecuteReader()",
			"Microsoft.UpdateServices.Internal.DataAccess.ExecuteSpGetSyncInfo(Int32[] installedNonLeafUpdateIds, Int32[] leafUpdateIds)",
			"Microsoft.UpdateServices.Internal.ClientImplementation.SoftwareSync(DataAccess dataAccess, UnencryptedCookieData cookieData, Int32[] installedNonLeafUpdateIds, Int32[] leafUpdateIds, Boolean haveGroupsChanged, Boolean expressQuery)",
			"Microsoft.UpdateServices.Internal.ClientImplementation.SyncUpdates(Cookie cookie, SyncUpdateParameters parameters)",
			"Microsoft.UpdateServices.Internal.Client.SyncUpdates(Cookie cookie, SyncUpdateParameters parameters)",
		},
		ErrorCode: "InternalServerError",
	}
}
