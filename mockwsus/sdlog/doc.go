// Package sdlog writes the WSUS server's SoftwareDistribution.log
// (%ProgramFiles%\Update Services\LogFiles\SoftwareDistribution.log) the way
// WSUS 3.0 does, so that server-side detectors can be tested against the
// mock's output.
//
// # Line format
//
//	2008-06-14 02:59:57.642 UTC<TAB>Error<TAB>w3wp.12<TAB>ClientImplementation.SyncUpdates<TAB>System.ArgumentException: ...<CR><LF>
//
// Its fields:
//
//   - date YYYY-MM-DD, a space, time HH:MM:SS.mmm (milliseconds after a
//     dot), a space, the literal UTC; the time is always UTC [P KB954960 and
//     the advisory: the server line of 2008-06-14 02:59:57 UTC answers the
//     client line of 2008-06-13 19:59:56 local time];
//   - the level: Info, Warning or Error [P the advisory shows Error and
//     Warning; Info is the third level of the WSUS logging API, I];
//   - the process and managed thread, "w3wp.<thread>" for the web services
//     in the IIS worker process [P the advisory];
//   - the source, "<Class>.<Method>" without namespace [P the advisory];
//   - the message.
//
// Separators: the advisory's rendering collapsed all whitespace, so it cannot
// tell TAB from space. To the best of public knowledge WSUS 3.0 writes a TAB
// between the fields that follow "UTC", and a space inside the timestamp
// ("date time UTC"); no raw WSUS 3.0 file was available to confirm it (open
// question 9 of the protocol notes). Detectors should split on runs of
// whitespace until the first four fields are taken.
//
// Exceptions are logged as .NET's Exception.ToString(): the message line is
// followed by one line per stack frame, "   at <frame>" (three spaces), all
// lines ended by CRLF (Environment.NewLine on Windows). The whole record is
// written with one Write call so that concurrent requests never interleave
// inside a stack trace.
//
// Writers are deterministic (time comes from a clock.Clock) and safe for
// concurrent use.
package sdlog
