package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guardroom/guardroom/store"
)

// backupConfig is the [backup] table: guardroom serve's daily backup.
type backupConfig struct {
	At   string `toml:"at"`   // local time of day, "02:30" (or "02:30:15")
	Dir  string `toml:"dir"`  // where the backups go
	Keep int    `toml:"keep"` // how many of them stay (default defaultBackupKeep)
}

const defaultBackupKeep = 7

// backupSchedule is the [backup] table resolved: every day at a time of
// day (the service's local time), into dir, keeping the newest keep.
type backupSchedule struct {
	at   time.Duration // since midnight
	dir  string
	keep int
}

// parseBackupConfig checks the [backup] table of the config file named
// file; nil without one.
func parseBackupConfig(c backupConfig, file string) (*backupSchedule, error) {
	if c == (backupConfig{}) {
		return nil, nil
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("config file %s: [backup] "+format, append([]any{file}, a...)...)
	}
	if strings.TrimSpace(c.At) == "" {
		return nil, bad(`has no time: write at = "02:30" (the service's local time of day)`)
	}
	at, ok := parseTimeOfDay(strings.TrimSpace(c.At))
	if !ok {
		return nil, bad(`at %q is not a time of day: write at = "02:30" (hours 00-23, minutes 00-59)`, c.At)
	}
	if strings.TrimSpace(c.Dir) == "" {
		return nil, bad(`has no directory: write dir = "/var/backups/guardroom", apart from the data directory`)
	}
	if c.Keep < 0 {
		return nil, bad("keep %d is below zero: write keep = %d (how many backups stay), or leave it out for %d", c.Keep, defaultBackupKeep, defaultBackupKeep)
	}
	keep := c.Keep
	if keep == 0 {
		keep = defaultBackupKeep
	}
	dir := expandHome(strings.TrimSpace(c.Dir))
	if file != "" {
		dir = inDir(filepath.Dir(file), dir)
	}
	if !filepath.IsAbs(dir) {
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
	}
	return &backupSchedule{at: at, dir: dir, keep: keep}, nil
}

// parseTimeOfDay reads "HH:MM" or "HH:MM:SS".
func parseTimeOfDay(s string) (time.Duration, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	var d time.Duration
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		limit := []int{23, 59, 59}[i]
		if err != nil || len(p) != 2 || n < 0 || n > limit {
			return 0, false
		}
		d += time.Duration(n) * []time.Duration{time.Hour, time.Minute, time.Second}[i]
	}
	return d, true
}

// on returns the day's backup time on the day of t, in t's zone. On a
// day whose clock skips that time (DST starts), it is the same instant
// after the skip (02:30 becomes 03:30); on one where it comes twice (DST
// ends), time.Date takes the second: one backup a day either way.
func (b *backupSchedule) on(t time.Time, days int) time.Time {
	y, m, d := t.Date()
	h, rest := b.at/time.Hour, b.at%time.Hour
	return time.Date(y, m, d+days, int(h), int(rest/time.Minute), int(rest%time.Minute/time.Second), 0, t.Location())
}

// lastDue is the latest time a backup was due at or before now.
func (b *backupSchedule) lastDue(now time.Time) time.Time {
	if t := b.on(now, 0); !t.After(now) {
		return t
	}
	return b.on(now, -1)
}

// nextDue is the first time a backup is due after now.
func (b *backupSchedule) nextDue(now time.Time) time.Time {
	if t := b.on(now, 0); t.After(now) {
		return t
	}
	return b.on(now, 1)
}

// prepareDir makes the backup directory (0700) if missing, and refuses
// one that other users may write to: they could replace the backups.
func (b *backupSchedule) prepareDir() error {
	if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return fmt.Errorf("[backup] dir %s: %w", b.dir, err)
	}
	return b.checkDir()
}

// checkDir refuses a backup directory other users may write to. One that
// is missing or no directory passes: the service starts, and its runs
// fail, shown in status and the console, until the drive is back.
func (b *backupSchedule) checkDir() error {
	st, err := os.Stat(b.dir)
	switch {
	case err != nil, !st.IsDir():
		return nil
	case st.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("the backup directory %s can be written by other users (mode %04o), who could replace or remove the backups: run chmod 700 %s", b.dir, st.Mode().Perm(), b.dir)
	}
	return nil
}

// backupNameRE matches the backups the schedule makes, and only those:
// guardroom-20261207-023000.backup, a second in the same second -2.
var backupNameRE = regexp.MustCompile(`^guardroom-(\d{8}-\d{6})(?:-(\d+))?\.backup$`)

const backupNameTime = "20060102-150405"

// backupName is the n'th (from 1) name for a backup made at t.
func backupName(t time.Time, n int) string {
	if n <= 1 {
		return "guardroom-" + t.Format(backupNameTime) + ".backup"
	}
	return fmt.Sprintf("guardroom-%s-%d.backup", t.Format(backupNameTime), n)
}

// prune removes the schedule's backups in dir beyond the newest keep; other
// files stay. It returns the names removed.
func prune(dir string, keep int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type ours struct {
		name string
		at   string
		n    int
	}
	var list []ours
	for _, e := range entries {
		m := backupNameRE.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		list = append(list, ours{e.Name(), m[1], max(n, 1)})
	}
	slices.SortFunc(list, func(a, b ours) int { // newest first
		if c := strings.Compare(b.at, a.at); c != 0 {
			return c
		}
		return b.n - a.n
	})
	var removed []string
	var errs []error
	for _, o := range list[min(keep, len(list)):] {
		if err := os.Remove(filepath.Join(dir, o.name)); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, o.name)
	}
	return removed, errors.Join(errs...)
}

// backupScheduler makes the schedule's backups in the service.
type backupScheduler struct {
	sch *backupSchedule
	s   *store.Store
	key []byte
	log *slog.Logger
	now func() time.Time
	// wait returns a channel that fires after d (a test's clock makes it
	// fire at once).
	wait func(d time.Duration) <-chan time.Time
}

// backupActor is who makes the scheduled backups, in the action log.
const backupActor = "scheduled backup"

// maxBackupWait bounds a wait for the next backup: the clock is read
// again then, so a changed or suspended clock delays a backup by at most
// this much.
const maxBackupWait = time.Hour

// run makes a backup whenever one is due, until ctx ends: at start when
// the last one made is older than the last due time (the service was
// down then, catch up), then at each due time. A failed run is tried
// again at the next due time.
func (b *backupScheduler) run(ctx context.Context) {
	sys := b.s.Internal(backupActor)
	var tried time.Time // the due time of the last run
	for {
		now := b.now()
		due := b.sch.lastDue(now)
		st, err := b.s.BackupState(sys)
		if err != nil {
			b.log.Error("scheduled backup: read its state", "error", err.Error())
		}
		if err == nil && st.LastOK.Before(due) && !tried.Equal(due) {
			tried = due
			b.once(sys, due)
			continue
		}
		wait := min(b.sch.nextDue(now).Sub(now), maxBackupWait)
		select {
		case <-ctx.Done():
			return
		case <-b.wait(wait):
		}
	}
}

// once makes one backup due at due, logs it (the action log and the
// diagnostics) and prunes the older ones.
func (b *backupScheduler) once(sys store.Actor, due time.Time) {
	path, size, err := b.write(sys)
	if rerr := b.s.RecordBackupRun(sys, path, due, err); rerr != nil {
		b.log.Error("scheduled backup: record the run", "file", path, "error", rerr.Error())
	}
	if err != nil {
		b.log.Error("scheduled backup failed", "file", path, "due", due.Format(time.RFC3339), "error", err.Error())
		return
	}
	b.log.Info("scheduled backup written", "file", path, "bytes", size)
	removed, err := prune(b.sch.dir, b.sch.keep)
	for _, name := range removed {
		b.log.Info("old scheduled backup removed", "file", filepath.Join(b.sch.dir, name), "keep", b.sch.keep)
	}
	if err != nil {
		b.log.Error("scheduled backup: remove old ones", "error", err.Error())
	}
}

// write writes a backup into the directory under a new dated name, as
// guardroom backup writes its file: a temporary file, mode 0600, renamed
// when complete.
func (b *backupScheduler) write(sys store.Actor) (string, int64, error) {
	if err := b.sch.prepareDir(); err != nil {
		return "", 0, err // the error names the directory
	}
	now := b.now()
	var out *outputFile
	var path string
	for n := 1; out == nil; n++ {
		path = filepath.Join(b.sch.dir, backupName(now, n))
		if _, err := os.Lstat(path); err == nil {
			continue
		}
		o, err := createOutput(path, false)
		if err != nil {
			return path, 0, err
		}
		out = o
	}
	defer out.abort()
	if err := b.s.WriteBackup(sys, b.key, out.f); err != nil {
		return path, 0, err
	}
	size, err := out.commit()
	return path, size, err
}

// startBackups starts the [backup] schedule in the service, after
// checking its directory; the function returned stops it, waiting for a
// backup under way.
func (e *env) startBackups() (stop func(), err error) {
	sch := e.cfg.Backup
	if sch == nil {
		return func() {}, nil
	}
	if err := sch.checkDir(); err != nil {
		return nil, err
	}
	b := &backupScheduler{sch: sch, s: e.s, key: e.key, log: e.log(), now: time.Now, wait: time.After}
	ctx, cancel := context.WithCancel(context.WithoutCancel(e.ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.run(ctx)
	}()
	e.log().Info("backup schedule started", "at", fmtTimeOfDay(sch.at), "dir", sch.dir, "keep", sch.keep)
	return func() { cancel(); <-done }, nil
}

func fmtTimeOfDay(d time.Duration) string {
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(d).Format("15:04:05")
}

// backupStatus adds the backups' state to guardroom status: the last one
// made, and a failure until one succeeds; a schedule in the config whose
// last due backup is missing (no service made it) counts as one.
func (e *env) backupStatus(r *statusReport) error {
	st, err := e.s.BackupState(e.actor)
	if err != nil {
		return err
	}
	if !st.LastOK.IsZero() {
		r.LastBackup = &st.LastOK
	}
	if st.Failing() {
		r.BackupFailedSince, r.BackupProblem = &st.FailedSince, st.Problem
		return nil
	}
	if sch := e.cfg.Backup; sch != nil && e.service == nil {
		due := sch.lastDue(time.Now())
		if r.LastBackup == nil || r.LastBackup.Before(due) {
			r.BackupFailedSince, r.BackupProblem = &due, "missed: guardroom serve makes the [backup] backups, and it is not running"
		}
	}
	return nil
}
