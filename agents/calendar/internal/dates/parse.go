// Package dates is the calendar agent's domain: it reads dates, times and
// places out of a sentence and does the date maths with Go's time package
// (time zones from the IANA database embedded in the binary, time/tzdata).
// Nothing here does I/O; the clock is passed in.
package dates

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Refused is an input this agent cannot answer; its message says why, for the caller.
type Refused struct{ Reason string }

func (r *Refused) Error() string { return r.Reason }

func refuse(format string, args ...any) error { return &Refused{fmt.Sprintf(format, args...)} }

var months = map[string]time.Month{}

func init() {
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		months[name] = m
		months[name[:3]] = m
	}
	months["sept"] = time.September
}

const monthWords = `(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)`

var (
	isoDate       = regexp.MustCompile(`\b(\d{4})-(\d{1,2})-(\d{1,2})\b`)
	dayMonthYear  = regexp.MustCompile(`\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?` + monthWords + `\.?(?:,?\s+(\d{4}))?\b`)
	monthDayYear  = regexp.MustCompile(`\b` + monthWords + `\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b`)
	relativeDay   = regexp.MustCompile(`\b(today|tomorrow|yesterday)\b`)
	clockTime     = regexp.MustCompile(`\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)|\b(\d{1,2}):(\d{2})\b|\b(noon|midday|midnight)\b`)
	countOfPeriod = regexp.MustCompile(`\b(\d{1,9})\s+(days?|weeks?|months?|years?)\b`)
)

// DateAt is one date a sentence names and where in it (byte offset), so a
// sentence naming two can be read in order.
type DateAt struct {
	Date time.Time // midnight UTC of the day
	At   int
	// YearGiven is false for "1 March": the caller picks the year.
	YearGiven bool
}

// FindDates lists the dates in text in the order written: ISO 2026-12-25,
// "25 December 2026", "December 25, 2026", "1 March" (no year), today,
// tomorrow, yesterday (from today). An impossible date (31 February) is Refused.
func FindDates(text string, today time.Time) ([]DateAt, error) {
	lower := strings.ToLower(text)
	var found []DateAt
	taken := make([]bool, len(lower)+1)
	add := func(at, end, year int, month time.Month, day int, yearGiven bool) error {
		for i := at; i < end; i++ {
			if taken[i] {
				return nil // part of a date already read (e.g. the day of an ISO date)
			}
		}
		date := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
		if date.Day() != day || date.Month() != month {
			return refuse("%d %s %d is not a date", day, month, year)
		}
		for i := at; i < end; i++ {
			taken[i] = true
		}
		found = append(found, DateAt{Date: date, At: at, YearGiven: yearGiven})
		return nil
	}
	for _, m := range isoDate.FindAllStringSubmatchIndex(lower, -1) {
		year, month, day := atoi(lower[m[2]:m[3]]), atoi(lower[m[4]:m[5]]), atoi(lower[m[6]:m[7]])
		if month < 1 || month > 12 {
			return nil, refuse("%s is not a date (month %d)", lower[m[0]:m[1]], month)
		}
		if err := add(m[0], m[1], year, time.Month(month), day, true); err != nil {
			return nil, err
		}
	}
	for _, m := range dayMonthYear.FindAllStringSubmatchIndex(lower, -1) {
		year, given := yearOf(lower, m[6], m[7], today)
		if err := add(m[0], m[1], year, months[lower[m[4]:m[5]]], atoi(lower[m[2]:m[3]]), given); err != nil {
			return nil, err
		}
	}
	for _, m := range monthDayYear.FindAllStringSubmatchIndex(lower, -1) {
		year, given := yearOf(lower, m[6], m[7], today)
		if err := add(m[0], m[1], year, months[lower[m[2]:m[3]]], atoi(lower[m[4]:m[5]]), given); err != nil {
			return nil, err
		}
	}
	for _, m := range relativeDay.FindAllStringIndex(lower, -1) {
		shift := map[string]int{"today": 0, "tomorrow": 1, "yesterday": -1}[lower[m[0]:m[1]]]
		day := today.AddDate(0, 0, shift)
		if err := add(m[0], m[1], day.Year(), day.Month(), day.Day(), true); err != nil {
			return nil, err
		}
	}
	sortByPosition(found)
	return found, nil
}

func yearOf(text string, start, end int, today time.Time) (int, bool) {
	if start < 0 {
		return today.Year(), false
	}
	return atoi(text[start:end]), true
}

func sortByPosition(found []DateAt) {
	for i := 1; i < len(found); i++ {
		for j := i; j > 0 && found[j].At < found[j-1].At; j-- {
			found[j], found[j-1] = found[j-1], found[j]
		}
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// ClockTime is the first time of day in text ("9am", "9:30 pm", "14:00",
// "noon", "midnight") as hours and minutes, and whether there was one.
func ClockTime(text string) (hour, minute int, ok bool, err error) {
	m := clockTime.FindStringSubmatch(strings.ToLower(text))
	switch {
	case m == nil:
		return 0, 0, false, nil
	case m[6] != "":
		if m[6] == "midnight" {
			return 0, 0, true, nil
		}
		return 12, 0, true, nil
	case m[4] != "":
		hour, minute = atoi(m[4]), atoi(m[5])
	default:
		hour, minute = atoi(m[1]), atoi(m[2])
		if hour < 1 || hour > 12 {
			return 0, 0, false, refuse("%s is not a time of day", strings.TrimSpace(m[0]))
		}
		hour %= 12
		if strings.HasPrefix(m[3], "p") {
			hour += 12
		}
	}
	if hour > 23 || minute > 59 {
		return 0, 0, false, refuse("%s is not a time of day", m[0])
	}
	return hour, minute, true, nil
}

// Period is a count of days, weeks, months or years ("90 days", "2 weeks").
type Period struct {
	Count int
	Unit  string // day, week, month, year
}

// FindPeriod is the first period in text, and whether there was one.
func FindPeriod(text string) (Period, bool) {
	m := countOfPeriod.FindStringSubmatch(strings.ToLower(text))
	if m == nil {
		return Period{}, false
	}
	return Period{Count: atoi(m[1]), Unit: strings.TrimSuffix(m[2], "s")}, true
}

// AddTo is date moved by the period (backwards when sign is -1); months and
// years keep the day of the month where it exists (Go's AddDate normalises
// 31 January + 1 month to 3 March, so the day is clamped to the month's end instead).
func (p Period) AddTo(date time.Time, sign int) time.Time {
	n := sign * p.Count
	switch p.Unit {
	case "week":
		return date.AddDate(0, 0, 7*n)
	case "month", "year":
		months := n
		if p.Unit == "year" {
			months = 12 * n
		}
		first := time.Date(date.Year(), date.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, months, 0)
		last := first.AddDate(0, 1, -1).Day()
		return first.AddDate(0, 0, min(date.Day(), last)-1)
	default:
		return date.AddDate(0, 0, n)
	}
}
