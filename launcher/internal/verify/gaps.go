package verify

import (
	"io"
	"sort"

	"flavorpack.dev/launcher/internal/errs"
)

// CheckGaps requires every byte outside all regions (alignment padding between the launcher,
// metadata, slot table, slots and trailer) to be zero: unsigned bytes must carry no data. It reads
// only the gaps; the CLI `verify` runs it, the launch path does not.
func (p *Package) CheckGaps() error {
	type region struct{ off, size uint64 }
	ix := p.Index
	regions := []region{{0, ix.LauncherSize}, {ix.MetadataOffset, ix.MetadataSize}, {ix.SlotTableOffset, ix.SlotTableSize}}
	for _, s := range p.Slots {
		regions = append(regions, region{s.Offset, s.Size})
	}
	sort.Slice(regions, func(i, j int) bool { return regions[i].off < regions[j].off })
	var cursor uint64
	for _, r := range regions {
		if r.size == 0 {
			continue
		}
		if r.off > cursor {
			if err := p.checkZero(cursor, r.off-cursor); err != nil {
				return err
			}
		}
		if end := r.off + r.size; end > cursor {
			cursor = end
		}
	}
	if end := p.Layout.TrailerStart; end > cursor {
		return p.checkZero(cursor, end-cursor)
	}
	return nil
}

func (p *Package) checkZero(off, size uint64) error {
	buf := make([]byte, 32<<10)
	r := io.NewSectionReader(p.r, int64(off), int64(size))
	for pos := off; ; {
		n, err := r.Read(buf)
		for i := 0; i < n; i++ {
			if buf[i] != 0 {
				return errs.New(errs.LayoutInvalid, "non-zero byte in the padding at offset %d", pos+uint64(i)).
					WithHint("bytes outside every region were modified")
			}
		}
		pos += uint64(n)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errs.Wrap(errs.IOError, err, "failed to read padding at offset %d", pos)
		}
	}
}
