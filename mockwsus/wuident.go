package mockwsus

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"math/big"
	"time"

	"github.com/wsusmock/wsusmock/internal/ids"
)

// SelfUpdateCabinet is the cabinet the self-update tree serves as name
// (wuident.cab, iuident.cab): a well-formed Microsoft cabinet (format 1.3,
// one stored folder) holding wuident.txt, signed as Authenticode signs a
// cabinet: a 20-byte header reserve pointing to a PKCS#7 SignedData block
// appended after the cabinet. wuident.txt starts with the
// [SusClientUpdate] section real ones start with, and carries the /SKIP
// directive that tells the agent not to update itself (the mock offers no
// agent). The certificate is issued to Microsoft Corporation by a key the
// mock derives from its seed: the shape of Microsoft's signature, not
// Microsoft's signature, which only Microsoft can make. Everything is
// derived from the seed, so the bytes are the same on every run.
func SelfUpdateCabinet(seed uint64, name string) ([]byte, error) {
	txt := []byte("[SusClientUpdate]\r\nServerUrlEx=/SKIP\r\n")
	sig, err := selfUpdateSignature(seed, name)
	if err != nil {
		return nil, err
	}
	const (
		headerSize  = 36
		reserveSize = 20
		folderSize  = 8
		fileName    = "wuident.txt"
	)
	fileEntry := 16 + len(fileName) + 1
	coffFiles := headerSize + 4 + reserveSize + folderSize
	coffData := coffFiles + fileEntry
	cbCabinet := coffData + 8 + len(txt)
	le := binary.LittleEndian
	var b bytes.Buffer
	hdr := make([]byte, headerSize)
	copy(hdr, "MSCF")
	le.PutUint32(hdr[8:], uint32(cbCabinet))
	le.PutUint32(hdr[16:], uint32(coffFiles))
	hdr[24], hdr[25] = 3, 1 // format 1.3
	le.PutUint16(hdr[26:], 1)
	le.PutUint16(hdr[28:], 1)
	le.PutUint16(hdr[30:], 0x0004) // cfhdrRESERVE_PRESENT
	b.Write(hdr)
	// cbCFHeader, cbCFFolder, cbCFData, then the Authenticode reserve.
	b.Write([]byte{reserveSize, 0, 0, 0})
	reserve := make([]byte, reserveSize)
	le.PutUint32(reserve[0:], 0x00100000)
	le.PutUint32(reserve[4:], uint32(cbCabinet))
	le.PutUint32(reserve[8:], uint32(len(sig)))
	b.Write(reserve)
	folder := make([]byte, folderSize)
	le.PutUint32(folder[0:], uint32(coffData))
	le.PutUint16(folder[4:], 1) // one data block, stored
	b.Write(folder)
	file := make([]byte, 16)
	le.PutUint32(file[0:], uint32(len(txt)))
	le.PutUint16(file[10:], 0x3881) // 2008-04-01
	b.Write(file)
	b.WriteString(fileName)
	b.WriteByte(0)
	data := make([]byte, 8)
	le.PutUint16(data[4:], uint16(len(txt)))
	le.PutUint16(data[6:], uint16(len(txt)))
	b.Write(data)
	b.Write(txt)
	if b.Len() != cbCabinet {
		return nil, fmt.Errorf("mockwsus: self-update cabinet is %d bytes, its header says %d", b.Len(), cbCabinet)
	}
	b.Write(sig)
	return b.Bytes(), nil
}

// selfUpdateSignature is a PKCS#7 SignedData (RFC 2315) carrying the
// signing certificate; ed25519 signs deterministically.
func selfUpdateSignature(seed uint64, name string) ([]byte, error) {
	key := ed25519.NewKeyFromSeed(ids.Derive(seed, "selfupdate/key/"+name).Bytes(ed25519.SeedSize))
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(954960),
		Subject: pkix.Name{Organization: []string{"Microsoft Corporation"}, Country: []string{"US"},
			CommonName: "Microsoft Windows (mockwsus stand-in)"},
		NotBefore:   time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:    time.Date(2038, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	cert, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("mockwsus: self-update certificate: %w", err)
	}
	set := func(content []byte) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: content}
	}
	signed, err := asn1.Marshal(struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		ContentInfo      struct{ ContentType asn1.ObjectIdentifier }
		Certificates     asn1.RawValue
		SignerInfos      asn1.RawValue
	}{
		Version:          1,
		DigestAlgorithms: set(nil),
		ContentInfo:      struct{ ContentType asn1.ObjectIdentifier }{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: cert},
		SignerInfos:      set(nil),
	})
	if err != nil {
		return nil, fmt.Errorf("mockwsus: self-update signature: %w", err)
	}
	return asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}{
		ContentType: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2},
		Content:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: signed},
	})
}
