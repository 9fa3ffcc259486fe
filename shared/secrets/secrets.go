// Package secrets seals action parameters before they are stored: AES-256-GCM under a data
// key. In AWS the data key comes from KMS (envelope encryption: a fresh data key per value,
// stored encrypted beside it); locally it is a key file that `make run` creates. The sealed
// value is bound to its ticket by the additional data, so it cannot be moved to another.
package secrets

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// ErrTampered: the sealed value was altered, belongs to another ticket, or was sealed with
// another key.
var ErrTampered = errors.New("sealed value cannot be opened: altered, misplaced or sealed with another key")

// Format bytes at the start of a sealed value.
const (
	formatLocal byte = 1
	formatKMS   byte = 2
)

func seal(key, plaintext, ad []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, plaintext, ad), nil
}

func open(key, sealed, ad []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, ErrTampered
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], ad)
	if err != nil {
		return nil, ErrTampered
	}
	return plain, nil
}

// LocalKey seals under one AES-256 key held in a file.
type LocalKey struct{ key []byte }

// LocalKeyFile reads the key file, creating it (mode 0600, 32 random bytes in hex) if absent.
func LocalKeyFile(path string) (*LocalKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create key directory: %w", err)
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write key file: %w", err)
		}
		return &LocalKey{key: key}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("key file %s must hold 32 bytes in hex", path)
	}
	return &LocalKey{key: key}, nil
}

// Seal encrypts plaintext bound to additionalData.
func (k *LocalKey) Seal(_ context.Context, plaintext, additionalData []byte) ([]byte, error) {
	out, err := seal(k.key, plaintext, additionalData)
	if err != nil {
		return nil, err
	}
	return append([]byte{formatLocal}, out...), nil
}

// Open decrypts a value sealed by Seal with the same additional data.
func (k *LocalKey) Open(_ context.Context, sealed, additionalData []byte) ([]byte, error) {
	if len(sealed) == 0 || sealed[0] != formatLocal {
		return nil, ErrTampered
	}
	return open(k.key, sealed[1:], additionalData)
}

// KMSClient is the part of the KMS API envelope encryption needs.
type KMSClient interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// KMSEnvelope seals each value under a fresh data key from KMS, stored encrypted with it.
type KMSEnvelope struct {
	KMS   KMSClient
	KeyID string
}

// Seal encrypts plaintext under a new data key; the encryption context names the data.
func (e *KMSEnvelope) Seal(ctx context.Context, plaintext, additionalData []byte) ([]byte, error) {
	dk, err := e.KMS.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(e.KeyID), KeySpec: types.DataKeySpecAes256,
		EncryptionContext: map[string]string{"ticket": string(additionalData)},
	})
	if err != nil {
		return nil, fmt.Errorf("kms data key: %w", err)
	}
	body, err := seal(dk.Plaintext, plaintext, additionalData)
	clear(dk.Plaintext)
	if err != nil {
		return nil, err
	}
	out := []byte{formatKMS}
	out = binary.BigEndian.AppendUint16(out, uint16(len(dk.CiphertextBlob)))
	out = append(out, dk.CiphertextBlob...)
	return append(out, body...), nil
}

// Open decrypts the data key with KMS, then the value.
func (e *KMSEnvelope) Open(ctx context.Context, sealed, additionalData []byte) ([]byte, error) {
	if len(sealed) < 3 || sealed[0] != formatKMS {
		return nil, ErrTampered
	}
	n := int(binary.BigEndian.Uint16(sealed[1:3]))
	if len(sealed) < 3+n {
		return nil, ErrTampered
	}
	dk, err := e.KMS.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob:    sealed[3 : 3+n],
		EncryptionContext: map[string]string{"ticket": string(additionalData)},
	})
	if err != nil {
		return nil, fmt.Errorf("kms decrypt data key: %w", err)
	}
	defer clear(dk.Plaintext)
	return open(dk.Plaintext, sealed[3+n:], additionalData)
}
