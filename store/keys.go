package store

import "encoding/binary"

// Key families. Numbers are big-endian so prefix scans come out sorted.
var (
	pMeta     = []byte("meta/")
	pUnit     = []byte("unit/")
	pOperator = []byte("op/")
	pPanel    = []byte("panel/")
	pUser     = []byte("puser/")
	pPart     = []byte("part/")
	pAccount  = []byte("acct/")
	pLock     = []byte("lock/")
	pTag      = []byte("tag/")
	pLog      = []byte("log/")
	pOutbox   = []byte("outbox/")
	pDrift    = []byte("drift/")
	pRole     = []byte("role/")
	// pCmdNo holds each panel's command counter: cmdno/<panel> → the last
	// number reserved (uint64).
	pCmdNo = []byte("cmdno/")
	// pNotice holds security notices until their operator has seen them:
	// notice/<username>/0/<seq>.
	pNotice = []byte("notice/")
	// pPerson holds the people who open doors (issue 7): person/<id>.
	pPerson = []byte("person/")
	// pEnginePerson holds each person as the access engine reads them, in
	// binary, written with the person (access_snapshot.go):
	// engine/person/<id>.
	pEnginePerson = []byte("engine/person/")
	// The access configuration (access_config.go), by uint32 ID.
	pProfile     = []byte("sched/")
	pDoorGroup   = []byte("doorgrp/")
	pDoor        = []byte("door/")
	pAccessGroup = []byte("agroup/")
	pLevel       = []byte("level/")
	// pApartment holds the apartments (access_apartments.go), by uint32 ID.
	pApartment = []byte("apt/")
	// Issue 18 (zone.go, event.go, alarm.go): zone/<panel><number u16>,
	// the event journal event/<seq>, alarm/<id>, and the open alarms by
	// where they are: idx/alarmopen/<panel><partition u16><zone u16><duress>.
	pZone        = []byte("zone/")
	pEvent       = []byte("event/")
	pAlarm       = []byte("alarm/")
	pIdxAlarmOpn = []byte("idx/alarmopen/")
	// pFreeIdent is the pool of unassigned identifiers:
	// free/<kind>/<canonical value> → FreeIdentifier.
	pFreeIdent = []byte("free/")

	pIdxEmail    = []byte("idx/email/")
	pIdxIMEI     = []byte("idx/imei/")
	pIdxCode     = []byte("idx/code/")
	pIdxAcctUser = []byte("idx/acctuser/")
	pIdxJob      = []byte("idx/job/")
	pIdxSSHKey   = []byte("idx/sshkey/")
	// pIdxIdent makes a person's identifiers unique across the site:
	// idx/ident/<kind>/<canonical value, or an access code's keyed hash>
	// → the holder's person ID.
	pIdxIdent = []byte("idx/ident/")
	// A panel user's tags and a lock's tags, so that disabling a user or
	// removing a lock finds them without reading every tag. The owner
	// entry's value is the tag's kind (a keypad slot holds one tag).
	pIdxTagOwner = []byte("idx/tagowner/")
	pIdxTagLock  = []byte("idx/taglock/")

	// pStageTags holds an accepted tag import's rows, in parts, until
	// every tag is written (see tag_csv.go).
	pStageTags = []byte("stage/tagimport/")
	// pStagePeople holds an accepted people import's rows, in parts,
	// until every person is written (see person_csv.go).
	pStagePeople = []byte("stage/peopleimport/")
)

var (
	kInit    = []byte("meta/init")
	kCodeKey = []byte("meta/codekey")
	kLogHead = []byte("meta/loghead")
	kSeqs    = []byte("meta/seqs")
	kSchemaV = []byte("meta/schema")
	// kTagImport marks an accepted tag import still being written.
	kTagImport = []byte("meta/tagimport")
	// kPeopleImport marks an accepted people import still being written.
	kPeopleImport = []byte("meta/peopleimport")
	// kDemoLogins holds the demo site's operators and passwords, shown on
	// its login screen; a real site never has it.
	kDemoLogins = []byte("meta/demologins")
	// kAccess holds the access settings (the site's time zone).
	kAccess = []byte("meta/access")
	// The event journal's head (last sequence and hash) and base (the
	// first kept event and the hash it links to, moved on by retention),
	// and the alarm settings (event.go, alarm.go).
	kEventHead = []byte("meta/eventhead")
	kEventBase = []byte("meta/eventbase")
	kAlarmConf = []byte("meta/alarms")
	// schemaVer is the version a new database starts at; an older one is
	// upgraded when opened (access_apartments.go, outbox_upgrade.go).
	schemaVer = []byte("3")
)

func k(prefix []byte, parts ...[]byte) []byte {
	n := len(prefix)
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	b = append(b, prefix...)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func unitKey(id uint64) []byte    { return k(pUnit, u64(id)) }
func operatorKey(n string) []byte { return k(pOperator, []byte(n)) }
func panelKey(id uint64) []byte   { return k(pPanel, u64(id)) }
func userPrefix(p uint64) []byte  { return k(pUser, u64(p)) }
func userKey(p uint64, s int) []byte {
	return k(pUser, u64(p), u32(uint32(s)))
}
func partPrefix(p uint64) []byte      { return k(pPart, u64(p)) }
func partKey(p uint64, n int) []byte  { return k(pPart, u64(p), []byte{byte(n)}) }
func accountKey(id uint64) []byte     { return k(pAccount, u64(id)) }
func lockKey(id uint64) []byte        { return k(pLock, u64(id)) }
func tagKey(id string) []byte         { return k(pTag, []byte(id)) }
func logKey(seq uint64) []byte        { return k(pLog, u64(seq)) }
func jobKey(seq uint64) []byte        { return k(pOutbox, u64(seq)) }
func driftKey(p uint64, s int) []byte { return k(pDrift, u64(p), u32(uint32(s))) }
func emailKey(lower string) []byte    { return k(pIdxEmail, []byte(lower)) }
func imeiKey(imei string) []byte      { return k(pIdxIMEI, []byte(imei)) }
func codeIdxKey(p uint64, h []byte) []byte {
	return k(pIdxCode, u64(p), h)
}
func acctUserPrefix(a uint64) []byte { return k(pIdxAcctUser, u64(a)) }
func personKey(id uint64) []byte     { return k(pPerson, u64(id)) }
func enginePersonKey(id uint64) []byte {
	return k(pEnginePerson, u64(id))
}
func freeIdentKey(kind byte, v string) []byte {
	return k(pFreeIdent, []byte{kind, '/'}, []byte(v))
}
func identKey(kind byte, v []byte) []byte {
	return k(pIdxIdent, []byte{kind, '/'}, v)
}

func tagOwnerPrefix(p uint64, slot int) []byte { return k(pIdxTagOwner, u64(p), u32(uint32(slot))) }
func tagOwnerKey(p uint64, slot int, tag string) []byte {
	return k(pIdxTagOwner, u64(p), u32(uint32(slot)), []byte(tag))
}
func tagLockPrefix(lock uint64) []byte          { return k(pIdxTagLock, u64(lock)) }
func tagLockKey(lock uint64, tag string) []byte { return k(pIdxTagLock, u64(lock), []byte(tag)) }
func stageTagsKey(part int) []byte              { return k(pStageTags, u32(uint32(part))) }

// jobStatePrefix indexes the jobs still pending or failed, so the
// dispatcher and the header's summary never scan finished work; each
// entry is its job's record (putJob).
func jobStatePrefix(st JobState) []byte { return k(pIdxJob, []byte(st), []byte{'/'}) }
func jobStateKey(st JobState, seq uint64) []byte {
	return k(jobStatePrefix(st), u64(seq))
}
func acctUserKey(a, p uint64, s int) []byte {
	return k(pIdxAcctUser, u64(a), u64(p), u32(uint32(s)))
}
