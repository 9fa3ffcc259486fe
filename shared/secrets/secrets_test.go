package secrets_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/actionservice/actionservice/local/moto/mototest"
	"github.com/actionservice/actionservice/shared/secrets"
	"github.com/actionservice/actionservice/shared/store"
)

var _ store.Sealer = (*secrets.LocalKey)(nil)
var _ store.Sealer = (*secrets.KMSEnvelope)(nil)

func exercise(t *testing.T, s store.Sealer) {
	t.Helper()
	ctx := context.Background()
	plain := []byte(`{"name":"TestDom","password":"hunter2"}`)
	sealed, err := s.Seal(ctx, plain, []byte("ticket-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("hunter2")) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := s.Open(ctx, sealed, []byte("ticket-1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("round trip: %q %v", got, err)
	}
	if _, err := s.Open(ctx, sealed, []byte("ticket-2")); err == nil {
		t.Error("a value sealed for one ticket opened for another")
	}
	bad := bytes.Clone(sealed)
	bad[len(bad)-1] ^= 1
	if _, err := s.Open(ctx, bad, []byte("ticket-1")); !errors.Is(err, secrets.ErrTampered) {
		t.Errorf("tampered value: %v", err)
	}
}

func TestLocalKeyFileIsCreatedOnceAndSeals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir", "params.key")
	k, err := secrets.LocalKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	exercise(t, k)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	sealed, _ := k.Seal(context.Background(), []byte("x"), []byte("t"))
	again, err := secrets.LocalKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open(context.Background(), sealed, []byte("t")); err != nil || string(got) != "x" {
		t.Errorf("reopened key cannot open: %v", err)
	}
	other, _ := secrets.LocalKeyFile(filepath.Join(t.TempDir(), "other.key"))
	if _, err := other.Open(context.Background(), sealed, []byte("t")); !errors.Is(err, secrets.ErrTampered) {
		t.Errorf("another key opened it: %v", err)
	}
}

func TestBrokenKeyFileIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.key")
	_ = os.WriteFile(path, []byte("not hex"), 0o600)
	if _, err := secrets.LocalKeyFile(path); err == nil {
		t.Error("accepted a broken key file")
	}
}

func TestKMSEnvelopeSealsWithDataKeysFromKMS(t *testing.T) {
	m := mototest.ForTest(t)
	client := kms.New(kms.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(m.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	key, err := client.CreateKey(context.Background(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	exercise(t, &secrets.KMSEnvelope{KMS: client, KeyID: aws.ToString(key.KeyMetadata.KeyId)})
}
