package verify

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"filippo.io/edwards25519"
)

// The launcher's Ed25519 check must decide exactly as crypto/ed25519.Verify on every input.

func stdlibVerify(pub, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false // ed25519.Verify panics on a wrong key length; the index field is always 32 bytes
	}
	return ed25519.Verify(pub, msg, sig)
}

func compareVerify(t *testing.T, what string, pub, msg, sig []byte) bool {
	t.Helper()
	want := stdlibVerify(pub, msg, sig)
	if got := verifyEd25519(pub, msg, sig); got != want {
		t.Fatalf("%s: verifyEd25519 = %v, crypto/ed25519 = %v (pub %x sig %x)", what, got, want, pub, sig)
	}
	return want
}

func testKey(i int) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(fmt.Sprintf("verify-ed25519-%d", i)))
	return ed25519.NewKeyFromSeed(seed[:])
}

func TestVerifyEd25519MatchesStdlib(t *testing.T) {
	valid := 0
	for i := 0; i < 16; i++ {
		key := testKey(i)
		pub := []byte(key.Public().(ed25519.PublicKey))
		msg := make([]byte, i*97)
		for j := range msg {
			msg[j] = byte(i*31 + j*7)
		}
		sig := ed25519.Sign(key, msg)
		if compareVerify(t, "valid", pub, msg, sig) {
			valid++
		}
		// every single-bit change of the signature and the key, and of the message's first byte
		for bit := 0; bit < 512; bit++ {
			bad := append([]byte(nil), sig...)
			bad[bit/8] ^= 1 << (bit % 8)
			compareVerify(t, "signature bit", pub, msg, bad)
		}
		for bit := 0; bit < 256; bit++ {
			bad := append([]byte(nil), pub...)
			bad[bit/8] ^= 1 << (bit % 8)
			compareVerify(t, "key bit", bad, msg, sig)
		}
		if len(msg) > 0 {
			other := append([]byte(nil), msg...)
			other[0] ^= 1
			compareVerify(t, "message", pub, other, sig)
		}
		// S + l: the same scalar, not canonical (refused by both)
		compareVerify(t, "S + l", pub, msg, addL(t, sig))
		// another key's signature, the right key's with R and S swapped, empty and short signatures
		compareVerify(t, "other key", []byte(testKey(i+100).Public().(ed25519.PublicKey)), msg, sig)
		compareVerify(t, "swapped", pub, msg, append(append([]byte(nil), sig[32:]...), sig[:32]...))
		compareVerify(t, "short", pub, msg, sig[:63])
		compareVerify(t, "empty", pub, msg, nil)
	}
	if valid != 16 {
		t.Fatalf("%d of 16 valid signatures verified", valid)
	}
}

// addL returns sig with S replaced by S + l when that still fits in 253 bits (else sig unchanged).
func addL(t *testing.T, sig []byte) []byte {
	t.Helper()
	l, _ := hex.DecodeString("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010") // little endian
	out := append([]byte(nil), sig...)
	carry := 0
	for i := 0; i < 32; i++ {
		v := int(out[32+i]) + int(l[i]) + carry
		out[32+i] = byte(v)
		carry = v >> 8
	}
	if carry != 0 || out[63]&224 != 0 {
		return sig
	}
	return out
}

// Keys that are small-order points, the identity, non-canonical encodings (y ≥ p) and bytes that are
// not points, each with signatures whose R is [S]B (valid when [k]A is the identity) and random R.
func TestVerifyEd25519EdgeKeys(t *testing.T) {
	keys := []string{
		"0100000000000000000000000000000000000000000000000000000000000000", // identity
		"0000000000000000000000000000000000000000000000000000000000000000", // order 4
		"0000000000000000000000000000000000000000000000000000000000000080", // order 4, sign bit
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2 (y = -1)
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8, sign bit
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8, sign bit
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1 (non-canonical 1)
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p (non-canonical 0)
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // not on the curve or y ≥ p
		"0200000000000000000000000000000000000000000000000000000000000000", // y = 2: not on the curve
	}
	accepted := 0
	for _, k := range keys {
		pub, _ := hex.DecodeString(k)
		for s := 0; s < 8; s++ {
			var sb [32]byte
			sb[0] = byte(s)
			S, _ := new(edwards25519.Scalar).SetCanonicalBytes(sb[:])
			R := new(edwards25519.Point).ScalarBaseMult(S)
			sig := append(R.Bytes(), sb[:]...)
			if compareVerify(t, "small key, R = [S]B", pub, []byte("m"), sig) {
				accepted++
			}
			sig2 := append([]byte(nil), sig...)
			copy(sig2[:32], pub)
			compareVerify(t, "small key, R = A", pub, []byte("m"), sig2)
		}
	}
	// the identity key accepts R = [S]B for every S (cofactorless: [k]A is the identity); both agree
	if accepted < 8 {
		t.Fatalf("only %d small-key signatures were accepted: the edge cases do not reach acceptance", accepted)
	}
}

func FuzzVerifyEd25519(f *testing.F) {
	key := testKey(0)
	pub := []byte(key.Public().(ed25519.PublicKey))
	f.Add(pub, ed25519.Sign(key, []byte("seed")), []byte("seed"))
	f.Add(make([]byte, 32), make([]byte, 64), []byte{})
	f.Fuzz(func(t *testing.T, pub, sig, msg []byte) {
		if len(pub) != 32 {
			return
		}
		compareVerify(t, "fuzz", pub, msg, sig)
	})
}
