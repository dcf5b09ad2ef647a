package format

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/jsonlite"
)

// FormatName is the metadata "format" value.
const FormatName = "PSPF/2025"

// Metadata is the typed view of the signed metadata JSON (only what the launcher acts on).
type Metadata struct {
	Format        string            `json:"format"`
	FormatVersion string            `json:"format_version"`
	Package       PackageInfo       `json:"package"`
	Slots         []SlotMeta        `json:"slots"`
	Execution     Execution         `json:"execution"`
	Runtime       *Runtime          `json:"runtime"`
	Workenv       *WorkenvSpec      `json:"workenv"`
	SetupCommands [][]byte          `json:"setup_commands"` // each one as JSON text
	Launcher      *LauncherInfo     `json:"launcher"`
	Build         []byte            `json:"build"` // JSON text
	// Glibc is compatibility.glibc: the oldest glibc the package's ELF files run on ("" = none needed;
	// glibc.go).
	Glibc string `json:"-"`
}

type PackageInfo struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

type SlotMeta struct {
	Slot        int     `json:"slot"`
	ID          string  `json:"id"`
	Source      string  `json:"source"`
	Target      string  `json:"target"`
	Size        uint64  `json:"size"`
	OrigSize    *uint64 `json:"original_size"`
	Checksum    string  `json:"checksum"`
	Operations  string  `json:"operations"`
	Purpose     string  `json:"purpose"`
	Lifecycle   string  `json:"lifecycle"`
	Permissions *string `json:"permissions"`
	// Encryption is set exactly when the chain ends with aes256-gcm.
	Encryption *SlotEncryption `json:"-"`
	// Platform limits the slot to one OS or OS_arch ("" = every machine; platform.go).
	Platform string `json:"platform"`

	Chain  Chain    `json:"-"`
	SHA256 [32]byte `json:"-"`
}

type Execution struct {
	PrimarySlot int               `json:"primary_slot"`
	Command     string            `json:"command"`
	Env         map[string]string `json:"env"`
	Environment map[string]string `json:"environment"`
	Commands    map[string]string `json:"commands"`
}

type Runtime struct {
	Env *RuntimeEnv `json:"env"`
	// Persistent: the app is a service started once in the background (docs/launcher.md "Service
	// mode"); Port (0 = none) is the loopback TCP port its health check connects to.
	Persistent bool `json:"persistent"`
	Port       int  `json:"port"`
}

// Service reports whether the package runs as a persistent service.
func (m *Metadata) Service() bool { return m.Runtime != nil && m.Runtime.Persistent }

type RuntimeEnv struct {
	Unset []string          `json:"unset"`
	Pass  []string          `json:"pass"`
	Set   map[string]string `json:"set"`
	Map   map[string]string `json:"map"`
}

type WorkenvSpec struct {
	Directories []DirSpec         `json:"directories"`
	Env         map[string]string `json:"env"`
}

type DirSpec struct {
	Path string `json:"path"`
	Mode string `json:"mode"`
}

type LauncherInfo struct {
	Tool     string `json:"tool"`
	Size     uint64 `json:"size"`
	Checksum string `json:"checksum"`
}

// DecompressMetadata gunzips exactly one gzip member with nothing after it, never producing more
// than MaxMetadataSize bytes.
func DecompressMetadata(gz []byte) ([]byte, error) {
	br := bytes.NewReader(gz)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, errs.Wrap(errs.MetadataCompression, err, "metadata is not gzip")
	}
	zr.Multistream(false)
	out, err := io.ReadAll(io.LimitReader(zr, MaxMetadataSize+1))
	if err != nil {
		return nil, errs.Wrap(errs.MetadataCompression, err, "failed to gunzip metadata")
	}
	if len(out) > MaxMetadataSize {
		return nil, errs.New(errs.MetadataTooLarge, "metadata JSON is larger than 16 MiB")
	}
	if br.Len() != 0 {
		return nil, errs.New(errs.MetadataCompression, "%d bytes follow the metadata gzip member", br.Len())
	}
	return out, nil
}

// ParseMetadata parses and validates the metadata JSON bytes.
func ParseMetadata(raw []byte) (*Metadata, error) {
	if len(raw) > MaxMetadataSize {
		return nil, errs.New(errs.MetadataTooLarge, "metadata JSON is %d bytes, the limit is 16 MiB", len(raw))
	}
	if !utf8.Valid(raw) {
		return nil, errs.New(errs.MetadataJSON, "metadata is not valid UTF-8")
	}
	doc, err := jsonlite.Parse(raw)
	if se := (*jsonlite.SyntaxError)(nil); errors.As(err, &se) && se.Msg == jsonlite.TrailingData {
		return nil, errs.New(errs.MetadataJSON, "metadata has data after the JSON value")
	}
	if err != nil {
		return nil, errs.Wrap(errs.MetadataJSON, err, "metadata is not valid JSON")
	}
	if err := CheckJSONKeys(raw); err != nil {
		return nil, err
	}
	if err := validateSchema(doc); err != nil {
		return nil, err
	}
	m := decodeMetadata(doc.(object))
	for i := range m.Slots {
		s := &m.Slots[i]
		chain, err := ParseChain(s.Operations)
		if err != nil {
			return nil, err
		}
		s.Chain = chain
		hexsum, _ := ChecksumHex(s.Checksum)
		decodeHex(s.SHA256[:], hexsum)
	}
	return m, nil
}

// ChecksumHex returns the hex digest of "sha256:<hex>" (also upstream's "sha256:sha256:<hex>").
func ChecksumHex(s string) (string, bool) {
	h := strings.TrimPrefix(s, "sha256:")
	if h == s {
		return "", false
	}
	h = strings.TrimPrefix(h, "sha256:")
	if len(h) != 64 {
		return "", false
	}
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	return h, true
}

func decodeHex(dst []byte, h string) {
	for i := range dst {
		if 2*i+1 >= len(h) {
			return
		}
		v, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		dst[i] = byte(v)
	}
}

// ParsePermissions parses an octal mode string ("0755", "0o644", "755"); ok is false when invalid.
func ParsePermissions(text string) (uint32, bool) {
	t := strings.TrimSpace(text)
	if len(t) >= 2 && t[0] == '0' && (t[1] == 'o' || t[1] == 'O') {
		t = t[2:]
	}
	if len(t) < 1 || len(t) > 5 {
		return 0, false
	}
	v, err := strconv.ParseUint(t, 8, 32)
	if err != nil || v > 0o7777 {
		return 0, false
	}
	return uint32(v), true
}
