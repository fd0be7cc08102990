package main

import (
	"strings"
	"testing"
)

func TestPanelCommands(t *testing.T) {
	s := newSite(t).withPanel()
	s.ok("", "panel", "add", "--name", "Gate", "--family", "neo-hs2064", "--imei", imei("35693803564380"),
		"--unit", "Organization / HQ", "--code-length", "6", "--duress-plus-one=true", "--address", "10.0.0.5:502")

	r := s.ok("", "panel", "list")
	for _, want := range []string{"Main office", "Gate", "DSC PowerSeries PC1864", imeiMain, "Organization / HQ", "0/95"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("panel list lacks %q:\n%s", want, r.stdout)
		}
	}
	var panels []panelJSON
	s.jsonOut(&panels, "panel", "list")
	if len(panels) != 2 || panels[1].Name != "Gate" || panels[1].CodeLength != 6 || !panels[1].DuressPlusOne || panels[0].MasterSlot != 40 {
		t.Errorf("panel list --json: %+v", panels)
	}
	for _, ref := range []string{"1", "main office", imeiMain} {
		if r := s.ok("", "panel", "show", ref); !strings.Contains(r.stdout, "panel 1 (Main office)") || !strings.Contains(r.stdout, "Partition 8") {
			t.Errorf("panel show %s:\n%s", ref, r.stdout)
		}
	}
	var p panelJSON
	s.jsonOut(&p, "panel", "show", "Gate")
	if p.Address != "10.0.0.5:502" || p.Partitions != 8 {
		t.Errorf("panel show --json: %+v", p)
	}

	var fams []familyJSON
	s.jsonOut(&fams, "panel", "families")
	if len(fams) < 5 || fams[0].ID != "dsc-pc1616" {
		t.Errorf("families: %+v", fams)
	}
	if r := s.ok("", "panel", "families"); !strings.Contains(r.stdout, "Qolsys (IQ)") || !strings.Contains(r.stdout, "Master slot") {
		t.Errorf("families table:\n%s", r.stdout)
	}

	refusals := []struct {
		name string
		args []string
		want string
	}{
		{"duplicate IMEI", []string{"--name", "X", "--family", "dsc-pc1616", "--imei", imeiMain, "--unit", "HQ"}, "belongs to another panel"},
		{"duplicate name", []string{"--name", "main office", "--family", "dsc-pc1616", "--imei", imei("35693803564381"), "--unit", "HQ"}, "has that name already"},
		{"bad IMEI", []string{"--name", "X", "--family", "dsc-pc1616", "--imei", "490154203237519", "--unit", "HQ"}, "check digit"},
		{"unknown family", []string{"--name", "X", "--family", "acme", "--imei", imei("35693803564382"), "--unit", "HQ"}, "unknown panel family"},
		{"bad code length", []string{"--name", "X", "--family", "dsc-pc1616", "--imei", imei("35693803564383"), "--unit", "HQ", "--code-length", "5"}, "codes of 4 or 6 digits"},
		{"unknown unit", []string{"--name", "X", "--family", "dsc-pc1616", "--imei", imei("35693803564384"), "--unit", "Mars"}, "no organization unit"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			s.fail(1, tt.want, "", append([]string{"panel", "add"}, tt.args...)...)
		})
	}
	s.fail(1, "no panel", "", "panel", "show", "99")
	s.fail(1, "no panel", "", "panel", "show", "Nowhere")
}

func TestPartitionCommands(t *testing.T) {
	s := newSite(t).withPanel()
	s.ok("2580\n", "user", "set-code", "1", "7", "--partitions", "1,2")
	s.ok("", "partition", "label", "1", "2", "Warehouse")
	r := s.ok("", "partition", "list", "Main office")
	if !strings.Contains(r.stdout, "Warehouse") {
		t.Errorf("partition list:\n%s", r.stdout)
	}
	var parts []struct {
		Number int    `json:"number"`
		Label  string `json:"label"`
		State  string `json:"state"`
		Users  int    `json:"users"`
	}
	s.jsonOut(&parts, "partition", "list", "1")
	if len(parts) != 8 || parts[1].Label != "Warehouse" || parts[1].Users != 1 || parts[2].Users != 0 || parts[0].State != "disarmed" {
		t.Errorf("partition list --json: %+v", parts)
	}
	s.fail(1, "has partitions 1-8", "", "partition", "label", "1", "9", "Roof")
	s.fail(1, "label is empty", "", "partition", "label", "1", "3", " ")
	s.fail(2, "N (the partition number) must be a number", "", "partition", "label", "1", "x", "Roof")
}
