package detect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultMaxFileSize is the size cap of Scan: a WindowsUpdate.log rolls
// over long before it, and an archive or disk image named *.log must not
// cost minutes.
const DefaultMaxFileSize = 256 << 20

// Scanner scans files and directories. Its zero value is ready for use.
type Scanner struct {
	// MaxFileSize skips larger files; 0 means DefaultMaxFileSize.
	MaxFileSize int64
}

// Scan scans paths with a zero Scanner; see Scanner.Scan.
func Scan(paths []string) (*Report, error) {
	var s Scanner
	return s.Scan(context.Background(), paths)
}

// Scan walks paths (files and directories, recursively; directories whose
// names start with "." below a named one are not entered) and parses every
// regular text file, then correlates all of them
// with Analyze. A symbolic link named in paths is followed; one met while
// walking is not, so that a tree is scanned once. Files that are not
// regular, too large, binary or of no known kind are listed in the Report
// as skipped; when every file was skipped, or there was none, Report.Read
// is 0 and ExitCode says ExitError. A path that cannot be read is an
// error, since a silent gap would read as "not found".
func (s *Scanner) Scan(ctx context.Context, paths []string) (*Report, error) {
	if len(paths) == 0 {
		return nil, errors.New("detect: no paths to scan")
	}
	var logs []*Log
	var skipped []File
	seen := make(map[string]bool)
	visit := func(path string, regular bool) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("detect: scan: %w", err)
		}
		clean := filepath.Clean(path)
		if seen[clean] {
			return nil
		}
		seen[clean] = true
		if !regular {
			skipped = append(skipped, File{Path: path, Kind: KindUnknown, Skipped: "not a regular file"})
			return nil
		}
		l, skip, err := s.scanFile(path)
		switch {
		case err != nil:
			return err
		case skip != nil:
			skipped = append(skipped, *skip)
		default:
			logs = append(logs, l)
		}
		return nil
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("detect: %w", err)
		}
		if !fi.IsDir() {
			if err := visit(p, fi.Mode().IsRegular()); err != nil {
				return nil, err
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("detect: %w", err)
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			return visit(path, d.Type().IsRegular())
		})
		if err != nil {
			return nil, err
		}
	}
	r := Analyze(logs)
	r.Files = append(r.Files, skipped...)
	sortFiles(r.Files)
	return r, nil
}

// scanFile sniffs and parses one regular file; skip is set when the file is
// not a log.
func (s *Scanner) scanFile(path string) (*Log, *File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("detect: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("detect: %w", err)
	}
	limit := s.MaxFileSize
	if limit <= 0 {
		limit = DefaultMaxFileSize
	}
	if fi.Size() > limit {
		return nil, &File{Path: path, Kind: KindUnknown, Size: fi.Size(), Skipped: fmt.Sprintf("larger than %d bytes", limit)}, nil
	}
	head := make([]byte, sniffHeadSize)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, nil, fmt.Errorf("detect: read %s: %w", path, err)
	}
	head = head[:n]
	if isBinary(head) {
		return nil, &File{Path: path, Kind: KindUnknown, Size: fi.Size(), Skipped: "binary"}, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, nil, fmt.Errorf("detect: %w", err)
	}
	// Every text file is read, whatever its name or head: the signature
	// is pasted into mails, tickets and notes, with or without the log's
	// columns, and one line of it may sit anywhere. Both rules run on
	// every file, and the rule that does not apply costs nothing on a
	// line it cannot parse. The file may grow while we read it (a live
	// log); read what the size cap allows.
	l, err := ParseLog(io.LimitReader(f, limit), path)
	if err != nil {
		return nil, nil, err
	}
	return l, nil, nil
}

// isBinary reports a NUL byte in the head, after UTF-16 decoding.
func isBinary(head []byte) bool {
	if e := sniffEncoding(head); e != encUTF8 && e != encUTF8BOM {
		var buf bytes.Buffer
		lr := newLineReader(bytes.NewReader(head))
		for {
			line, ok := lr.next()
			if !ok {
				break
			}
			buf.Write(line)
		}
		head = buf.Bytes()
	}
	return bytes.IndexByte(head, 0) >= 0
}

func sortFiles(fs []File) {
	slices.SortFunc(fs, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
}
