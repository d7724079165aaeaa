// Command wsdlfix repairs the Go code that gowsdl v0.5.0 generates from the WSUS WSDLs,
// so that the committed wire types marshal the way WSUS and the Windows Update Agent do.
//
// gowsdl is used for types only; its output has known defects (see
// shared/docs/dependencies.md, section 1). wsdlfix rewrites the generated file in place:
//
//   - field names are derived from the XML element name, so gowsdl's unexported
//     `int` and `Astring` array fields become `Int` and `String` (encoding/xml silently
//     ignores unexported fields, which lost every ArrayOfInt);
//   - xs:base64Binary fields become the package's Base64Binary type (gowsdl's []byte is
//     written raw by encoding/xml, not base64);
//   - soap.XSDDateTime becomes the package's DateTime type (7 fractional digits, UTC, Z);
//   - array items and simple-type fields lose gowsdl's needless pointers ([]*string,
//     *Guid, *DeploymentAction), which also keeps nil items out of the wire format;
//   - omitempty is dropped from required members (minOccurs="1" elements and
//     use="required" attributes, read from the WSDL given with -wsdl), so that
//     <Truncated>false</Truncated> is written;
//   - the generated SOAP client (interfaces, constructors, methods) and the "unused
//     imports" guards are removed, so the package does not import gowsdl's soap runtime;
//   - the header becomes the standard "Code generated ... DO NOT EDIT." line.
//
// The rewrite is deterministic and idempotent: running it twice gives the same bytes.
//
// Usage (from a go:generate line, after gowsdl):
//
//	go run github.com/wsusmock/wsusmock/internal/wsdlfix -wsdl ../wsdl/ClientWebService.wsdl clientws_gen.go
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("wsdlfix", flag.ContinueOnError)
	wsdlPath := fs.String("wsdl", "", "WSDL the file was generated from; its minOccurs/use decide which fields keep omitempty")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("wsdlfix: %w", err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("wsdlfix: usage: wsdlfix [-wsdl service.wsdl] generated.go")
	}
	path := fs.Arg(0)

	var req Required
	if *wsdlPath != "" {
		raw, err := os.ReadFile(*wsdlPath)
		if err != nil {
			return fmt.Errorf("wsdlfix: %w", err)
		}
		req, err = ParseRequired(raw)
		if err != nil {
			return err
		}
	}

	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("wsdlfix: %w", err)
	}
	out, err := Fix(src, req)
	if err != nil {
		return fmt.Errorf("wsdlfix: %s: %w", path, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("wsdlfix: %w", err)
	}
	if err := os.WriteFile(path, out, info.Mode().Perm()); err != nil {
		return fmt.Errorf("wsdlfix: %w", err)
	}
	return nil
}
