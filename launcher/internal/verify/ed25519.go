package verify

import (
	"bytes"
	"crypto/sha512"

	"filippo.io/edwards25519"
)

// verifyEd25519 is crypto/ed25519.Verify (RFC 8032, cofactorless, as Go decides it) without its
// per-process cost. The standard library computes [k](-A) + [S]B with VarTimeDoubleScalarBaseMult,
// whose first call in a process builds a 64-point table of multiples of the base point: about 0.3 ms,
// more than the rest of the check, paid on every launch because a launcher verifies exactly once.
// Here the same sum is computed by VarTimeMultiScalarMult, which builds only two 8-point tables per
// call. Every step and every refusal is the standard library's, in its order:
//
//  1. the key is 32 bytes and the signature 64 bytes, with the top three bits of S clear;
//  2. the key decodes to a curve point (the same decoder: edwards25519 is the module Go's copy comes from);
//  3. k = SHA-512(R || A || message) reduced mod l;
//  4. S is canonical (S < l);
//  5. the encoding of [k](-A) + [S]B equals R byte for byte.
//
// TestVerifyEd25519MatchesStdlib and FuzzVerifyEd25519 compare both on valid, altered and malformed
// signatures and keys (docs/launcher.md, "Warm start").
func verifyEd25519(publicKey, message, sig []byte) bool {
	if len(publicKey) != 32 || len(sig) != 64 || sig[63]&224 != 0 { // 1
		return false
	}
	A, err := new(edwards25519.Point).SetBytes(publicKey) // 2
	if err != nil {
		return false
	}
	h := sha512.New() // 3
	h.Write(sig[:32])
	h.Write(publicKey)
	h.Write(message)
	k, err := new(edwards25519.Scalar).SetUniformBytes(h.Sum(nil))
	if err != nil {
		return false
	}
	S, err := new(edwards25519.Scalar).SetCanonicalBytes(sig[32:]) // 4
	if err != nil {
		return false
	}
	minusA := new(edwards25519.Point).Negate(A) // 5
	R := new(edwards25519.Point).VarTimeMultiScalarMult(
		[]*edwards25519.Scalar{k, S},
		[]*edwards25519.Point{minusA, edwards25519.NewGeneratorPoint()},
	)
	return bytes.Equal(sig[:32], R.Bytes())
}
