// Package verify opens a package file and checks it in the order of docs/format.md: trailer, index,
// layout, metadata checksum, metadata, slot table, then the Ed25519 signature and the trust policy.
// Slot bytes are checked only while they are streamed (SlotReader), never on the warm launch path.
package verify

import (
	"bytes"
	"crypto/sha256"
	"io"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
)

// Package is a structurally verified package. Nothing in it is trusted before CheckSignature.
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

// Decode reads and checks everything but the signature and the slot bytes. The cost does not
// depend on the slot data size.
func Decode(r io.ReaderAt, size int64) (*Package, error) {
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
	if err := p.readMetadata(); err != nil {
		return nil, err
	}
	table := make([]byte, ix.SlotTableSize)
	if err := readAt(r, table, ix.SlotTableOffset); err != nil {
		return nil, err
	}
	if p.Slots, err = format.DecodeSlotTable(table, p.Meta, lay); err != nil {
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
	meta, err := format.ParseMetadata(raw)
	if err != nil {
		return err
	}
	p.Signed, p.SignedSHA256, p.Meta = raw, sha256.Sum256(raw), meta
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
