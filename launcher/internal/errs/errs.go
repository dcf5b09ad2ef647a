// Package errs is the launcher's one error type: a stable code shared with src/errors.ts,
// a lower-case message, an optional hint, and the process exit code the failure maps to.
package errs

import (
	"errors"
	"fmt"
)

// Error codes (the same strings as src/errors.ts).
const (
	FileTooSmall           = "FILE_TOO_SMALL"
	BadStartMagic          = "BAD_START_MAGIC"
	BadEndMagic            = "BAD_END_MAGIC"
	BadVersion             = "BAD_VERSION"
	IndexChecksum          = "INDEX_CHECKSUM"
	PackageSizeMismatch    = "PACKAGE_SIZE_MISMATCH"
	LayoutInvalid          = "LAYOUT_INVALID"
	SlotTableInvalid       = "SLOT_TABLE_INVALID"
	SlotOutOfBounds        = "SLOT_OUT_OF_BOUNDS"
	SlotOverlap            = "SLOT_OVERLAP"
	MetadataTooLarge       = "METADATA_TOO_LARGE"
	MetadataChecksum       = "METADATA_CHECKSUM"
	MetadataCompression    = "METADATA_COMPRESSION"
	MetadataJSON           = "METADATA_JSON"
	MetadataSchema         = "METADATA_SCHEMA"
	SlotCountMismatch      = "SLOT_COUNT_MISMATCH"
	UnknownOperation       = "UNKNOWN_OPERATION"
	ChainTooLong           = "CHAIN_TOO_LONG"
	SignatureMissing       = "SIGNATURE_MISSING"
	SignatureInvalid       = "SIGNATURE_INVALID"
	UntrustedKey           = "UNTRUSTED_KEY"
	KeyFingerprintMismatch = "KEY_FINGERPRINT_MISMATCH"
	KeyInvalid             = "KEY_INVALID"
	SlotChecksum           = "SLOT_CHECKSUM"
	SlotDescriptorChecksum = "SLOT_DESCRIPTOR_CHECKSUM"
	LauncherChecksum       = "LAUNCHER_CHECKSUM"
	// Raised only by `flavor verify --provenance/--rebuild` (docs/supply-chain.md): the launcher does not
	// read the provenance. Declared so the two code lists stay one (errs_test.go).
	ProvenanceMissing    = "PROVENANCE_MISSING"
	ProvenanceInvalid    = "PROVENANCE_INVALID"
	ProvenanceMismatch   = "PROVENANCE_MISMATCH"
	RebuildDiffers       = "REBUILD_DIFFERS"
	PayloadCorrupt       = "PAYLOAD_CORRUPT"
	PayloadTooLarge      = "PAYLOAD_TOO_LARGE"
	UnsafePath           = "UNSAFE_PATH"
	UnsafeEntry          = "UNSAFE_ENTRY"
	UnsupportedOperation = "UNSUPPORTED_OPERATION"
	SlotKeyMissing       = "SLOT_KEY_MISSING"
	SlotKeyInvalid       = "SLOT_KEY_INVALID"
	SlotKeyWrong         = "SLOT_KEY_WRONG"
	SlotDecryptFailed    = "SLOT_DECRYPT_FAILED"
	CacheError           = "CACHE_ERROR"
	CacheUnsafe          = "CACHE_UNSAFE"
	CacheBusy            = "CACHE_BUSY"
	NotFound             = "NOT_FOUND"
	IOError              = "IO_ERROR"
	Usage                = "USAGE"
	ServiceStartFailed   = "SERVICE_START_FAILED"
	ServicePortBusy      = "SERVICE_PORT_BUSY"
	ServiceNotResponding = "SERVICE_NOT_RESPONDING"
	ServiceUnsupported   = "SERVICE_UNSUPPORTED"
	// The machine's glibc is older than the package needs, or it has another C library (docs/launcher.md "The glibc check").
	GlibcRequired = "GLIBC_REQUIRED"
	Internal      = "INTERNAL"
)

// Launcher exit codes (docs/launcher.md).
const (
	ExitInternal  = 101
	ExitPackage   = 102
	ExitExtract   = 103
	ExitExec      = 104
	ExitUsage     = 105
	ExitCache     = 106
	ExitIntegrity = 107
	ExitService   = 108
	ExitPlatform  = 109
)

// Error is a coded launcher failure.
type Error struct {
	Code string
	Msg  string
	Hint string
	Exit int // 0 = derived from Code
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns a coded error with a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Wrap returns a coded error that wraps cause.
func Wrap(code string, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// WithHint sets the hint and returns e.
func (e *Error) WithHint(hint string) *Error { e.Hint = hint; return e }

// WithExit overrides the exit code and returns e.
func (e *Error) WithExit(code int) *Error { e.Exit = code; return e }

// CodeOf returns the code of the first *Error in err's chain, or INTERNAL.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// ExitCode maps an error to the launcher's exit code.
func ExitCode(err error) int {
	e, ok := As(err)
	if !ok {
		return ExitInternal
	}
	if e.Exit != 0 {
		return e.Exit
	}
	return ExitForCode(e.Code)
}

// ExitForCode is the default exit code of a code.
func ExitForCode(code string) int {
	switch code {
	case MetadataChecksum, SignatureMissing, SignatureInvalid, UntrustedKey, KeyFingerprintMismatch, KeyInvalid,
		SlotChecksum, SlotDescriptorChecksum, LauncherChecksum:
		return ExitIntegrity
	case PayloadCorrupt, PayloadTooLarge, UnsafePath, UnsafeEntry, UnsupportedOperation, IOError,
		SlotKeyMissing, SlotKeyInvalid, SlotKeyWrong, SlotDecryptFailed:
		return ExitExtract
	case CacheError, CacheUnsafe, CacheBusy:
		return ExitCache
	case NotFound:
		return ExitExec
	case Usage:
		return ExitUsage
	case ServiceStartFailed, ServicePortBusy, ServiceNotResponding, ServiceUnsupported:
		return ExitService
	case GlibcRequired:
		return ExitPlatform
	case Internal:
		return ExitInternal
	}
	return ExitPackage
}
