package format

import (
	"math/bits"

	"flavorpack.dev/launcher/internal/errs"
)

// Limits that keep a hostile index from causing huge allocations.
const (
	MaxMetadataSize = 16 << 20
	MaxSlotCount    = 65536
	DescriptorSize  = 64
)

// Layout is the checked region map of a package.
type Layout struct {
	FileLen       uint64
	TrailerStart  uint64 // first byte of the trailer = end of slot data
	MetadataEnd   uint64
	SlotTableEnd  uint64 // == MetadataEnd's successor region end; 0 slots: metadata end
	SlotTableSize uint64
}

// addOK returns a+b and whether it did not overflow.
func addOK(a, b uint64) (uint64, bool) {
	s, carry := bits.Add64(a, b, 0)
	return s, carry == 0
}

// CheckLayout checks that every region named by the index lies inside the file, in order.
func (ix *Index) CheckLayout(fileLen uint64) (*Layout, error) {
	trailer := fileLen - TrailerSize
	if ix.LauncherSize > ix.MetadataOffset {
		return nil, errs.New(errs.LayoutInvalid, "launcher size %d runs past the metadata offset %d", ix.LauncherSize, ix.MetadataOffset)
	}
	if ix.MetadataSize < 1 {
		return nil, errs.New(errs.LayoutInvalid, "metadata size is 0")
	}
	metaEnd, ok := addOK(ix.MetadataOffset, ix.MetadataSize)
	if !ok || metaEnd > trailer {
		return nil, errs.New(errs.LayoutInvalid, "metadata [%d, +%d) runs past the trailer at %d", ix.MetadataOffset, ix.MetadataSize, trailer)
	}
	if ix.MetadataSize > MaxMetadataSize {
		return nil, errs.New(errs.MetadataTooLarge, "compressed metadata is %d bytes, the limit is 16 MiB", ix.MetadataSize)
	}
	if ix.SlotCount > MaxSlotCount || ix.SlotTableSize != uint64(ix.SlotCount)*DescriptorSize {
		return nil, errs.New(errs.SlotTableInvalid, "slot table size %d does not match %d slots of 64 bytes (at most %d slots)", ix.SlotTableSize, ix.SlotCount, MaxSlotCount)
	}
	lay := &Layout{FileLen: fileLen, TrailerStart: trailer, MetadataEnd: metaEnd, SlotTableEnd: metaEnd, SlotTableSize: ix.SlotTableSize}
	if ix.SlotCount == 0 {
		if ix.SlotTableOffset != 0 {
			return nil, errs.New(errs.LayoutInvalid, "slot table offset is %d but there are no slots (must be 0)", ix.SlotTableOffset)
		}
		return lay, nil
	}
	if ix.SlotTableOffset < metaEnd {
		return nil, errs.New(errs.LayoutInvalid, "slot table offset %d overlaps the metadata ending at %d", ix.SlotTableOffset, metaEnd)
	}
	tableEnd, ok := addOK(ix.SlotTableOffset, ix.SlotTableSize)
	if !ok || tableEnd > trailer {
		return nil, errs.New(errs.LayoutInvalid, "slot table [%d, +%d) runs past the trailer at %d", ix.SlotTableOffset, ix.SlotTableSize, trailer)
	}
	lay.SlotTableEnd = tableEnd
	return lay, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
