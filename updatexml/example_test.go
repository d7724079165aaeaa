package updatexml_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wsusmock/wsusmock/updatexml"
)

// xpOffice is a Windows XP SP3 machine with Office 2003 installed: just
// enough of a Machine for the rules below.
type xpOffice struct{}

func (xpOffice) RegistryKeyExists(key, subkey string) bool {
	return strings.EqualFold(subkey, `SOFTWARE\Microsoft\Office\11.0\Common\InstallRoot`)
}
func (xpOffice) RegistryValue(key, subkey, name string) (updatexml.RegValue, bool) {
	return updatexml.RegValue{}, false
}
func (xpOffice) FileVersion(path string) (string, bool) { return "", false }
func (xpOffice) FileExists(path string) bool            { return false }
func (xpOffice) MSIProductInstalled(code string) bool {
	return strings.EqualFold(code, "{90110409-6000-11D3-8CFE-0150048383C9}")
}
func (xpOffice) MSIPatchInstalled(code string) bool { return false }
func (xpOffice) OSVersion() updatexml.OSVersion {
	return updatexml.OSVersion{Major: 5, Minor: 1, Build: 2600, SPMajor: 3, ProductType: 1}
}
func (xpOffice) Architecture() updatexml.Architecture { return updatexml.ArchX86 }

// A rule from an update's Core fragment is parsed and evaluated against a
// machine, as the agent does with a detectoid's IsInstalled.
func ExampleEvaluate() {
	rule, err := updatexml.ParseRule(`<Or>` +
		`<m.MsiProductInstalled ProductCode="{90110409-6000-11D3-8CFE-0150048383C9}" />` +
		`<b.RegKeyExists Key="HKEY_LOCAL_MACHINE" Subkey="SOFTWARE\Microsoft\Office\11.0\Common\InstallRoot" />` +
		`</Or>`)
	if err != nil {
		fmt.Println(err)
		return
	}
	installed, err := updatexml.Evaluate(rule, xpOffice{})
	fmt.Println(installed, err)

	xpSP2 := updatexml.WindowsVersion(updatexml.EqualTo, 5, 1, updatexml.ServicePackMajor(2))
	fmt.Println(xpSP2)
	fmt.Println(updatexml.Evaluate(xpSP2, xpOffice{}))

	// An element the evaluator does not know is kept when parsed, and
	// refused when evaluated.
	wmi := updatexml.Leaf("b.WmiQuery", updatexml.Attr{Name: "WqlQuery", Value: "SELECT * FROM Win32_BIOS"})
	_, err = updatexml.Evaluate(updatexml.Or(updatexml.True(), wmi), xpOffice{})
	fmt.Println(errors.Is(err, updatexml.ErrUnknownRule))
	// Output:
	// true <nil>
	// <b.WindowsVersion Comparison="EqualTo" MajorVersion="5" MinorVersion="1" ServicePackMajor="2" />
	// false <nil>
	// true
}
