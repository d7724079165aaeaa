package detect

// ShellQuote exposes shellQuote to the external tests, which quote paths
// into detector commands the way Score quotes case folders.
var ShellQuote = shellQuote
