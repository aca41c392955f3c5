package main

import (
	"bytes"
	"context"
	"crypto/mlkem"
	"crypto/sha3"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"structs"
	"sync/atomic"
	"unicode"
)

// wire is laid out as the platform's C ABI would (structs.HostLayout).
type wire struct {
	_     structs.HostLayout
	Tag   uint16
	Value int32
}

func main() {
	fmt.Printf("%x\n", sha3.Sum256([]byte("abc")))
	fmt.Printf("%x\n", sha3.SumSHAKE128([]byte("abc"), 8))

	var h hash.Hash = sha3.New224()
	io.WriteString(h, "ab")
	io.WriteString(h, "c")
	fmt.Printf("%x %d\n", h.Sum(nil), h.Size())

	x := sha3.NewSHAKE256()
	x.Write([]byte("abc"))
	out := make([]byte, 6)
	x.Read(out)
	fmt.Printf("%x\n", out)

	dk, err := mlkem.GenerateKey768()
	if err != nil {
		panic(err)
	}
	ek := dk.EncapsulationKey()
	shared, ciphertext := ek.Encapsulate()
	got, err := dk.Decapsulate(ciphertext)
	fmt.Println(err, bytes.Equal(shared, got), len(shared) == mlkem.SharedKeySize,
		len(ciphertext) == mlkem.CiphertextSize768, len(ek.Bytes()) == mlkem.EncapsulationKeySize768)

	w := wire{Tag: 7, Value: -1}
	fmt.Println(w.Tag, w.Value)

	var flags uint32 = 0b1010
	old := atomic.OrUint32(&flags, 0b0101)
	fmt.Printf("%04b %04b\n", old, flags)
	atomic.AndUint32(&flags, 0b0011)
	fmt.Printf("%04b\n", flags)

	fmt.Println(unicode.Is(unicode.Cn, 0x0378), unicode.Is(unicode.Cn, 'a'))

	logger := slog.New(slog.DiscardHandler)
	logger.Info("never printed")
	fmt.Println(logger.Enabled(context.Background(), slog.LevelError))
}
