package format

import (
	"strings"

	"flavorpack.dev/launcher/internal/errs"
)

// Op is one operation of a slot's chain, applied in order at build time and reversed at extraction.
type Op uint8

// The v0 operations, and 0x4F: this project's streaming AES-256-GCM (docs/format.md, "Encrypted
// slots"), an unassigned code of the registry's encryption range, not upstream's 0x31.
const (
	OpTar             Op = 0x01
	OpGzip            Op = 0x10
	OpBzip2           Op = 0x13
	OpXz              Op = 0x16
	OpZstd            Op = 0x1B
	OpAES256GCMStream Op = 0x4F
)

// MaxChainLength is how many ops fit in the packed u64.
const MaxChainLength = 8

// knownOps are the operations in code order (a list, not a map: no package init work, docs/launcher.md).
var knownOps = [...]struct {
	op   Op
	name string
}{{OpTar, "tar"}, {OpGzip, "gzip"}, {OpBzip2, "bzip2"}, {OpXz, "xz"}, {OpZstd, "zstd"}, {OpAES256GCMStream, "aes256-gcm"}}

// Name is the lower-case op name ("tar", "gzip", ...; "" for an unknown code).
func (o Op) Name() string {
	for _, k := range knownOps {
		if k.op == o {
			return k.name
		}
	}
	return ""
}

// Chain is an operation chain, first-applied first.
type Chain []Op

// HasTar reports whether the chain bundles a directory tree.
func (c Chain) HasTar() bool {
	for _, o := range c {
		if o == OpTar {
			return true
		}
	}
	return false
}

// Encrypted reports whether the chain has the encryption op (valid only as its last op).
func (c Chain) Encrypted() bool {
	for _, o := range c {
		if o == OpAES256GCMStream {
			return true
		}
	}
	return false
}

// Names returns the op names in order.
func (c Chain) Names() []string {
	out := make([]string, len(c))
	for i, o := range c {
		out[i] = o.Name()
	}
	return out
}

// Equal reports whether two chains are identical.
func (c Chain) Equal(d Chain) bool {
	if len(c) != len(d) {
		return false
	}
	for i := range c {
		if c[i] != d[i] {
			return false
		}
	}
	return true
}

// String is the canonical pipe form ("tar|gzip"), "raw" for the empty chain.
func (c Chain) String() string {
	if len(c) == 0 {
		return "raw"
	}
	return strings.Join(c.Names(), "|")
}

// UnpackOps decodes a packed u64: first-applied op in the lowest byte, the chain ends at the first
// zero byte, and every byte after it must be zero too.
func UnpackOps(packed uint64) (Chain, error) {
	var chain Chain
	ended := false
	for i := 0; i < 8; i++ {
		b := Op(packed >> (8 * i))
		if b == 0 {
			ended = true
			continue
		}
		if ended {
			return nil, errs.New(errs.UnknownOperation, "operation byte %d (0x%02x) follows the end of the chain 0x%016x", i, uint8(b), packed)
		}
		if b.Name() == "" {
			return nil, errs.New(errs.UnknownOperation, "unknown operation code 0x%02x at position %d", uint8(b), i)
		}
		chain = append(chain, b)
	}
	return chain, nil
}

// PackOps is the inverse of UnpackOps.
func PackOps(c Chain) uint64 {
	var v uint64
	for i, o := range c {
		v |= uint64(o) << (8 * i)
	}
	return v
}

// namedChain is the chain a name stands for ("tgz" = tar then gzip); a switch, not a map, so that the
// package has no init work (docs/launcher.md "Size").
func namedChain(name string) (Chain, bool) {
	switch name {
	case "", "raw", "none":
		return Chain{}, true
	case "gzip", "bzip2", "xz", "zstd", "tar":
		op, _ := opByName(name)
		return Chain{op}, true
	case "tar.gz", "tgz":
		return Chain{OpTar, OpGzip}, true
	case "tar.bz2", "tbz2":
		return Chain{OpTar, OpBzip2}, true
	case "tar.xz", "txz":
		return Chain{OpTar, OpXz}, true
	case "tar.zst":
		return Chain{OpTar, OpZstd}, true
	}
	return nil, false
}

// ParseChain parses a metadata operations string: a chain name ("tgz", "tar.zst", "raw") or op
// names joined by "|" ("tar|gzip"), case-insensitive.
func ParseChain(text string) (Chain, error) {
	name := strings.ToLower(strings.TrimSpace(text))
	if c, ok := namedChain(name); ok {
		return c, nil
	}
	// Upstream's Rust builder writes comma lists ("tar,gzip"); "|" and "," separate operations alike.
	parts := strings.Split(strings.ReplaceAll(name, ",", "|"), "|")
	chain := make(Chain, 0, len(parts))
	for _, p := range parts {
		op, ok := opByName(strings.TrimSpace(p))
		if !ok {
			return nil, errs.New(errs.UnknownOperation, "unknown operation %q in chain %q", strings.TrimSpace(p), text)
		}
		chain = append(chain, op)
	}
	if len(chain) > MaxChainLength {
		return nil, errs.New(errs.ChainTooLong, "operation chain %q has %d operations, at most 8", text, len(chain))
	}
	return chain, nil
}

func opByName(name string) (Op, bool) {
	for _, k := range knownOps {
		if k.name == name {
			return k.op, true
		}
	}
	return 0, false
}
