package payload

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"io"

	"flavorpack.dev/launcher/internal/errs"
)

// Streaming AES-256-GCM of encrypted slots (chain op 0x4F): the STREAM construction of
// src/payload/encrypted.ts, byte for byte (docs/format.md, "Encrypted slots"):
//
//	header  = F0 9F 94 92 | version 1 | 3 zero bytes | chunk_size u32 LE | salt (32) | key_check (16)
//	derived = HKDF-SHA256(key, salt, "flavorpack aes256-gcm stream v1" ‖ 0x00 ‖ slot id) → 55 bytes:
//	          subkey (32) | nonce_prefix (7) | key_check (16)
//	chunk i = AES-256-GCM(subkey, nonce_prefix ‖ i (u32 BE) ‖ last (0|1), aad = header)
const (
	EncryptedHeaderBytes = 60
	minChunkBytes        = 16
	maxChunkBytes        = 16 << 20
	tagBytes             = 16
	encryptionInfo       = "flavorpack aes256-gcm stream v1"
)

var encryptionMagic = []byte{0xF0, 0x9F, 0x94, 0x92}

// openedHeader is a checked header with the keys derived from it.
type openedHeader struct {
	aead        cipher.AEAD
	noncePrefix []byte
	chunkSize   int
	header      []byte
}

func decryptFailed(format string, args ...any) *errs.Error {
	return errs.New(errs.SlotDecryptFailed, format, args...).
		WithHint("the encrypted slot is damaged, truncated or reordered; get the package again from its publisher")
}

// CheckKey checks an encrypted slot's header and the key against its key check value, in the order
// src/payload/encrypted.ts uses: length, magic, version, reserved bytes, chunk size
// (SLOT_DECRYPT_FAILED), then the key (SLOT_KEY_WRONG).
func CheckKey(header, key []byte, slotID string) error {
	_, err := openHeader(header, key, slotID)
	return err
}

func openHeader(h, key []byte, slotID string) (*openedHeader, error) {
	if len(key) != SlotKeyBytes {
		return nil, errs.New(errs.SlotKeyInvalid, "a slot key is %d bytes, not %d", SlotKeyBytes, len(key))
	}
	if len(h) < EncryptedHeaderBytes {
		return nil, decryptFailed("encrypted slot is truncated: %d bytes, the header alone is %d", len(h), EncryptedHeaderBytes)
	}
	if !bytes.Equal(h[:4], encryptionMagic) {
		return nil, decryptFailed("encrypted slot does not start with the encryption header magic")
	}
	if h[4] != 1 {
		return nil, decryptFailed("unsupported encryption header version %d", h[4])
	}
	if h[5] != 0 || h[6] != 0 || h[7] != 0 {
		return nil, decryptFailed("reserved encryption header bytes are not zero")
	}
	chunk := binary.LittleEndian.Uint32(h[8:12])
	if chunk < minChunkBytes || chunk > maxChunkBytes {
		return nil, decryptFailed("encryption chunk size %d is outside %d..%d", chunk, minChunkBytes, maxChunkBytes)
	}
	info := encryptionInfo + "\x00" + slotID
	okm, err := hkdf.Key(sha256.New, key, h[12:44], info, 55)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "key derivation failed")
	}
	if subtle.ConstantTimeCompare(okm[39:55], h[44:60]) != 1 {
		return nil, errs.New(errs.SlotKeyWrong, "the key does not open slot %q", slotID).
			WithHint("use the key the package was built with (check the key source the slot names)")
	}
	block, err := aes.NewCipher(okm[:32])
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "aes")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "gcm")
	}
	return &openedHeader{aead: aead, noncePrefix: okm[32:39], chunkSize: int(chunk), header: append([]byte(nil), h[:EncryptedHeaderBytes]...)}, nil
}

// decryptReader yields the plaintext of an encrypted slot chunk by chunk, each only after it authenticated.
type decryptReader struct {
	r       io.Reader
	h       *openedHeader
	index   uint64
	cur     []byte // the sealed chunk read ahead
	out     []byte // plaintext not yet returned
	done    bool
	err     error
	scratch []byte
	bufs    [2][]byte // the sealed chunk being opened and the one read ahead, reused in turn
	turn    int
}

// Decrypt returns a reader of the plaintext of the encrypted slot stream r (header and chunks).
// A key that does not match the header fails here (SLOT_KEY_WRONG) before any byte is produced; a
// damaged, truncated, reordered or extended stream fails while reading (SLOT_DECRYPT_FAILED).
func Decrypt(r io.Reader, key []byte, slotID string) (io.Reader, error) {
	hdr := make([]byte, EncryptedHeaderBytes)
	n, err := io.ReadFull(r, hdr)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, errs.Wrap(errs.IOError, err, "failed to read the encrypted slot")
	}
	h, err := openHeader(hdr[:n], key, slotID)
	if err != nil {
		return nil, err
	}
	d := &decryptReader{r: r, h: h}
	if d.cur, err = d.readSealed(); err != nil {
		return nil, err
	}
	return d, nil
}

// readSealed reads one sealed chunk: chunk_size+16 bytes, or fewer at the end of the stream.
func (d *decryptReader) readSealed() ([]byte, error) {
	d.turn ^= 1
	if d.bufs[d.turn] == nil {
		d.bufs[d.turn] = make([]byte, d.h.chunkSize+tagBytes)
	}
	buf := d.bufs[d.turn]
	n, err := io.ReadFull(d.r, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, errs.Wrap(errs.IOError, err, "failed to read the encrypted slot")
	}
	return buf[:n], nil
}

func (d *decryptReader) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		if d.done {
			return 0, io.EOF
		}
		d.err = d.next()
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// next opens the read-ahead chunk, knowing from the following read whether it is the last.
func (d *decryptReader) next() error {
	sealed := d.cur
	var following []byte
	if len(sealed) == d.h.chunkSize+tagBytes {
		var err error
		if following, err = d.readSealed(); err != nil {
			return err
		}
	}
	last := len(following) == 0
	if d.index >= 1<<32 {
		return decryptFailed("encrypted slot has more chunks than the format allows")
	}
	if len(sealed) < tagBytes {
		return decryptFailed("encrypted slot is truncated: chunk %d is %d bytes, shorter than its tag", d.index, len(sealed))
	}
	nonce := make([]byte, 12)
	copy(nonce, d.h.noncePrefix)
	binary.BigEndian.PutUint32(nonce[7:11], uint32(d.index))
	if last {
		nonce[11] = 1
	}
	plain, err := d.h.aead.Open(d.scratch[:0], nonce, sealed, d.h.header)
	if err != nil {
		return decryptFailed("encrypted chunk %d failed authentication (the slot was modified, truncated, reordered or extended)", d.index)
	}
	d.scratch = plain
	d.out = plain
	d.index++
	d.cur = following
	d.done = last
	return nil
}
