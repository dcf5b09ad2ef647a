package payload

// BenchmarkDecrypt measures the launcher's slot decryption (payload.Decrypt) over a 64 MiB slot in the
// builder's 64 KiB chunks. The stream is sealed here by sealStream, a test-only writer of the format of
// src/payload/encrypted.ts (the shared vectors check the two implementations agree).

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
)

func sealStream(tb testing.TB, key, plain []byte, slotID string, chunk int) []byte {
	salt := sha256.Sum256(append([]byte("test salt "), plain[:min(len(plain), 64)]...))
	okm, err := hkdf.Key(sha256.New, key, salt[:], encryptionInfo+"\x00"+slotID, 55)
	if err != nil {
		tb.Fatal(err)
	}
	h := make([]byte, EncryptedHeaderBytes)
	copy(h, encryptionMagic)
	h[4] = 1
	binary.LittleEndian.PutUint32(h[8:12], uint32(chunk))
	copy(h[12:44], salt[:])
	copy(h[44:60], okm[39:55])
	block, _ := aes.NewCipher(okm[:32])
	aead, _ := cipher.NewGCM(block)
	out := append([]byte(nil), h...)
	for i := 0; ; i++ {
		end := min((i+1)*chunk, len(plain))
		last := end == len(plain)
		nonce := make([]byte, 12)
		copy(nonce, okm[32:39])
		binary.BigEndian.PutUint32(nonce[7:11], uint32(i))
		if last {
			nonce[11] = 1
		}
		out = aead.Seal(out, nonce, plain[i*chunk:end], h)
		if last {
			return out
		}
	}
}

func TestSealStreamRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	for _, n := range []int{0, 1, 64, 65, 200} {
		plain := bytes.Repeat([]byte{byte(n)}, n)
		r, err := Decrypt(bytes.NewReader(sealStream(t, key, plain, "s", 64)), key, "s")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%d bytes: got %d bytes, %v", n, len(got), err)
		}
	}
}

func BenchmarkDecrypt(b *testing.B) {
	key := bytes.Repeat([]byte{7}, 32)
	plain := make([]byte, 64<<20)
	for i := range plain {
		plain[i] = byte(i * 31)
	}
	sealed := sealStream(b, key, plain, "bench", 64<<10)
	b.SetBytes(int64(len(plain)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Decrypt(bytes.NewReader(sealed), key, "bench")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzDecrypt: any stored bytes give the plaintext or a coded error (SLOT_DECRYPT_FAILED, SLOT_KEY_WRONG),
// never a panic or an untyped error.
func FuzzDecrypt(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	f.Add(sealStream(f, key, []byte("hello, encrypted world: three chunks of sixteen"), "s", 16))
	f.Add(sealStream(f, key, nil, "s", 16))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, stored []byte) {
		r, err := Decrypt(bytes.NewReader(stored), key, "s")
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
		if err != nil {
			if code := errs.CodeOf(err); code != errs.SlotDecryptFailed && code != errs.SlotKeyWrong {
				t.Fatalf("untyped or unexpected error %v [%s]", err, code)
			}
		}
	})
}
