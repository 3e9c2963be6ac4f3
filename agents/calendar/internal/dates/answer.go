package dates

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The operations, as Arguments.Operation names them.
const (
	OpWeekday     = "weekday"
	OpDaysBetween = "days-between"
	OpAdd         = "add"
	OpConvertTime = "convert-time"
)

// Arguments are the skill's structured arguments (the card's argumentsSchema):
// a planner may send them as a data part instead of a sentence.
type Arguments struct {
	Operation string `json:"operation"`
	Date      string `json:"date,omitempty"`   // YYYY-MM-DD (weekday, add, days-between: the first day, default today)
	Until     string `json:"until,omitempty"`  // YYYY-MM-DD (days-between: the last day)
	Amount    int    `json:"amount,omitempty"` // add: how many units, negative to go back
	Unit      string `json:"unit,omitempty"`   // add: day, week, month or year
	Time      string `json:"time,omitempty"`   // convert-time: HH:MM (default now)
	From      string `json:"from,omitempty"`   // convert-time: IANA zone or city of Time
	To        string `json:"to,omitempty"`     // convert-time: the zone to say it in
}

// Answer is one answer: a sentence and the facts in it.
type Answer struct {
	Operation string `json:"operation"`
	Text      string `json:"text"`
	Date      string `json:"date,omitempty"`    // the day answered, YYYY-MM-DD
	Weekday   string `json:"weekday,omitempty"` // its day of the week
	Days      *int   `json:"days,omitempty"`    // days-between: the signed count of days
	Time      string `json:"time,omitempty"`    // convert-time: RFC 3339 in the target zone
}

const isoLayout = "2006-01-02"

func longDate(d time.Time) string { return d.Format("Monday 2 January 2006") }

// Weekday answers which day of the week date is.
func Weekday(date time.Time) Answer {
	return Answer{
		Operation: OpWeekday, Date: date.Format(isoLayout), Weekday: date.Weekday().String(),
		Text: fmt.Sprintf("%s is a %s.", date.Format("2 January 2006"), date.Weekday()),
	}
}

// DaysBetween answers how many days lie from one day to another (negative when to is earlier).
func DaysBetween(from, to time.Time) Answer {
	days := int(to.Sub(from).Round(24*time.Hour) / (24 * time.Hour))
	return Answer{
		Operation: OpDaysBetween, Date: to.Format(isoLayout), Weekday: to.Weekday().String(), Days: &days,
		Text: fmt.Sprintf("%d days from %s to %s.", days, longDate(from), longDate(to)),
	}
}

// Add answers the day sign*period after date.
func Add(date time.Time, period Period, sign int) Answer {
	result := period.AddTo(date, sign)
	word := "after"
	if sign < 0 {
		word = "before"
	}
	unit := period.Unit
	if period.Count != 1 {
		unit += "s"
	}
	return Answer{
		Operation: OpAdd, Date: result.Format(isoLayout), Weekday: result.Weekday().String(),
		Text: fmt.Sprintf("%d %s %s %s is %s.", period.Count, unit, word, date.Format("2 January 2006"), longDate(result)),
	}
}

// ConvertTime answers what the wall-clock time at (in its zone) is in zone to.
func ConvertTime(at time.Time, fromName string, to *time.Location, toName string) Answer {
	there := at.In(to)
	day := ""
	if there.YearDay() != at.YearDay() || there.Year() != at.Year() {
		day = " on " + there.Format("Monday 2 January")
	}
	return Answer{
		Operation: OpConvertTime, Date: there.Format(isoLayout), Weekday: there.Weekday().String(),
		Time: there.Format(time.RFC3339),
		Text: fmt.Sprintf("When it is %s in %s, it is %s%s in %s.",
			at.Format("15:04 (Mon 2 Jan)"), fromName, there.Format("15:04"), day, toName),
	}
}

var (
	wantsTime    = regexp.MustCompile(`\b(time|o'clock|clock)\b`)
	wantsBetween = regexp.MustCompile(`\b(how many days|how long|days (until|till|to|since|between|left)|until|till|since|between|countdown)\b`)
	goesBack     = regexp.MustCompile(`\b(subtract|minus|before|ago|earlier|back)\b`)
	goesForward  = regexp.MustCompile(`\b(add|plus|after|from|later|in)\b`)
)

// Ask answers a plain sentence: "what day of the week is 25 December 2026",
// "how many days until 1 March", "add 90 days to 2026-12-08", "what time is
// it in Tokyo when it is 9am in London". now is the current time (UTC); a
// sentence that asks none of these is Refused with an example.
func Ask(text string, now time.Time) (Answer, error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	lower := strings.ToLower(text)
	found, err := FindDates(text, today)
	if err != nil {
		return Answer{}, err
	}
	places := FindPlaces(text)
	if len(places) > 0 && (wantsTime.MatchString(lower) || len(places) >= 2 || clockTime.MatchString(lower)) {
		return askTime(text, now, places)
	}
	if period, ok := FindPeriod(text); ok {
		date := today
		if len(found) > 0 {
			date = found[0].Date
		}
		sign := 1
		if goesBack.MatchString(lower) && !goesForward.MatchString(strings.Split(lower, " from ")[0]) {
			sign = -1
		}
		if period.Count > 100000 {
			return Answer{}, refuse("%d %ss is too far", period.Count, period.Unit)
		}
		return Add(date, period, sign), nil
	}
	switch {
	case len(found) >= 2:
		return DaysBetween(found[0].Date, found[1].Date), nil
	case len(found) == 1 && wantsBetween.MatchString(lower):
		target := found[0].Date
		if !found[0].YearGiven && target.Before(today) {
			target = target.AddDate(1, 0, 0) // "until 1 March": the next one
		}
		return DaysBetween(today, target), nil
	case len(found) == 1:
		return Weekday(found[0].Date), nil
	}
	return Answer{}, refuse(`no date, time or place found; ask e.g. "what day of the week is 25 December 2026", ` +
		`"how many days until 1 March", "add 90 days to 2026-12-08" or "what time is it in Tokyo when it is 9am in London"`)
}

// askTime converts a time of day between the two places of the sentence: the
// time is in the place written right after it ("9am in London"), the answer
// in the other. With one place and no time of day, it is the time there now.
func askTime(text string, now time.Time, places []Place) (Answer, error) {
	hour, minute, hasClock, err := ClockTime(text)
	if err != nil {
		return Answer{}, err
	}
	if len(places) == 1 {
		if hasClock {
			return Answer{}, refuse("name the place of %02d:%02d and the place to say it in, e.g. \"9am in London in Tokyo\"", hour, minute)
		}
		return ConvertTime(now.UTC(), "UTC", places[0].Location, places[0].Name), nil
	}
	source, target := places[1], places[0]
	if at := clockTime.FindStringIndex(strings.ToLower(text)); at != nil && places[0].At > at[0] {
		source, target = places[0], places[1]
	}
	local := now.In(source.Location)
	if hasClock {
		local = time.Date(local.Year(), local.Month(), local.Day(), hour, minute, 0, 0, source.Location)
	}
	return ConvertTime(local, source.Name, target.Location, target.Name), nil
}

// Do answers structured Arguments (a planner's), with the same operations as Ask.
func Do(args Arguments, now time.Time) (Answer, error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	day := func(value string, fallback time.Time) (time.Time, error) {
		if value == "" {
			return fallback, nil
		}
		parsed, err := time.Parse(isoLayout, value)
		if err != nil {
			return parsed, refuse("%q is not a date as YYYY-MM-DD", value)
		}
		return parsed, nil
	}
	date, err := day(args.Date, today)
	if err != nil {
		return Answer{}, err
	}
	switch args.Operation {
	case OpWeekday:
		return Weekday(date), nil
	case OpDaysBetween:
		until, err := day(args.Until, today)
		if err != nil {
			return Answer{}, err
		}
		return DaysBetween(date, until), nil
	case OpAdd:
		unit := strings.TrimSuffix(strings.ToLower(args.Unit), "s")
		if unit == "" {
			unit = "day"
		}
		if unit != "day" && unit != "week" && unit != "month" && unit != "year" {
			return Answer{}, refuse("unit must be day, week, month or year, not %q", args.Unit)
		}
		if args.Amount > 100000 || args.Amount < -100000 {
			return Answer{}, refuse("%d %ss is too far", args.Amount, unit)
		}
		sign := 1
		if args.Amount < 0 {
			sign = -1
		}
		return Add(date, Period{Count: sign * args.Amount, Unit: unit}, sign), nil
	case OpConvertTime:
		return convertArguments(args, now)
	}
	return Answer{}, refuse("operation must be one of %s, %s, %s, %s", OpWeekday, OpDaysBetween, OpAdd, OpConvertTime)
}

func convertArguments(args Arguments, now time.Time) (Answer, error) {
	from, err := LoadZone(args.From)
	if err != nil {
		return Answer{}, err
	}
	to, err := LoadZone(args.To)
	if err != nil {
		return Answer{}, err
	}
	local := now.In(from)
	if args.Time != "" {
		clock, err := time.Parse("15:04", args.Time)
		if err != nil {
			return Answer{}, refuse("%q is not a time as HH:MM", args.Time)
		}
		local = time.Date(local.Year(), local.Month(), local.Day(), clock.Hour(), clock.Minute(), 0, 0, from)
	}
	return ConvertTime(local, args.From, to, args.To), nil
}
