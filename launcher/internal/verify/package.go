// Package verify opens a package file and checks it in the order of docs/format.md ("Verification
// order"): Open checks the trailer, the index, the layout and the metadata checksum and gunzips the
// metadata (steps 1–6); Authenticate checks the Ed25519 signature and the trust policy (7–8); only
// then Parse reads the JSON and the slot table (9–10). CheckGaps (11), CheckLauncher (12) and the
// slot readers (13) read the rest. Verify runs them all, in that order, for the CLI `verify`.
package verify

import (
	"bytes"
	"crypto/sha256"
	"io"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
)

// Package is a package being verified. Meta and Slots are nil until Parse; nothing in it is
// trusted before Authenticate.
type Package struct {
	Size         uint64
	Index        *format.Index
	Layout       *format.Layout
	MetadataGz   []byte
	Signed       []byte // the exact uncompressed metadata JSON: the signed bytes
	SignedSHA256 [32]byte
	Meta         *format.Metadata
	Slots        []format.Slot

	r io.ReaderAt
}

// Open reads and checks everything up to the signed bytes (steps 1–6): trailer, index, layout,
// metadata checksum and gunzip. Nothing is parsed. The cost does not depend on the slot data size.
func Open(r io.ReaderAt, size int64) (*Package, error) {
	if size < format.TrailerSize {
		return nil, errs.New(errs.FileTooSmall, "file is %d bytes, a package has at least %d", size, format.TrailerSize)
	}
	n := uint64(size)
	tail := make([]byte, format.TrailerSize)
	if err := readAt(r, tail, n-format.TrailerSize); err != nil {
		return nil, err
	}
	block, err := format.SplitTrailer(tail, n)
	if err != nil {
		return nil, err
	}
	ix, err := format.DecodeIndex(block, n)
	if err != nil {
		return nil, err
	}
	lay, err := ix.CheckLayout(n)
	if err != nil {
		return nil, err
	}
	p := &Package{Size: n, Index: ix, Layout: lay, r: r}
	return p, p.readMetadata()
}

// Parse reads the signed JSON (schema, unique keys) and the slot table (steps 9–10). Call it after
// Authenticate: the JSON is not parsed before its signature and signer are checked.
func (p *Package) Parse() error {
	meta, err := format.ParseMetadata(p.Signed)
	if err != nil {
		return err
	}
	table := make([]byte, p.Index.SlotTableSize)
	if err := readAt(p.r, table, p.Index.SlotTableOffset); err != nil {
		return err
	}
	slots, err := format.DecodeSlotTable(table, meta, p.Layout)
	if err != nil {
		return err
	}
	p.Meta, p.Slots = meta, slots
	return nil
}

// Decode opens and parses a package without checking its signature (tests and `info`).
func Decode(r io.ReaderAt, size int64) (*Package, error) {
	p, err := Open(r, size)
	if err != nil {
		return nil, err
	}
	if err := p.Parse(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Package) readMetadata() error {
	ix := p.Index
	p.MetadataGz = make([]byte, ix.MetadataSize)
	if err := readAt(p.r, p.MetadataGz, ix.MetadataOffset); err != nil {
		return err
	}
	if sum := sha256.Sum256(p.MetadataGz); !bytes.Equal(sum[:], ix.MetadataChecksum[:]) {
		return errs.New(errs.MetadataChecksum, "metadata checksum mismatch: the compressed metadata does not match the index")
	}
	raw, err := format.DecompressMetadata(p.MetadataGz)
	if err != nil {
		return err
	}
	p.Signed, p.SignedSHA256 = raw, sha256.Sum256(raw)
	return nil
}

func readAt(r io.ReaderAt, buf []byte, off uint64) error {
	if len(buf) == 0 {
		return nil
	}
	if _, err := r.ReadAt(buf, int64(off)); err != nil {
		return errs.Wrap(errs.IOError, err, "failed to read package bytes at offset %d", off)
	}
	return nil
}

// LauncherReader returns the launcher region [0, launcher_size).
func (p *Package) LauncherReader() io.Reader {
	return io.NewSectionReader(p.r, 0, int64(p.Index.LauncherSize))
}
