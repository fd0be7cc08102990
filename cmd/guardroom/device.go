package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/guardroom/guardroom/cmd/internal/simhost"
	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/dispatch"
	_ "github.com/guardroom/guardroom/drivers/dsc" // the drivers this program speaks
	_ "github.com/guardroom/guardroom/drivers/guided"
	"github.com/guardroom/guardroom/drivers/mail"
	_ "github.com/guardroom/guardroom/drivers/modbus"
	_ "github.com/guardroom/guardroom/drivers/sim"
	_ "github.com/guardroom/guardroom/drivers/vista"
	"github.com/guardroom/guardroom/store"
)

// driverHelp says what each driver is for, in 'panel drivers'.
var driverHelp = map[string]string{
	"envisalink-dsc":   "a DSC PowerSeries panel behind an EyezOn Envisalink (TPI, HOST[:4025]); needs the device password (panel secret); arms, disarms, watches, and sets codes by keystrokes with the master code (sent, not verified by the panel); docs/envisalink.md",
	"envisalink-vista": "a Honeywell/Ademco Vista behind an EyezOn Envisalink (Ademco TPI, HOST[:4025]); needs the device password, the master code and an arming or typed code (panel secret); arms and disarms by keystrokes, confirmed by the state the panel shows; sets codes by keystrokes (sent, not verified); docs/envisalink.md",
	"it100":            "a DSC PowerSeries panel behind a DSC IT-100 serial module (/dev/ttyUSB0, 9600 8N1; option baud); as envisalink-dsc, without a login; docs/envisalink.md",
	"guided":           "no programming interface: guardroom shows the keypad steps, an operator keys them in and confirms (never verified by the panel)",
	"modbus":           "guardroom's Modbus register map over TCP (tcp://HOST:PORT) or RTU (rtu:///dev/ttyUSB0); options unit, base, timeout, baud, parity, stop, databits (docs/modbus.md)",
	"sim":              "a simulated panel inside guardroom, for trying things out; option state=FILE keeps its memory between runs",
}

func deviceCommands() []*command {
	return []*command{
		{
			name: "panel drivers", maxArgs: 0,
			summary: "the device drivers this guardroom speaks",
			example: "guardroom panel drivers",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, _ []string) error {
					t := newTable(e.stdout, "Driver", "What it is for")
					for _, n := range drivers.Names() {
						t.row(n, driverHelp[n])
					}
					return t.flush()
				}
			},
		},
		{
			name: "panel device", args: "PANEL", minArgs: 1, maxArgs: 1,
			summary: "set how guardroom reaches a panel: driver, address and driver options",
			details: "Pending changes go to the panel through the new driver. See 'guardroom panel drivers'.",
			example: "guardroom panel device 1 --driver modbus --address tcp://10.0.0.5:502 --option unit=3\nguardroom panel device \"Main office\" --driver guided",
			setup: func(fs *flag.FlagSet) runFunc {
				driver := choice(fs, "driver", "", "device `DRIVER` (guardroom panel drivers)", drivers.Names()...)
				address := fs.String("address", "", "the driver's `ADDRESS` of the panel")
				opts := optionFlag{}
				fs.Var(opts, "option", "a driver option `NAME=VALUE` (repeatable)")
				return func(e *env, args []string) error {
					if err := checkDriver(e.cmd, *driver); err != nil {
						return err
					}
					p, err := e.openPanel(args[0])
					if err != nil {
						return err
					}
					if err := e.write(e.s.SetPanelDevice(e.actor, p.ID, store.DeviceConfig{Driver: *driver, Address: *address, Options: opts})); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "%s is now reached through the %s driver%s.\n", p.Label(), *driver, map[bool]string{true: " at " + strings.TrimSpace(*address)}[*address != ""])
					return nil
				}
			},
		},
		{
			name: "panel secret", args: "PANEL password|master-code|arm-code", minArgs: 2, maxArgs: 2,
			summary: "keep a secret the panel's driver needs: the device password, the master code, an arming code",
			details: "The value is typed at a hidden prompt (codes twice), or read as one line of standard input;\n" +
				"never on the command line. guardroom keeps it encrypted and never shows it; the log says\n" +
				"only that it was set or cleared. password: the Envisalink's own login password (4-10\n" +
				"characters, as on its local web page). master-code: the panel's master code, which the\n" +
				"driver types to program user codes by keystrokes. arm-code: a user code the driver\n" +
				"enters when the panel asks for one to arm or disarm. --clear forgets it.",
			example: "guardroom panel secret 1 password\nguardroom panel secret \"Main office\" master-code\nguardroom panel secret 1 arm-code --clear",
			setup: func(fs *flag.FlagSet) runFunc {
				clear := fs.Bool("clear", false, "forget the secret")
				return func(e *env, args []string) error { return e.panelSecret(args[0], args[1], *clear) }
			},
		},
		{
			name: "partition arm", args: "PANEL N", minArgs: 2, maxArgs: 2,
			summary: "arm partition N of a panel (away by default)",
			example: "guardroom partition arm 1 2\nguardroom partition arm \"Main office\" 1 --mode stay\nguardroom partition arm 1 1 --code",
			setup: func(fs *flag.FlagSet) runFunc {
				mode := choice(fs, "mode", "away", "`MODE`: away (nobody inside), stay (perimeter only, people inside) or no-entry (away with no entry delay)", string(store.ArmAway), string(store.ArmStay), "no-entry")
				code := codeFlag(fs)
				return func(e *env, args []string) error {
					m := store.ArmMode(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(*mode)), "-", " "))
					if m != store.ArmAway && m != store.ArmStay && m != store.ArmNoEntry {
						return usagef(e.cmd, "--mode %q: choose stay (people inside), away (nobody inside) or no-entry", *mode)
					}
					return e.armDisarm(args, *code, func(p store.Panel, n int, code string) error { return e.s.ArmWithCode(e.actor, p.ID, n, m, code) }, "")
				}
			},
		},
		{
			name: "partition disarm", args: "PANEL N", minArgs: 2, maxArgs: 2,
			summary: "disarm partition N of a panel (asks first)",
			example: "guardroom partition disarm 1 2\nguardroom partition disarm 1 2 --yes\nguardroom partition disarm 1 1 --code --yes",
			setup: func(fs *flag.FlagSet) runFunc {
				yes := fs.Bool("yes", false, "do not ask (required when there is no terminal)")
				code := codeFlag(fs)
				return func(e *env, args []string) error {
					ask := "disarm"
					if *yes {
						ask = ""
					}
					return e.armDisarm(args, *code, func(p store.Panel, n int, code string) error { return e.s.DisarmWithCode(e.actor, p.ID, n, code) }, ask)
				}
			},
		},
		{
			name: "user drift", args: "PANEL SLOT", minArgs: 2, maxArgs: 2,
			summary: "show how a panel user on the panel differs from guardroom",
			example: "guardroom user drift 1 12",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error { return e.userDrift(args) }
			},
		},
		{
			name: "user resolve", args: "PANEL SLOT push|accept", minArgs: 3, maxArgs: 3,
			summary: "settle a drift: push guardroom's state to the panel, or accept the panel's",
			details: "A code the panel lost or changed cannot be pushed, since guardroom keeps no codes:\n" +
				"set a new code instead (user edit-code), or accept the panel's state.",
			example: "guardroom user resolve 1 12 push\nguardroom user resolve 1 12 accept",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error { return e.userResolve(args) }
			},
		},
		{
			name: "job list", maxArgs: 0,
			summary: "list outbox jobs: device changes and mail, newest last",
			example: "guardroom job list\nguardroom job list --state failed --panel 1 --json",
			setup: func(fs *flag.FlagSet) runFunc {
				state := choice(fs, "state", "", "only jobs in `STATE`: pending, keypad, failed, done or cancelled", "pending", "keypad", "failed", "done", "cancelled")
				panel := fs.String("panel", "", "only jobs of `PANEL`")
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.jobList(*state, *panel, *asJSON) }
			},
		},
		{
			name: "job show", args: "JOB", minArgs: 1, maxArgs: 1,
			summary: "show one job, with its keypad steps while it waits for them",
			example: "guardroom job show 42",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.jobShow(args[0], *asJSON) }
			},
		},
		{
			name: "job retry", args: "JOB", minArgs: 1, maxArgs: 1,
			summary: "put a failed job back in the queue, with the user's current state",
			example: "guardroom job retry 42",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					return e.jobDo(args[0], (*store.Store).RetryJob, "is back in the queue", "")
				}
			},
		},
		{
			name: "job cancel", args: "JOB", minArgs: 1, maxArgs: 1,
			summary: "cancel a pending, keypad-waiting or failed job (asks first)",
			example: "guardroom job cancel 42 --yes",
			setup: func(fs *flag.FlagSet) runFunc {
				yes := fs.Bool("yes", false, "do not ask (required when there is no terminal)")
				return func(e *env, args []string) error {
					return e.jobDo(args[0], (*store.Store).CancelJob, "is cancelled: the device does not get it", askUnless(*yes, "cancel"))
				}
			},
		},
		{
			name: "job confirm", args: "JOB", minArgs: 1, maxArgs: 1,
			summary: "confirm that you keyed a job's steps in at the panel (asks first)",
			details: "The change is then recorded as applied by you, not verified by the panel.",
			example: "guardroom job show 42\nguardroom job confirm 42",
			setup: func(fs *flag.FlagSet) runFunc {
				yes := fs.Bool("yes", false, "do not ask (required when there is no terminal)")
				return func(e *env, args []string) error {
					return e.jobDo(args[0], (*store.Store).ConfirmJob, "is recorded as applied by you at the keypad, not verified by the panel", askUnless(*yes, "confirm"))
				}
			},
		},
		{
			name: "dispatch", local: true, maxArgs: 0,
			summary: "carry queued changes to the panels and mail, and watch the panels, until ctrl+c",
			details: "The console does this by itself while it is open; run this on a site with no console\n" +
				"open (a service). --once applies what is due, reads every panel once and stops.",
			example: "guardroom dispatch\nguardroom dispatch --once",
			setup: func(fs *flag.FlagSet) runFunc {
				once := fs.Bool("once", false, "apply due jobs and poll every panel once, then stop")
				every := fs.Duration("poll", 15*time.Second, "read the panels every `DURATION`")
				return func(e *env, _ []string) error { return e.runDispatch(*once, *every) }
			},
		},
	}
}

func askUnless(yes bool, what string) string {
	if yes {
		return ""
	}
	return what
}

// optionFlag collects repeatable NAME=VALUE options.
type optionFlag map[string]string

func (o optionFlag) String() string { return "" }

func (o optionFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return errors.New("want NAME=VALUE")
	}
	o[strings.TrimSpace(k)] = strings.TrimSpace(v)
	return nil
}

// checkDriver refuses a driver this program does not have.
func checkDriver(c *command, name string) error {
	if slices.Contains(drivers.Names(), name) {
		return nil
	}
	return usagef(c, "--driver %q: choose one of %s (guardroom panel drivers)", name, strings.Join(drivers.Names(), ", "))
}

// mailer builds the SMTP sender from the [smtp] settings; nil and the
// reason when mail cannot go.
func (e *env) mailer() (dispatch.Mailer, string) {
	c := e.cfg.SMTP
	if !c.configured() {
		return nil, dispatch.DefaultMailOff
	}
	mc := mail.Config{Host: c.Host, Port: c.Port, Security: c.Security, Username: c.Username, From: c.From}
	if c.PasswordFile != "" {
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return nil, fmt.Sprintf("cannot read [smtp] password_file: %v; mail waits in the outbox", err)
		}
		mc.Password = strings.TrimRight(string(b), "\r\n")
	}
	s, err := mail.New(mc)
	if err != nil {
		return nil, err.Error() + "; mail waits in the outbox"
	}
	return s, ""
}

// newDispatcher makes the dispatcher of this process; diagnostics go to
// guardroom's log file.
func (e *env) newDispatcher(poll time.Duration) *dispatch.Dispatcher {
	// The simulated devices of panels reached inside this process (the
	// demo's Envisalinks) run where the dispatcher runs.
	if err := simhost.Start(e.s); err != nil {
		e.log().Warn(fmt.Sprintf("simulated devices: %v", err))
	}
	m, off := e.mailer()
	return dispatch.New(e.s, dispatch.Options{Mailer: m, MailOff: off, PollEvery: poll,
		Logf: func(format string, args ...any) { e.log().Warn(fmt.Sprintf(format, args...)) }})
}

// applyNow carries a panel's due jobs to it before a command reports, so
// its "sync" line says what the panel did. A panel that cannot be reached
// keeps the jobs queued for the console or 'guardroom dispatch'; a panel
// whose device is not what its settings say (its jobs failed) makes the
// command end with exit 1, after it printed its line.
func (e *env) applyNow(panel uint64) {
	ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
	defer cancel()
	var err error
	if e.service != nil {
		err = e.service.waitPanel(ctx, panel)
	} else {
		d := e.newDispatcher(0)
		defer d.Close()
		err = d.DrainPanel(ctx, panel)
	}
	if err != nil {
		e.log().Warn("apply now", "panel", panel, "error", err.Error())
	}
	if p, err := e.s.GetPanel(e.actor, panel); err == nil && p.Conn.Misconfigured {
		e.misconfigured = fmt.Errorf("%s is misconfigured: %s: the change is kept in guardroom, and its job failed without reaching the device: fix the panel's device settings (guardroom panel device) or the device, then retry the failed jobs (guardroom job list --state failed)", p.Label(), p.Conn.LastError)
	}
}

func (e *env) runDispatch(once bool, every time.Duration) error {
	// A device worker, often a service: it carries what operators queued
	// and needs no login of its own.
	if err := e.openStore(openOptions{keyHolder: "dispatcher"}); err != nil {
		return err
	}
	d := e.newDispatcher(every)
	if once {
		defer d.Close()
		if err := d.Drain(e.ctx); err != nil {
			return err
		}
		if err := d.Poll(e.ctx); err != nil {
			return err
		}
		c, err := e.s.SyncCounts(e.actor, 0)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Done: %s.\n", countsText(c))
		return nil
	}
	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintln(e.stdout, "Carrying changes to the panels and mail; stop with ctrl+c.")
	e.log().Info("dispatcher started")
	err := d.Run(ctx)
	e.log().Info("dispatcher stopped")
	return err
}

func countsText(c store.SyncCounts) string {
	return fmt.Sprintf("%d pending, %d waiting for keypad steps, %d failed, %d users drift", c.Pending, c.Keypad, c.Failed, c.Drift)
}

// codeFlag is arm's and disarm's --code: ask for a user code to key in.
func codeFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("code", false, "ask for a user code to key in at the panel, for panels that need one (typed hidden, used for this command only, never kept)")
}

func (e *env) armDisarm(args []string, withCode bool, op func(p store.Panel, n int, code string) error, ask string) error {
	n, err := parseNumber(e.cmd, args[1], "N (the partition number)")
	if err != nil {
		return err
	}
	p, err := e.openPanel(args[0])
	if err != nil {
		return err
	}
	if ask != "" && e.actor.Can(store.PermArmDisarm) {
		if !e.terminal() {
			return &usageError{noUsage: true, msg: fmt.Sprintf("disarming partition %d of %s: add --yes to confirm (there is no terminal to ask on); nothing was changed", n, p.Label())}
		}
		if err := e.confirmTyped(fmt.Sprintf("Disarm partition %d of %s? Type yes: ", n, p.Label()), "yes", true); err != nil {
			return err
		}
	}
	code := ""
	if withCode {
		if code, err = e.readSecret(fmt.Sprintf("A user code of %s for partition %d: ", p.Label(), n), "code"); err != nil {
			return err
		}
	}
	if err := e.write(op(p, n, code)); err != nil {
		return err
	}
	e.applyNow(p.ID)
	parts, err := e.s.ListPartitions(e.actor, p.ID)
	if err != nil {
		return err
	}
	for _, pt := range parts {
		if pt.Number == n {
			fmt.Fprintf(e.stdout, "Partition %d (%s) of %s: %s; command %s.\n", n, pt.Label, p.Label(), pt.State, syncWords(pt.Sync))
		}
	}
	return nil
}

// syncWords is a Sync for a sentence.
func syncWords(s store.Sync) string {
	switch s.State {
	case "", store.SyncInSync:
		return "done, confirmed by the panel"
	case store.SyncPending:
		if s.Reason != "" {
			return "queued (" + s.Reason + ")"
		}
		return "queued"
	}
	return s.String()
}

func (e *env) userDrift(args []string) error {
	p, u, err := e.panelUser(args)
	if err != nil {
		return err
	}
	d, err := e.s.GetDrift(e.actor, p.ID, u.Slot)
	if err != nil {
		return err
	}
	w := newFields(e.stdout)
	w.add("Panel user", "%d (%s) of %s", u.Slot, u.DisplayLabel(), p.Label())
	w.add("Drift", "%s", strings.Join(d.Reasons, "; "))
	w.add("Detected", "%s", localTime(d.Detected, logTime))
	code := "none"
	if d.Seen.CodeSet {
		code = "set"
	}
	w.add("On the panel", "code %s, label %q, role %s, partitions %s", code, d.Seen.Label, dash(string(d.Seen.Role)), d.Seen.Partitions)
	gcode := "none"
	if u.CodeSet {
		gcode = "set"
	}
	w.add("In guardroom", "code %s, label %q, role %s, partitions %s", gcode, u.DisplayLabel(), u.Role, u.Partitions)
	w.add("Settle with", "guardroom user resolve %d %d push|accept", p.ID, u.Slot)
	return w.flush()
}

func (e *env) userResolve(args []string) error {
	choice := store.DriftChoice(strings.ToLower(strings.TrimSpace(args[2])))
	if choice != store.PushStore && choice != store.AcceptPanel {
		return usagef(e.cmd, "choose push (send guardroom's state to the panel) or accept (take the panel's), not %q", args[2])
	}
	p, slot, err := e.panelSlot(args[:2])
	if err != nil {
		return err
	}
	if err := e.write(e.s.ResolveDrift(e.actor, p.ID, slot, choice)); err != nil {
		return err
	}
	what := "takes the panel's state"
	if choice == store.PushStore {
		what = "is being sent guardroom's state"
	}
	return e.userDone(p, slot, what)
}

type jobJSON struct {
	Seq       uint64    `json:"seq"`
	Kind      string    `json:"kind"`
	Op        string    `json:"op"`
	Panel     uint64    `json:"panel,omitempty"`
	Slot      int       `json:"slot,omitempty"`
	Partition int       `json:"partition,omitempty"`
	Lock      uint64    `json:"lock,omitempty"`
	Tag       string    `json:"tag,omitempty"`
	To        string    `json:"to,omitempty"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	NextTry   time.Time `json:"next_try,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	Steps     []string  `json:"steps,omitempty"`
	By        string    `json:"by,omitempty"`
	Created   time.Time `json:"created"`
}

func jobRow(j store.Job) jobJSON {
	r := jobJSON{Seq: j.Seq, Kind: string(j.Kind), Op: string(j.Op), Panel: j.Panel, Slot: j.Slot, Partition: j.Partition, Lock: j.Lock, Tag: j.Tag,
		State: jobState(j), Attempts: j.Attempts, LastError: j.LastError, Steps: j.Steps, By: j.By, Created: j.Created}
	if j.State == store.JobPending {
		r.NextTry = j.NextTry
	}
	if j.Mail != nil {
		r.To = j.Mail.To
	}
	return r
}

func jobState(j store.Job) string {
	if j.Waiting() {
		return "keypad"
	}
	return string(j.State)
}

func jobTarget(j store.Job) string {
	switch {
	case j.Mail != nil:
		return "mail to " + j.Mail.To
	case j.ForPartition():
		return fmt.Sprintf("panel %d partition %d", j.Panel, j.Partition)
	case j.ForLockUser():
		return fmt.Sprintf("panel %d lock %d, user %d", j.Panel, j.Lock, j.Slot)
	case j.ForLock():
		return fmt.Sprintf("panel %d lock %d", j.Panel, j.Lock)
	case j.ForTag() && j.Lock != 0:
		return fmt.Sprintf("tag %s on panel %d lock %d, user %d", j.Tag, j.Panel, j.Lock, j.Slot)
	case j.ForTag():
		return fmt.Sprintf("tag %s on panel %d keypads, user %d", j.Tag, j.Panel, j.Slot)
	}
	return fmt.Sprintf("panel %d user %d", j.Panel, j.Slot)
}

func (e *env) jobList(state, panelRef string, asJSON bool) error {
	states := []string{"", "pending", "keypad", "failed", "done", "cancelled"}
	if !slices.Contains(states, state) {
		return usagef(e.cmd, "--state %q: choose pending, keypad, failed, done or cancelled", state)
	}
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	var f store.JobFilter
	if panelRef != "" {
		p, err := e.s.FindPanel(e.actor, panelRef)
		if err != nil {
			return err
		}
		f.Panel, f.Kind = p.ID, store.JobDevice
	}
	jobs, err := e.s.ListJobs(e.actor, f)
	if err != nil {
		return err
	}
	out := make([]jobJSON, 0, len(jobs))
	for _, j := range jobs {
		if state == "" || jobState(j) == state {
			out = append(out, jobRow(j))
		}
	}
	if asJSON {
		return writeJSON(e.stdout, out)
	}
	if len(out) == 0 {
		fmt.Fprintln(e.stdout, "No jobs.")
		return nil
	}
	t := newTable(e.stdout, "Job", "Created", "Operation", "For", "State", "Tries", "Last error")
	for i, r := range out {
		t.row(strconv.FormatUint(r.Seq, 10), localTime(r.Created, logTime), r.Op, jobTarget(jobs[indexOf(jobs, out[i].Seq)]), r.State, strconv.Itoa(r.Attempts), dash(r.LastError))
	}
	return t.flush()
}

func indexOf(jobs []store.Job, seq uint64) int {
	return slices.IndexFunc(jobs, func(j store.Job) bool { return j.Seq == seq })
}

func (e *env) findJob(ref string) (store.Job, error) {
	seq, err := strconv.ParseUint(strings.TrimSpace(ref), 10, 64)
	if err != nil || seq == 0 {
		return store.Job{}, usagef(e.cmd, "JOB must be a job number (guardroom job list)")
	}
	if err := e.openStore(openOptions{}); err != nil {
		return store.Job{}, err
	}
	return e.s.GetJob(e.actor, seq)
}

func (e *env) jobShow(ref string, asJSON bool) error {
	j, err := e.findJob(ref)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, jobRow(j))
	}
	w := newFields(e.stdout)
	w.add("Job", "%d: %s, %s", j.Seq, j.Op, jobTarget(j))
	w.add("State", "%s", jobState(j))
	w.add("Created", "%s", localTime(j.Created, logTime))
	w.add("Attempts", "%d", j.Attempts)
	if j.State == store.JobPending && !j.Waiting() && !j.NextTry.IsZero() {
		w.add("Next try", "%s", localTime(j.NextTry, logTime))
	}
	if j.LastError != "" {
		w.add("Last error", "%s", j.LastError)
	}
	if j.By != "" {
		w.add("By", "%s", j.By)
	}
	if err := w.flush(); err != nil {
		return err
	}
	if j.Waiting() {
		fmt.Fprintln(e.stdout, "\nAt the panel, key in (guardroom does not show codes: key in the code you typed):")
		for i, s := range j.Steps {
			fmt.Fprintf(e.stdout, "  %d. %s\n", i+1, s)
		}
		fmt.Fprintf(e.stdout, "\nThen: guardroom job confirm %d   (or guardroom job cancel %d)\n", j.Seq, j.Seq)
	}
	return nil
}

// jobDo runs an operator's action on a job, asking first when ask names it.
func (e *env) jobDo(ref string, op func(*store.Store, store.Actor, uint64) error, done, ask string) error {
	j, err := e.findJob(ref)
	if err != nil {
		return err
	}
	if ask != "" {
		if !e.terminal() {
			return &usageError{noUsage: true, msg: fmt.Sprintf("to %s job %d, add --yes (there is no terminal to ask on); nothing was changed", ask, j.Seq)}
		}
		if err := e.confirmTyped(fmt.Sprintf("%s job %d (%s, %s)? Type yes: ", upperFirst(ask), j.Seq, j.Op, jobTarget(j)), "yes", true); err != nil {
			return err
		}
	}
	if err := e.write(op(e.s, e.actor, j.Seq)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Job %d %s.\n", j.Seq, done)
	if j.Kind == store.JobDevice {
		e.applyNow(j.Panel)
	}
	return nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// panelSecret sets or clears one of a panel's secrets.
func (e *env) panelSecret(ref, kind string, clear bool) error {
	k := store.SecretKind(strings.ToLower(strings.TrimSpace(kind)))
	if !slices.Contains(store.SecretKinds(), k) {
		return usagef(e.cmd, "%q is not a panel secret: choose password, master-code or arm-code", kind)
	}
	p, err := e.openPanel(ref)
	if err != nil {
		return err
	}
	value := ""
	if !clear {
		prompt := fmt.Sprintf("The %s of %s: ", k, p.Label())
		if k == store.SecretPassword {
			value, err = e.readSecret(prompt, "password")
		} else {
			value, err = e.readCode(prompt)
		}
		if err != nil {
			return err
		}
	}
	if err := e.write(e.s.SetPanelSecret(e.actor, p.ID, k, value)); err != nil {
		return err
	}
	if clear {
		fmt.Fprintf(e.stdout, "The %s of %s is forgotten.\n", k, p.Label())
	} else {
		fmt.Fprintf(e.stdout, "The %s of %s is kept; guardroom never shows it.\n", k, p.Label())
	}
	return nil
}
