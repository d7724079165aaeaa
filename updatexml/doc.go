// Package updatexml models the update metadata fragments that a WSUS server
// sends and the Windows Update Agent evaluates: the Core fragment (identity,
// properties, relationships, applicability rules) carried XML-escaped in
// SyncUpdates' UpdateInfo/Xml, and the Extended and LocalizedProperties
// fragments of GetExtendedUpdateInfo.
//
// Both sides of the mock share this package so that they cannot drift: the
// server renders fragments with Render, the agent parses them with ParseCore,
// ParseExtended and ParseLocalizedProperties and decides which updates are
// installed or installable with Evaluate against a Machine.
//
// Fragments are not XML documents: a Core fragment is a sequence of sibling
// elements, and rule elements carry their schema prefix as part of the name
// text ("b.RegDword", "m.MsiProductInstalled") rather than as a namespace.
// The renderer copies the byte shape of a real WSUS (attribute order,
// self-closing tags written as "<True />"), and the parsers accept what real
// servers send, so that captures from production servers can be fed to the
// agent simulator.
//
// Evaluation is strict: an element or attribute the evaluator does not
// implement yields an error wrapping ErrUnknownRule, never a guess. The
// KB954960 reproduction depends on the agent really evaluating the Office
// 2003 detectoid, so a silent "true" would hide the bug being reproduced.
package updatexml
