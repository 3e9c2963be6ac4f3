package dates

import (
	"regexp"
	"sort"
	"strings"
	"time"
	// The IANA time zone database inside the binary: the image and the host
	// need no tzdata package, and every build answers alike.
	_ "time/tzdata"
)

// cities are the places people name more often than their IANA zone; any
// IANA name ("Asia/Tokyo") and UTC/GMT are read as well.
var cities = map[string]string{
	"london": "Europe/London", "paris": "Europe/Paris", "berlin": "Europe/Berlin",
	"madrid": "Europe/Madrid", "rome": "Europe/Rome", "amsterdam": "Europe/Amsterdam",
	"stockholm": "Europe/Stockholm", "oslo": "Europe/Oslo", "helsinki": "Europe/Helsinki",
	"athens": "Europe/Athens", "istanbul": "Europe/Istanbul", "moscow": "Europe/Moscow",
	"dublin": "Europe/Dublin", "lisbon": "Europe/Lisbon", "zurich": "Europe/Zurich",
	"new york": "America/New_York", "boston": "America/New_York", "toronto": "America/Toronto",
	"chicago": "America/Chicago", "denver": "America/Denver", "los angeles": "America/Los_Angeles",
	"san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
	"mexico city": "America/Mexico_City", "sao paulo": "America/Sao_Paulo", "são paulo": "America/Sao_Paulo",
	"buenos aires": "America/Argentina/Buenos_Aires", "honolulu": "Pacific/Honolulu",
	"tokyo": "Asia/Tokyo", "seoul": "Asia/Seoul", "beijing": "Asia/Shanghai", "shanghai": "Asia/Shanghai",
	"hong kong": "Asia/Hong_Kong", "singapore": "Asia/Singapore", "bangkok": "Asia/Bangkok",
	"jakarta": "Asia/Jakarta", "mumbai": "Asia/Kolkata", "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata",
	"bangalore": "Asia/Kolkata", "dubai": "Asia/Dubai", "tel aviv": "Asia/Jerusalem", "jerusalem": "Asia/Jerusalem",
	"cairo": "Africa/Cairo", "johannesburg": "Africa/Johannesburg", "nairobi": "Africa/Nairobi",
	"lagos": "Africa/Lagos", "sydney": "Australia/Sydney", "melbourne": "Australia/Melbourne",
	"perth": "Australia/Perth", "auckland": "Pacific/Auckland",
	"utc": "UTC", "gmt": "UTC",
}

var ianaName = regexp.MustCompile(`\b([A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_+-]+)+)\b`)

// cityPattern matches any city name as whole words, longest names first
// ("new delhi" before "delhi").
var cityPattern = func() *regexp.Regexp {
	names := make([]string, 0, len(cities))
	for name := range cities {
		names = append(names, regexp.QuoteMeta(name))
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	return regexp.MustCompile(`\b(` + strings.Join(names, "|") + `)\b`)
}()

// Place is a time zone a sentence names, as written and as loaded.
type Place struct {
	Name     string
	Location *time.Location
	At       int
}

// FindPlaces lists the places in text in the order written.
func FindPlaces(text string) []Place {
	var places []Place
	lower := strings.ToLower(text)
	for _, m := range cityPattern.FindAllStringIndex(lower, -1) {
		name := text[m[0]:m[1]]
		location, err := time.LoadLocation(cities[lower[m[0]:m[1]]])
		if err == nil {
			places = append(places, Place{Name: name, Location: location, At: m[0]})
		}
	}
	for _, m := range ianaName.FindAllStringIndex(text, -1) {
		if location, err := LoadZone(text[m[0]:m[1]]); err == nil {
			places = append(places, Place{Name: text[m[0]:m[1]], Location: location, At: m[0]})
		}
	}
	sort.SliceStable(places, func(i, j int) bool { return places[i].At < places[j].At })
	return places
}

// LoadZone is the zone of an IANA name or a known city; Refused otherwise.
func LoadZone(name string) (*time.Location, error) {
	if zone, ok := cities[strings.ToLower(strings.TrimSpace(name))]; ok {
		name = zone
	}
	if strings.Contains(name, "..") || name == "" || name == "Local" {
		return nil, refuse("unknown time zone %q", name)
	}
	location, err := time.LoadLocation(name)
	if err != nil {
		return nil, refuse("unknown time zone %q: name an IANA zone such as Asia/Tokyo, or a large city", name)
	}
	return location, nil
}
