package tui

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ActionID names an action. IDs are stable: the config file remaps keys by
// ID, and the command palette runs actions by ID.
type ActionID string

// Action is one thing the operator can do. The footer hints, the help
// overlay, the command palette, read-only mode and confirmation all come
// from this one list, so they cannot disagree.
type Action struct {
	ID   ActionID
	Keys []string // default keys; the config file may replace them
	// Short is the footer hint, Long the help text.
	Short, Long string
	// Writes marks actions that change the site (refused in read-only
	// mode); Destroys marks those that need a confirmation.
	Writes, Destroys bool
	// Scope is the screen the action belongs to ("" = everywhere).
	Scope screenID
	// Contextual actions depend on the row's state (a failed change, a
	// drift): like 003's row menu, the hints and the details offer them
	// only when they can run, first. The help lists them always, with
	// the reason when they cannot.
	Contextual bool
}

// Global and grid actions.
const (
	ActQuit       ActionID = "quit"
	ActHelp       ActionID = "help"
	ActPalette    ActionID = "palette"
	ActFilter     ActionID = "filter"
	ActNextTab    ActionID = "tab.next"
	ActPrevTab    ActionID = "tab.prev"
	ActRefresh    ActionID = "refresh"
	ActUp         ActionID = "grid.up"
	ActDown       ActionID = "grid.down"
	ActPageNext   ActionID = "grid.page-next"
	ActPagePrev   ActionID = "grid.page-prev"
	ActHome       ActionID = "grid.home"
	ActEnd        ActionID = "grid.end"
	ActPageSize   ActionID = "grid.page-size"
	ActSortNext   ActionID = "grid.sort"
	ActSortRev    ActionID = "grid.sort-reverse"
	ActJump       ActionID = "grid.jump"
	ActOpen       ActionID = "open"
	ActCopy       ActionID = "copy"
	ActScreenBase ActionID = "screen."
)

// The operator's own actions, on every screen.
const (
	ActMyPassword ActionID = "me.password"
	ActEnrol      ActionID = "me.second-factor"
	ActNotices    ActionID = "me.notices"
	ActLogout     ActionID = "me.logout"
)

// Screen actions.
const (
	ActUserCode       ActionID = "user.code"
	ActUserLabel      ActionID = "user.label"
	ActUserPartitions ActionID = "user.partitions"
	ActUserDisable    ActionID = "user.disable"
	ActAssign         ActionID = "account.assign"
	ActUnassign       ActionID = "account.unassign"
	ActResetPassword  ActionID = "account.reset-password"
	ActRemoveAccount  ActionID = "account.remove"
	ActCreateAccount  ActionID = "account.create"
	ActSuspend        ActionID = "account.suspend"
	ActReactivate     ActionID = "account.reactivate"
	ActConfirmAccount ActionID = "account.confirm"
	ActPartitionLabel ActionID = "partition.label"
	ActJobRetry       ActionID = "job.retry"
	ActJobCancel      ActionID = "job.cancel"
	ActJobSteps       ActionID = "job.steps"
	ActDriftResolve   ActionID = "user.drift"
	ActArmStay        ActionID = "partition.arm-stay"
	ActArmAway        ActionID = "partition.arm-away"
	ActArmNoEntry     ActionID = "partition.arm-no-entry"
	ActDisarm         ActionID = "partition.disarm"
	ActPanelDetails   ActionID = "panel.details"
	ActUserLock       ActionID = "user.lock"
	ActUserTag        ActionID = "user.tag"
	ActLockAdd        ActionID = "lock.add"
	ActLockEdit       ActionID = "lock.edit"
	ActLockRemove     ActionID = "lock.remove"
	ActLockAssign     ActionID = "lock.assign"
	ActLockUnassign   ActionID = "lock.unassign"
	ActLockLock       ActionID = "lock.lock"
	ActLockUnlock     ActionID = "lock.unlock"
	ActTagEnrol       ActionID = "tag.enrol"
	ActTagDisable     ActionID = "tag.disable"
	ActTagLost        ActionID = "tag.lost"
	ActTagFree        ActionID = "tag.free"

	ActOpAdd           ActionID = "operator.add"
	ActOpEdit          ActionID = "operator.edit"
	ActOpSuspend       ActionID = "operator.suspend"
	ActOpReactivate    ActionID = "operator.reactivate"
	ActOpExpire        ActionID = "operator.expire"
	ActOpUnlock        ActionID = "operator.unlock"
	ActOpResetPassword ActionID = "operator.reset-password"
	ActOpReset2FA      ActionID = "operator.reset-2fa"
	ActOpAddKey        ActionID = "operator.add-key"
	ActOpRemoveKey     ActionID = "operator.remove-key"
	ActOpRemove        ActionID = "operator.remove"
	ActOpRoles         ActionID = "operator.roles"
	ActRolesBack       ActionID = "role.operators"
	ActRoleAdd         ActionID = "role.add"
	ActRoleEdit        ActionID = "role.edit"
	ActRole2FA         ActionID = "role.require-2fa"
	ActRoleRemove      ActionID = "role.remove"

	ActPersonAdd     ActionID = "person.add"
	ActPersonEdit    ActionID = "person.edit"
	ActPersonIdent   ActionID = "person.identifier"
	ActPersonPool    ActionID = "person.from-pool"
	ActPersonUnident ActionID = "person.identifier-remove"
	ActPersonRemove  ActionID = "person.remove"
	ActPersonWhy     ActionID = "person.why"
	ActPeopleImport  ActionID = "people.import"
	ActPeopleExport  ActionID = "people.export"
	ActAccLevels     ActionID = "access.levels"
	ActAccProfiles   ActionID = "access.profiles"
	ActAccDoors      ActionID = "access.doors"
	ActAccGroups     ActionID = "access.groups"
	ActLevelAdd      ActionID = "level.add"
	ActLevelEdit     ActionID = "level.edit"
	ActLevelRemove   ActionID = "level.remove"
	ActProfileAdd    ActionID = "profile.add"
	ActProfileEdit   ActionID = "profile.edit"
	ActProfileRemove ActionID = "profile.remove"
	ActDoorAdd       ActionID = "door.add"
	ActDoorGroupAdd  ActionID = "door.add-group"
	ActDoorEdit      ActionID = "door.edit"
	ActDoorRemove    ActionID = "door.remove"
	ActDoorWho       ActionID = "door.who-can-open"
	ActAGroupAdd     ActionID = "access-group.add"
	ActAGroupEdit    ActionID = "access-group.edit"
	ActAGroupRemove  ActionID = "access-group.remove"
	ActAGroupMembers ActionID = "access-group.members"
	ActAccApartments ActionID = "access.apartments"
	ActAptAdd        ActionID = "apartment.add"
	ActAptEdit       ActionID = "apartment.edit"
	ActAptRemove     ActionID = "apartment.remove"

	ActAlarmAck ActionID = "alarm.ack"
)

// Dialog actions: the keys of the dialogs that write (the keypad steps of
// a job, a user's drift) are actions like the screens', so the help lists
// them, the config remaps them and read-only mode greys them.
const (
	ActKeypadConfirm ActionID = "keypad.confirm"
	ActKeypadCancel  ActionID = "keypad.cancel"
	ActDriftPush     ActionID = "drift.push"
	ActDriftAccept   ActionID = "drift.accept"
	// An access group's members dialog (and its add list, which marks
	// with the same keys).
	ActMembersMark    ActionID = "members.mark"
	ActMembersMarkAll ActionID = "members.mark-all"
	ActMembersAdd     ActionID = "members.add"
	ActMembersRemove  ActionID = "members.remove"
)

// The dialogs' scopes: their keys are looked up there only.
const (
	scrKeypadSteps screenID = "dialog.keypad-steps"
	scrDrift       screenID = "dialog.drift"
	scrMembers     screenID = "dialog.members"
)

func isDialogScope(s screenID) bool { return s == scrKeypadSteps || s == scrDrift || s == scrMembers }

// dialogActions are the actions of the dialogs a screen's action opens,
// for the help: opener → the dialog's actions.
var dialogActions = map[ActionID][]ActionID{
	ActJobSteps:      {ActKeypadConfirm, ActKeypadCancel},
	ActDriftResolve:  {ActDriftPush, ActDriftAccept},
	ActAGroupMembers: {ActMembersMark, ActMembersMarkAll, ActMembersAdd, ActMembersRemove},
}

var registry = []Action{
	{ID: ActQuit, Keys: []string{"q", "ctrl+c"}, Short: "quit", Long: "Quit guardroom (asks first while an edit is open)."},
	{ID: ActHelp, Keys: []string{"?"}, Short: "help", Long: "Show every key of this screen, with why an action is unavailable."},
	{ID: ActPalette, Keys: []string{":"}, Short: "command", Long: "Command line: a screen name (users 3 opens panel 3's users), an action ID, or a slot number."},
	{ID: ActFilter, Keys: []string{"/"}, Short: "filter", Long: "Filter all rows: free text, or field:value (status:suspended role:master code:none state:jammed battery:low kind:keypad)."},
	{ID: ActNextTab, Keys: []string{"tab"}, Short: "next tab", Long: "Next screen."},
	{ID: ActPrevTab, Keys: []string{"shift+tab"}, Short: "previous tab", Long: "Previous screen."},
	{ID: ActRefresh, Keys: []string{"ctrl+r"}, Short: "reload", Long: "Reload the screen from the database (it also reloads by itself on every change)."},
	{ID: ActUp, Keys: []string{"up", "k"}, Short: "up", Long: "Previous row."},
	{ID: ActDown, Keys: []string{"down", "j"}, Short: "down", Long: "Next row."},
	{ID: ActPageNext, Keys: []string{"pgdown", "right", "ctrl+f"}, Short: "next page", Long: "Next page of rows."},
	{ID: ActPagePrev, Keys: []string{"pgup", "left", "ctrl+b"}, Short: "prev page", Long: "Previous page of rows."},
	{ID: ActHome, Keys: []string{"home", "g"}, Short: "first", Long: "First row."},
	{ID: ActEnd, Keys: []string{"end", "G"}, Short: "last", Long: "Last row."},
	{ID: ActPageSize, Keys: []string{"+"}, Short: "per page", Long: "Rows per page: 10, 15, 50, 100, 200."},
	{ID: ActSortNext, Keys: []string{"o"}, Short: "sort", Long: "Sort by the next column."},
	{ID: ActSortRev, Keys: []string{"O"}, Short: "reverse", Long: "Reverse the sort order."},
	{ID: ActJump, Keys: []string{"#"}, Short: "go to №", Long: "Jump to a row by its number (slot, partition, sequence)."},

	{ID: ActMyPassword, Keys: []string{"ctrl+p"}, Short: "my password", Long: "Change my password: the current one, then the new one twice."},
	{ID: ActEnrol, Keys: []string{"ctrl+t"}, Short: "2nd factor", Long: "Enrol an authenticator app as my second factor (QR code or secret, then a code); shows the recovery codes once."},
	{ID: ActNotices, Keys: []string{"!"}, Short: "notices", Long: "My security notices (password changes, lockouts, new keys); enter acknowledges them."},
	{ID: ActLogout, Keys: []string{"ctrl+d"}, Short: "log out", Long: "Log out: back to the login screen (asks first)."},

	{ID: "screen.panels", Keys: []string{"1"}, Short: "panels", Long: "Panels screen."},
	{ID: "screen.users", Keys: []string{"2"}, Short: "users", Long: "Users of the selected panel."},
	{ID: "screen.partitions", Keys: []string{"3"}, Short: "partitions", Long: "Partitions of the selected panel."},
	{ID: "screen.locks", Keys: []string{"4"}, Short: "locks", Long: "Door locks."},
	{ID: "screen.tags", Keys: []string{"5"}, Short: "tags", Long: "Proximity tags."},
	{ID: "screen.accounts", Keys: []string{"6"}, Short: "accounts", Long: "Customer accounts."},
	{ID: "screen.log", Keys: []string{"7"}, Short: "log", Long: "Action log, newest first."},
	{ID: "screen.operators", Keys: []string{"8"}, Short: "operators", Long: "Operators and their roles (only with the manage operators permission)."},
	{ID: "screen.people", Keys: []string{"9"}, Short: "people", Long: "People who open doors: their identifiers, access groups and levels, and why a door opens for them or not."},
	{ID: "screen.access", Keys: []string{"0"}, Short: "access", Long: "Access rules: access levels, time profiles, doors and door groups, access groups."},
	{ID: "screen.events", Keys: []string{"&"}, Short: "events", Long: "Events: what the devices reported (alarms, restores, troubles, arming by user N), newest first, live."},
	{ID: "screen.alarms", Keys: []string{"@"}, Short: "alarms", Long: "Alarms: the open ones first (the one the alarm banner names selected), then the history."},

	{ID: ActCopy, Keys: []string{"y"}, Short: "copy", Long: "Copy the selected row's identifier to the clipboard (OSC 52, over SSH too): the tag ID, job number (Users, Partitions, a job's keypad steps), card, IMEI or address, lock ID, email, operator, log entry number; in a second-factor enrolment, the key URI."},

	{ID: ActOpen, Keys: []string{"enter"}, Short: "open", Long: "Open the selected row: a panel's users, a user's or an entry's details."},

	{ID: ActUserCode, Keys: []string{"c"}, Short: "code", Long: "Set the code (creates the user on the panel) or edit it. Typed twice, never shown.", Writes: true, Scope: scrUsers},
	{ID: ActUserLabel, Keys: []string{"l"}, Short: "label", Long: "Edit the label. Needs a code.", Writes: true, Scope: scrUsers},
	{ID: ActUserPartitions, Keys: []string{"p"}, Short: "partitions", Long: "Change the user's partitions. Needs a code; Master users hold all.", Writes: true, Scope: scrUsers},
	{ID: ActUserDisable, Keys: []string{"x"}, Short: "disable", Long: "Disable the panel user: removes the code and label. Not for Master users.", Writes: true, Destroys: true, Scope: scrUsers},
	{ID: ActAssign, Keys: []string{"a"}, Short: "assign", Long: "Assign an existing account, picked from suggestions. Needs a code.", Writes: true, Scope: scrUsers},
	{ID: ActUnassign, Keys: []string{"u"}, Short: "unassign", Long: "Unassign the account; the account itself stays.", Writes: true, Destroys: true, Scope: scrUsers},
	{ID: ActResetPassword, Keys: []string{"r"}, Short: "reset pw", Long: "Mail the account a one-time code to set a new password.", Writes: true, Scope: scrUsers},
	{ID: ActRemoveAccount, Keys: []string{"R"}, Short: "remove acct", Long: "Delete the account entirely and unlink it everywhere. Cannot be undone.", Writes: true, Destroys: true, Scope: scrUsers},
	{ID: ActUserLock, Keys: []string{"L"}, Short: "door lock", Long: "Give the user one of the panel's door locks (the user needs a code), or take one away.", Writes: true, Scope: scrUsers},
	{ID: ActUserTag, Keys: []string{"T"}, Short: "enrol tag", Long: "Enrol a proximity tag for the user: a keypad tag, or a door-lock tag on one of the panel's locks. Needs a code.", Writes: true, Scope: scrUsers},
	// The outbox actions are also offered by the Partitions, Door locks
	// and Tags screens for their own commands and jobs.
	{ID: ActJobRetry, Keys: []string{"t"}, Short: "retry", Long: "Try a failed change again now; the panel gets guardroom's current state of the user or tag.", Writes: true, Scope: scrUsers, Contextual: true},
	{ID: ActJobCancel, Keys: []string{"X"}, Short: "cancel job", Long: "Cancel a change still on its way (pending, failed or waiting for keypad steps). Asks first; the row then shows it was not applied.", Writes: true, Destroys: true, Scope: scrUsers, Contextual: true},
	{ID: ActJobSteps, Keys: []string{"K"}, Short: "keypad steps", Long: "Show the keypad steps of a change that waits for someone at the panel; confirm it there once keyed in, or cancel it.", Scope: scrUsers, Contextual: true},
	{ID: ActDriftResolve, Keys: []string{"d"}, Short: "drift", Long: "Compare what the panel reports with guardroom: push guardroom's state to the panel, or accept the panel's (asks first).", Writes: true, Scope: scrUsers, Contextual: true},

	{ID: ActKeypadConfirm, Keys: []string{"c"}, Short: "confirm done", Long: "In the keypad steps: confirm the change was keyed in at the panel (asks first); it is recorded as applied by you, not verified by the panel.", Writes: true, Scope: scrKeypadSteps},
	{ID: ActKeypadCancel, Keys: []string{"x"}, Short: "cancel job", Long: "In the keypad steps: cancel the change (asks first); the row then shows it was not applied.", Writes: true, Destroys: true, Scope: scrKeypadSteps},
	{ID: ActDriftPush, Keys: []string{"p"}, Short: "push guardroom's state to the panel", Long: "In the drift: queue guardroom's state of the user for the panel.", Writes: true, Scope: scrDrift},
	{ID: ActDriftAccept, Keys: []string{"a"}, Short: "accept the panel's", Long: "In the drift: take what the panel reports as guardroom's state (asks first).", Writes: true, Destroys: true, Scope: scrDrift},

	{ID: ActCreateAccount, Keys: []string{"n"}, Short: "new", Long: "Create an account; it gets a one-time code by e-mail.", Writes: true, Scope: scrAccounts},
	{ID: ActSuspend, Keys: []string{"s"}, Short: "suspend", Long: "Suspend the account.", Writes: true, Destroys: true, Scope: scrAccounts},
	{ID: ActReactivate, Keys: []string{"v"}, Short: "reactivate", Long: "Lift a suspension.", Writes: true, Scope: scrAccounts},
	{ID: ActConfirmAccount, Keys: []string{"C"}, Short: "confirm", Long: "Confirm the account with the one-time code its owner received.", Writes: true, Scope: scrAccounts},

	{ID: ActArmStay, Keys: []string{"s"}, Short: "arm stay", Long: "Arm the partition in stay mode: the perimeter only, people inside. A panel reached through an Envisalink or IT-100 asks for a user code, typed masked and not kept.", Writes: true, Scope: scrPartitions},
	{ID: ActArmAway, Keys: []string{"a"}, Short: "arm away", Long: "Arm the whole partition: nobody inside. A panel reached through an Envisalink or IT-100 asks for a user code, typed masked and not kept.", Writes: true, Scope: scrPartitions},
	{ID: ActArmNoEntry, Keys: []string{"A"}, Short: "arm no entry", Long: "Arm the whole partition away with no entry delay: an entry door sounds the alarm at once (DSC, Vista; a Modbus panel refuses it).", Writes: true, Scope: scrPartitions},
	{ID: ActDisarm, Keys: []string{"d"}, Short: "disarm", Long: "Disarm the partition. Asks first (y); enter never disarms. A panel reached through an Envisalink or IT-100 then asks for a user code.", Writes: true, Destroys: true, Scope: scrPartitions},
	{ID: ActPartitionLabel, Keys: []string{"l"}, Short: "label", Long: "Rename the partition.", Writes: true, Scope: scrPartitions},

	{ID: ActLockAdd, Keys: []string{"n"}, Short: "add", Long: "Link a door lock to a panel whose family drives door locks: name, model and panel.", Writes: true, Scope: scrLocks},
	{ID: ActLockLock, Keys: []string{"l"}, Short: "lock", Long: "Lock the door through its panel.", Writes: true, Scope: scrLocks},
	{ID: ActLockUnlock, Keys: []string{"U"}, Short: "unlock", Long: "Unlock the door through its panel. Asks for the reason, which is logged; ctrl+y unlocks, enter never does.", Writes: true, Destroys: true, Scope: scrLocks},
	{ID: ActLockAssign, Keys: []string{"a"}, Short: "assign user", Long: "Give a panel user of the lock's panel the lock; the user needs a code.", Writes: true, Scope: scrLocks},
	{ID: ActLockUnassign, Keys: []string{"u"}, Short: "unassign", Long: "Take the lock away from one of its users (asks first).", Writes: true, Destroys: true, Scope: scrLocks},
	{ID: ActLockEdit, Keys: []string{"e"}, Short: "edit", Long: "Rename the lock or change its model.", Writes: true, Scope: scrLocks},
	{ID: ActLockRemove, Keys: []string{"R"}, Short: "remove", Long: "Unlink the lock (asks first). Its users are unassigned and its tags freed with it.", Writes: true, Destroys: true, Scope: scrLocks},

	{ID: ActTagEnrol, Keys: []string{"n"}, Short: "enrol", Long: "Enrol a proximity tag for a panel user who has a code: a keypad tag, or a door-lock tag on a lock that reads tags. Any spelling of the tag ID; the canonical one is kept.", Writes: true, Scope: scrTags},
	{ID: ActTagDisable, Keys: []string{"x"}, Short: "disable", Long: "Take the tag off the hardware; it stays with its owner (asks first).", Writes: true, Destroys: true, Scope: scrTags},
	{ID: ActTagLost, Keys: []string{"L"}, Short: "lost", Long: "Mark the tag lost: it is disabled on the hardware at once (asks first).", Writes: true, Destroys: true, Scope: scrTags},
	{ID: ActTagFree, Keys: []string{"f"}, Short: "free", Long: "Take the tag away from its owner and off the hardware; it shows as unassigned and can be enrolled for someone else (asks first).", Writes: true, Destroys: true, Scope: scrTags},

	{ID: ActAlarmAck, Keys: []string{"a"}, Short: "acknowledge", Long: "Acknowledge the alarm with a comment (what was seen, who was called); it closes once the panel also reports the restore. Needs the handle alarms permission.", Writes: true, Scope: scrAlarms},

	{ID: ActPanelDetails, Keys: []string{"i"}, Short: "details", Long: "Panel details: driver, address, connection, the last error in full, the queue and drift.", Scope: scrPanels},

	// The Operators tab has two views: the operators (scope operators)
	// and their roles (scope roles); r switches between them.
	{ID: ActOpRoles, Keys: []string{"r"}, Short: "roles", Long: "Show the roles: their permissions, who holds them, whether they require a second factor.", Scope: scrOperators},
	{ID: ActOpAdd, Keys: []string{"n"}, Short: "add", Long: "Add an operator: name, email, roles (each may end), units and when their access ends. Their one-time password is shown once.", Writes: true, Scope: scrOperators},
	{ID: ActOpEdit, Keys: []string{"e"}, Short: "edit", Long: "Change the operator's name, email, roles and their ends, units and access end. Their open sessions end.", Writes: true, Scope: scrOperators},
	{ID: ActOpSuspend, Keys: []string{"s"}, Short: "suspend", Long: "Stop the operator from logging in; their open sessions end (asks first).", Writes: true, Destroys: true, Scope: scrOperators},
	{ID: ActOpReactivate, Keys: []string{"v"}, Short: "reactivate", Long: "Let a suspended operator log in again.", Writes: true, Scope: scrOperators, Contextual: true},
	{ID: ActOpExpire, Keys: []string{"x"}, Short: "expire", Long: "Set or clear when the operator's access ends, typed as 2026-12-31 18:00 (local time).", Writes: true, Scope: scrOperators},
	{ID: ActOpUnlock, Keys: []string{"u"}, Short: "unlock", Long: "Lift a lockout after failed logins.", Writes: true, Scope: scrOperators, Contextual: true},
	{ID: ActOpResetPassword, Keys: []string{"p"}, Short: "reset pw", Long: "Give the operator a new one-time password, shown once; the old one stops working (asks first).", Writes: true, Destroys: true, Scope: scrOperators},
	{ID: ActOpReset2FA, Keys: []string{"f"}, Short: "reset 2FA", Long: "Remove the operator's second factor (a lost phone); they enrol again when a role requires it (asks first).", Writes: true, Destroys: true, Scope: scrOperators},
	{ID: ActOpAddKey, Keys: []string{"a"}, Short: "add key", Long: "Map an SSH public key to the operator: paste one line of their .pub file.", Writes: true, Scope: scrOperators},
	{ID: ActOpRemoveKey, Keys: []string{"d"}, Short: "remove key", Long: "Take one of the operator's SSH keys away (pick it, then confirm).", Writes: true, Destroys: true, Scope: scrOperators},
	{ID: ActOpRemove, Keys: []string{"R"}, Short: "remove", Long: "Delete the operator; their log entries stay. Type the operator's name, then ctrl+y.", Writes: true, Destroys: true, Scope: scrOperators},

	{ID: ActRolesBack, Keys: []string{"r"}, Short: "operators", Long: "Back to the operators.", Scope: scrRoles},
	{ID: ActRoleAdd, Keys: []string{"n"}, Short: "add role", Long: "Make a custom role: a name, a description and its permissions (none you do not hold yourself).", Writes: true, Scope: scrRoles},
	{ID: ActRoleEdit, Keys: []string{"e"}, Short: "edit", Long: "Change a role: the permissions of a custom role, and for any role its description and whether it requires a second factor.", Writes: true, Scope: scrRoles},
	{ID: ActRole2FA, Keys: []string{"f"}, Short: "2FA on/off", Long: "Require a second factor of the role's holders, or stop requiring it. Holders without one enrol at their next login.", Writes: true, Scope: scrRoles},
	{ID: ActRoleRemove, Keys: []string{"R"}, Short: "remove", Long: "Delete a custom role nobody holds (asks first).", Writes: true, Destroys: true, Scope: scrRoles},

	{ID: ActPersonAdd, Keys: []string{"n"}, Short: "add", Long: "Add a person: name, info, apartment, unit, access on/off, offline access, validity, lock numbers, access groups and levels, multifactor, and a first identifier.", Writes: true, Scope: scrPeople},
	{ID: ActPersonEdit, Keys: []string{"e"}, Short: "edit", Long: "Change the person's details, validity, lock numbers, access groups and levels, and multifactor rule.", Writes: true, Scope: scrPeople},
	{ID: ActPersonIdent, Keys: []string{"a"}, Short: "add id", Long: "Give the person an identifier: a card, QR code, UKey or face ID unique across the site, or an access code (typed masked, never shown again).", Writes: true, Scope: scrPeople},
	{ID: ActPersonPool, Keys: []string{"p"}, Short: "from pool", Long: "Give the person an unassigned identifier: a card taken back from someone removed, or a stock card.", Writes: true, Scope: scrPeople},
	{ID: ActPersonUnident, Keys: []string{"d"}, Short: "remove id", Long: "Take one of the person's identifiers away (pick it, then confirm with y); it goes to the unassigned pool.", Writes: true, Destroys: true, Scope: scrPeople},
	{ID: ActPersonRemove, Keys: []string{"R"}, Short: "remove", Long: "Delete the person; their identifiers are freed for reassignment. Type the person's name, then ctrl+y.", Writes: true, Destroys: true, Scope: scrPeople},
	{ID: ActPersonWhy, Keys: []string{"w"}, Short: "why?", Long: "Why would a door open for this person, or not: pick a door, entry or exit, a time and whether the site is offline; every rule checked is shown, pass or fail.", Scope: scrPeople},
	{ID: ActPeopleImport, Keys: []string{"I"}, Short: "import", Long: "Import people from a CSV file: map its headings to columns, preview every row (bad ones with their line and reason), then write them all or none.", Writes: true, Scope: scrPeople},
	{ID: ActPeopleExport, Keys: []string{"E"}, Short: "export", Long: "Export the people you see to a new CSV file that imports back; access codes are never exported.", Scope: scrPeople},
	// The Access tab has four views; l, p, d and a switch between them
	// (g and o are the grid's first row and sort everywhere).
	{ID: ActAccLevels, Keys: []string{"l"}, Short: "levels", Long: "Show the access levels: what a person may open and when (002).", Scope: scrAccess},
	{ID: ActAccProfiles, Keys: []string{"p"}, Short: "profiles", Long: "Show the time profiles: weekly intervals and holidays; Always is built in.", Scope: scrAccess},
	{ID: ActAccDoors, Keys: []string{"d"}, Short: "doors", Long: "Show the doors and door groups.", Scope: scrAccess},
	{ID: ActAccGroups, Keys: []string{"a"}, Short: "groups", Long: "Show the access groups: the levels they give and their multifactor rule.", Scope: scrAccess},
	{ID: ActLevelAdd, Keys: []string{"n"}, Short: "add", Long: "Add an access level: general, doors, areas, floors and elevators, menu and outputs. Include-all options ask to confirm.", Writes: true, Scope: scrAccess},
	{ID: ActLevelEdit, Keys: []string{"e"}, Short: "edit", Long: "Change the access level (include-all options ask to confirm).", Writes: true, Scope: scrAccess},
	{ID: ActLevelRemove, Keys: []string{"R"}, Short: "remove", Long: "Remove an access level no person and no group has (asks first).", Writes: true, Destroys: true, Scope: scrAccess},
	{ID: ActProfileAdd, Keys: []string{"n"}, Short: "add", Long: "Add a time profile: intervals typed as Mon-Fri 08:00-17:00; Hol 10:00-12:00, and holidays as 2026-12-24, 12-25.", Writes: true, Scope: scrAccessProfiles},
	{ID: ActProfileEdit, Keys: []string{"e"}, Short: "edit", Long: "Change the time profile (not Always, which is built in).", Writes: true, Scope: scrAccessProfiles},
	{ID: ActProfileRemove, Keys: []string{"R"}, Short: "remove", Long: "Remove a time profile nothing uses (asks first).", Writes: true, Destroys: true, Scope: scrAccessProfiles},
	{ID: ActDoorAdd, Keys: []string{"n"}, Short: "add door", Long: "Add a door: name, unit, door groups and the lock number it opens.", Writes: true, Scope: scrAccessDoors},
	{ID: ActDoorGroupAdd, Keys: []string{"N"}, Short: "add group", Long: "Add a door group: name and unit; doors join it from their own form.", Writes: true, Scope: scrAccessDoors},
	{ID: ActDoorEdit, Keys: []string{"e"}, Short: "edit", Long: "Change the door or door group.", Writes: true, Scope: scrAccessDoors},
	{ID: ActDoorRemove, Keys: []string{"R"}, Short: "remove", Long: "Remove a door or door group no access level uses (asks first).", Writes: true, Destroys: true, Scope: scrAccessDoors},
	{ID: ActDoorWho, Keys: []string{"w"}, Short: "who can open", Long: "Who can open the door now: the people whose rights let them pass, for entry, exit or both, at a time you may change.", Scope: scrAccessDoors},
	{ID: ActAGroupAdd, Keys: []string{"n"}, Short: "add", Long: "Add an access group: name, unit, levels and an optional multifactor rule.", Writes: true, Scope: scrAccessGroups},
	{ID: ActAGroupEdit, Keys: []string{"e"}, Short: "edit", Long: "Change the access group.", Writes: true, Scope: scrAccessGroups},
	{ID: ActAGroupRemove, Keys: []string{"R"}, Short: "remove", Long: "Remove an access group nobody is in (asks first).", Writes: true, Destroys: true, Scope: scrAccessGroups},
	{ID: ActAccApartments, Keys: []string{"t"}, Short: "apartments", Long: "Show the apartments people live in (000): name, unit, floor, notes.", Scope: scrAccess},
	{ID: ActAptAdd, Keys: []string{"n"}, Short: "add", Long: "Add an apartment: a name unique in its unit, the floor and notes.", Writes: true, Scope: scrAccessApts},
	{ID: ActAptEdit, Keys: []string{"e"}, Short: "edit", Long: "Change the apartment; the people living there stay.", Writes: true, Scope: scrAccessApts},
	{ID: ActAptRemove, Keys: []string{"R"}, Short: "remove", Long: "Remove an apartment nobody lives in (asks first).", Writes: true, Destroys: true, Scope: scrAccessApts},
	{ID: ActMembersMark, Keys: []string{"space"}, Short: "mark", Long: "In the members of an access group, and the people to add: mark or unmark the person under the cursor.", Scope: scrMembers},
	{ID: ActMembersMarkAll, Keys: []string{"ctrl+a"}, Short: "all shown", Long: "In the members of an access group, and the people to add: mark everyone the filter shows (again: unmark them).", Scope: scrMembers},
	{ID: ActMembersAdd, Keys: []string{"ctrl+n"}, Short: "add", Long: "In the members of an access group: pick people to add, several at once.", Writes: true, Scope: scrMembers},
	{ID: ActMembersRemove, Keys: []string{"ctrl+x"}, Short: "remove marked", Long: "In the members of an access group: take the marked people (or the one under the cursor) out of the group (asks first).", Writes: true, Destroys: true, Scope: scrMembers},
	{ID: ActAGroupMembers, Keys: []string{"m"}, Short: "members", Long: "The group's members: add people several at once from a filtered list (ctrl+a marks all shown), remove the marked ones (asks first).", Scope: scrAccessGroups},
}

// keymap resolves keys to actions, with the config's overrides applied.
type keymap struct {
	actions map[ActionID]Action
	// byKey maps scope → key → action.
	byKey map[screenID]map[string]ActionID
}

// newKeymap applies overrides (action ID → keys) to the registry. It
// refuses unknown IDs and one key bound to two actions of the same scope,
// naming them.
func newKeymap(overrides map[string][]string) (keymap, error) {
	km := keymap{actions: map[ActionID]Action{}, byKey: map[screenID]map[string]ActionID{}}
	for _, a := range registry {
		km.actions[a.ID] = a
	}
	var ids []string
	for id := range overrides {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a, ok := km.actions[ActionID(id)]
		if !ok {
			return km, fmt.Errorf("keys: unknown action %q (see the help screen, ?, for action IDs)", id)
		}
		a.Keys = slices.Clone(overrides[id])
		km.actions[a.ID] = a
	}
	for _, a := range registry {
		a = km.actions[a.ID]
		for _, k := range a.Keys {
			m := km.byKey[a.Scope]
			if m == nil {
				m = map[string]ActionID{}
				km.byKey[a.Scope] = m
			}
			if other, dup := m[k]; dup {
				return km, fmt.Errorf("keys: %q is bound to both %s and %s", k, other, a.ID)
			}
			m[k] = a.ID
		}
	}
	for scope, m := range km.byKey {
		if scope == "" {
			continue
		}
		for k, id := range m {
			if g, clash := km.byKey[""][k]; clash {
				return km, fmt.Errorf("keys: %q is bound to both %s and %s", k, g, id)
			}
		}
	}
	return km, nil
}

// lookup finds the action for a key on a screen: the screen's own actions
// first, then the global ones.
func (km keymap) lookup(scope screenID, key string) (Action, bool) {
	if id, ok := km.byKey[scope][key]; ok {
		return km.actions[id], true
	}
	if id, ok := km.byKey[""][key]; ok {
		return km.actions[id], true
	}
	return Action{}, false
}

// lookupAmong finds the action bound to key among ids. A screen may offer
// actions registered under another screen's scope: the Accounts screen
// lists the Users screen's reset password (r) and remove account (R).
func (km keymap) lookupAmong(ids []ActionID, key string) (Action, bool) {
	for _, id := range ids {
		if a := km.actions[id]; slices.Contains(a.Keys, key) {
			return a, true
		}
	}
	return Action{}, false
}

func (km keymap) action(id ActionID) Action { return km.actions[id] }

// keyLabel is the first key of an action, as shown in hints.
func (km keymap) keyLabel(id ActionID) string {
	a := km.actions[id]
	if len(a.Keys) == 0 {
		return "-"
	}
	return strings.ReplaceAll(a.Keys[0], "shift+tab", "S-tab")
}
