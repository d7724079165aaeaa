// Package wulog writes the client's WindowsUpdate.log the way the Windows
// Update Agent does, in one of two flavours, so that detectors written against
// real logs can be tested against the simulator's output byte for byte.
//
// # Flavours
//
// Classic (WUA 5-7: Windows XP, Server 2003, Vista, Server 2008, Windows 7) is
// the text file %windir%\WindowsUpdate.log that WUA wrote itself:
//
//	2008-06-13<TAB>19:59:53:383<TAB> 788<TAB>ee4<TAB>PT<TAB>+++++++++++  PT: Synchronizing server updates  +++++++++++<CR><LF>
//
// Its fields:
//
//   - date YYYY-MM-DD and time HH:MM:SS:mmm (milliseconds after a colon)
//     [KB954960, KB902093, blog.expta.com 2009-04-03];
//   - PID and TID in lower-case hex without 0x; the PID right-aligned in four
//     columns (" 788", " 704", "1048"), the TID not padded ("ee4", "fc8")
//     [KB954960; LegacyUpdate/LegacyUpdate#8, a tab-separated WUA 7.6 log];
//   - TAB between all six fields [KB902093 "Date Time PID TID Component Text";
//     LegacyUpdate#8 raw file]. Renderings such as the advisory collapse
//     the TABs and the double spaces inside banners; the file does not.
//
// WUA10 is the text that Get-WindowsUpdateLog decodes from the ETW traces of
// Windows 10 and later (WUA 10):
//
//	2019/06/05 11:07:40.9876520 21136 16428 ProtocolTalker  ServiceId = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}, Server URL = http://wsus:8530/ClientWebService/client.asmx<CR><LF>
//
// Its fields:
//
//   - date YYYY/MM/DD, time HH:MM:SS.fffffff (100 ns ticks);
//   - PID and TID in decimal, each left-aligned in five columns followed by
//     one space; the component left-aligned in fifteen columns followed by
//     one space ("Agent           Criteria", "ProtocolTalker  ServiceId",
//     "4912  11340 Agent", "20168 1840  Agent")
//     [PowerShell/PowerShell#18361 and #17886; DCourtel/Wsus_Package_Publisher#4];
//   - components ProtocolTalker, Agent, ComApi, Misc, WebServices, IdleTimer.
//
// Both flavours end lines with CRLF: WindowsUpdate.log is written on Windows
// by Windows code (WUA's own logger, and Get-WindowsUpdateLog's tracefmt and
// PowerShell output), and no source shows a bare LF. The public copies of log
// excerpts we could read are re-rendered web text and cannot show line ends,
// so this is a judgement, not an observation; detectors must accept LF too.
//
// # Timestamps and threads
//
// Each event method reads the Clock once and stamps all lines of its block
// with that time, because WUA writes such a block within one millisecond: the
// advisory shows the two banner lines at 19:59:53:383 and all seven fault
// lines at 19:59:56:617. Times are printed in the Writer's location (see
// WithLocation), by default the location of the time the Clock returns; WUA
// logs local time.
//
// # Concurrency
//
// A Writer and every Writer derived from it by WithThread or WithLocation
// share one mutex and one destination. A whole event block is written under
// the mutex, one Write call per line, so blocks of different goroutines never
// interleave and no line is ever split.
//
// # Sources
//
// Every event method says where its wording comes from. [P] marks primary
// Microsoft text (KB articles, support articles, Microsoft blogs), [S] a
// third-party copy of a real log, [I] our inference (the wording is
// plausible and consistent with the neighbouring real lines, but no copy of
// that exact line was found).
package wulog
