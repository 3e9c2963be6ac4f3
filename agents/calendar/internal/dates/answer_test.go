package dates

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A fixed clock: 8 December 2026, 10:00 UTC (a Tuesday).
var now = time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)

func TestAsk(t *testing.T) {
	cases := []struct {
		question string
		op       string
		contains []string
	}{
		{"what day of the week is 25 December 2026", OpWeekday, []string{"25 December 2026 is a Friday"}},
		{"Which weekday was July 4, 1776?", OpWeekday, []string{"Thursday"}},
		{"what day is 2027-02-28", OpWeekday, []string{"Sunday"}},
		{"what day of the week is tomorrow", OpWeekday, []string{"Wednesday"}},
		{"add 90 days to 2026-12-08", OpAdd, []string{"Monday 8 March 2027"}},
		{"what date is 2 weeks after 1 March 2027", OpAdd, []string{"15 March 2027"}},
		{"subtract 3 months from 2026-05-31", OpAdd, []string{"before", "28 February 2026"}},
		{"1 month after 31 January 2028", OpAdd, []string{"29 February 2028"}},
		{"what was the date 10 days ago", OpAdd, []string{"28 November 2026"}},
		{"100 days from today", OpAdd, []string{"18 March 2027"}},
		{"how many days between 2026-01-01 and 2026-03-01", OpDaysBetween, []string{"59 days"}},
		{"how many days until 1 March", OpDaysBetween, []string{"83 days", "1 March 2027"}},
		{"days until 25 December 2026", OpDaysBetween, []string{"17 days"}},
		{"how many days since 1 January 2026", OpDaysBetween, []string{"-341 days"}},
		{"what time is it in Tokyo when it is 9am in London", OpConvertTime, []string{"09:00", "London", "18:00 in Tokyo"}},
		{"convert 9:30 pm New York time to Paris", OpConvertTime, []string{"03:30 on Wednesday 9 December in Paris"}},
		{"14:00 in Asia/Kolkata in UTC", OpConvertTime, []string{"08:30 in UTC"}},
		{"what time is it in Sydney", OpConvertTime, []string{"21:00", "Sydney"}},
	}
	for _, c := range cases {
		t.Run(c.question, func(t *testing.T) {
			answer, err := Ask(c.question, now)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if answer.Operation != c.op {
				t.Errorf("operation %s, want %s (%s)", answer.Operation, c.op, answer.Text)
			}
			for _, want := range c.contains {
				if !strings.Contains(answer.Text, want) {
					t.Errorf("%q lacks %q", answer.Text, want)
				}
			}
		})
	}
}

func TestAskSummerTime(t *testing.T) {
	// In July London keeps BST (UTC+1): 9am there is 17:00 in Tokyo.
	july := time.Date(2027, 7, 1, 8, 0, 0, 0, time.UTC)
	answer, err := Ask("what time is it in Tokyo when it is 9am in London", july)
	if err != nil || !strings.Contains(answer.Text, "17:00 in Tokyo") {
		t.Fatalf("got %q, %v", answer.Text, err)
	}
}

func TestAskRefuses(t *testing.T) {
	cases := map[string]string{
		"what day is 31 February 2027":     "is not a date",
		"what day is 2027-13-01":           "is not a date",
		"tell me a joke":                   "no date, time or place found",
		"9am in Tokyo":                     "name the place",
		"what time is it in Tokyo at 25pm": "not a time of day",
		"add 99999999 days to 2026-01-01":  "too far",
	}
	for question, want := range cases {
		t.Run(question, func(t *testing.T) {
			_, err := Ask(question, now)
			var refused *Refused
			if !errors.As(err, &refused) || !strings.Contains(refused.Reason, want) {
				t.Fatalf("got %v, want a refusal with %q", err, want)
			}
		})
	}
}

func TestDo(t *testing.T) {
	cases := []struct {
		args Arguments
		want string
	}{
		{Arguments{Operation: OpWeekday, Date: "2026-12-25"}, "Friday"},
		{Arguments{Operation: OpAdd, Date: "2026-12-08", Amount: 90, Unit: "days"}, "8 March 2027"},
		{Arguments{Operation: OpAdd, Date: "2026-12-08", Amount: -1, Unit: "year"}, "8 December 2025"},
		{Arguments{Operation: OpDaysBetween, Date: "2026-01-01", Until: "2026-03-01"}, "59 days"},
		{Arguments{Operation: OpConvertTime, Time: "09:00", From: "London", To: "Asia/Tokyo"}, "18:00"},
	}
	for _, c := range cases {
		answer, err := Do(c.args, now)
		if err != nil || !strings.Contains(answer.Text, c.want) {
			t.Errorf("%+v: got %q, %v; want %q", c.args, answer.Text, err, c.want)
		}
	}
	for _, bad := range []Arguments{
		{Operation: "moon-phase"},
		{Operation: OpWeekday, Date: "25/12/2026"},
		{Operation: OpAdd, Amount: 3, Unit: "fortnight"},
		{Operation: OpConvertTime, From: "Atlantis", To: "UTC"},
		{Operation: OpConvertTime, From: "../../etc/passwd", To: "UTC"},
	} {
		var refused *Refused
		if _, err := Do(bad, now); !errors.As(err, &refused) {
			t.Errorf("%+v: got %v, want a refusal", bad, err)
		}
	}
}
