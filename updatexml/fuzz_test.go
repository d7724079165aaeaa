package updatexml

import (
	"testing"
)

// The agent parses whatever a server sends; a malformed fragment must be an
// error, never a panic. Fragments that parse must also render to something
// that parses back to the same rendering (the server and the agent share
// this code, so a non-idempotent round trip would be a wire bug), and
// evaluation must not panic either. Seeds are in testdata/fuzz/FuzzParseCore
// and run as ordinary tests.
func FuzzParseCore(f *testing.F) {
	f.Add(office2003Detectoid().Render())
	f.Add(`<UpdateIdentity UpdateID="u" RevisionNumber="1" /><Properties UpdateType="Detectoid" />`)
	m := newFakeMachine()
	f.Fuzz(func(t *testing.T, frag string) {
		c, err := ParseCore(frag)
		if err != nil {
			return
		}
		once := c.Render()
		c2, err := ParseCore(once)
		if err != nil {
			t.Fatalf("render of a parsed fragment does not parse: %v\n%s", err, once)
		}
		if twice := c2.Render(); twice != once {
			t.Fatalf("render not stable:\n%s\n%s", once, twice)
		}
		for _, r := range []*Rule{c.IsInstalled, c.IsInstallable, c.IsSuperseded} {
			if r != nil {
				_, _ = Evaluate(r, m)
			}
		}
	})
}

// FuzzParseExtended checks the same properties for the Extended fragment.
func FuzzParseExtended(f *testing.F) {
	f.Add(`<ExtendedProperties DefaultPropertiesLanguage="en" />`)
	f.Add(`<ExtendedProperties DefaultPropertiesLanguage="en" Handler="h" MaxDownloadSize="1" MinDownloadSize="0"><InstallationBehavior Impact="Minor" /></ExtendedProperties>` +
		`<Files><File Digest="A" DigestAlgorithm="SHA1" FileName="a" Size="1" Modified="2008-01-01T00:00:00Z" /></Files>` +
		`<HandlerSpecificData type="cmd:CommandLineInstallation"><InstallCommand Program="a.exe" Arguments="/q"><ReturnCode Code="0" Result="Succeeded" /></InstallCommand></HandlerSpecificData>`)
	f.Fuzz(func(t *testing.T, frag string) {
		e, err := ParseExtended(frag)
		if err != nil {
			return
		}
		once := e.Render()
		e2, err := ParseExtended(once)
		if err != nil {
			t.Fatalf("render of a parsed fragment does not parse: %v\n%s", err, once)
		}
		if twice := e2.Render(); twice != once {
			t.Fatalf("render not stable:\n%s\n%s", once, twice)
		}
	})
}

// FuzzParseLocalizedProperties checks the same properties for the
// LocalizedProperties fragment GetExtendedUpdateInfo carries.
func FuzzParseLocalizedProperties(f *testing.F) {
	f.Add(`<LocalizedProperties><Language>en</Language><Title>Security Update for Windows XP (KB951376)</Title><Description>A security issue</Description></LocalizedProperties>`)
	f.Add(`<LocalizedProperties><Language>en</Language><Title>&amp;&lt;</Title><UninstallNotes/><MoreInfoUrl>http://x</MoreInfoUrl></LocalizedProperties>`)
	f.Add(`<LocalizedProperties/>`)
	f.Fuzz(func(t *testing.T, frag string) {
		l, err := ParseLocalizedProperties(frag)
		if err != nil {
			return
		}
		once := l.Render()
		l2, err := ParseLocalizedProperties(once)
		if err != nil {
			t.Fatalf("render of a parsed fragment does not parse: %v\n%s", err, once)
		}
		if twice := l2.Render(); twice != once {
			t.Fatalf("render not stable:\n%s\n%s", once, twice)
		}
	})
}
