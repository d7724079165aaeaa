package clientsim

import (
	"bytes"
	"compress/flate"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// What the agent's self-update check finds wrong with wuident.cab, as the
// WinVerifyTrust errors it reports (winerror.h).
const (
	// TRUST_E_SUBJECT_FORM_UNKNOWN: no trust provider knows the file's
	// form: it is not a cabinet.
	HRTrustSubjectFormUnknown HResult = 0x800B0003
	// TRUST_E_SUBJECT_NOT_TRUSTED: signed, but not by Microsoft.
	HRTrustSubjectNotTrusted HResult = 0x800B0004
	// TRUST_E_NOSIGNATURE: a cabinet without an Authenticode signature.
	HRTrustNoSignature HResult = 0x800B0100
)

// cabinet is what the agent reads of a downloaded cabinet (Microsoft
// Cabinet Format): its files and its Authenticode signature block.
type cabinet struct {
	files     map[string][]byte
	signature []byte // the PKCS#7 SignedData the header's reserve points to; nil if none
}

// cabError is a cabinet the check refuses, with the HRESULT WinVerifyTrust
// gives it.
type cabError struct {
	hr     HResult
	reason string
}

func (e *cabError) Error() string { return "clientsim: wuident.cab: " + e.reason }

// CFHEADER flags and the compression types the reader knows.
const (
	cabFlagPrev       = 0x0001
	cabFlagNext       = 0x0002
	cabFlagReserve    = 0x0004
	cabCompressNone   = 0
	cabCompressMSZIP  = 1
	cabHeaderSize     = 36
	cabSignatureBlock = 20 // the header reserve of an Authenticode-signed cabinet
)

// readCabinet checks that data is a well-formed single cabinet and reads
// its files (stored or MSZIP) and its signature block. A signed cabinet
// carries a 20-byte header reserve whose second and third little-endian
// words are the offset and size of the PKCS#7 block appended after the
// cabinet (cbCabinet bytes).
func readCabinet(data []byte) (*cabinet, error) {
	notCab := func(format string, args ...any) error {
		return &cabError{hr: HRTrustSubjectFormUnknown, reason: fmt.Sprintf(format, args...)}
	}
	if !bytes.HasPrefix(data, []byte("MSCF")) {
		n := min(len(data), 16)
		return nil, notCab("not a cabinet: it starts with %q, not MSCF", data[:n])
	}
	if len(data) < cabHeaderSize {
		return nil, notCab("a cabinet header has %d bytes, the file %d", cabHeaderSize, len(data))
	}
	le := binary.LittleEndian
	cbCabinet := int(le.Uint32(data[8:]))
	coffFiles := int(le.Uint32(data[16:]))
	minor, major := data[24], data[25]
	cFolders, cFiles := int(le.Uint16(data[26:])), int(le.Uint16(data[28:]))
	flags := le.Uint16(data[30:])
	if major != 1 || minor != 3 {
		return nil, notCab("cabinet format version %d.%d, not 1.3", major, minor)
	}
	if cbCabinet < cabHeaderSize || cbCabinet > len(data) {
		return nil, notCab("cabinet size %d, the file has %d bytes", cbCabinet, len(data))
	}
	if flags&(cabFlagPrev|cabFlagNext) != 0 {
		return nil, notCab("part of a cabinet set; wuident.cab is a single cabinet")
	}
	off := cabHeaderSize
	var reserve []byte
	cbFolder, cbData := 0, 0
	if flags&cabFlagReserve != 0 {
		if off+4 > cbCabinet {
			return nil, notCab("reserve sizes past the cabinet")
		}
		cbHeader := int(le.Uint16(data[off:]))
		cbFolder, cbData = int(data[off+2]), int(data[off+3])
		off += 4
		if off+cbHeader > cbCabinet {
			return nil, notCab("header reserve past the cabinet")
		}
		reserve = data[off : off+cbHeader]
		off += cbHeader
	}
	cab := &cabinet{files: map[string][]byte{}}
	if len(reserve) >= cabSignatureBlock {
		sigOff, sigLen := int(le.Uint32(reserve[4:])), int(le.Uint32(reserve[8:]))
		switch {
		case sigOff == 0 && sigLen == 0:
			// A reserve without a signature.
		case sigOff != cbCabinet || sigLen <= 0 || sigOff+sigLen > len(data):
			return nil, &cabError{hr: HRTrustNoSignature, reason: fmt.Sprintf("the signature block (offset %d, %d bytes) is not after the cabinet's %d bytes within the file's %d", sigOff, sigLen, cbCabinet, len(data))}
		default:
			cab.signature = data[sigOff : sigOff+sigLen]
		}
	}
	// Folders, then files.
	type folder struct {
		start, blocks, compress int
		data                    []byte
	}
	folders := make([]folder, cFolders)
	for i := range folders {
		if off+8+cbFolder > cbCabinet {
			return nil, notCab("folder %d past the cabinet", i)
		}
		folders[i] = folder{start: int(le.Uint32(data[off:])), blocks: int(le.Uint16(data[off+4:])), compress: int(le.Uint16(data[off+6:]))}
		off += 8 + cbFolder
	}
	for i := range folders {
		out, err := folderData(data[:cbCabinet], folders[i].start, folders[i].blocks, folders[i].compress, cbData)
		if err != nil {
			return nil, notCab("folder %d: %v", i, err)
		}
		folders[i].data = out
	}
	off = coffFiles
	for i := range cFiles {
		if off < cabHeaderSize || off+16 > cbCabinet {
			return nil, notCab("file entry %d past the cabinet", i)
		}
		size, start := int(le.Uint32(data[off:])), int(le.Uint32(data[off+4:]))
		ifolder := int(le.Uint16(data[off+8:]))
		end := bytes.IndexByte(data[off+16:cbCabinet], 0)
		if end < 0 {
			return nil, notCab("file entry %d has no name", i)
		}
		name := string(data[off+16 : off+16+end])
		off += 16 + end + 1
		if ifolder >= len(folders) || start+size > len(folders[ifolder].data) || start < 0 || size < 0 {
			return nil, notCab("file %s lies outside its folder", name)
		}
		cab.files[strings.ToLower(name)] = folders[ifolder].data[start : start+size]
	}
	return cab, nil
}

// folderData concatenates the CFDATA blocks of a folder, inflating MSZIP
// blocks (each "CK" and a deflate block whose window goes on from the
// previous block's output).
func folderData(cab []byte, start, blocks, compress, cbData int) ([]byte, error) {
	if compress != cabCompressNone && compress != cabCompressMSZIP {
		return nil, fmt.Errorf("compression type %d (the reader knows none and MSZIP)", compress)
	}
	le := binary.LittleEndian
	var out []byte
	off := start
	for b := range blocks {
		if off < cabHeaderSize || off+8+cbData > len(cab) {
			return nil, fmt.Errorf("data block %d past the cabinet", b)
		}
		n, un := int(le.Uint16(cab[off+4:])), int(le.Uint16(cab[off+6:]))
		off += 8 + cbData
		if off+n > len(cab) {
			return nil, fmt.Errorf("data block %d past the cabinet", b)
		}
		blk := cab[off : off+n]
		off += n
		if compress == cabCompressNone {
			out = append(out, blk...)
			continue
		}
		if !bytes.HasPrefix(blk, []byte("CK")) {
			return nil, fmt.Errorf("MSZIP block %d without its CK signature", b)
		}
		dict := out[max(0, len(out)-32<<10):]
		r := flate.NewReaderDict(bytes.NewReader(blk[2:]), dict)
		got, err := io.ReadAll(io.LimitReader(r, int64(un)+1))
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("MSZIP block %d: %w", b, err)
		}
		if len(got) != un {
			return nil, fmt.Errorf("MSZIP block %d inflates to %d bytes, its header says %d", b, len(got), un)
		}
		out = append(out, got...)
	}
	return out, nil
}

// oidSignedData is PKCS#7 signedData (RFC 2315).
var oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

// signers returns the organisations of the certificates of the cabinet's
// PKCS#7 SignedData block. It checks the block's form and reads the
// certificates; it does not verify the signature's digest or chain them to
// a root (the simulator has no Microsoft roots).
func (c *cabinet) signers() ([]string, error) {
	if c.signature == nil {
		return nil, &cabError{hr: HRTrustNoSignature, reason: "the cabinet has no Authenticode signature (no signature reserve in its header)"}
	}
	bad := func(format string, args ...any) error {
		return &cabError{hr: HRTrustNoSignature, reason: "the signature block is not a PKCS#7 SignedData: " + fmt.Sprintf(format, args...)}
	}
	var ci struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue // [0] EXPLICIT: its Bytes are the SignedData
	}
	if _, err := asn1.Unmarshal(c.signature, &ci); err != nil {
		return nil, bad("%v", err)
	}
	if !ci.ContentType.Equal(oidSignedData) || ci.Content.Class != asn1.ClassContextSpecific || ci.Content.Tag != 0 {
		return nil, bad("content type %v", ci.ContentType)
	}
	var sd struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		ContentInfo      asn1.RawValue
		Certificates     asn1.RawValue `asn1:"optional,tag:0"`
		CRLs             asn1.RawValue `asn1:"optional,tag:1"`
		SignerInfos      asn1.RawValue
	}
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, bad("%v", err)
	}
	certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
	if err != nil || len(certs) == 0 {
		return nil, bad("no certificate (%v)", err)
	}
	var orgs []string
	for _, cert := range certs {
		for _, o := range cert.Subject.Organization {
			if !slices.Contains(orgs, o) {
				orgs = append(orgs, o)
			}
		}
	}
	return orgs, nil
}

// microsoftSigned is the organisation a wuident.cab signer must name.
const microsoftSigned = "Microsoft Corporation"
