package verify_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
	"flavorpack.dev/launcher/internal/testpkg"
	"flavorpack.dev/launcher/internal/verify"
)

func build(t testing.TB, s testpkg.Spec) *testpkg.Built {
	t.Helper()
	b, err := testpkg.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func twoSlots() testpkg.Spec {
	return testpkg.Spec{
		Launcher: bytes.Repeat([]byte{0x7f}, 100),
		Slots: []testpkg.Slot{
			{ID: "app", Target: "{workenv}", Operations: "tgz", Entries: []testpkg.Entry{{Name: "run.sh", Body: "echo hi\n"}}},
			{ID: "tool", Target: "{workenv}/bin/tool", Operations: "zstd", Data: []byte("#!/bin/sh\necho tool\n"), Permissions: "0755"},
		},
	}
}

// full runs every check the vectors expect: structure, signature, trust, every slot.
func full(pkg []byte, trustedHex string) (*verify.Package, error) {
	p, err := verify.Decode(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		return nil, err
	}
	if err := p.CheckSignature(); err != nil {
		return p, err
	}
	trust, err := verify.LoadTrust(trustedHex)
	if err != nil {
		return p, err
	}
	if err := p.CheckTrust(trust); err != nil {
		return p, err
	}
	for i := range p.Slots {
		if err := p.VerifySlot(i); err != nil {
			return p, err
		}
	}
	return p, nil
}

func TestValidPackage(t *testing.T) {
	b := build(t, twoSlots())
	p, err := full(b.Bytes, hex.EncodeToString(b.Public))
	if err != nil {
		t.Fatal(err)
	}
	if p.Meta.Package.Name != "hello" || len(p.Slots) != 2 || !p.Slots[0].Chain.HasTar() {
		t.Fatalf("unexpected decode: %+v", p.Meta.Package)
	}
	if !bytes.Equal(p.Signed, b.Metadata) {
		t.Fatal("signed bytes differ from the metadata that was signed")
	}
}

func TestCorruptions(t *testing.T) {
	b := build(t, twoSlots())
	ix := testpkg.IndexOffset(b.Bytes)
	le := binary.LittleEndian
	p0, _ := verify.Decode(bytes.NewReader(b.Bytes), int64(len(b.Bytes)))
	metaOff := int(p0.Index.MetadataOffset)
	tableOff := int(p0.Index.SlotTableOffset)
	slot1 := int(p0.Slots[1].Offset)
	cases := []struct {
		name   string
		code   string
		mutate func(pkg []byte) []byte
	}{
		{"too small", errs.FileTooSmall, func(p []byte) []byte { return p[:100] }},
		{"start magic", errs.BadStartMagic, func(p []byte) []byte { p[ix-4] ^= 1; return p }},
		{"end magic", errs.BadEndMagic, func(p []byte) []byte { p[len(p)-1] ^= 1; return p }},
		{"appended junk", errs.BadStartMagic, func(p []byte) []byte { return append(p, 0) }},
		{"version", errs.BadVersion, func(p []byte) []byte { p[ix] ^= 1; testpkg.FixIndexChecksum(p); return p }},
		{"index checksum", errs.IndexChecksum, func(p []byte) []byte { p[ix+700] = 0; p[ix+1000] ^= 1; return p }},
		{"package size", errs.PackageSizeMismatch, func(p []byte) []byte { le.PutUint64(p[ix+8:], 1); testpkg.FixIndexChecksum(p); return p }},
		{"launcher past metadata", errs.LayoutInvalid, func(p []byte) []byte {
			le.PutUint64(p[ix+16:], uint64(metaOff+1))
			testpkg.FixIndexChecksum(p)
			return p
		}},
		{"metadata size 0", errs.LayoutInvalid, func(p []byte) []byte { le.PutUint64(p[ix+32:], 0); testpkg.FixIndexChecksum(p); return p }},
		{"metadata huge", errs.LayoutInvalid, func(p []byte) []byte { le.PutUint64(p[ix+32:], 1<<63); testpkg.FixIndexChecksum(p); return p }},
		{"metadata overflow", errs.LayoutInvalid, func(p []byte) []byte { le.PutUint64(p[ix+24:], ^uint64(0)); testpkg.FixIndexChecksum(p); return p }},
		{"signature padding", errs.LayoutInvalid, func(p []byte) []byte { p[ix+300] = 1; testpkg.FixIndexChecksum(p); return p }},
		{"index padding", errs.LayoutInvalid, func(p []byte) []byte { p[ix+695] = 1; testpkg.FixIndexChecksum(p); return p }},
		{"table size", errs.SlotTableInvalid, func(p []byte) []byte { le.PutUint64(p[ix+48:], 65); testpkg.FixIndexChecksum(p); return p }},
		{"slot count huge", errs.SlotTableInvalid, func(p []byte) []byte {
			le.PutUint32(p[ix+56:], 70000)
			le.PutUint64(p[ix+48:], 70000*64)
			testpkg.FixIndexChecksum(p)
			return p
		}},
		{"table before metadata end", errs.LayoutInvalid, func(p []byte) []byte { le.PutUint64(p[ix+40:], uint64(metaOff)); testpkg.FixIndexChecksum(p); return p }},
		{"table past trailer", errs.LayoutInvalid, func(p []byte) []byte { le.PutUint64(p[ix+40:], uint64(len(p))); testpkg.FixIndexChecksum(p); return p }},
		{"metadata checksum", errs.MetadataChecksum, func(p []byte) []byte { p[metaOff+20] ^= 1; return p }},
		{"slot count mismatch", errs.SlotCountMismatch, func(p []byte) []byte {
			le.PutUint32(p[ix+56:], 1)
			le.PutUint64(p[ix+48:], 64)
			testpkg.FixIndexChecksum(p)
			return p
		}},
		{"descriptor id", errs.SlotTableInvalid, func(p []byte) []byte { p[tableOff+64] = 7; return p }},
		{"unknown op", errs.UnknownOperation, func(p []byte) []byte { p[tableOff+40] = 0x31; return p }},
		{"op after zero", errs.UnknownOperation, func(p []byte) []byte { p[tableOff+64+40+2] = 0x10; return p }},
		{"chain differs", errs.SlotTableInvalid, func(p []byte) []byte { p[tableOff+40+1] = 0x1B; return p }},
		{"slot out of bounds", errs.SlotOutOfBounds, func(p []byte) []byte { le.PutUint64(p[tableOff+64+24:], 1<<40); return p }},
		{"slot into table", errs.SlotOutOfBounds, func(p []byte) []byte { le.PutUint64(p[tableOff+64+16:], uint64(tableOff)); return p }},
		{"slot overlap", errs.SlotOverlap, func(p []byte) []byte { le.PutUint64(p[tableOff+64+16:], p0.Slots[0].Offset+1); return p }},
		{"signature missing", errs.SignatureMissing, func(p []byte) []byte {
			copy(p[ix+128:ix+192], make([]byte, 64))
			testpkg.FixIndexChecksum(p)
			return p
		}},
		{"signature invalid", errs.SignatureInvalid, func(p []byte) []byte { p[ix+130] ^= 1; testpkg.FixIndexChecksum(p); return p }},
		{"untrusted key", errs.UntrustedKey, func(p []byte) []byte { testpkg.Resign(p, b.Metadata, "attacker"); return p }},
		{"slot checksum", errs.SlotChecksum, func(p []byte) []byte { p[slot1+3] ^= 1; return p }},
		{"descriptor checksum", errs.SlotDescriptorChecksum, func(p []byte) []byte { p[tableOff+64+48] ^= 1; return p }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pkg := c.mutate(append([]byte(nil), b.Bytes...))
			_, err := full(pkg, hex.EncodeToString(b.Public))
			if got := errs.CodeOf(err); got != c.code {
				t.Fatalf("got %s (%v), want %s", got, err, c.code)
			}
		})
	}
}

func TestMetadataSchema(t *testing.T) {
	cases := []struct {
		name string
		spec func(*testpkg.Spec)
		code string
	}{
		{"bad commands map", func(s *testpkg.Spec) { s.Execution = map[string]any{"commands": map[string]any{"a": 1}} }, errs.MetadataSchema},
		{"bad env", func(s *testpkg.Spec) { s.Execution = map[string]any{"env": []any{"x"}} }, errs.MetadataSchema},
		{"bad runtime set", func(s *testpkg.Spec) {
			s.Extra = map[string]any{"runtime": map[string]any{"env": map[string]any{"set": map[string]any{"A": true}}}}
		}, errs.MetadataSchema},
		{"bad format", func(s *testpkg.Spec) { s.Extra = map[string]any{"format": "PSPF/2024"} }, errs.MetadataSchema},
		{"unknown op name", func(s *testpkg.Spec) { s.Slots[0].Operations = "tar|brotli" }, errs.UnknownOperation},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := twoSlots()
			if c.name == "unknown op name" {
				// build with a valid chain, then the metadata names an unknown one: easiest via Extra slots
				s.Extra = map[string]any{"slots": []any{map[string]any{"slot": 0, "id": "a", "target": "", "size": 1,
					"checksum": "sha256:" + string(bytes.Repeat([]byte("a"), 64)), "operations": "tar|brotli", "purpose": "", "lifecycle": ""}}}
			} else {
				c.spec(&s)
			}
			b := build(t, s)
			_, err := verify.Decode(bytes.NewReader(b.Bytes), int64(len(b.Bytes)))
			if got := errs.CodeOf(err); got != c.code {
				t.Fatalf("got %s (%v), want %s", got, err, c.code)
			}
		})
	}
}

func TestTrustAndLevels(t *testing.T) {
	b := build(t, twoSlots())
	p, err := verify.Decode(bytes.NewReader(b.Bytes), int64(len(b.Bytes)))
	if err != nil {
		t.Fatal(err)
	}
	fp := "sha256:" + verify.Fingerprint(b.Public)
	for _, env := range []string{"", hex.EncodeToString(b.Public), fp, "sha256:" + hex.EncodeToString(make([]byte, 32)) + ", " + fp} {
		trust, err := verify.LoadTrust(env)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Authenticate(verify.Strict, trust); err != nil {
			t.Fatalf("%q: %v", env, err)
		}
	}
	other, _ := verify.LoadTrust(hex.EncodeToString(make([]byte, 32)))
	if _, err := p.Authenticate(verify.Strict, other); errs.CodeOf(err) != errs.UntrustedKey {
		t.Fatalf("strict untrusted: %v", err)
	}
	if w, err := p.Authenticate(verify.Relaxed, other); err != nil || len(w) != 1 {
		t.Fatalf("relaxed: %v %v", w, err)
	}
	if w, err := p.Authenticate(verify.None, other); err != nil || len(w) != 1 {
		t.Fatalf("none: %v %v", w, err)
	}
	if _, err := verify.LoadTrust("nothex"); errs.CodeOf(err) != errs.KeyInvalid {
		t.Fatalf("bad key: %v", err)
	}
}

func TestLauncherChecksum(t *testing.T) {
	s := twoSlots()
	b0 := build(t, s)
	_ = b0
	sum := sha256Hex(s.Launcher)
	for _, prefix := range []string{"sha256:", "sha256:sha256:"} {
		s.Extra = map[string]any{"launcher": map[string]any{"checksum": prefix + sum}}
		b := build(t, s)
		p, err := verify.Decode(bytes.NewReader(b.Bytes), int64(len(b.Bytes)))
		if err != nil {
			t.Fatal(err)
		}
		if present, err := p.CheckLauncher(); !present || err != nil {
			t.Fatalf("%s: %v %v", prefix, present, err)
		}
		b.Bytes[5] ^= 1
		p, _ = verify.Decode(bytes.NewReader(b.Bytes), int64(len(b.Bytes)))
		if _, err := p.CheckLauncher(); errs.CodeOf(err) != errs.LauncherChecksum {
			t.Fatalf("tampered launcher: %v", err)
		}
	}
}

func TestNoSlots(t *testing.T) {
	b := build(t, testpkg.Spec{})
	p, err := full(b.Bytes, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Index.SlotTableOffset != 0 || len(p.Slots) != 0 {
		t.Fatal("expected an empty slot table")
	}
	_ = format.TrailerSize
}
