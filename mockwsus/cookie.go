package mockwsus

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Cookie kinds: the SimpleAuth authorization cookie and the client web
// service cookie are sealed with the same key but cannot stand in for each
// other.
const (
	kindAuth byte = 'A'
	kindSync byte = 'C'
)

const cookieFormat = 1

// Cookie errors. The server maps them to the WSUS ErrorCodes a real server
// sends, which drive the agent's recovery.
var (
	// errCookieInvalid: unreadable, tampered, or of the wrong kind
	// (InvalidCookie, or InvalidAuthorizationCookie for GetCookie).
	errCookieInvalid = errors.New("mockwsus: cookie is invalid")
	// errCookieForeign: the cookie names a server ID that is not the
	// sealer's. The server decides between ServerChanged (one of its own
	// earlier incarnations sealed it) and InvalidCookie (a key it never
	// had: another process, another seed, or a forgery).
	errCookieForeign = errors.New("mockwsus: cookie is not sealed by this server")
	// errCookieServerChanged: sealed by this server before a Reset
	// (ServerChanged).
	errCookieServerChanged = errors.New("mockwsus: cookie is from before the server was reset")
	// errCookieExpired: past its expiration (CookieExpired).
	errCookieExpired = errors.New("mockwsus: cookie has expired")
)

// A cookie is bound to its computer by the ClientID it carries, sealed:
// every operation acts for that computer, never for one the request names.
// ReportEventBatch refuses an event whose TargetID names another computer
// (InvalidParameters); GetCookie takes the computer from the authorization
// cookie and ignores an old sync cookie of another one. RegisterComputer's
// DnsName is not checked against the cookie's: WSUS identifies computers
// by SusClientId and takes the name RegisterComputer sends as the
// computer's current one (a renamed computer re-registers under its new
// name), so it renames the cookie's computer and touches no other
// (TestCookieIsBoundToItsComputer).
//
// Any change to a cookie's bytes is InvalidCookie, wherever it is, and so is
// a cookie sealed with a key the server never had (another mockwsus process,
// another seed): MS-WUSP 2.2.2.4 gives InvalidCookie for "the server cannot
// decrypt the cookie to validate it", and a real WSUS, whose cookie key is
// its own, cannot decrypt another server's. Only a cookie this server sealed
// before a Reset (each incarnation has its own key and server ID, and the
// server remembers the last maxPastSealers of them) is ServerChanged, the
// spec's "the server's identity or state has changed".
//
// Keys: with Config.RandomCookieKeys (cmd/mockwsus's default) each
// incarnation's key and server ID come from crypto/rand, so no one can seal
// a cookie the server accepts, and a second process started the same way
// refuses the first one's cookies. Without it they derive from the seed,
// which keeps in-process runs byte-stable for a seed but lets anyone who
// knows the seed seal cookies.

// cookieData is what a cookie carries, sealed. WSUS calls the sync cookie's
// contents UnencryptedCookieData.
type cookieData struct {
	ClientID    string    `json:"c"`
	DNSName     string    `json:"d,omitempty"`
	TargetGroup string    `json:"g,omitempty"`
	Issued      time.Time `json:"i"`
	Expires     time.Time `json:"e"`
	// LastSync is when the computer's last sync ended (sync cookies).
	LastSync time.Time `json:"l,omitzero"`
	// ConfigChange is the server configuration time the cookie was issued
	// under; a later change raises ConfigChanged.
	ConfigChange time.Time `json:"k,omitzero"`
}

// sealer seals and opens cookies with AES-256-GCM. The nonce is synthetic
// (HMAC of the plaintext), which keeps output byte-stable for one seed while
// never reusing a nonce for two different plaintexts.
type sealer struct {
	serverID [8]byte
	aead     cipher.AEAD
	macKey   []byte
}

// maxPastSealers is how many earlier incarnations (Resets) a server
// remembers to answer their cookies with ServerChanged; older ones are
// InvalidCookie, as any cookie the server cannot decrypt.
const maxPastSealers = 16

// serverIDOf returns the server ID a sealed cookie names, if it is long
// enough to name one.
func serverIDOf(data []byte) ([8]byte, bool) {
	var id [8]byte
	if len(data) < 2+len(id) {
		return id, false
	}
	copy(id[:], data[2:])
	return id, true
}

func newSealer(key []byte, serverID [8]byte) (*sealer, error) {
	if len(key) != 64 {
		return nil, fmt.Errorf("mockwsus: cookie key must be 64 bytes, have %d", len(key))
	}
	block, err := aes.NewCipher(key[:32])
	if err != nil {
		return nil, fmt.Errorf("mockwsus: cookie key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("mockwsus: cookie key: %w", err)
	}
	return &sealer{serverID: serverID, aead: aead, macKey: key[32:]}, nil
}

// seal returns version | kind | server ID | nonce | ciphertext.
func (s *sealer) seal(kind byte, d cookieData) []byte {
	plain, err := json.Marshal(d)
	if err != nil {
		panic(fmt.Sprintf("mockwsus: marshalling cookie: %v", err)) // plain struct: cannot fail
	}
	header := append([]byte{cookieFormat, kind}, s.serverID[:]...)
	mac := hmac.New(sha256.New, s.macKey)
	mac.Write(header)
	mac.Write(plain)
	nonce := mac.Sum(nil)[:s.aead.NonceSize()]
	out := append(header, nonce...)
	return s.aead.Seal(out, nonce, plain, header)
}

// open checks and decrypts a cookie of kind, and its expiry at now.
func (s *sealer) open(kind byte, data []byte, now time.Time) (cookieData, error) {
	var d cookieData
	hdr := 2 + len(s.serverID)
	if len(data) < hdr+s.aead.NonceSize()+s.aead.Overhead() || data[0] != cookieFormat {
		return d, errCookieInvalid
	}
	if data[1] != kind {
		return d, fmt.Errorf("%w: wrong kind of cookie", errCookieInvalid)
	}
	nonce := data[hdr : hdr+s.aead.NonceSize()]
	if !bytes.Equal(data[2:hdr], s.serverID[:]) {
		return d, errCookieForeign
	}
	plain, err := s.aead.Open(nil, nonce, data[hdr+s.aead.NonceSize():], data[:hdr])
	if err != nil {
		return d, fmt.Errorf("%w: authentication failed", errCookieInvalid)
	}
	if err := json.Unmarshal(plain, &d); err != nil {
		return d, fmt.Errorf("%w: %w", errCookieInvalid, err)
	}
	if !now.Before(d.Expires) {
		return d, fmt.Errorf("%w: expired %s", errCookieExpired, d.Expires.UTC().Format(time.RFC3339))
	}
	return d, nil
}
