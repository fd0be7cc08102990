// Package themes holds the console's styles: dark, light and high-contrast
// themes, and a plain one for NO_COLOR. Screens take every colour from a
// Theme, never inline, so one switch recolours the whole console.
//
// Selection and state never rely on colour alone: the selected row has a
// marker and reverse video, and states are words ("failed", "pending"), so
// the console reads the same on a 16-colour or colourless terminal.
package themes

import (
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"
)

// Theme is a complete set of styles.
type Theme struct {
	Name string

	Header     lipgloss.Style // top bar: breadcrumb, operator, clock
	Badge      lipgloss.Style // read-only badge and the like
	Tab        lipgloss.Style
	TabActive  lipgloss.Style
	GridHeader lipgloss.Style
	Cell       lipgloss.Style
	Selected   lipgloss.Style
	Marker     string

	Footer       lipgloss.Style // key hints line
	HintKey      lipgloss.Style
	HintDisabled lipgloss.Style
	Status       lipgloss.Style
	StatusError  lipgloss.Style
	StatusOK     lipgloss.Style

	Modal       lipgloss.Style // dialog frame
	ModalTitle  lipgloss.Style
	Label       lipgloss.Style // field names in dialogs
	Button      lipgloss.Style
	ButtonFocus lipgloss.Style
	Danger      lipgloss.Style // destructive buttons and warnings

	Dim  lipgloss.Style
	Good lipgloss.Style // in sync, active, verified
	Warn lipgloss.Style // pending, not confirmed, low battery
	Bad  lipgloss.Style // failed, suspended, alarm, jammed
}

type palette struct {
	fg, bg, dim, accent, accentFg, barBg, barFg, good, warn, bad, selBg, selFg color.Color
}

func build(name string, p palette) Theme {
	s := lipgloss.NewStyle
	return Theme{
		Name:         name,
		Header:       s().Foreground(p.barFg).Background(p.barBg).Bold(true),
		Badge:        s().Foreground(p.accentFg).Background(p.warn).Bold(true),
		Tab:          s().Foreground(p.dim).Padding(0, 1),
		TabActive:    s().Foreground(p.accentFg).Background(p.accent).Bold(true).Padding(0, 1),
		GridHeader:   s().Foreground(p.accent).Bold(true).Underline(true),
		Cell:         s().Foreground(p.fg),
		Selected:     s().Foreground(p.selFg).Background(p.selBg).Bold(true).Reverse(p.selBg == nil),
		Marker:       "▶",
		Footer:       s().Foreground(p.dim),
		HintKey:      s().Foreground(p.accent).Bold(true),
		HintDisabled: s().Foreground(p.dim).Strikethrough(true),
		Status:       s().Foreground(p.fg),
		StatusError:  s().Foreground(p.bad).Bold(true),
		StatusOK:     s().Foreground(p.good),
		Modal:        s().Border(lipgloss.RoundedBorder()).BorderForeground(p.accent).Padding(0, 1),
		ModalTitle:   s().Foreground(p.accent).Bold(true),
		Label:        s().Foreground(p.dim),
		Button:       s().Foreground(p.fg).Padding(0, 1),
		ButtonFocus:  s().Foreground(p.accentFg).Background(p.accent).Bold(true).Padding(0, 1),
		Danger:       s().Foreground(p.bad).Bold(true),
		Dim:          s().Foreground(p.dim),
		Good:         s().Foreground(p.good),
		Warn:         s().Foreground(p.warn),
		Bad:          s().Foreground(p.bad).Bold(true),
	}
}

// Dark is for terminals with a dark background.
func Dark() Theme {
	return build("dark", palette{
		fg: lipgloss.Color("#D8DEE9"), dim: lipgloss.Color("#7B8494"), accent: lipgloss.Color("#5FAFFF"), accentFg: lipgloss.Color("#101418"),
		barBg: lipgloss.Color("#1F2A38"), barFg: lipgloss.Color("#E5E9F0"), good: lipgloss.Color("#87D787"), warn: lipgloss.Color("#FFD75F"),
		bad: lipgloss.Color("#FF5F5F"), selBg: lipgloss.Color("#3A4B63"), selFg: lipgloss.Color("#FFFFFF"),
	})
}

// Light is for terminals with a light background.
func Light() Theme {
	return build("light", palette{
		fg: lipgloss.Color("#1C2330"), dim: lipgloss.Color("#5C6370"), accent: lipgloss.Color("#005FAF"), accentFg: lipgloss.Color("#FFFFFF"),
		barBg: lipgloss.Color("#DDE5EE"), barFg: lipgloss.Color("#0B1520"), good: lipgloss.Color("#1E7B1E"), warn: lipgloss.Color("#8A6100"),
		bad: lipgloss.Color("#B00020"), selBg: lipgloss.Color("#B8D4F0"), selFg: lipgloss.Color("#000000"),
	})
}

// HighContrast uses only black, white and the strongest colours.
func HighContrast() Theme {
	t := build("high-contrast", palette{
		fg: lipgloss.Color("#FFFFFF"), dim: lipgloss.Color("#FFFFFF"), accent: lipgloss.Color("#FFFF00"), accentFg: lipgloss.Color("#000000"),
		barBg: lipgloss.Color("#000000"), barFg: lipgloss.Color("#FFFFFF"), good: lipgloss.Color("#00FF00"), warn: lipgloss.Color("#FFFF00"),
		bad: lipgloss.Color("#FF0000"), selBg: nil, selFg: nil,
	})
	t.Selected = lipgloss.NewStyle().Reverse(true).Bold(true)
	t.Dim = lipgloss.NewStyle()
	return t
}

// Plain has no colour at all (NO_COLOR): bold, underline and reverse video
// carry the structure.
func Plain() Theme {
	s := lipgloss.NewStyle
	return Theme{
		Name: "plain", Header: s().Reverse(true), Badge: s().Reverse(true).Bold(true),
		Tab: s().Padding(0, 1), TabActive: s().Reverse(true).Bold(true).Padding(0, 1),
		GridHeader: s().Bold(true).Underline(true), Cell: s(), Selected: s().Reverse(true), Marker: ">",
		Footer: s(), HintKey: s().Bold(true), HintDisabled: s().Faint(true), Status: s(),
		StatusError: s().Bold(true), StatusOK: s(), Modal: s().Border(lipgloss.NormalBorder()).Padding(0, 1),
		ModalTitle: s().Bold(true), Label: s(), Button: s().Padding(0, 1), ButtonFocus: s().Reverse(true).Padding(0, 1),
		Danger: s().Bold(true), Dim: s(), Good: s(), Warn: s(), Bad: s().Bold(true),
	}
}

// Names lists the themes ByName knows.
func Names() []string { return []string{"dark", "light", "high-contrast", "plain"} }

// ByName returns a theme by name ("auto" is resolved by the caller from
// the terminal's background).
func ByName(name string) (Theme, bool) {
	switch strings.ToLower(name) {
	case "dark":
		return Dark(), true
	case "light":
		return Light(), true
	case "high-contrast", "highcontrast", "contrast":
		return HighContrast(), true
	case "plain", "none", "no-color":
		return Plain(), true
	}
	return Theme{}, false
}
