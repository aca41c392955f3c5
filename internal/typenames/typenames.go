// Package typenames rewrites the names of types and functions in a Go
// plugin file so that the package paths inside them read as package names.
//
// gc writes a type's name into the binary when it compiles the package.
// A named type reads "name.T" (the package's name), but the name of a
// generic instantiation spells its type arguments' package paths:
// `main.F[gk12/c3.foo]`, where `go run` prints `main.F[main.foo]` because
// a program's main package has the path "main". Function names (stack
// traces, runtime.FuncForPC, profiles) spell the path too. A notebook
// cell's package cannot have the path "main" (each plugin's packages need
// a path of their own, and gc names symbols by it), so the kernel builds
// the plugin with its own paths and then rewrites the names in the file,
// before it is loaded: each "path." of a cell package becomes "name.".
// Symbols and package paths (reflect's PkgPath) keep the path.
//
// A name is rewritten in place; it only gets shorter, so the rest of the
// data keeps its offsets. The runtime finds a type by its name with a
// binary search of the module's typelinks (reflect.PointerTo and friends
// look for an existing type first), so the typelinks are sorted again by
// the new names. The file must keep its symbol table (no -s), which says
// where the types, the typelinks, the pclntab and each type descriptor are.
package typenames

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The layout of a type descriptor (internal/abi.Type) on a 64-bit target:
// two uintptrs, Hash uint32, TFlag, Align, FieldAlign, Kind bytes, two
// pointers, then Str, the offset of its name from the module's types.
const (
	rtypeSize     = 48
	tflagOff      = 20
	strOff        = 40
	tflagExtraStr = 1 << 1 // the name has a leading '*' that String drops
	nameHasTag    = 1 << 1 // name flag bits: data follows the name's bytes
	nameHasPkg    = 1 << 2
)

// ErrNoSymbols says that the file has no symbol table to find its types
// by (it was linked with -s).
var ErrNoSymbols = errors.New("typenames: the file has no symbol table")

// Rewrite rewrites the plugin (or executable) file in place: in the name
// of every type and function, each occurrence of a key of names followed by "." (and
// not preceded by a character that continues a package path) is replaced
// by that key's value and the ".". It returns the number of names
// changed; when it changes none, the file is left as it was.
func Rewrite(file string, names map[string]string) (int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, fmt.Errorf("typenames: %w", err)
	}
	n, err := rewrite(data, names)
	if err != nil || n == 0 {
		return 0, err
	}
	fi, err := os.Stat(file)
	if err != nil {
		return 0, fmt.Errorf("typenames: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".typenames-*")
	if err != nil {
		return 0, fmt.Errorf("typenames: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), fi.Mode().Perm())); err != nil {
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("typenames: writing %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("typenames: %w", err)
	}
	return n, nil
}

// image is the loaded part of an ELF file that holds the type data: the
// bytes of one section and the address they are loaded at.
type image struct {
	data  []byte // the whole file
	sec   *elf.Section
	types uint64 // runtime.types: names and types are offsets from it
	end   uint64 // runtime.etypes
}

// at returns the file's bytes from the address a on, within the section.
func (im *image) at(a uint64) []byte {
	if a < im.sec.Addr || a >= im.sec.Addr+im.sec.Size {
		return nil
	}
	start := im.sec.Offset + (a - im.sec.Addr)
	return im.data[start : im.sec.Offset+im.sec.Size]
}

// name decodes the name record at offset off from types: the record
// (flags byte, varint length, bytes) and its bytes.
func (im *image) name(off int32) (record, s []byte, ok bool) {
	if off <= 0 || im.types+uint64(off) >= im.end {
		return nil, nil, false
	}
	b := im.at(im.types + uint64(off))
	if len(b) < 2 {
		return nil, nil, false
	}
	l, n := binary.Uvarint(b[1:])
	if n <= 0 || uint64(len(b)-1-n) < l {
		return nil, nil, false
	}
	end := 1 + n + int(l)
	return b[:end], b[1+n : end], true
}

func rewrite(data []byte, names map[string]string) (int, error) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return 0, fmt.Errorf("typenames: %w", err)
	}
	if f.Class != elf.ELFCLASS64 || f.ByteOrder != binary.LittleEndian {
		return 0, fmt.Errorf("typenames: %v %v files are not supported", f.Class, f.ByteOrder)
	}
	syms, err := f.Symbols()
	if err != nil {
		return 0, ErrNoSymbols
	}
	var types, etypes, typelink, pclntab *elf.Symbol
	for i := range syms {
		switch syms[i].Name {
		case "runtime.pclntab":
			pclntab = &syms[i]
		case "runtime.types":
			types = &syms[i]
		case "runtime.etypes":
			etypes = &syms[i]
		case "runtime.typelink":
			typelink = &syms[i]
		}
	}
	if types == nil || etypes == nil || typelink == nil || pclntab == nil {
		return 0, fmt.Errorf("typenames: no runtime.types, runtime.etypes, runtime.typelink or runtime.pclntab symbol")
	}
	im := &image{data: data, types: types.Value, end: etypes.Value}
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS && s.Addr <= types.Value && etypes.Value <= s.Addr+s.Size {
			im.sec = s
		}
	}
	if im.sec == nil {
		return 0, fmt.Errorf("typenames: no section holds the types")
	}

	// Every type descriptor is a symbol of its own ("type:..."); the name
	// of each is the record its Str points to. A pointer type shares its
	// element's record (the element's name is "*T" with the star flag),
	// so records are rewritten once each.
	done := map[int32]bool{}
	changed := 0
	for _, s := range syms {
		if !strings.HasPrefix(s.Name, "type:") || s.Size < rtypeSize || s.Value < im.types || s.Value+rtypeSize > im.end {
			continue
		}
		t := im.at(s.Value)
		if len(t) < rtypeSize {
			continue
		}
		off := int32(binary.LittleEndian.Uint32(t[strOff:]))
		if done[off] {
			continue
		}
		done[off] = true
		record, str, ok := im.name(off)
		if !ok || record[0]&(nameHasTag|nameHasPkg) != 0 {
			continue
		}
		repl, ok := replace(string(str), names)
		if !ok {
			continue
		}
		var hdr [binary.MaxVarintLen64]byte
		n := binary.PutUvarint(hdr[:], uint64(len(repl)))
		if 1+n+len(repl) > len(record) {
			continue // a name that would grow keeps its path
		}
		w := copy(record[1:], hdr[:n])
		w += copy(record[1+w:], repl)
		clear(record[1+w:])
		changed++
	}
	if changed > 0 {
		if err := sortTypelinks(im, typelink); err != nil {
			return 0, err
		}
	}
	funcs, err := rewriteFuncNames(f, data, pclntab.Value, names)
	if err != nil {
		return 0, err
	}
	return changed + funcs, nil
}

// rewriteFuncNames rewrites the function names of the module's pclntab
// (runtime.FuncForPC, stack traces, profiles): the names are NUL-ended
// strings, one per function, so a shorter name is written in place.
func rewriteFuncNames(f *elf.File, data []byte, pclntab uint64, names map[string]string) (int, error) {
	var sec *elf.Section
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS && s.Addr <= pclntab && pclntab < s.Addr+s.Size {
			sec = s
		}
	}
	if sec == nil {
		return 0, fmt.Errorf("typenames: no section holds the pclntab")
	}
	// The header (runtime.pcHeader): magic uint32, four bytes, nfunc,
	// nfiles, an unused word, then the offsets of the funcnametab and of
	// the cutab that follows it.
	hdr := data[sec.Offset+(pclntab-sec.Addr) : sec.Offset+sec.Size]
	if len(hdr) < 48 || hdr[7] != 8 || binary.LittleEndian.Uint32(hdr) != pclntabMagic {
		return 0, fmt.Errorf("typenames: the pclntab header is not go1.20's")
	}
	from, to := binary.LittleEndian.Uint64(hdr[32:]), binary.LittleEndian.Uint64(hdr[40:])
	if from > to || to > uint64(len(hdr)) {
		return 0, fmt.Errorf("typenames: the funcnametab is out of the pclntab")
	}
	tab := hdr[from:to]
	changed := 0
	for len(tab) > 0 {
		end := bytes.IndexByte(tab, 0)
		if end < 0 {
			break
		}
		if repl, ok := replace(string(tab[:end]), names); ok {
			n := copy(tab, repl)
			clear(tab[n:end])
			changed++
		}
		tab = tab[end+1:]
	}
	return changed, nil
}

// pclntabMagic is abi.Go120PCLnTabMagic, the pclntab's layout since go1.20.
const pclntabMagic = 0xfffffff1

// sortTypelinks sorts the module's typelinks (offsets of types from
// runtime.types) by the types' names, as the linker did before the names
// changed: reflect finds a type by its name with a binary search.
func sortTypelinks(im *image, typelink *elf.Symbol) error {
	b := im.at(typelink.Value)
	if uint64(len(b)) < typelink.Size || typelink.Size%4 != 0 {
		return fmt.Errorf("typenames: runtime.typelink is not in the types' section")
	}
	b = b[:typelink.Size]
	offs := make([]int32, len(b)/4)
	keys := make([]string, len(offs))
	for i := range offs {
		offs[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		t := im.at(im.types + uint64(offs[i]))
		if len(t) < rtypeSize {
			return fmt.Errorf("typenames: typelink %d points outside the types", i)
		}
		_, s, ok := im.name(int32(binary.LittleEndian.Uint32(t[strOff:])))
		if !ok {
			return fmt.Errorf("typenames: typelink %d has no name", i)
		}
		if t[tflagOff]&tflagExtraStr != 0 && len(s) > 0 {
			s = s[1:]
		}
		keys[i] = string(s)
	}
	idx := make([]int, len(offs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return keys[idx[i]] < keys[idx[j]] })
	for i, k := range idx {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(offs[k]))
	}
	return nil
}

// replace rewrites each "path." of names in s that starts a package path
// (the character before it cannot continue one) into "name.".
func replace(s string, names map[string]string) (string, bool) {
	var out strings.Builder
	changed := false
	for i := 0; i < len(s); {
		if i == 0 || !pathChar(s[i-1]) {
			best := ""
			for path := range names {
				if len(path) > len(best) && strings.HasPrefix(s[i:], path) && strings.HasPrefix(s[i+len(path):], ".") {
					best = path
				}
			}
			if best != "" {
				out.WriteString(names[best])
				i += len(best)
				changed = true
				continue
			}
		}
		out.WriteByte(s[i])
		i++
	}
	return out.String(), changed
}

// pathChar reports whether c can be part of a package path.
func pathChar(c byte) bool {
	return c == '/' || c == '.' || c == '-' || c == '_' || c == '~' || c == '+' ||
		'0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80
}
