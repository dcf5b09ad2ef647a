package format

import (
	"encoding/binary"
	"sort"

	"flavorpack.dev/launcher/internal/errs"
)

// Descriptor is one 64-byte slot table entry.
type Descriptor struct {
	ID           uint64
	NameHash     uint64
	Offset       uint64
	Size         uint64
	OriginalSize uint64
	Operations   uint64
	Checksum     uint64 // first 8 bytes of SHA-256(stored bytes), little-endian
	Purpose      uint8
	Lifecycle    uint8
	Priority     uint8
	Platform     uint8
	Reserved1    uint8
	Reserved2    uint8
	Permissions  uint16
}

// DecodeDescriptor decodes one 64-byte descriptor.
func DecodeDescriptor(b []byte) Descriptor {
	le := binary.LittleEndian
	return Descriptor{
		ID: le.Uint64(b[0:]), NameHash: le.Uint64(b[8:]), Offset: le.Uint64(b[16:]), Size: le.Uint64(b[24:]),
		OriginalSize: le.Uint64(b[32:]), Operations: le.Uint64(b[40:]), Checksum: le.Uint64(b[48:]),
		Purpose: b[56], Lifecycle: b[57], Priority: b[58], Platform: b[59], Reserved1: b[60], Reserved2: b[61],
		Permissions: le.Uint16(b[62:]),
	}
}

// EncodeDescriptor is the inverse of DecodeDescriptor (used by tests and fuzzing).
func EncodeDescriptor(d Descriptor) []byte {
	b := make([]byte, DescriptorSize)
	le := binary.LittleEndian
	le.PutUint64(b[0:], d.ID)
	le.PutUint64(b[8:], d.NameHash)
	le.PutUint64(b[16:], d.Offset)
	le.PutUint64(b[24:], d.Size)
	le.PutUint64(b[32:], d.OriginalSize)
	le.PutUint64(b[40:], d.Operations)
	le.PutUint64(b[48:], d.Checksum)
	b[56], b[57], b[58], b[59], b[60], b[61] = d.Purpose, d.Lifecycle, d.Priority, d.Platform, d.Reserved1, d.Reserved2
	le.PutUint16(b[62:], d.Permissions)
	return b
}

// Slot is a checked descriptor with its decoded chain.
type Slot struct {
	Descriptor
	Chain Chain
}

// DecodeSlotTable decodes the table and checks it against the signed metadata and the layout, in the
// order of docs/format.md (the same as checkSlotTable in src/format/layout.ts): the count, then for
// each descriptor in turn its id, its bounds, its operations and the fields the signed metadata also
// states; then that no two slots overlap.
func DecodeSlotTable(table []byte, meta *Metadata, lay *Layout) ([]Slot, error) {
	count := len(table) / DescriptorSize
	if len(meta.Slots) != count {
		return nil, errs.New(errs.SlotCountMismatch, "metadata lists %d slots, the slot table has %d", len(meta.Slots), count)
	}
	slots := make([]Slot, count)
	for i := range slots {
		d := DecodeDescriptor(table[i*DescriptorSize : (i+1)*DescriptorSize])
		chain, err := checkDescriptor(i, d, meta.Slots[i], lay)
		if err != nil {
			return nil, err
		}
		slots[i] = Slot{Descriptor: d, Chain: chain}
	}
	return slots, checkOverlap(slots)
}

func checkDescriptor(i int, d Descriptor, m SlotMeta, lay *Layout) (Chain, error) {
	if d.ID != uint64(i) {
		return nil, errs.New(errs.SlotTableInvalid, "slot descriptor %d has id %d", i, d.ID)
	}
	if err := checkSlotBounds(i, d, lay); err != nil {
		return nil, err
	}
	chain, err := UnpackOps(d.Operations)
	if err != nil {
		return nil, err
	}
	if !chain.Equal(m.Chain) {
		e := errs.New(errs.SlotTableInvalid, "slot %d: descriptor chain %s differs from the signed metadata chain %s", i, chain, m.Chain)
		if len(chain) == 0 {
			e.WithHint(upstreamRawChainHint)
		}
		return nil, e
	}
	// Unsigned fields the signed metadata also states must agree with it.
	if m.OrigSize != nil && d.OriginalSize != *m.OrigSize {
		return nil, errs.New(errs.SlotTableInvalid, "slot %d: descriptor original size %d differs from the signed metadata (%d)", i, d.OriginalSize, *m.OrigSize)
	}
	if m.Permissions != nil {
		if v, ok := ParsePermissions(*m.Permissions); ok && uint32(d.Permissions) != v {
			return nil, errs.New(errs.SlotTableInvalid, "slot %d: descriptor permissions 0%o differ from the signed metadata %q", i, d.Permissions, *m.Permissions)
		}
	}
	return chain, nil
}

func checkSlotBounds(i int, d Descriptor, lay *Layout) error {
	if d.Size == 0 && d.Offset == 0 {
		return nil
	}
	end, ok := addOK(d.Offset, d.Size)
	if d.Offset < lay.SlotTableEnd || !ok || end > lay.TrailerStart {
		return errs.New(errs.SlotOutOfBounds, "slot %d data [%d, +%d) is outside the slot data region [%d, %d)", i, d.Offset, d.Size, lay.SlotTableEnd, lay.TrailerStart)
	}
	return nil
}

func checkOverlap(slots []Slot) error {
	order := make([]int, 0, len(slots))
	for i, s := range slots {
		if s.Size > 0 {
			order = append(order, i)
		}
	}
	sort.Slice(order, func(a, b int) bool { return slots[order[a]].Offset < slots[order[b]].Offset })
	for k := 1; k < len(order); k++ {
		prev, cur := slots[order[k-1]], slots[order[k]]
		if prev.Offset+prev.Size > cur.Offset {
			return errs.New(errs.SlotOverlap, "slot %d overlaps slot %d", order[k-1], order[k])
		}
	}
	return nil
}

// upstreamRawChainHint explains the one known source of a raw descriptor under a signed chain: the
// original FlavorPack's Rust builder writes operations 0 for names it does not map, such as "tar.gz"
// (docs/compat.md). Mirrors src/format/layout.ts.
const upstreamRawChainHint = `the package contradicts itself (the original FlavorPack's Rust builder does this for operations "tar.gz"); rebuild it with "tgz"`
