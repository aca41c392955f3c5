package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

func main() {
	s := []byte("hello")
	fmt.Println(hex.EncodeToString(s))
	e := base64.StdEncoding.EncodeToString(s)
	d, _ := base64.StdEncoding.DecodeString(e)
	fmt.Println(e, string(d))
	fmt.Printf("%x\n", sha256.Sum256(s))
}
