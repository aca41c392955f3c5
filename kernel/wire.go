// Package kernel implements the Jupyter messaging protocol (version 5.3) over
// ZeroMQ: the five sockets, message signing, and the request handlers. It
// evaluates nothing itself: cells go to an Engine.
package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"
)

// ProtocolVersion is the messaging spec version this kernel speaks.
const ProtocolVersion = "5.3"

// delimiter separates routing identities from the message proper.
var delimiter = []byte("<IDS|MSG>")

// Header is a message header (and a parent header).
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one decoded Jupyter message. Content stays raw until a handler
// decodes it into the typed struct of its message type.
type Message struct {
	Identities   [][]byte
	Header       Header
	ParentHeader json.RawMessage
	Metadata     json.RawMessage
	Content      json.RawMessage
	Buffers      [][]byte
}

// Limits bound what the decoder accepts, so a hostile or broken client can
// not make the kernel allocate without limit.
type Limits struct {
	MaxIdentities int
	MaxFrameBytes int
	MaxBuffers    int
}

// DefaultLimits are generous for notebooks and small for attackers.
func DefaultLimits() Limits {
	return Limits{MaxIdentities: 16, MaxFrameBytes: 64 << 20, MaxBuffers: 64}
}

// Errors the decoder returns; the server logs them and drops the message.
var (
	ErrNoDelimiter  = errors.New("no <IDS|MSG> delimiter")
	ErrShortMessage = errors.New("fewer than 5 frames after the delimiter")
	ErrBadSignature = errors.New("invalid signature")
	ErrReplayed     = errors.New("replayed signature")
	ErrTooLarge     = errors.New("message exceeds limits")
)

// Signer signs and verifies messages with HMAC-SHA256 and remembers recent
// signatures so a captured message cannot be played back.
type Signer struct {
	key []byte
	// pool avoids allocating an HMAC per message on the hot path.
	pool sync.Pool

	mu sync.Mutex
	// seen holds the first 8 bytes of the last maxSeen verified MACs, and
	// recent the same keys in arrival order (a ring: next is the oldest
	// once full). 8 bytes suffice: keys are only compared with MACs that
	// verified, which a sender without the key cannot choose, and a false
	// "replayed" among 65,536 keys has odds of 2^-48. A full digest as a
	// string in a map and a list cost ~150 bytes per message; this ~25.
	seen    map[uint64]struct{}
	recent  []uint64
	next    int
	maxSeen int
}

// NewSigner returns a signer for key that refuses a replay of any of the
// last history verified messages. An empty key means messages are neither
// signed nor checked, as the spec says.
func NewSigner(key []byte, history int) *Signer {
	s := &Signer{key: append([]byte(nil), key...), seen: map[uint64]struct{}{}, maxSeen: max(history, 1)}
	s.pool.New = func() any { return hmac.New(sha256.New, s.key) }
	return s
}

// Enabled reports whether messages are signed.
func (s *Signer) Enabled() bool { return len(s.key) > 0 }

// mac returns the raw HMAC of the four signed frames.
func (s *Signer) mac(frames [4][]byte) []byte {
	h := s.pool.Get().(hash.Hash)
	h.Reset()
	for _, f := range frames {
		h.Write(f)
	}
	sum := h.Sum(nil)
	s.pool.Put(h)
	return sum
}

// Sign returns the hex HMAC of the four signed frames.
func (s *Signer) Sign(frames [4][]byte) []byte {
	if !s.Enabled() {
		return nil
	}
	sum := s.mac(frames)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// Verify checks sig in constant time and rejects a signature seen before.
func (s *Signer) Verify(sig []byte, frames [4][]byte) error {
	if !s.Enabled() {
		return nil
	}
	sum := s.mac(frames)
	want := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(want, sum)
	if !hmac.Equal(want, sig) {
		return ErrBadSignature
	}
	k := binary.LittleEndian.Uint64(sum)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.seen[k]; dup {
		return ErrReplayed
	}
	s.seen[k] = struct{}{}
	if len(s.recent) < s.maxSeen {
		s.recent = append(s.recent, k)
		return nil
	}
	delete(s.seen, s.recent[s.next])
	s.recent[s.next] = k
	s.next = (s.next + 1) % s.maxSeen
	return nil
}

// Decode parses the frames of one message, checking bounds and signature.
func Decode(frames [][]byte, s *Signer, lim Limits) (*Message, error) {
	total := 0
	for _, f := range frames {
		total += len(f)
		if len(f) > lim.MaxFrameBytes {
			return nil, fmt.Errorf("%w: a frame of %d bytes", ErrTooLarge, len(f))
		}
	}
	delim := -1
	for i, f := range frames {
		if bytes.Equal(f, delimiter) {
			delim = i
			break
		}
	}
	if delim < 0 {
		return nil, ErrNoDelimiter
	}
	if delim > lim.MaxIdentities {
		return nil, fmt.Errorf("%w: %d routing identities", ErrTooLarge, delim)
	}
	rest := frames[delim+1:]
	if len(rest) < 5 {
		return nil, fmt.Errorf("%w: got %d", ErrShortMessage, len(rest))
	}
	if len(rest)-5 > lim.MaxBuffers {
		return nil, fmt.Errorf("%w: %d buffers", ErrTooLarge, len(rest)-5)
	}
	signed := [4][]byte{rest[1], rest[2], rest[3], rest[4]}
	if err := s.Verify(rest[0], signed); err != nil {
		return nil, err
	}
	m := &Message{}
	for _, id := range frames[:delim] {
		m.Identities = append(m.Identities, append([]byte(nil), id...))
	}
	if err := json.Unmarshal(rest[1], &m.Header); err != nil {
		return nil, fmt.Errorf("decoding header: %w", err)
	}
	if m.Header.MsgType == "" {
		return nil, errors.New("header has no msg_type")
	}
	m.ParentHeader = validJSONObject(rest[2])
	m.Metadata = validJSONObject(rest[3])
	if !json.Valid(rest[4]) {
		return nil, errors.New("content is not valid JSON")
	}
	m.Content = append(json.RawMessage(nil), rest[4]...)
	for _, b := range rest[5:] {
		m.Buffers = append(m.Buffers, append([]byte(nil), b...))
	}
	return m, nil
}

func validJSONObject(b []byte) json.RawMessage {
	if len(bytes.TrimSpace(b)) == 0 || !json.Valid(b) {
		return json.RawMessage("{}")
	}
	return append(json.RawMessage(nil), b...)
}

// Encode builds the frames of a message to send: identities, delimiter,
// signature, header, parent header, metadata, content.
func Encode(identities [][]byte, header Header, parent json.RawMessage, metadata any, content any, s *Signer) ([][]byte, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return nil, fmt.Errorf("encoding header: %w", err)
	}
	if len(parent) == 0 {
		parent = json.RawMessage("{}")
	}
	if metadata == nil {
		metadata = struct{}{}
	}
	md, err := json.Marshal(metadata)
	if err != nil {
		return nil, fmt.Errorf("encoding metadata: %w", err)
	}
	c, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("encoding %s content: %w", header.MsgType, err)
	}
	frames := make([][]byte, 0, len(identities)+6)
	frames = append(frames, identities...)
	frames = append(frames, delimiter, s.Sign([4][]byte{h, parent, md, c}), h, parent, md, c)
	return frames, nil
}

// newID returns a random message id in the uuid4 text form clients expect.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// now formats the current time as the ISO 8601 the spec asks for.
func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000000Z") }
