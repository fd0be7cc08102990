package store

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/family"
)

// TestJobRecordRoundTrip: every field of a job comes back from its
// binary record as it went in.
func TestJobRecordRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 3000 {
		j := Job{
			Seq: rng.Uint64N(1 << 40), Kind: JobKind(randomString(rng)), Op: JobOp(randomString(rng)), Panel: rng.Uint64N(3),
			Slot: rng.IntN(3), Code: randomString(rng), Role: family.Role(randomString(rng)), Label: randomString(rng),
			Partitions: PartitionSet(rng.Uint64() >> rng.IntN(65)), Created: time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)),
			State: JobState(randomString(rng)), Attempts: rng.IntN(3), LastError: randomString(rng), Log: rng.Uint64N(3),
			Partition: rng.IntN(3), Mode: ArmMode(randomString(rng)), By: randomString(rng),
			Lock: rng.Uint64N(3), LockNo: rng.IntN(3), Tag: randomString(rng), Unit: rng.Uint64N(3),
		}
		if rng.IntN(2) == 0 {
			j.NextTry = time.Unix(rng.Int64N(4e9), 0)
		}
		if rng.IntN(3) == 0 {
			j.Mail = &Mail{To: randomString(rng), Subject: randomString(rng), Body: randomString(rng)}
		}
		for range rng.IntN(3) {
			j.Steps = append(j.Steps, randomString(rng))
		}
		var got Job
		if err := decodeJob(encodeJob(&j), &got); err != nil {
			t.Fatalf("job %d: %v", i, err)
		}
		if !got.Created.Equal(j.Created) || !got.NextTry.Equal(j.NextTry) {
			t.Fatalf("job %d: times %v %v, want %v %v", i, got.Created, got.NextTry, j.Created, j.NextTry)
		}
		got.Created, got.NextTry, j.Created, j.NextTry = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, j) {
			t.Fatalf("job %d:\n got %#v\nwant %#v", i, got, j)
		}
	}
	for _, bad := range [][]byte{nil, {9}, {jobRecordV1, 0xff}} {
		if err := decodeJob(bad, new(Job)); err == nil {
			t.Errorf("%x decoded", bad)
		}
	}
}

// TestJobsWrittenByAnEarlierBuild: the outbox of a database written before
// jobs were stored in binary under their state index holds JSON records
// in the outbox; once opened, the dispatcher, the job list and a later
// change (which supersedes a failed job) read them, and every job is in
// binary.
func TestJobsWrittenByAnEarlierBuild(t *testing.T) {
	f := newFx(t)
	sys := f.s.Internal("dispatch")
	p := f.panel("neo-hs2016")
	f.setCode(p, 2, "4829")
	f.setCode(p, 3, "5937")
	asEarlierBuild(t, f.s.db, "2") // what the earlier build wrote
	if err := f.s.load(nil); err != nil {
		t.Fatal(err)
	}
	due, err := f.s.DueJobs(sys, 0)
	if err != nil || len(due) != 2 || due[0].Code != "4829" || due[1].Slot != 3 {
		t.Fatalf("due %v, %v", due, err)
	}
	if err := f.s.FinishJob(sys, due[0].Seq, JobResult{Driver: "sim", Err: "refused", Permanent: true}); err != nil {
		t.Fatal(err)
	}
	// A new code supersedes the failed job: cancelled, read from JSON.
	if err := f.s.EditCode(f.admin, p.ID, 2, "6150"); err != nil {
		t.Fatal(err)
	}
	jobs, err := f.s.ListJobs(f.admin, JobFilter{})
	if err != nil || len(jobs) != 3 || jobs[0].State != JobCancelled || jobs[1].State != JobPending || jobs[1].Code != "" {
		t.Fatalf("jobs %v, %v", jobs, err)
	}
	if err := f.s.FinishJob(sys, due[1].Seq, JobResult{Driver: "sim", Verified: true}); err != nil {
		t.Fatal(err)
	}
	if u := f.user(p, 3); u.Sync.State != SyncInSync {
		t.Errorf("user 3 %v", u.Sync)
	}
	for _, j := range f.rawJobs() {
		if j.Seq == due[0].Seq && j.State != JobCancelled || j.Seq == due[1].Seq && j.State != JobDone {
			t.Errorf("job %v", j)
		}
	}
	err = f.s.db.View(func(txn *badger.Txn) error {
		return scanJobRecords(txn, func(v []byte) error {
			if v[0] != jobRecordV1 {
				t.Errorf("job not rewritten in binary: %q", v)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}
