package tagid_test

import (
	"errors"
	"fmt"

	"github.com/guardroom/guardroom/store/tagid"
)

func ExampleParse() {
	for _, s := range []string{
		"04:a1:b2:c3:d4:e5:f6",
		"090:0324",
		"0 01011010 0000000101000100 0",
		"w26:0xB40288",
		"300:5",
		"H10306:1:1",
		"H10302:12345678",
	} {
		id, err := tagid.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-30q %-7s %s\n", s, id.Format, id)
	}
	// Output:
	// "04:a1:b2:c3:d4:e5:f6"         UID     04A1B2C3D4E5F6
	// "090:0324"                     H10301  90:324
	// "0 01011010 0000000101000100 0" H10301  90:324
	// "w26:0xB40288"                 H10301  90:324
	// "300:5"                        H10306  300:5
	// "H10306:1:1"                   H10306  H10306:1:1
	// "H10302:12345678"              H10302  H10302:12345678
}

func ExampleParse_parity() {
	_, err := tagid.Parse("00111101000000001010001000") // 90:324 with its fifth bit misread
	fmt.Println(errors.Is(err, tagid.ErrParity))
	fmt.Println(err)
	// Output:
	// true
	// parity: in this 26-bit H10301 frame the even parity bit (bit 1) does not match bits 2-13: the card number was mistyped or the reader misread it; read the card again, or type the facility:card printed on it (90:324)
}

func ExampleID_Bits() {
	id, _ := tagid.Parse("90:324")
	v, n := id.Bits()
	fmt.Printf("%d bits, %#x, %s\n", n, v, id.BitString())
	// Output:
	// 26 bits, 0xb40288, 00101101000000001010001000
}

func ExampleParseAs() {
	// An import column says the cards are 34-bit, so "1:1" is not the
	// 26-bit card Parse would take it for.
	f, _ := tagid.ParseFormat("34-bit")
	id, _ := tagid.ParseAs("1:1", f)
	fmt.Println(id, id.BitString())
	// Output:
	// H10306:1:1 1000000000000000100000000000000010
}
