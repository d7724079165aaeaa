package updatexml

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestExtendedRender(t *testing.T) {
	tests := []struct {
		name string
		ext  *Extended
		want string
	}{
		{
			name: "command line update",
			ext: &Extended{
				DefaultPropertiesLanguage: "en",
				Handler:                   HandlerCommandLine,
				MaxDownloadSize:           11610576,
				InstallationImpact:        "Minor",
				Files: []File{{
					Digest: "D2zdslftJ5kG/B9a2zSqQu83qTs=", DigestAlgorithm: "SHA1", FileName: "Office2003SP1-kb842532-FullFile-ENU.exe",
					Size: 11610576, Modified: time.Date(2004, 7, 27, 15, 47, 53, 0, time.UTC),
					AdditionalDigests: []Digest{{"SHA256", "ma1xvBIZw+0lBKOv5Zd2GsZtUek1w6anT4b8EfH57f0="}},
				}},
				HandlerSpecificData: &HandlerSpecificData{Type: HandlerDataCommandLine, InstallCommand: &CommandLine{
					Program: "Office2003SP1-kb842532-FullFile-ENU.exe", Arguments: "/Q",
					ReturnCodes: []ReturnCode{{Code: 0, Result: "Succeeded"}, {Code: 3010, Result: "Succeeded", Reboot: true}},
				}},
			},
			want: `<ExtendedProperties DefaultPropertiesLanguage="en" Handler="http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/CommandLineInstallation" MaxDownloadSize="11610576" MinDownloadSize="0">` +
				`<InstallationBehavior Impact="Minor" /></ExtendedProperties>` +
				`<Files><File Digest="D2zdslftJ5kG/B9a2zSqQu83qTs=" DigestAlgorithm="SHA1" FileName="Office2003SP1-kb842532-FullFile-ENU.exe" Size="11610576" Modified="2004-07-27T15:47:53Z">` +
				`<AdditionalDigest Algorithm="SHA256">ma1xvBIZw+0lBKOv5Zd2GsZtUek1w6anT4b8EfH57f0=</AdditionalDigest></File></Files>` +
				`<HandlerSpecificData type="cmd:CommandLineInstallation"><InstallCommand Program="Office2003SP1-kb842532-FullFile-ENU.exe" Arguments="/Q">` +
				`<ReturnCode Code="0" Result="Succeeded" /><ReturnCode Code="3010" Result="Succeeded" Reboot="true" /></InstallCommand></HandlerSpecificData>`,
		},
		{
			name: "detectoid",
			ext:  &Extended{DefaultPropertiesLanguage: "en", NoDownloadSize: true},
			want: `<ExtendedProperties DefaultPropertiesLanguage="en" />`,
		},
		{
			name: "support url and kb",
			ext:  &Extended{DefaultPropertiesLanguage: "en", SupportUrl: "https://support.microsoft.com/?a=1&b=2", KBArticleID: "842532"},
			want: `<ExtendedProperties DefaultPropertiesLanguage="en" MaxDownloadSize="0" MinDownloadSize="0">` +
				`<SupportUrl>https://support.microsoft.com/?a=1&amp;b=2</SupportUrl><KBArticleID>842532</KBArticleID></ExtendedProperties>`,
		},
		{
			name: "other handler kept raw",
			ext: &Extended{DefaultPropertiesLanguage: "en", Handler: HandlerMSI, RebootBehavior: "CanRequestReboot",
				Files:               []File{{Digest: "AAAA", DigestAlgorithm: "SHA1", FileName: "a.msp", Size: 1}},
				HandlerSpecificData: &HandlerSpecificData{Type: "msp:WindowsInstaller", Raw: `<MspFile>a.msp</MspFile>`}},
			want: `<ExtendedProperties DefaultPropertiesLanguage="en" Handler="http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/WindowsInstaller" MaxDownloadSize="0" MinDownloadSize="0">` +
				`<InstallationBehavior RebootBehavior="CanRequestReboot" /></ExtendedProperties>` +
				`<Files><File Digest="AAAA" DigestAlgorithm="SHA1" FileName="a.msp" Size="1" /></Files>` +
				`<HandlerSpecificData type="msp:WindowsInstaller"><MspFile>a.msp</MspFile></HandlerSpecificData>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.ext.Render()
			if got != tt.want {
				t.Fatalf("Render:\n got %s\nwant %s", got, tt.want)
			}
			back, err := ParseExtended(got)
			if err != nil {
				t.Fatalf("ParseExtended(Render()): %v", err)
			}
			if !reflect.DeepEqual(back, tt.ext) {
				t.Fatalf("round trip changed it:\n got %#v\nwant %#v", back, tt.ext)
			}
		})
	}
}

func TestParseExtendedErrors(t *testing.T) {
	const ep = `<ExtendedProperties DefaultPropertiesLanguage="en" />`
	tests := []struct{ name, frag, errHas string }{
		{"empty", ``, "ExtendedProperties"},
		{"wrong root", `<Files />`, "ExtendedProperties"},
		{"bad size", `<ExtendedProperties MaxDownloadSize="big" MinDownloadSize="0" />`, "MaxDownloadSize"},
		{"half size", `<ExtendedProperties MaxDownloadSize="1" />`, "together"},
		{"unknown child", `<ExtendedProperties><Eula /></ExtendedProperties>`, "Eula"},
		{"unknown behaviour attr", `<ExtendedProperties><InstallationBehavior Foo="1" /></ExtendedProperties>`, "Foo"},
		{"unknown top", ep + `<Eula />`, "Eula"},
		{"duplicate files", ep + `<Files /><Files />`, "duplicate"},
		{"file no digest", ep + `<Files><File FileName="a" /></Files>`, "Digest"},
		{"file bad size", ep + `<Files><File Digest="A" FileName="a" Size="-1" /></Files>`, "Size"},
		{"file bad modified", ep + `<Files><File Digest="A" FileName="a" Modified="yesterday" /></Files>`, "Modified"},
		{"file unknown attr", ep + `<Files><File Digest="A" FileName="a" Color="red" /></Files>`, "Color"},
		{"file junk child", ep + `<Files><File Digest="A" FileName="a"><X /></File></Files>`, "X"},
		{"files junk", ep + `<Files><Folder /></Files>`, "Folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseExtended(tt.frag)
			if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.errHas) ||
				!strings.HasPrefix(err.Error(), "updatexml: parse extended: ") {
				t.Fatalf("ParseExtended(%q) error = %v, want ErrMalformed mentioning %q", tt.frag, err, tt.errHas)
			}
		})
	}
}

func TestParseExtendedOddHandlerData(t *testing.T) {
	// A command line type whose shape the model does not cover stays raw
	// rather than losing attributes.
	frag := `<ExtendedProperties DefaultPropertiesLanguage="en" />` +
		`<HandlerSpecificData type="cmd:CommandLineInstallation"><InstallCommand Program="a.exe"><ReturnCode Code="0" Result="Succeeded" Extra="1" /></InstallCommand></HandlerSpecificData>`
	e, err := ParseExtended(frag)
	if err != nil {
		t.Fatal(err)
	}
	if e.HandlerSpecificData.InstallCommand != nil || !strings.Contains(e.HandlerSpecificData.Raw, `Extra="1"`) {
		t.Fatalf("want raw handler data, got %+v", e.HandlerSpecificData)
	}
	if got := e.Render(); got != frag {
		t.Fatalf("render:\n got %s\nwant %s", got, frag)
	}
}

func TestLocalizedProperties(t *testing.T) {
	l := &LocalizedProperties{
		Language:       "en",
		Title:          "Office 2003 Service Pack 1",
		Description:    "Service Pack 1 for Microsoft Office 2003 <all languages> & editions.",
		UninstallNotes: "This software update can be removed via Add or Remove Programs in Control Panel.",
		MoreInfoUrl:    "http://support.microsoft.com/kb/842532",
		SupportUrl:     "http://support.microsoft.com",
	}
	want := `<LocalizedProperties><Language>en</Language><Title>Office 2003 Service Pack 1</Title>` +
		`<Description>Service Pack 1 for Microsoft Office 2003 &lt;all languages&gt; &amp; editions.</Description>` +
		`<UninstallNotes>This software update can be removed via Add or Remove Programs in Control Panel.</UninstallNotes>` +
		`<MoreInfoUrl>http://support.microsoft.com/kb/842532</MoreInfoUrl><SupportUrl>http://support.microsoft.com</SupportUrl></LocalizedProperties>`
	got := l.Render()
	if got != want {
		t.Fatalf("Render:\n got %s\nwant %s", got, want)
	}
	back, err := ParseLocalizedProperties(got)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, l) {
		t.Fatalf("round trip: got %+v", back)
	}
	short := &LocalizedProperties{Language: "de", Title: "Titel"}
	if got := short.Render(); got != `<LocalizedProperties><Language>de</Language><Title>Titel</Title></LocalizedProperties>` {
		t.Fatalf("short render: %s", got)
	}
}

func TestParseLocalizedPropertiesErrors(t *testing.T) {
	tests := []struct{ name, frag, errHas string }{
		{"empty", ``, "one LocalizedProperties"},
		{"two", `<LocalizedProperties><Language>en</Language></LocalizedProperties><LocalizedProperties />`, "one LocalizedProperties"},
		{"no language", `<LocalizedProperties><Title>t</Title></LocalizedProperties>`, "Language"},
		{"unknown child", `<LocalizedProperties><Language>en</Language><Eula>x</Eula></LocalizedProperties>`, "Eula"},
		{"duplicate", `<LocalizedProperties><Language>en</Language><Title>a</Title><Title>b</Title></LocalizedProperties>`, "duplicate"},
		{"nested", `<LocalizedProperties><Language>en</Language><Title><b>x</b></Title></LocalizedProperties>`, "only text"},
		{"text", `<LocalizedProperties>x<Language>en</Language></LocalizedProperties>`, "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLocalizedProperties(tt.frag)
			if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("error = %v, want ErrMalformed mentioning %q", err, tt.errHas)
			}
		})
	}
}
